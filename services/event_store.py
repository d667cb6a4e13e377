"""The event store's recorder: the library's PostgreSQL recorder plus a hash chain and append-only rows.

Three things are added to the table the library defines, all inside PostgreSQL so that no writer
can skip them:

- ``prev_hash``/``hash`` columns filled by a ``BEFORE INSERT`` trigger (the formula is in
  ``services.audit.offline``). The trigger refuses a position that is not after the chain's
  head, so rows are chained in position order even when an inserter names its own position.
  The library takes ``LOCK TABLE … IN EXCLUSIVE MODE`` in every insert transaction, and the
  trigger locks the one-row head table too, so writers are serialised and the chain has no
  forks. The previous hash is the head's, or that of the last row the same transaction stored
  after it (found through the position index); an ``AFTER INSERT`` statement trigger moves the
  head once per statement, which the library's inserts make once per batch.
- Triggers that refuse ``UPDATE``, ``DELETE`` and ``TRUNCATE`` on the events table.
- A ``SECURITY DEFINER`` function that takes the library's table lock. PostgreSQL only lets a role
  take an EXCLUSIVE lock if it may UPDATE, DELETE or TRUNCATE the table; through the function the
  services' role takes it with nothing but SELECT and INSERT granted.

Everything is created by ``create_table()`` (so the library's own recorder test cases exercise it)
and is idempotent; an events table that predates the chain is chained once, in notification order.
"""

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
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
        # Four plain arrays, sent in binary, instead of the library's array of a composite type:
        # psycopg renders composites as text in Python, 15% of ingest's thread in a profile.
        self.insert_events_statement = SQL(
            "INSERT INTO {0}.{1} AS t (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::{2}[], %s::bigint[], %s::text[], %s::bytea[]) "
            "RETURNING notification_id"
        ).format(schema, Identifier(events_table_name), SQL(self.datastore.originator_id_type))

    def _insert_stored_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any) -> None:
        """What the library's insert does (the table lock, the notification, one statement), with plain arrays."""
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(
            self.insert_events_statement,
            (
                [event.originator_id for event in stored_events],
                [event.originator_version for event in stored_events],
                [event.topic for event in stored_events],
                [event.state for event in stored_events],
            ),
            binary=True,
        )


def chain_names(table: str) -> dict[str, str]:
    """Names of the objects that go with one events table (so several tables can share a schema)."""
    return {
        "head": f"{table}_chain_head",
        "link": f"{table}_link",
        "content": f"{table}_content",
        "chain": f"{table}_chain",
        "advance": f"{table}_chain_advance",
        "refuse": f"{table}_refuse_change",
        "lock": f"{table}_lock",
    }


def content_hash_sql(row: str, datastore: PostgresDatastore | None = None) -> SQL:
    """SHA-256 over the stored bytes of ``row`` (``NEW`` or a record variable), as in ``services.audit.offline``.

    Written out rather than called as a SQL function: a function that carries its own
    ``search_path`` cannot be inlined, and that call cost a fifth of every insert.
    """
    text_id = f"pg_catalog.convert_to({row}.originator_id::text, 'UTF8')"
    id_bytes = (
        f"pg_catalog.uuid_send({row}.originator_id)"
        if datastore is None or datastore.originator_id_type == "uuid"
        else f"pg_catalog.int4send(pg_catalog.octet_length({text_id})) || {text_id}"
    )
    topic = f"pg_catalog.convert_to(coalesce({row}.topic, ''), 'UTF8')"
    state = f"coalesce({row}.state, ''::bytea)"
    return SQL(
        f"pg_catalog.sha256({id_bytes} || pg_catalog.int8send({row}.originator_version) "
        f"|| pg_catalog.int4send(pg_catalog.octet_length({topic})) || {topic} "
        f"|| pg_catalog.int4send(pg_catalog.octet_length({state})) || {state})"
    )


def link_hash_sql(previous: str, position: str, content: SQL) -> Composed:
    """SHA-256(previous hash | position | content hash): one link of the chain."""
    return SQL("pg_catalog.sha256({0} || pg_catalog.int8send({1}) || {2})").format(
        SQL(previous), SQL(position), content
    )


def chain_ddl(schema_name: str, table_name: str, datastore: PostgresDatastore | None = None) -> list[Composed]:
    """The statements, in order; each is idempotent."""
    names = {key: Identifier(value) for key, value in chain_names(table_name).items()}
    schema, table = Identifier(schema_name), Identifier(table_name)
    fmt: dict[str, Any] = {
        "schema": schema,
        "table": table,
        "link_row": link_hash_sql("previous", "r.notification_id", content_hash_sql("r", datastore)),
        "link_new": link_hash_sql("previous", "NEW.notification_id", content_hash_sql("NEW", datastore)),
        **names,
    }
    return [
        SQL(
            "ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS prev_hash bytea, ADD COLUMN IF NOT EXISTS hash bytea"
        ).format(**fmt),
        SQL(
            "CREATE TABLE IF NOT EXISTS {schema}.{head} ("
            "only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), "
            "position bigint NOT NULL, hash bytea NOT NULL)"
        ).format(**fmt),
        # Helpers of earlier versions, now written out in the trigger.
        SQL("DROP FUNCTION IF EXISTS {schema}.{link}(bytea, bigint, bytea)").format(**fmt),
        SQL("DROP FUNCTION IF EXISTS {schema}.{content}").format(**fmt),
        # Chain what was stored before the chain existed, once (under the write lock), then open the head.
        SQL(
            "DO $$ DECLARE r record; previous bytea := pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex'); "
            "last bigint := 0; BEGIN "
            "SET LOCAL search_path = pg_catalog; "
            "IF NOT EXISTS (SELECT 1 FROM {schema}.{head}) THEN "
            "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
            "FOR r IN SELECT * FROM {schema}.{table} ORDER BY notification_id LOOP "
            "UPDATE {schema}.{table} SET prev_hash = previous, hash = {link_row} "
            "WHERE notification_id = r.notification_id RETURNING hash INTO previous; last := r.notification_id; "
            "END LOOP; "
            "INSERT INTO {schema}.{head} (position, hash) VALUES (last, previous); "
            "END IF; END $$"
        ).format(**fmt),
        # The head row is locked by every inserting transaction (so writers are serialised even without
        # the table lock) but moved once per statement, by the trigger after it: a row updated for every
        # insert cost as much as the insert. Rows this statement stored before NEW lie after the head.
        SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{chain}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
            "SET search_path = pg_catalog AS $$ DECLARE previous bytea; head_position bigint; "
            "last_position bigint; last_hash bytea; BEGIN "
            "SELECT h.hash, h.position INTO previous, head_position FROM {schema}.{head} h FOR UPDATE; "
            "IF previous IS NULL THEN RAISE EXCEPTION 'the hash chain of % has no head: run jejak provision', "
            "TG_TABLE_NAME; END IF; "
            "SELECT e.notification_id, e.hash INTO last_position, last_hash FROM {schema}.{table} e "
            "WHERE e.notification_id > head_position ORDER BY e.notification_id DESC LIMIT 1; "
            "IF last_position IS NOT NULL THEN previous := last_hash; head_position := last_position; END IF; "
            "IF NEW.notification_id <= head_position THEN RAISE EXCEPTION "
            "'% is appended in order: position % is not after the last stored position %', "
            "TG_TABLE_NAME, NEW.notification_id, head_position; END IF; "
            "NEW.prev_hash := previous; "
            "NEW.hash := {link_new}; "
            "RETURN NEW; END $$"
        ).format(**fmt),
        SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{advance}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
            "SET search_path = pg_catalog AS $$ BEGIN "
            "UPDATE {schema}.{head} h SET position = e.notification_id, hash = e.hash FROM ("
            "SELECT notification_id, hash FROM {schema}.{table} ORDER BY notification_id DESC LIMIT 1) e "
            "WHERE e.notification_id > h.position; "
            "RETURN NULL; END $$"
        ).format(**fmt),
        SQL(
            "CREATE OR REPLACE TRIGGER {advance} AFTER INSERT ON {schema}.{table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION {schema}.{advance}()"
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
