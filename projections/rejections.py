"""Rejections by sender: what each departmental system sent that Jejak refused, and why.

Built from the REJECTED stream (positioned by its stream sequence), so a sender's engineers and
BKPSDM can list refusals without a NATS client (``jejak rejections``, ``GET /rejections``).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncCursor, sql
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from contracts.rejection import RejectionV1
from projections.tracking import claim

NAME = "rejections"

REJECTION_TABLES: tuple[sql.SQL, ...] = (
    sql.SQL("""
CREATE TABLE IF NOT EXISTS rejection (
    stream_sequence bigint PRIMARY KEY,
    inbox_sequence  bigint NOT NULL,
    source          text,
    event_type      text,
    event_id        text,
    kind            text NOT NULL,
    code            text NOT NULL,
    rule            text,
    reason          text NOT NULL,
    errors          jsonb NOT NULL,
    subject         text NOT NULL,
    rejected_at     timestamptz NOT NULL
)"""),
    sql.SQL("CREATE INDEX IF NOT EXISTS rejection_by_source ON rejection (source, stream_sequence DESC)"),
)

_INSERT = sql.SQL("""
INSERT INTO rejection (stream_sequence, inbox_sequence, source, event_type, event_id, kind, code, rule, reason,
                       errors, subject, rejected_at)
VALUES (%(stream_sequence)s, %(inbox_sequence)s, %(source)s, %(event_type)s, %(event_id)s, %(kind)s, %(code)s,
        %(rule)s, %(reason)s, %(errors)s, %(subject)s, %(rejected_at)s)
ON CONFLICT (stream_sequence) DO NOTHING""")

_SELECT = sql.SQL("""
SELECT stream_sequence, inbox_sequence, source, event_type, event_id, kind, code, rule, reason, errors, subject,
       rejected_at
FROM rejection
WHERE (%(source)s::text IS NULL OR source = %(source)s)
  AND (%(before)s::bigint IS NULL OR stream_sequence < %(before)s)
ORDER BY stream_sequence DESC
LIMIT %(limit)s""")


async def apply(cur: AsyncCursor[Any], body: bytes, stream_sequence: int, tracking: str = NAME) -> bool:
    """Record one rejection inside the caller's transaction; False when already applied."""
    if not await claim(cur, tracking, stream_sequence):
        return False
    rejection = RejectionV1.model_validate_json(body)
    await cur.execute(
        _INSERT,
        {
            **rejection.model_dump(exclude={"original_base64", "errors"}),
            "errors": Jsonb([error.model_dump() for error in rejection.errors]),
            "stream_sequence": stream_sequence,
        },
    )
    return True


@dataclass(frozen=True)
class RejectionRow:
    """One refusal as listed (the original bytes stay on the REJECTED stream)."""

    stream_sequence: int
    inbox_sequence: int
    source: str | None
    event_type: str | None
    event_id: str | None
    kind: str
    code: str
    rule: str | None
    reason: str
    errors: list[dict[str, str]]
    subject: str
    rejected_at: datetime


async def latest(
    cur: AsyncCursor[Any], *, source: str | None, limit: int, before: int | None = None
) -> list[RejectionRow]:
    """Newest first; ``before`` (a stream sequence) pages back."""
    cur.row_factory = class_row(RejectionRow)
    await cur.execute(_SELECT, {"source": source, "limit": limit, "before": before})
    rows: list[RejectionRow] = await cur.fetchall()
    return rows


@dataclass(frozen=True)
class RejectionCount:
    """How often one sender was refused for one reason code, and the latest such refusal."""

    source: str | None
    code: str
    rejections: int
    last_rejected_at: datetime
    last_reason: str


_SUMMARY = sql.SQL("""
SELECT DISTINCT ON (source, code) source, code,
       count(*) OVER (PARTITION BY source, code) AS rejections,
       rejected_at AS last_rejected_at, reason AS last_reason
FROM rejection
ORDER BY source, code, stream_sequence DESC
""")


async def per_source(cur: AsyncCursor[Any]) -> list[RejectionCount]:
    """Every sender's refusals counted by reason code, with the latest reason given; by sender, then code."""
    cur.row_factory = class_row(RejectionCount)
    await cur.execute(_SUMMARY)
    rows: list[RejectionCount] = await cur.fetchall()
    return rows
