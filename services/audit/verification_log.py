"""Every verification the dashboard ran: when, who asked, what it found, so the audit page shows the last one.

A convenience record, not evidence: the services' role writes it, so an auditor who must trust a
result runs ``jejak audit verify`` with their own copy of the public key. The table is the
services' own (like the API tokens): made by ``jejak provision``, appended to by the API.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncCursor, sql
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

TABLE = "audit_verification"

VERIFICATIONS_TABLE = sql.SQL("""
CREATE TABLE IF NOT EXISTS audit_verification (
    verification_id  bigserial PRIMARY KEY,
    requested_by     text NOT NULL,
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz NOT NULL DEFAULT now(),
    ok               boolean NOT NULL,
    events_checked   bigint NOT NULL,
    last_position    bigint,
    checkpoints      integer NOT NULL,
    covered_to       bigint,
    snapshots        integer NOT NULL,
    lines            jsonb NOT NULL
)""")


@dataclass(frozen=True)
class Verification:
    """One finished verification: the chain, the checkpoints and the snapshots, with the lines it printed."""

    requested_by: str
    started_at: datetime
    ok: bool
    events_checked: int
    last_position: int | None
    checkpoints: int
    covered_to: int | None
    snapshots: int
    lines: list[str]
    finished_at: datetime | None = None
    verification_id: int | None = None


_INSERT = sql.SQL("""
INSERT INTO audit_verification (requested_by, started_at, ok, events_checked, last_position, checkpoints, covered_to,
                                snapshots, lines)
VALUES (%(requested_by)s, %(started_at)s, %(ok)s, %(events_checked)s, %(last_position)s, %(checkpoints)s,
        %(covered_to)s, %(snapshots)s, %(lines)s)
""")
_LATEST = sql.SQL("""
SELECT requested_by, started_at, ok, events_checked, last_position, checkpoints, covered_to, snapshots, lines,
       finished_at, verification_id
FROM audit_verification ORDER BY verification_id DESC LIMIT %(limit)s
""")


async def record(cur: AsyncCursor[Any], done: Verification) -> None:
    fields = {k: v for k, v in vars(done).items() if k not in {"finished_at", "verification_id"}}
    await cur.execute(_INSERT, fields | {"lines": Jsonb(done.lines)})


async def latest(cur: AsyncCursor[Any], limit: int = 5) -> list[Verification]:
    """The newest first."""
    cur.row_factory = class_row(Verification)
    await cur.execute(_LATEST, {"limit": limit})
    rows: list[Verification] = await cur.fetchall()
    return rows
