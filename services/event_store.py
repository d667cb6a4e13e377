"""The event store's recorder: the library's PostgreSQL recorder plus a hash chain and append-only rows.

Three things are added to the table the library defines, all inside PostgreSQL so that no writer
can skip them:

- ``prev_hash``/``hash`` columns filled by a ``BEFORE INSERT`` trigger (the formula is in
  ``services.audit.offline``). The trigger refuses a position that is not after the chain's
  head, so rows are chained in position order even when an inserter names its own position.
  The library takes ``LOCK TABLE … IN EXCLUSIVE MODE`` in every insert transaction, so the
  trigger's "previous row" is well defined and the chain has no forks; the head is kept in a
  one-row table (locked by the trigger) so the trigger never searches the events table.
- Triggers that refuse ``UPDATE``, ``DELETE`` and ``TRUNCATE`` on the events table.
- A ``SECURITY DEFINER`` function that takes the library's table lock. PostgreSQL only lets a role
  take an EXCLUSIVE lock if it may UPDATE, DELETE or TRUNCATE the table; through the function the
  services' role takes it with nothing but SELECT and INSERT granted.

Everything is created by ``create_table()`` (so the library's own recorder test cases exercise it)
and is idempotent; an events table that predates the chain is chained once, in notification order.
"""

from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Composed, Identifier

APPEND_ONLY_MESSAGE = "is append-only: stored events are never updated or deleted"


class ChainedApplicationRecorder(PostgresApplicationRecorder):
    """``PostgresApplicationRecorder`` whose table is hash-chained and append-only."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        if datastore.enable_db_functions:
            # That insert path takes no table lock: the chain's order would no longer be the commit order.
            raise ValueError("POSTGRES_ENABLE_DB_FUNCTIONS is not supported by the hash-chained event store")
        super().__init__(datastore, events_table_name=events_table_name)
        names = chain_names(events_table_name)
        self.chain_head_table_name = names["head"]
        schema = Identifier(self.datastore.schema)
        self.sql_create_statements.extend(chain_ddl(self.datastore.schema, events_table_name, self.datastore))
        self.lock_table_statements = [
            SQL("SET LOCAL lock_timeout = '{0}s'").format(self.datastore.lock_timeout),
            SQL("SELECT {0}.{1}()").format(schema, Identifier(names["lock"])),
        ]


def chain_names(table: str) -> dict[str, str]:
    """Names of the objects that go with one events table (so several tables can share a schema)."""
    return {
        "head": f"{table}_chain_head",
        "link": f"{table}_link",
        "content": f"{table}_content",
        "chain": f"{table}_chain",
        "refuse": f"{table}_refuse_change",
        "lock": f"{table}_lock",
    }


def chain_ddl(schema_name: str, table_name: str, datastore: PostgresDatastore | None = None) -> list[Composed]:
    """The statements, in order; each is idempotent."""
    names = {key: Identifier(value) for key, value in chain_names(table_name).items()}
    schema, table = Identifier(schema_name), Identifier(table_name)
    id_bytes = (
        SQL("uuid_send(id)")
        if datastore is None or datastore.originator_id_type == "uuid"
        else SQL("int4send(octet_length(convert_to(id::text, 'UTF8'))) || convert_to(id::text, 'UTF8')")
    )
    id_type = SQL("uuid") if datastore is None else SQL(datastore.originator_id_type)
    fmt: dict[str, Any] = {"schema": schema, "table": table, "id_bytes": id_bytes, "id_type": id_type, **names}
    return [
        SQL(
            "ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS prev_hash bytea, ADD COLUMN IF NOT EXISTS hash bytea"
        ).format(**fmt),
        SQL(
            "CREATE TABLE IF NOT EXISTS {schema}.{head} ("
            "only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), "
            "position bigint NOT NULL, hash bytea NOT NULL)"
        ).format(**fmt),
        SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{content}("
            "id {id_type}, version bigint, event_topic text, event_state bytea) "
            "RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $$ SELECT sha256("
            "{id_bytes} || int8send(version) "
            "|| int4send(octet_length(convert_to(coalesce(event_topic, ''), 'UTF8'))) "
            "|| convert_to(coalesce(event_topic, ''), 'UTF8') "
            "|| int4send(octet_length(coalesce(event_state, ''::bytea))) || coalesce(event_state, ''::bytea)) $$"
        ).format(**fmt),
        SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{link}(prev bytea, at_position bigint, content bytea) "
            "RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $$ "
            "SELECT sha256(prev || int8send(at_position) || content) $$"
        ).format(**fmt),
        # Chain what was stored before the chain existed, once (under the write lock), then open the head.
        SQL(
            "DO $$ DECLARE r record; previous bytea := pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex'); "
            "last bigint := 0; BEGIN "
            "SET LOCAL search_path = pg_catalog; "
            "IF NOT EXISTS (SELECT 1 FROM {schema}.{head}) THEN "
            "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
            "FOR r IN SELECT * FROM {schema}.{table} ORDER BY notification_id LOOP "
            "UPDATE {schema}.{table} SET prev_hash = previous, hash = {schema}.{link}(previous, r.notification_id, "
            "{schema}.{content}(r.originator_id, r.originator_version, r.topic, r.state)) "
            "WHERE notification_id = r.notification_id RETURNING hash INTO previous; last := r.notification_id; "
            "END LOOP; "
            "INSERT INTO {schema}.{head} (position, hash) VALUES (last, previous); "
            "END IF; END $$"
        ).format(**fmt),
        SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{chain}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
            "SET search_path = pg_catalog AS $$ DECLARE previous bytea; head_position bigint; BEGIN "
            "SELECT h.hash, h.position INTO previous, head_position FROM {schema}.{head} h FOR UPDATE; "
            "IF previous IS NULL THEN RAISE EXCEPTION 'the hash chain of % has no head: run jejak provision', "
            "TG_TABLE_NAME; END IF; "
            "IF NEW.notification_id <= head_position THEN RAISE EXCEPTION "
            "'% is appended in order: position % is not after the last stored position %', "
            "TG_TABLE_NAME, NEW.notification_id, head_position; END IF; "
            "NEW.prev_hash := previous; "
            "NEW.hash := {schema}.{link}(previous, NEW.notification_id, "
            "{schema}.{content}(NEW.originator_id, NEW.originator_version, NEW.topic, NEW.state)); "
            "UPDATE {schema}.{head} SET position = NEW.notification_id, hash = NEW.hash; "
            "RETURN NEW; END $$"
        ).format(**fmt),
        SQL(
            "CREATE OR REPLACE TRIGGER {chain} BEFORE INSERT ON {schema}.{table} "
            "FOR EACH ROW EXECUTE FUNCTION {schema}.{chain}()"
        ).format(**fmt),
        SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{refuse}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION '% " + APPEND_ONLY_MESSAGE + "', TG_TABLE_NAME "
            "USING ERRCODE = 'insufficient_privilege'; END $$"
        ).format(**fmt),
        SQL(
            "CREATE OR REPLACE TRIGGER {refuse} BEFORE UPDATE OR DELETE ON {schema}.{table} "
            "FOR EACH ROW EXECUTE FUNCTION {schema}.{refuse}()"
        ).format(**fmt),
        SQL(
            "CREATE OR REPLACE TRIGGER {refuse_truncate} BEFORE TRUNCATE ON {schema}.{table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION {schema}.{refuse}()"
        ).format(**fmt, refuse_truncate=Identifier(f"{table_name}_refuse_truncate")),
        SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{lock}() RETURNS void LANGUAGE plpgsql SECURITY DEFINER "
            "SET search_path = pg_catalog AS $$ BEGIN LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; END $$"
        ).format(**fmt),
        # Only the owner, and the roles it grants (services/store_roles.py), may hold up every writer.
        SQL("REVOKE EXECUTE ON FUNCTION {schema}.{lock}() FROM PUBLIC").format(**fmt),
    ]
