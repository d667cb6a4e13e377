"""PostgreSQL connection settings in the shapes our libraries want, and the schema step."""

from collections.abc import Mapping

import psycopg
from psycopg import conninfo, sql
from psycopg_pool import AsyncConnectionPool

from domain.records import Records
from projections.schema import create_read_models
from services.audit.checkpoints import CHECKPOINTS_DDL
from services.audit.verification_log import VERIFICATIONS_TABLE
from services.database_roles import grant_service_roles
from services.database_urls import SERVICE_NAMES, service_database_url, service_role
from services.ingest.parking import PARKED_TABLE
from services.personal_data import KEY_FUNCTION, KEYS_INDEX, KEYS_TABLE
from services.store_roles import (
    check_services_role,
    ensure_role,
    grant_services,
    hand_over_the_rest,
    password_of,
    role_of,
)
from services.tokens import TOKENS_COLUMNS, TOKENS_NOTIFY, TOKENS_TABLE


def eventsourcing_env(database_url: str, *, create_table: bool = False) -> dict[str, str]:
    """eventsourcing reads its settings from a mapping of POSTGRES_* names, not from a URL."""
    parts = conninfo.conninfo_to_dict(database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(parts.get("dbname", "")),
        "POSTGRES_HOST": str(parts.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(parts.get("port", "5432")),
        "POSTGRES_USER": str(parts.get("user", "")),
        "POSTGRES_PASSWORD": str(parts.get("password", "")),
        # The default 0 waits forever for the store's table lock; fail, then retry, instead.
        "POSTGRES_LOCK_TIMEOUT": "10",
        "POSTGRES_PRE_PING": "y",
        "CREATE_TABLE": "y" if create_table else "n",
        # The library's recorder plus the hash chain and append-only triggers (services/event_store.py).
        "APPLICATION_RECORDER_TOPIC": "services.event_store:ChainedApplicationRecorder",
    }


def open_records(database_url: str, *, cached_records: int = 0) -> Records:
    """The application over an already provisioned store (tables are never created here).

    ``cached_records``: keep that many records in memory between commands (ingest). Only for the
    one writer of those records: a record is not re-read before use, and a save that meets
    another writer's change forgets it (the command is then retried on the stored state).
    """
    env = eventsourcing_env(database_url)
    if cached_records > 0:
        env |= {
            "AGGREGATE_CACHE_MAXSIZE": str(cached_records),
            "AGGREGATE_CACHE_FASTFORWARD": "n",
            # No copy per read (it was 14% of ingest's time): Records forgets a record whose change failed.
            "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
        }
    return Records(env=env)


def create_database_if_missing(admin_url: str, name: str) -> bool:
    """``CREATE DATABASE`` cannot run in a transaction or take IF NOT EXISTS: look first."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def provision_schema(
    database_url: str, owner_database_url: str | None = None, service_urls: Mapping[str, str] | None = None
) -> bool:
    """The event store's tables (through the library's recorder, chained), the checkpoints, the read models'
    and the API tokens'. With an owner other than the services' role, the services may only append to the
    store (``services.store_roles``), and each service gets a login of its own allowed only its job
    (``services.database_roles``; ``service_urls``: their URLs, default derived; an empty mapping: the
    services share one role). True when the roles are separate."""
    if service_urls is None:
        service_urls = {service: service_database_url(database_url, service) for service in SERVICE_NAMES}
    owner_url = owner_database_url or database_url
    Records(env=eventsourcing_env(owner_url, create_table=True)).close()
    services_role = role_of(database_url)
    # As the owner, nothing but pg_catalog is on the path: the services' role may create functions and
    # operators in public, and an unqualified call could pick one of theirs (CVE-2018-1058).
    with psycopg.connect(owner_url, options="-c search_path=pg_catalog") as conn:
        separate = role_of(owner_url) != services_role
        with conn.transaction():
            for statement in CHECKPOINTS_DDL:
                conn.execute(statement)
            if separate:
                ensure_role(conn, services_role, password_of(database_url))
                check_services_role(conn, services_role, role_of(owner_url))
                grant_services(conn, services_role, str(conn.info.dbname))
                hand_over_the_rest(conn, services_role, keep=[service_role(services_role, s) for s in SERVICE_NAMES])
                conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(services_role)))
            conn.execute("SET LOCAL search_path = public")  # the read models: the services' own tables
            create_read_models(conn)
            keys_owner = conn.execute(
                "SELECT pg_catalog.pg_get_userbyid(relowner) FROM pg_catalog.pg_class "
                "WHERE oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass('public.personal_keys')"
            ).fetchone()
            if keys_owner is None or keys_owner[0] == services_role:  # not yet handed to ingest
                conn.execute(KEYS_TABLE)
                conn.execute(KEYS_INDEX)
                conn.execute(KEY_FUNCTION)
            conn.execute(TOKENS_TABLE)
            for column in TOKENS_COLUMNS:
                conn.execute(column)
            for notify in TOKENS_NOTIFY:
                conn.execute(notify)
            conn.execute(VERIFICATIONS_TABLE)
            conn.execute(PARKED_TABLE)
            if separate and service_urls:
                conn.execute("RESET ROLE")
                conn.execute("SET LOCAL search_path = pg_catalog")
                passwords = {service: password_of(url) for service, url in service_urls.items()}
                grant_service_roles(conn, services_role, str(conn.info.dbname), passwords)
    return separate


def read_pool(database_url: str, max_size: int = 10) -> AsyncConnectionPool:
    """An async pool for the API and the projection worker; opened by its user."""
    return AsyncConnectionPool(database_url, min_size=1, max_size=max_size, open=False)
