"""PostgreSQL connection settings in the shapes our libraries want, and the schema step."""

import psycopg
from psycopg import conninfo, sql
from psycopg_pool import AsyncConnectionPool

from domain.records import Records
from projections.schema import create_read_models
from services.personal_data import KEYS_INDEX, KEYS_TABLE
from services.tokens import TOKENS_TABLE


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
    }


def open_records(database_url: str) -> Records:
    """The application over an already provisioned store (tables are never created here)."""
    return Records(env=eventsourcing_env(database_url))


def create_database_if_missing(admin_url: str, name: str) -> bool:
    """``CREATE DATABASE`` cannot run in a transaction or take IF NOT EXISTS: look first."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def provision_schema(database_url: str) -> None:
    """The event store's tables (through the library, as it defines them), the read models' and the API tokens'."""
    Records(env=eventsourcing_env(database_url, create_table=True)).close()
    with psycopg.connect(database_url) as conn:
        create_read_models(conn)
        with conn.transaction():
            conn.execute(KEYS_TABLE)
            conn.execute(KEYS_INDEX)
            conn.execute(TOKENS_TABLE)


def read_pool(database_url: str, max_size: int = 10) -> AsyncConnectionPool:
    """An async pool for the API and the projection worker; opened by its user."""
    return AsyncConnectionPool(database_url, min_size=1, max_size=max_size, open=False)
