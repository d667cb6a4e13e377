"""Signed checkpoints: sign the chain's head, store it, publish it, read them back.

The head is read from the chain's one-row head table, which the insert trigger updates in the
same transaction as each event; because inserts commit in notification order (the store's table
lock), the committed head is always a real row of a gapless prefix. Checkpoints are stored in
``jejak_checkpoints`` (append-only like the events) and published on the AUDIT stream
(``asn.audit.checkpoints``, delete and purge denied) so auditors can keep copies elsewhere.
"""

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from psycopg import sql

from contracts.streams import AUDIT_STREAM, CHECKPOINT_SUBJECT
from services.audit.keys import SigningKey
from services.audit.offline import Checkpoint, checkpoint_message

log = logging.getLogger(__name__)

EVENTS_TABLE = "jejak_events"
HEAD_TABLE = "jejak_events_chain_head"
CHECKPOINTS_TABLE = "jejak_checkpoints"

CHECKPOINTS_DDL = [
    sql.SQL(
        "CREATE TABLE IF NOT EXISTS jejak_checkpoints ("
        "checkpoint_id bigserial PRIMARY KEY, position bigint NOT NULL, head_hash bytea NOT NULL, "
        "signed_at text NOT NULL, key_id text NOT NULL, signature bytea NOT NULL, "
        "stored_at timestamptz NOT NULL DEFAULT now())"
    ),
    sql.SQL(
        "CREATE OR REPLACE TRIGGER jejak_checkpoints_refuse_change BEFORE UPDATE OR DELETE ON jejak_checkpoints "
        "FOR EACH ROW EXECUTE FUNCTION jejak_events_refuse_change()"
    ),
    sql.SQL(
        "CREATE OR REPLACE TRIGGER jejak_checkpoints_refuse_truncate BEFORE TRUNCATE ON jejak_checkpoints "
        "FOR EACH STATEMENT EXECUTE FUNCTION jejak_events_refuse_change()"
    ),
]
"""Created by provisioning after the events table (whose refusing trigger function it reuses)."""


@dataclass(frozen=True)
class Head:
    position: int
    hash: bytes


def read_head(conn: psycopg.Connection[Any]) -> Head:
    row = conn.execute(sql.SQL("SELECT position, hash FROM {}").format(sql.Identifier(HEAD_TABLE))).fetchone()
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
        "INSERT INTO jejak_checkpoints (position, head_hash, signed_at, key_id, signature) "
        "VALUES (%s, %s, %s, %s, %s) RETURNING checkpoint_id",
        (checkpoint.position, checkpoint.hash, checkpoint.signed_at, checkpoint.key_id, checkpoint.signature),
    ).fetchone()
    if row is None:  # pragma: no cover (INSERT … RETURNING always returns the row)
        raise LookupError("the checkpoint was not stored")
    return Checkpoint(
        checkpoint.position,
        checkpoint.hash,
        checkpoint.signed_at,
        checkpoint.key_id,
        checkpoint.signature,
        int(row[0]),
    )


def take_checkpoint(database_url: str, key: SigningKey, *, only_if_moved: bool = False) -> Checkpoint | None:
    """Sign the current head and store it; with ``only_if_moved``, None when nothing new was stored."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        head = read_head(conn)
        if only_if_moved:
            last = conn.execute("SELECT coalesce(max(position), 0) FROM jejak_checkpoints").fetchone()
            if last is not None and int(last[0]) >= head.position:
                return None  # nothing new (an empty store is not signed either)
        return store(conn, sign(key, head))


def stored_checkpoints(conn: psycopg.Connection[Any], after_id: int = 0) -> Iterator[Checkpoint]:
    rows = conn.execute(
        "SELECT checkpoint_id, position, head_hash, signed_at, key_id, signature FROM jejak_checkpoints "
        "WHERE checkpoint_id > %s ORDER BY checkpoint_id",
        (after_id,),
    ).fetchall()
    for checkpoint_id, position, head_hash, signed_at, key_id, signature in rows:
        yield Checkpoint(
            int(position),
            bytes(head_hash),
            str(signed_at),
            str(key_id),
            bytes(signature),
            int(checkpoint_id),
        )


def msg_id(checkpoint: Checkpoint) -> str:
    return f"checkpoint:{checkpoint.checkpoint_id}"


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
