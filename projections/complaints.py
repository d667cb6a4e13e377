"""Complaints per OPD: each complaint's stages with their dates, and what discipline followed.

One row per complaint (the complainant never: only whether one is known); the dates of each stage
let reports measure time per stage in working days and find SLA breaches against a clock.
Disciplinary cases that cite a complaint link it to their outcome.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg import AsyncCursor, sql
from psycopg.rows import class_row

from contracts.outbound import StoredEventEnvelope
from projections.tracking import claim

NAME = "complaints"

COMPLAINT_TABLES: tuple[sql.SQL, ...] = (
    sql.SQL("""
CREATE TABLE IF NOT EXISTS complaint (
    complaint_key        uuid PRIMARY KEY,
    complaint_id         text NOT NULL UNIQUE,
    channel              text NOT NULL,
    classification       text NOT NULL,
    category             text NOT NULL,
    confidential         boolean NOT NULL,
    complainant_known    boolean NOT NULL,
    target_unit_code     text NOT NULL,
    named_employee_nip   text,
    forum_id             text,
    received_on          date NOT NULL,
    verified_on          date,
    verification_outcome text,
    disposed_on          date,
    disposed_to          text,
    first_follow_up_on   date,
    follow_ups           integer NOT NULL DEFAULT 0,
    closed_on            date,
    satisfaction         integer,
    state                text NOT NULL
)"""),
    sql.SQL("CREATE INDEX IF NOT EXISTS complaint_by_unit ON complaint (target_unit_code, received_on)"),
    sql.SQL("""
CREATE TABLE IF NOT EXISTS complaint_discipline (
    case_id      text NOT NULL,
    employee_id  uuid NOT NULL,
    complaint_id text NOT NULL,
    opened_on    date NOT NULL,
    penalty_code text,
    level        text,
    annulled     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (employee_id, case_id)
)"""),
    sql.SQL("CREATE INDEX IF NOT EXISTS complaint_discipline_by_complaint ON complaint_discipline (complaint_id)"),
)

_RECEIVED = sql.SQL("""
INSERT INTO complaint (complaint_key, complaint_id, channel, classification, category, confidential,
                       complainant_known, target_unit_code, named_employee_nip, forum_id, received_on, state)
VALUES (%(complaint_key)s, %(complaint_id)s, %(channel)s, %(classification)s, %(category)s, %(confidential)s,
        %(complainant_known)s, %(target_unit_code)s, %(named_employee_nip)s, %(forum_id)s, %(received_on)s,
        'received')
ON CONFLICT (complaint_key) DO NOTHING""")
_VERIFIED = sql.SQL("""
UPDATE complaint SET verified_on = %(verified_on)s, verification_outcome = %(outcome)s,
       state = CASE %(outcome)s WHEN 'verified' THEN 'verified' WHEN 'postponed' THEN state ELSE 'ended' END
WHERE complaint_key = %(complaint_key)s""")
_DISPOSED = sql.SQL("""
UPDATE complaint SET disposed_on = COALESCE(disposed_on, %(disposed_on)s), disposed_to = %(unit_code)s,
       state = 'disposed'
WHERE complaint_key = %(complaint_key)s""")
_FOLLOWED_UP = sql.SQL("""
UPDATE complaint SET first_follow_up_on = COALESCE(first_follow_up_on, %(followed_up_on)s),
       follow_ups = follow_ups + 1, state = 'followed-up'
WHERE complaint_key = %(complaint_key)s""")
_CLOSED = sql.SQL("""
UPDATE complaint SET closed_on = %(closed_on)s, satisfaction = %(satisfaction)s, state = 'closed'
WHERE complaint_key = %(complaint_key)s""")
_CASE = sql.SQL("""
INSERT INTO complaint_discipline (case_id, employee_id, complaint_id, opened_on)
VALUES (%(case_id)s, %(employee_id)s, %(complaint_id)s, %(opened_on)s) ON CONFLICT DO NOTHING""")
_PENALTY = sql.SQL("""
UPDATE complaint_discipline SET penalty_code = %(penalty_code)s, level = %(level)s, annulled = false
WHERE employee_id = %(employee_id)s AND case_id = %(case_id)s""")
_ANNULLED = sql.SQL("""
UPDATE complaint_discipline SET annulled = true WHERE employee_id = %(employee_id)s AND case_id = %(case_id)s""")

_COMPLAINT_STEPS = {"verified": _VERIFIED, "disposed": _DISPOSED, "followed-up": _FOLLOWED_UP, "closed": _CLOSED}
_DISCIPLINE_STEPS = {"penalty-imposed": _PENALTY, "penalty-annulled": _ANNULLED}


async def apply(cur: AsyncCursor[Any], envelope: StoredEventEnvelope, tracking: str = NAME) -> bool:
    """Apply one stored event inside the caller's transaction; False when already applied."""
    if not await claim(cur, tracking, envelope.position):
        return False
    data = envelope.data
    if envelope.aggregate_type == "complaint":
        params = {**data, "complaint_key": envelope.aggregate_id}
        if envelope.event_type == "received":
            await cur.execute(_RECEIVED, {"complainant_known": data.get("complainant_known", False), **params})
        elif envelope.event_type in _COMPLAINT_STEPS:
            await cur.execute(_COMPLAINT_STEPS[envelope.event_type], params)
    elif envelope.aggregate_type == "civil-servant":
        params = {**data, "employee_id": envelope.aggregate_id}
        if envelope.event_type == "disciplinary-case-opened" and data.get("complaint_id"):
            await cur.execute(_CASE, params)
        elif envelope.event_type in _DISCIPLINE_STEPS:
            await cur.execute(_DISCIPLINE_STEPS[envelope.event_type], params)
    return True


@dataclass(frozen=True)
class ComplaintRow:
    complaint_id: str
    classification: str
    category: str
    target_unit_code: str
    received_on: date
    verified_on: date | None
    verification_outcome: str | None
    disposed_on: date | None
    first_follow_up_on: date | None
    closed_on: date | None
    state: str
    cases: int
    penalties: int


_OF_YEAR = sql.SQL("""
SELECT c.complaint_id, c.classification, c.category, c.target_unit_code, c.received_on, c.verified_on,
       c.verification_outcome, c.disposed_on, c.first_follow_up_on, c.closed_on, c.state,
       count(d.case_id) AS cases, count(d.penalty_code) FILTER (WHERE NOT d.annulled) AS penalties
FROM complaint c LEFT JOIN complaint_discipline d ON d.complaint_id = c.complaint_id
WHERE c.received_on <= %(as_of)s
  AND (c.received_on >= make_date(%(year)s, 1, 1) AND c.received_on < make_date(%(year)s + 1, 1, 1)
       OR (c.received_on < make_date(%(year)s, 1, 1)
           AND (c.closed_on IS NULL OR c.closed_on > %(as_of)s)
           AND NOT (c.verification_outcome IN ('archived', 'not-our-authority') AND c.verified_on <= %(as_of)s)))
  AND (%(unit)s::text IS NULL OR c.target_unit_code = %(unit)s)
GROUP BY c.complaint_key
ORDER BY c.target_unit_code, c.received_on, c.complaint_id""")


async def of_year(cur: AsyncCursor[Any], year: int, as_of: date, unit: str | None = None) -> list[ComplaintRow]:
    """Complaints received in ``year`` (up to ``as_of``), plus older ones still open on ``as_of`` (by their dates,
    not their state now, so a past ``as_of`` holds what was open then): the backlog."""
    cur.row_factory = class_row(ComplaintRow)
    await cur.execute(_OF_YEAR, {"year": year, "as_of": as_of, "unit": unit})
    rows: list[ComplaintRow] = await cur.fetchall()
    return rows
