"""Parked submissions: ones that kept failing for a fault of Jejak's own, set aside so the rest go on.

A submission that breaks a rule is refused; one that meets a database or NATS away is retried until
they are back. What is left is a bug of ours (an exception nobody expected). Retried for ever it
would hold up every submission after it, so after ``park_after_attempts`` tries it is parked: its
bytes, subject and the error are kept in ``parked_submission``, its sender is told on REJECTED (kind
``parked``: kept, not refused), and INBOX moves on. After a fix, ``jejak parked replay ID`` publishes
the original again on its subject, and ingest applies it as a new submission.
"""

import traceback
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from contracts.streams import carries_personal_data

PARKED_TABLE = sql.SQL("""
CREATE TABLE IF NOT EXISTS parked_submission (
    id              bigserial PRIMARY KEY,
    inbox_sequence  bigint NOT NULL UNIQUE,
    subject         text NOT NULL,
    source          text,
    event_type      text,
    event_id        text,
    original        bytea NOT NULL,
    error           text NOT NULL,
    attempts        integer NOT NULL,
    parked_at       timestamptz NOT NULL DEFAULT now(),
    replayed_at     timestamptz,
    replayed_as     bigint
)""")

_PARK = sql.SQL("""
INSERT INTO parked_submission (inbox_sequence, subject, source, event_type, event_id, original, error, attempts)
VALUES (%(inbox_sequence)s, %(subject)s, %(source)s, %(event_type)s, %(event_id)s, %(original)s, %(error)s,
        %(attempts)s)
ON CONFLICT (inbox_sequence) DO NOTHING""")

_COLUMNS = sql.SQL(
    "id, inbox_sequence, subject, source, event_type, event_id, error, attempts, parked_at, replayed_at, replayed_as"
)
_LIST = sql.SQL("SELECT {} FROM parked_submission WHERE %(all)s OR replayed_at IS NULL ORDER BY id").format(_COLUMNS)
_ONE = sql.SQL("SELECT {}, original FROM parked_submission WHERE id = %(id)s").format(_COLUMNS)
_REPLAYED = sql.SQL("""
UPDATE parked_submission SET replayed_at = now(), replayed_as = %(replayed_as)s
WHERE id = %(id)s AND replayed_at IS NULL""")
_MENTIONING = sql.SQL("""
SELECT id, subject, inbox_sequence FROM parked_submission
WHERE original <> ''::bytea AND position(%(reference)s::bytea IN original) > 0""")
_ERASE = sql.SQL("""
UPDATE parked_submission SET original = ''::bytea, error = %(note)s, replayed_at = coalesce(replayed_at, now())
WHERE id = ANY(%(ids)s)""")
_WAITING = sql.SQL("SELECT count(*) FROM parked_submission WHERE replayed_at IS NULL")


@dataclass(frozen=True)
class Parked:
    """One parked submission, as listed (its bytes stay in the table and on INBOX)."""

    id: int
    inbox_sequence: int
    subject: str
    source: str | None
    event_type: str | None
    event_id: str | None
    error: str
    attempts: int
    parked_at: datetime
    replayed_at: datetime | None
    replayed_as: int | None


@dataclass(frozen=True)
class ParkedWithOriginal(Parked):
    original: bytes


def error_line(error: BaseException) -> str:
    """The exception's type and message, and where it was raised: the traceback's last frame."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    return f"{type(error).__name__}: {error}"[:1_000] + where


class ParkedSubmissions:
    """The ``parked_submission`` table; blocking calls (ingest makes them from its worker thread)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def park(
        self, *, inbox_sequence: int, subject: str, source: str | None, event_type: str | None,
        event_id: str | None, original: bytes, error: str, attempts: int,
    ) -> None:  # fmt: skip
        """Keep one submission aside; parking the same INBOX message again (a redelivery) changes nothing."""
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(
                _PARK,
                {
                    "inbox_sequence": inbox_sequence, "subject": subject, "source": source,
                    "event_type": event_type, "event_id": event_id, "original": original, "error": error,
                    "attempts": attempts,
                },
            )  # fmt: skip

    def listed(self, *, include_replayed: bool = False) -> list[Parked]:
        with psycopg.connect(self.database_url) as conn, conn.cursor(row_factory=class_row(Parked)) as cur:
            cur.execute(_LIST, {"all": include_replayed})
            return cur.fetchall()

    def get(self, parked_id: int) -> ParkedWithOriginal | None:
        with psycopg.connect(self.database_url) as conn, conn.cursor(row_factory=class_row(ParkedWithOriginal)) as cur:
            cur.execute(_ONE, {"id": parked_id})
            return cur.fetchone()

    def erase_mentions(self, reference: str, erased_at_inbox: int) -> list[int]:
        """Wipe the originals of parked complaint submissions that name a person's ``reference``; their INBOX
        sequences (to delete there too). They can no longer be replayed: they count as done."""
        note = f"original erased by personal-data-erased (INBOX #{erased_at_inbox})"
        with psycopg.connect(self.database_url) as conn, conn.transaction():
            rows = conn.execute(_MENTIONING, {"reference": reference.encode()}).fetchall()
            doomed = [(int(row[0]), int(row[2])) for row in rows if carries_personal_data(str(row[1]))]
            conn.execute(_ERASE, {"ids": [parked_id for parked_id, _ in doomed], "note": note})
        return [inbox_sequence for _, inbox_sequence in doomed]

    def mark_replayed(self, parked_id: int, replayed_as: int) -> bool:
        """Record that it was published again as INBOX ``replayed_as``; False if it had been already."""
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return conn.execute(_REPLAYED, {"id": parked_id, "replayed_as": replayed_as}).rowcount == 1


async def waiting(cur: psycopg.AsyncCursor[Any]) -> int:
    """How many parked submissions wait for a replay (``/metrics``)."""
    await cur.execute(_WAITING)
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def waiting_list(cur: psycopg.AsyncCursor[Any]) -> list[Parked]:
    """Those waiting for a replay, oldest first (``GET /parked``, the dashboard's system page)."""
    cur.row_factory = class_row(Parked)
    await cur.execute(_LIST, {"all": False})
    rows: list[Parked] = await cur.fetchall()
    return rows
