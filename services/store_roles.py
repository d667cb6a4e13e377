"""Who may do what in the database: the event store belongs to its owner, the services only append.

With two roles (the embedded default: ``postgres`` owns, the services log in as ``jejak``):

- the owner creates and owns the events table, the chain head and the checkpoints;
- the services' role may SELECT and INSERT events and checkpoints, take the store's write lock
  through a function, and nothing else there: no UPDATE, DELETE or TRUNCATE, and, not being the
  owner, it cannot drop the refusing triggers either;
- the services' role owns everything else (read models, keys of personal data, API tokens), so
  it can rebuild read models in schemas of its own.

With one role (``JEJAK_OWNER_DATABASE_URL`` unset on given servers) the triggers still refuse
changes, but that role could drop them; the signed checkpoints are then what detects a rewrite.
"""

import getpass
from typing import Any

import psycopg
from psycopg import conninfo, sql

from services.audit.checkpoints import (
    CHECKPOINTS_TABLE,
    EVENTS_TABLE,
    HEAD_TABLE,
    STORE_CHECKPOINT_FUNCTION,
    STORE_SCHEMA,
)

STORE_TABLES = (EVENTS_TABLE, HEAD_TABLE, CHECKPOINTS_TABLE)


class RoleError(Exception):
    """The services' role is missing and cannot be created by the owner: the message says what to do."""


def role_of(database_url: str) -> str:
    """The role a URL logs in as (libpq's default is the operating-system user)."""
    return str(conninfo.conninfo_to_dict(database_url).get("user") or getpass.getuser())


def password_of(database_url: str) -> str | None:
    return conninfo.conninfo_to_dict(database_url).get("password") or None  # type: ignore[return-value]


def ensure_role(conn: psycopg.Connection[Any], role: str, password: str | None = None) -> bool:
    """Create the services' login role when missing, with the password its URL carries (the embedded
    server trusts loopback and needs none)."""
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
        return False
    create = sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role))
    if password is not None:
        create += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
    try:
        conn.execute(create)
    except psycopg.errors.InsufficientPrivilege as error:
        raise RoleError(
            f"the services' database role {role!r} does not exist and the owner may not create it: "
            f"CREATE ROLE {role} LOGIN PASSWORD '…' as an administrator, then run `jejak provision` again"
        ) from error
    return True


def check_services_role(conn: psycopg.Connection[Any], role: str, owner: str) -> None:
    """Refuse a services' role that grants could not confine: a superuser, or one that acts as the owner."""
    row = conn.execute(
        "SELECT rolsuper, rolbypassrls, pg_has_role(%s, %s, 'MEMBER') FROM pg_roles WHERE rolname = %s",
        (role, owner, role),
    ).fetchone()
    if row is None:
        return
    superuser, bypasses_rls, acts_as_owner = row
    if superuser or bypasses_rls or acts_as_owner:
        what = "is a superuser" if superuser else "bypasses row security" if bypasses_rls else f"is a member of {owner}"
        raise RoleError(
            f"the services' database role {role!r} {what}: it could change stored events whatever is granted. "
            f"Give the services a plain login role (JEJAK_DATABASE_URL) and keep {owner!r} for provisioning "
            "(JEJAK_OWNER_DATABASE_URL)"
        )


def grant_services(conn: psycopg.Connection[Any], role: str, database: str) -> None:
    """Append-only on the store, ownership of the rest (see the module's docstring)."""
    who = sql.Identifier(role)

    def table(name: str) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(STORE_SCHEMA), sql.Identifier(name))

    for name in STORE_TABLES:
        conn.execute(sql.SQL("REVOKE ALL ON {} FROM PUBLIC, {}").format(table(name), who))
    # Only the columns the library writes: the position comes from the sequence, the hashes from the trigger.
    conn.execute(
        sql.SQL("GRANT SELECT, INSERT (originator_id, originator_version, topic, state) ON {} TO {}").format(
            table(EVENTS_TABLE), who
        )
    )
    conn.execute(sql.SQL("GRANT SELECT ON {}, {} TO {}").format(table(HEAD_TABLE), table(CHECKPOINTS_TABLE), who))
    conn.execute(sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(table(f"{EVENTS_TABLE}_notification_id_seq"), who))
    for function in (f"{EVENTS_TABLE}_lock()", f"{STORE_CHECKPOINT_FUNCTION}(bigint, bytea, text, text, bytea)"):
        conn.execute(
            sql.SQL("GRANT EXECUTE ON FUNCTION {}.{} TO {}").format(
                sql.Identifier(STORE_SCHEMA), sql.SQL(function), who
            )
        )
    conn.execute(sql.SQL("GRANT CONNECT, CREATE, TEMPORARY ON DATABASE {} TO {}").format(sql.Identifier(database), who))
    conn.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(who))


def hand_over_the_rest(conn: psycopg.Connection[Any], role: str) -> list[str]:
    """Tables and schemas outside the store that the owner created earlier become the services' role's."""
    rows = conn.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg_toast%%' AND pg_get_userbyid(c.relowner) <> %s "
        "AND NOT (n.nspname = %s AND c.relname = ANY(%s))",
        (role, STORE_SCHEMA, list(STORE_TABLES)),
    ).fetchall()
    for schema, table in rows:
        conn.execute(
            sql.SQL("ALTER TABLE {} OWNER TO {}").format(sql.Identifier(str(schema), str(table)), sql.Identifier(role))
        )
    schemas = conn.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('public', 'information_schema') "
        "AND nspname NOT LIKE 'pg_%%' AND pg_get_userbyid(nspowner) <> %s",
        (role,),
    ).fetchall()
    for (schema,) in schemas:
        conn.execute(sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(sql.Identifier(str(schema)), sql.Identifier(role)))
    return [f"{schema}.{table}" for schema, table in rows]
