"""Who may do what in the database: the event store belongs to its owner, the services only append.

With two roles (the embedded default: ``postgres`` owns, the services log in as ``jejak``):

- the owner creates and owns the events table, the chain head, the checkpoints and the snapshots;
- the services' role may SELECT and INSERT events, checkpoints and snapshots, take the store's write lock
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
    SNAPSHOTS_TABLE,
    STORE_CHECKPOINT_FUNCTION,
    STORE_SCHEMA,
)

STORE_TABLES = (EVENTS_TABLE, HEAD_TABLE, CHECKPOINTS_TABLE, SNAPSHOTS_TABLE)


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
    if conn.execute(
        "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) %s::pg_catalog.name", (role,)
    ).fetchone():
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
    """Refuse a services' role that grants could not confine.

    A superuser; one that bypasses row security, may create roles, acts as the owner, owns the
    database (and so the ``public`` schema, which it could swap for a fake store), writes all
    data (``pg_write_all_data``), or may switch triggers off (``session_replication_role``).
    Every name is qualified: this runs as the owner, and the services' role may create objects in
    ``public`` that would otherwise be chosen instead (CVE-2018-1058).
    """
    row = conn.execute(
        "SELECT r.rolsuper, r.rolbypassrls, r.rolcreaterole, "
        "pg_catalog.pg_has_role(r.oid, o.oid, 'MEMBER'::pg_catalog.text), "
        "d.datdba OPERATOR(pg_catalog.=) r.oid, "
        "pg_catalog.pg_has_role(r.oid, 'pg_write_all_data'::pg_catalog.regrole, 'MEMBER'::pg_catalog.text), "
        "pg_catalog.has_parameter_privilege(r.oid, 'session_replication_role'::pg_catalog.text, "
        "'SET'::pg_catalog.text) "
        "FROM pg_catalog.pg_roles r, pg_catalog.pg_roles o, pg_catalog.pg_database d "
        "WHERE r.rolname OPERATOR(pg_catalog.=) %s::pg_catalog.name "
        "AND o.rolname OPERATOR(pg_catalog.=) %s::pg_catalog.name "
        "AND d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()",
        (role, owner),
    ).fetchone()
    if row is None:
        return
    reasons = [
        reason
        for reason, present in zip(
            (
                "is a superuser",
                "bypasses row security",
                "may create roles",
                f"is a member of {owner}",
                "owns the database",
                "is a member of pg_write_all_data",
                "may set session_replication_role",
            ),
            row,
            strict=True,
        )
        if present
    ]
    if reasons:
        raise RoleError(
            f"the services' database role {role!r} {' and '.join(reasons)}: it could change stored events "
            f"whatever is granted. Give the services a plain login role (JEJAK_DATABASE_URL) and keep {owner!r} "
            "for provisioning (JEJAK_OWNER_DATABASE_URL)"
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
    conn.execute(sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(table(SNAPSHOTS_TABLE), who))
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


def hand_over_the_rest(conn: psycopg.Connection[Any], role: str, keep: list[str] | None = None) -> list[str]:
    """Tables and schemas outside the store that the owner created earlier become the services' role's
    (not those of the roles in ``keep``: the keys of personal data stay ingest's)."""
    rows = conn.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg_toast%%' AND pg_get_userbyid(c.relowner) <> %s "
        "AND NOT pg_get_userbyid(c.relowner) = ANY(%s) "
        "AND NOT (n.nspname = %s AND c.relname = ANY(%s))",
        (role, keep or [], STORE_SCHEMA, list(STORE_TABLES)),
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
