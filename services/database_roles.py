"""One database login per service, each allowed its own job and nothing else.

With the store's owner separate from the services' role (``services.store_roles``), provisioning
makes one login role per service, named after the services' role (``jejak`` -> ``jejak_ingest``,
``jejak_relay``, ``jejak_projections``, ``jejak_checkpoints``, ``jejak_api``):

- **ingest** appends events and snapshots, owns the keys of personal data, parks submissions;
- **relay** reads the store;
- **projections** writes the read models and their positions, and reads nothing else;
- **checkpoints** reads the store and records checkpoints through the owner's function;
- **api** reads the store, the read models and the tokens; it notes when a token was last used
  and logs verifications. It cannot read a personal key, insert an event, mint or change a
  token, or read a parked submission's bytes.

The services' role itself becomes the operator's login: it owns the read models (it rebuilds
them), the tokens (it makes and revokes them) and the parked submissions (it replays them), may
read the store and sign a checkpoint, and may neither append to the store nor read a personal key.

Each service logs in with ``JEJAK_<SERVICE>_DATABASE_URL`` when set (compose gives each
container only its own), else with the services' URL under its own user name (the embedded
server trusts loopback; elsewhere the same password is used unless the service's URL is given).
"""

from typing import Any

import psycopg
from psycopg import sql

from projections.worker import PROJECTIONS
from services.audit.checkpoints import (
    CHECKPOINTS_TABLE,
    EVENTS_TABLE,
    HEAD_TABLE,
    SNAPSHOTS_TABLE,
    STORE_CHECKPOINT_FUNCTION,
    STORE_SCHEMA,
)
from services.audit.verification_log import TABLE as VERIFICATIONS_TABLE
from services.database_urls import API, CHECKPOINTS, INGEST, RELAY, SERVICE_NAMES, service_role
from services.database_urls import PROJECTIONS as PROJECTIONS_SERVICE
from services.store_roles import check_services_role, ensure_role
from services.tokens import TABLE as TOKENS_TABLE

TRACKING_TABLE_NAME = "projection_position"
KEYS_TABLE_NAME = "personal_keys"
KEY_FUNCTION_NAME = "personal_key(uuid, uuid, bytea)"
PARKED_TABLE_NAME = "parked_submission"
PARKED_LISTED_COLUMNS = (
    "id", "inbox_sequence", "subject", "source", "event_type", "event_id", "error", "attempts", "parked_at",
    "replayed_at", "replayed_as",
)  # fmt: skip
"""What the API may read of a parked submission: everything but its bytes (``original``)."""


def read_model_tables() -> tuple[str, ...]:
    """Every table the projections write, positions included."""
    return (TRACKING_TABLE_NAME, *(table for projection in PROJECTIONS for table in projection.tables))


def _table(name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(STORE_SCHEMA), sql.Identifier(name))


def _tables(names: tuple[str, ...]) -> sql.Composed:
    return sql.SQL(", ").join(_table(name) for name in names)


def grants(services_role: str) -> list[sql.Composed]:
    """Every grant of the services' logins and of the operator (the services' role), as the owner makes them.

    Run after the tables exist and ``store_roles.grant_services`` gave the operator its share.
    """
    operator = sql.Identifier(services_role)
    role = {service: sql.Identifier(service_role(services_role, service)) for service in SERVICE_NAMES}
    store = (EVENTS_TABLE, HEAD_TABLE, CHECKPOINTS_TABLE, SNAPSHOTS_TABLE)
    models = _tables(read_model_tables())
    everyone = sql.SQL(", ").join([operator, *role.values()])

    def grant(what: str, on: sql.Composable, to: sql.Composable) -> sql.Composed:
        return sql.SQL("GRANT " + what + " ON {} TO {}").format(on, to)

    function = sql.SQL("FUNCTION {}.{}").format(sql.Identifier(STORE_SCHEMA), sql.SQL(KEY_FUNCTION_NAME))
    checkpoint = sql.SQL("FUNCTION {}.{}(bigint, bytea, text, text, bytea)").format(
        sql.Identifier(STORE_SCHEMA), sql.Identifier(STORE_CHECKPOINT_FUNCTION)
    )
    lock = sql.SQL("FUNCTION {}.{}()").format(sql.Identifier(STORE_SCHEMA), sql.Identifier(f"{EVENTS_TABLE}_lock"))
    sequence = sql.SQL("SEQUENCE {}").format(_table(f"{EVENTS_TABLE}_notification_id_seq"))
    return [
        # The operator reads the store and may sign, never appends: what grant_services gave it is taken back.
        sql.SQL("REVOKE INSERT ON {} FROM {}").format(_tables((EVENTS_TABLE, SNAPSHOTS_TABLE)), operator),
        sql.SQL("REVOKE USAGE ON {} FROM {}").format(sequence, operator),
        sql.SQL("REVOKE EXECUTE ON {} FROM {}").format(lock, operator),
        sql.SQL("REVOKE EXECUTE ON {} FROM PUBLIC").format(function),
        sql.SQL("REVOKE ALL ON {} FROM PUBLIC, {}").format(_table(KEYS_TABLE_NAME), operator),
        grant("USAGE", sql.SQL("SCHEMA {}").format(sql.Identifier(STORE_SCHEMA)), everyone),
        # ingest: appends, keeps the keys, parks.
        sql.SQL("GRANT SELECT, INSERT (originator_id, originator_version, topic, state) ON {} TO {}").format(
            _table(EVENTS_TABLE), role[INGEST]
        ),
        grant("SELECT, INSERT", _table(SNAPSHOTS_TABLE), role[INGEST]),
        grant("SELECT", _tables((HEAD_TABLE, CHECKPOINTS_TABLE)), role[INGEST]),
        grant("USAGE", sequence, role[INGEST]),
        grant("EXECUTE", lock, role[INGEST]),
        grant("SELECT, INSERT, DELETE", _table(KEYS_TABLE_NAME), role[INGEST]),
        grant("EXECUTE", function, role[INGEST]),
        grant("SELECT, INSERT, UPDATE", _table(PARKED_TABLE_NAME), role[INGEST]),
        grant("USAGE", sql.SQL("SEQUENCE {}").format(_table(f"{PARKED_TABLE_NAME}_id_seq")), role[INGEST]),
        # relay: reads the store.
        grant("SELECT", _tables((EVENTS_TABLE, HEAD_TABLE)), role[RELAY]),
        # projections: the read models only.
        grant("SELECT, INSERT, UPDATE, DELETE", models, role[PROJECTIONS_SERVICE]),
        # checkpoints: reads the store, records through the owner's function.
        grant("SELECT", _tables((EVENTS_TABLE, HEAD_TABLE, CHECKPOINTS_TABLE)), role[CHECKPOINTS]),
        grant("EXECUTE", checkpoint, role[CHECKPOINTS]),
        # api: reads; notes a token's last use; logs verifications; lists parked submissions without their bytes.
        grant("SELECT", _tables(store), role[API]),
        grant("SELECT", models, role[API]),
        grant("SELECT", _table(TOKENS_TABLE), role[API]),
        sql.SQL("GRANT UPDATE (last_used_at) ON {} TO {}").format(_table(TOKENS_TABLE), role[API]),
        grant("SELECT, INSERT", _table(VERIFICATIONS_TABLE), role[API]),
        grant(
            "USAGE",
            sql.SQL("SEQUENCE {}").format(_table(f"{VERIFICATIONS_TABLE}_verification_id_seq")),
            role[API],
        ),
        sql.SQL("GRANT SELECT ({}) ON {} TO {}").format(
            sql.SQL(", ").join(sql.Identifier(column) for column in PARKED_LISTED_COLUMNS),
            _table(PARKED_TABLE_NAME),
            role[API],
        ),
    ]


def grant_service_roles(
    conn: psycopg.Connection[Any], services_role: str, database: str, passwords: dict[str, str | None]
) -> None:
    """Make each service's login (with the password its URL carries) and give it its share; as the owner,
    after the tables exist. The keys of personal data change hands to ingest, so no other login reads them."""
    for service in SERVICE_NAMES:
        role = service_role(services_role, service)
        ensure_role(conn, role, passwords.get(service))
        check_services_role(conn, role, str(conn.info.user))
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), sql.Identifier(role))
        )
        # Only the store's schema and the catalog: no schema of the operator's naming comes first.
        conn.execute(sql.SQL("ALTER ROLE {} SET search_path = public").format(sql.Identifier(role)))
    ingest = sql.Identifier(service_role(services_role, INGEST))
    conn.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(_table(KEYS_TABLE_NAME), ingest))
    conn.execute(
        sql.SQL("ALTER FUNCTION {}.{} OWNER TO {}").format(
            sql.Identifier(STORE_SCHEMA), sql.SQL(KEY_FUNCTION_NAME), ingest
        )
    )
    for statement in grants(services_role):
        conn.execute(statement)


def rebuilt_grants(operator: str, schema: str, tables: tuple[str, ...]) -> list[sql.Composed]:
    """What a rebuilt read model's new tables need before they go live: the projections write them, the API
    reads them (the operator, who made them, grants it; ``services.rebuild`` only when those logins exist)."""
    where = sql.SQL(", ").join(sql.Identifier(schema, table) for table in tables)
    return [
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(
            where, sql.Identifier(service_role(operator, PROJECTIONS_SERVICE))
        ),
        sql.SQL("GRANT SELECT ON {} TO {}").format(where, sql.Identifier(service_role(operator, API))),
    ]
