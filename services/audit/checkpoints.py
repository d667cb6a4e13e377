"""Signed checkpoints: sign the chain's head, store it, publish it, read them back.

The head is read from the chain's one-row head table, which the insert trigger updates in the
same transaction as each event; because inserts commit in notification order (the store's table
lock), the committed head is always a real row of a gapless prefix. Checkpoints are stored in
``jejak_checkpoints`` (append-only like the events) and published on the AUDIT stream
(``asn.audit.checkpoints``, delete and purge denied) so auditors can keep copies elsewhere.
"""

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import psycopg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from psycopg import sql

from contracts.streams import AUDIT_STREAM, CHECKPOINT_SUBJECT
from services.audit.keys import SigningKey
from services.audit.offline import ChainWalker, Checkpoint, Row, checkpoint_message, verify_signature

log = logging.getLogger(__name__)

STORE_SCHEMA = "public"
"""Where the event store's tables are (the application's default). Every statement here names it:
an unqualified name would follow the connecting role's search_path, which starts with a schema of
the role's own name that the role may create."""
EVENTS_TABLE = "jejak_events"
HEAD_TABLE = "jejak_events_chain_head"
SNAPSHOTS_TABLE = "jejak_snapshots"
"""Records' state at a version (``domain.records.SNAPSHOT_EVERY``): derived from the events, never audited
as history, but read by the rules, so the services may only add to it, like the events."""
CHECKPOINTS_TABLE = "jejak_checkpoints"
STORE_CHECKPOINT_FUNCTION = "jejak_store_checkpoint"

CHECKPOINTS_DDL = [
    sql.SQL(
        "CREATE TABLE IF NOT EXISTS public.jejak_checkpoints ("
        "checkpoint_id bigserial PRIMARY KEY, position bigint NOT NULL, head_hash bytea NOT NULL, "
        "signed_at text NOT NULL, key_id text NOT NULL, signature bytea NOT NULL, "
        "stored_at timestamptz NOT NULL DEFAULT now())"
    ),
    # Only well-formed checkpoints: a malformed one (odd text, a huge value) would break every reader.
    sql.SQL(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint "
        "WHERE conname = 'jejak_checkpoints_well_formed') THEN "
        "ALTER TABLE public.jejak_checkpoints ADD CONSTRAINT jejak_checkpoints_well_formed CHECK ("
        "pg_catalog.octet_length(head_hash) = 32 AND pg_catalog.octet_length(signature) = 64 "
        "AND key_id OPERATOR(pg_catalog.~) '^[0-9a-f]{16}$' "
        "AND signed_at OPERATOR(pg_catalog.~) '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,15}[+-][0-9]{2}:[0-9]{2}$'); "
        "END IF; END $$"
    ),
    sql.SQL(
        "CREATE OR REPLACE TRIGGER jejak_checkpoints_refuse_change BEFORE UPDATE OR DELETE ON public.jejak_checkpoints "
        "FOR EACH ROW EXECUTE FUNCTION public.jejak_events_refuse_change()"
    ),
    sql.SQL(
        "CREATE OR REPLACE TRIGGER jejak_checkpoints_refuse_truncate BEFORE TRUNCATE ON public.jejak_checkpoints "
        "FOR EACH STATEMENT EXECUTE FUNCTION public.jejak_events_refuse_change()"
    ),
    # The only way in for the services: a checkpoint must name a real (position, hash) of the chain,
    # and checkpoints are stored one at a time so their ids follow commit order (publishing relies on it).
    sql.SQL(
        "CREATE OR REPLACE FUNCTION public.jejak_store_checkpoint("
        "p_position bigint, p_hash bytea, p_signed_at text, p_key_id text, p_signature bytea) "
        "RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog SET lock_timeout = '10s' "
        "AS $$ "
        "DECLARE stored bytea; new_id bigint; BEGIN "
        "LOCK TABLE public.jejak_checkpoints IN EXCLUSIVE MODE; "
        "SELECT e.hash INTO stored FROM public.jejak_events e WHERE e.notification_id = p_position; "
        "IF stored IS NULL OR stored <> p_hash THEN RAISE EXCEPTION "
        "'checkpoint refused: position % with that hash is not on the chain', p_position; END IF; "
        "INSERT INTO public.jejak_checkpoints (position, head_hash, signed_at, key_id, signature) "
        "VALUES (p_position, p_hash, p_signed_at, p_key_id, p_signature) RETURNING checkpoint_id INTO new_id; "
        "RETURN new_id; END $$"
    ),
    sql.SQL("REVOKE EXECUTE ON FUNCTION public.jejak_store_checkpoint(bigint, bytea, text, text, bytea) FROM PUBLIC"),
]
"""Created by provisioning after the events table (whose refusing trigger function it reuses)."""


@dataclass(frozen=True)
class Head:
    position: int
    hash: bytes


def read_head(conn: psycopg.Connection[Any]) -> Head:
    row = conn.execute("SELECT position, hash FROM public.jejak_events_chain_head").fetchone()
    if row is None:
        raise LookupError("the event store has no chain head: run `jejak provision`")
    position, head_hash = row
    return Head(int(position), bytes(head_hash))


def sign(key: SigningKey, head: Head, now: datetime | None = None) -> Checkpoint:
    signed_at = (now or datetime.now(UTC)).isoformat(timespec="microseconds")
    signature = key.private.sign(checkpoint_message(head.position, head.hash, signed_at, key.key_id))
    return Checkpoint(head.position, head.hash, signed_at, key.key_id, signature)


def store(conn: psycopg.Connection[Any], checkpoint: Checkpoint) -> Checkpoint:
    row = conn.execute(
        "SELECT public.jejak_store_checkpoint(%s, %s, %s, %s, %s)",
        (checkpoint.position, checkpoint.hash, checkpoint.signed_at, checkpoint.key_id, checkpoint.signature),
    ).fetchone()
    if row is None:  # pragma: no cover (the function returns the id or raises)
        raise LookupError("the checkpoint was not stored")
    return replace(checkpoint, checkpoint_id=int(row[0]))


class ChainRewritten(RuntimeError):
    """The store no longer extends a checkpoint that was signed: history was rewritten. Nothing is signed."""


def take_checkpoint(
    database_url: str,
    key: SigningKey,
    *,
    only_if_moved: bool = False,
    trusted: dict[str, Any] | None = None,
    kept_elsewhere: Iterable[Checkpoint] = (),
) -> Checkpoint | None:
    """Sign the current head and store it; None when the store is empty or, with ``only_if_moved``,
    when a checkpoint with a good signature (by ``trusted`` keys, default the signing key) already covers it.

    Never signs a head that does not extend what was signed before: the newest checkpoints in the
    store and ``kept_elsewhere`` (the last one on the AUDIT stream, which a database superuser cannot
    delete) must still have their hash at their position, and the chain from the newest of them to
    the head must link; otherwise ``ChainRewritten`` is raised and nothing is signed.
    """
    keys = trusted or {key.key_id: key.public}
    with psycopg.connect(database_url, autocommit=True) as conn:
        head = read_head(conn)
        if head.position == 0:
            return None
        if only_if_moved and last_signed_position(conn, keys) >= head.position:
            return None
        check_extends_signed(conn, head, [*newest_checkpoints(conn), *kept_elsewhere], keys)
        return store(conn, sign(key, head))


CHECKPOINT_COLUMNS = "checkpoint_id, position, head_hash, signed_at, key_id, signature"
"""What every read of ``jejak_checkpoints`` selects, in the order ``_checkpoint_of`` reads it."""


def newest_checkpoints(conn: psycopg.Connection[Any], count: int = 20) -> list[Checkpoint]:
    rows = conn.execute(
        f"SELECT {CHECKPOINT_COLUMNS} FROM public.jejak_checkpoints "  # noqa: S608 (constant)
        "ORDER BY checkpoint_id DESC LIMIT %s",
        (count,),
    ).fetchall()
    return [_checkpoint_of(row) for row in rows]


def check_extends_signed(
    conn: psycopg.Connection[Any], head: Head, signed: list[Checkpoint], keys: dict[str, Any]
) -> None:
    """Raise ChainRewritten unless every well-signed checkpoint in ``signed`` is still on the chain
    and the rows after the newest of them link up to ``head``.

    Cheap enough for every round: one row per checkpoint and the rows signed since (minutes of events).
    An edit older than the newest checkpoint that left the later hashes alone breaks the chain where
    it was made; ``jejak audit verify`` finds that one, as it walks the whole history.
    """
    good = [checkpoint for checkpoint in signed if verify_signature(checkpoint, keys) is None and checkpoint.position]
    for checkpoint in good:
        row = conn.execute(
            "SELECT hash FROM public.jejak_events WHERE notification_id = %s", (checkpoint.position,)
        ).fetchone()
        if row is None or row[0] is None or bytes(row[0]) != checkpoint.hash:
            raise ChainRewritten(
                f"the store no longer holds the hash signed at position {checkpoint.position} "
                f"(checkpoint signed at {checkpoint.signed_at}): history was rewritten; refusing to sign"
            )
    if not good:
        return
    newest = max(good, key=lambda checkpoint: checkpoint.position)
    if newest.position > head.position:
        raise ChainRewritten(
            f"a checkpoint covers position {newest.position}, but the chain's head is at {head.position}: "
            "events were removed; refusing to sign"
        )
    walker = ChainWalker(start_prev=newest.hash)
    for row in _rows_between(conn, newest.position + 1, head.position):
        walker.feed(row)
    report = walker.finish()
    if report.problems or (walker.report.last_position or newest.position) != head.position:
        first = report.problems[0].detail if report.problems else "the rows do not reach the head"
        raise ChainRewritten(
            f"the chain from the checkpoint at {newest.position} to the head at {head.position} does not "
            f"link ({first}); refusing to sign"
        )


ROW_COLUMNS = "notification_id, originator_id, originator_version, topic, state, prev_hash, hash"
"""The columns of jejak_events the chain is computed over, in the order ``row_of`` reads them."""


def row_of(record: Any) -> Row:
    """One selected ``ROW_COLUMNS`` record, as the chain sees it."""
    position, aggregate_id, version, topic, state, prev_hash, stored_hash = record
    return Row(
        position=int(position),
        prev_hash=b"" if prev_hash is None else bytes(prev_hash),
        hash=b"" if stored_hash is None else bytes(stored_hash),
        aggregate_id=aggregate_id,
        version=int(version),
        topic=str(topic or ""),
        state=b"" if state is None else bytes(state),
    )


def _rows_between(conn: psycopg.Connection[Any], start: int, end: int) -> Iterator[Row]:
    rows = conn.execute(
        f"SELECT {ROW_COLUMNS} FROM public.jejak_events WHERE notification_id BETWEEN %s AND %s "  # noqa: S608 (constant)
        "ORDER BY notification_id",
        (start, end),
    ).fetchall()
    return (row_of(record) for record in rows)


def last_signed_position(conn: psycopg.Connection[Any], keys: dict[str, Any], *, look_at: int = 20) -> int:
    """The highest position covered by a checkpoint whose signature verifies (0 when none does).

    Rows that do not verify are passed over, so a junk row cannot stop the periodic signing.
    """
    rows = conn.execute(
        f"SELECT {CHECKPOINT_COLUMNS} FROM public.jejak_checkpoints "  # noqa: S608 (constant)
        "ORDER BY position DESC, checkpoint_id DESC LIMIT %s",
        (look_at,),
    ).fetchall()
    for checkpoint in (_checkpoint_of(row) for row in rows):
        if verify_signature(checkpoint, keys) is None:
            return checkpoint.position
    return 0


def _checkpoint_of(row: Any) -> Checkpoint:
    checkpoint_id, position, head_hash, signed_at, key_id, signature = row
    return Checkpoint(
        int(position), bytes(head_hash), str(signed_at), str(key_id), bytes(signature), int(checkpoint_id)
    )


def stored_checkpoints(conn: psycopg.Connection[Any], after_id: int = 0) -> Iterator[Checkpoint]:
    rows = conn.execute(
        f"SELECT {CHECKPOINT_COLUMNS} FROM public.jejak_checkpoints "  # noqa: S608 (constant)
        "WHERE checkpoint_id > %s ORDER BY checkpoint_id",
        (after_id,),
    ).fetchall()
    for row in rows:
        yield _checkpoint_of(row)


def msg_id(checkpoint: Checkpoint) -> str:
    return f"checkpoint:{checkpoint.checkpoint_id}"


async def store_holds(conn: psycopg.AsyncConnection[Any], checkpoint: Checkpoint) -> bool:
    """Is ``checkpoint``'s hash still the one stored at its position? False: that history was rewritten."""
    cursor = await conn.execute(
        "SELECT hash FROM public.jejak_events WHERE notification_id = %s", (checkpoint.position,)
    )
    row = await cursor.fetchone()
    return row is not None and row[0] is not None and bytes(row[0]) == checkpoint.hash


async def last_published(js: JetStreamContext) -> Checkpoint | None:
    """The last checkpoint on the AUDIT stream (None when there is none)."""
    try:
        message = await js.get_last_msg(AUDIT_STREAM, CHECKPOINT_SUBJECT)
    except NotFoundError:
        return None
    return Checkpoint.from_json(json.loads(message.data or b"{}"))


async def last_published_id(js: JetStreamContext) -> int:
    """The id of the last checkpoint on the AUDIT stream (0 when none): where publishing resumes."""
    try:
        message = await js.get_last_msg(AUDIT_STREAM, CHECKPOINT_SUBJECT)
    except NotFoundError:
        return 0
    header = (message.headers or {}).get("Nats-Msg-Id", "checkpoint:0")
    return int(header.split(":", 1)[1])


async def publish_new(js: JetStreamContext, database_url: str) -> int:
    """Publish, in order, every stored checkpoint the AUDIT stream does not have yet; how many."""
    after = await last_published_id(js)
    with psycopg.connect(database_url, autocommit=True) as conn:
        pending = list(stored_checkpoints(conn, after))
    for checkpoint in pending:
        await js.publish(
            CHECKPOINT_SUBJECT,
            json.dumps(checkpoint.to_json()).encode(),
            stream=AUDIT_STREAM,
            headers={"Nats-Msg-Id": msg_id(checkpoint)},
        )
    return len(pending)
