"""Employee dossier: everything recorded about one civil servant, as a dated timeline.

One row per employee (identity and current placement) and one entry per fact about them:
placements, competency development (with JP), assessments, plans, evaluations and corrections,
rewards, discipline, and the complaints that name them (never who complained). Entries keep the
event's own data, so new event types need no new table.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncCursor, sql
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from contracts.outbound import StoredEventEnvelope
from projections.tracking import claim, position_of

NAME = "dossier"

DOSSIER_TABLES: tuple[sql.SQL, ...] = (
    sql.SQL("""
CREATE TABLE IF NOT EXISTS dossier_employee (
    employee_id   uuid PRIMARY KEY,
    nip           text NOT NULL UNIQUE,
    name          text NOT NULL,
    asn_kind      text NOT NULL,
    gender        text NOT NULL,
    birth_date    date NOT NULL,
    start_date    date NOT NULL,
    rank          text,
    status        text NOT NULL,
    unit_code     text,
    unit_name     text,
    position      text,
    position_kind text,
    superior_nip  text,
    placed_on     date
)"""),
    sql.SQL("""
CREATE TABLE IF NOT EXISTS dossier_entry (
    position     bigint PRIMARY KEY,
    employee_id  uuid NOT NULL,
    kind         text NOT NULL,
    happened_on  date NOT NULL,
    occurred_at  timestamptz,
    recorded_at  timestamptz NOT NULL,
    source       text,
    event_id     text,
    details      jsonb NOT NULL
)"""),
    sql.SQL(
        "CREATE INDEX IF NOT EXISTS dossier_entry_by_employee ON dossier_entry (employee_id, happened_on, position)"
    ),
    sql.SQL("""
CREATE TABLE IF NOT EXISTS dossier_complaint (
    complaint_key uuid PRIMARY KEY,
    complaint_id  text NOT NULL,
    employee_id   uuid NOT NULL,
    state         text NOT NULL,
    closed_on     date
)"""),
    sql.SQL("CREATE INDEX IF NOT EXISTS dossier_complaint_by_employee ON dossier_complaint (employee_id)"),
)

_REGISTER = sql.SQL("""
INSERT INTO dossier_employee (employee_id, nip, name, asn_kind, gender, birth_date, start_date, rank, status)
VALUES (%(employee_id)s, %(nip)s, %(name)s, %(asn_kind)s, %(gender)s, %(birth_date)s, %(start_date)s, %(rank)s,
        %(status)s)
ON CONFLICT (employee_id) DO NOTHING""")
_PLACE = sql.SQL("""
UPDATE dossier_employee SET unit_code = %(unit_code)s, unit_name = %(unit_name)s, position = %(position)s,
       position_kind = %(position_kind)s, superior_nip = %(superior_nip)s, placed_on = %(effective_date)s
WHERE employee_id = %(employee_id)s AND (placed_on IS NULL OR placed_on <= %(effective_date)s)""")
_ENTRY = sql.SQL("""
INSERT INTO dossier_entry (position, employee_id, kind, happened_on, occurred_at, recorded_at, source, event_id,
                           details)
VALUES (%(position)s, %(employee_id)s, %(kind)s, %(happened_on)s, %(occurred_at)s, %(recorded_at)s, %(source)s,
        %(event_id)s, %(details)s)
ON CONFLICT (position) DO NOTHING""")
_EMPLOYEE_BY_NIP = sql.SQL("SELECT employee_id FROM dossier_employee WHERE nip = %(nip)s")
_NAMED_IN = sql.SQL("""
INSERT INTO dossier_complaint (complaint_key, complaint_id, employee_id, state)
VALUES (%(complaint_key)s, %(complaint_id)s, %(employee_id)s, 'received')
ON CONFLICT (complaint_key) DO NOTHING""")
_COMPLAINT_STATE = sql.SQL("""
UPDATE dossier_complaint SET state = %(state)s, closed_on = COALESCE(%(closed_on)s, closed_on)
WHERE complaint_key = %(complaint_key)s""")

DATE_OF = {
    "registered": "start_date",
    "placement-changed": "effective_date",
    "training-completed": "end_date",
    "competency-assessed": "assessed_on",
    "reward-proposed": "proposed_on",
    "reward-granted": "decree_date",
    "disciplinary-case-opened": "opened_on",
    "penalty-imposed": "starts_on",
    "penalty-annulled": "annulled_on",
}
"""Which field dates each kind of fact on the timeline (evaluations and plans: their period)."""

COMPLAINT_STATES = {"verified": "verified", "disposed": "disposed", "followed-up": "followed-up", "closed": "closed"}
VERIFICATION_ENDINGS = {"not-our-authority": "ended-at-verification", "archived": "ended-at-verification"}
"""Verification outcomes that end a complaint, as the domain names them (``domain.complaint.ENDING_OUTCOMES``:
projections read the wire, never the domain; a unit test keeps the two equal). ``postponed`` changes no state."""


def complaint_state_after(event_type: str, data: dict[str, Any]) -> str | None:
    """The dossier's complaint state after a step; None when the step leaves it as it was (a postponement)."""
    if event_type != "verified":
        return COMPLAINT_STATES[event_type]
    outcome = str(data.get("outcome"))
    return "verified" if outcome == "verified" else VERIFICATION_ENDINGS.get(outcome)


def period_end(year: int, period: str) -> date:
    """The last day of an evaluation period: annual, Q1-Q4 or M01-M12."""
    if period.startswith("Q"):
        month = 3 * int(period[1])
    elif period.startswith("M"):
        month = int(period[1:])
    else:
        month = 12
    return date(year, month, calendar.monthrange(year, month)[1])


def happened_on(event_type: str, data: dict[str, Any]) -> date:
    if event_type in DATE_OF:
        return date.fromisoformat(data[DATE_OF[event_type]])
    if event_type == "performance-plan-set":
        return date(int(data["year"]), 1, 1)
    return period_end(int(data["year"]), str(data["period"]))


async def apply(cur: AsyncCursor[Any], envelope: StoredEventEnvelope, tracking: str = NAME) -> bool:
    """Apply one stored event inside the caller's transaction; False when already applied."""
    if not await claim(cur, tracking, envelope.position):
        return False
    if envelope.aggregate_type == "civil-servant":
        await _employee_fact(cur, envelope)
    elif envelope.aggregate_type == "complaint":
        await _complaint_fact(cur, envelope)
    return True


async def _employee_fact(cur: AsyncCursor[Any], envelope: StoredEventEnvelope) -> None:
    data = {**envelope.data, "employee_id": envelope.aggregate_id}
    if envelope.event_type == "registered":
        await cur.execute(_REGISTER, data)
    elif envelope.event_type == "placement-changed":
        await cur.execute(_PLACE, {**data, "effective_date": date.fromisoformat(data["effective_date"])})
    await _entry(cur, envelope, envelope.aggregate_id, envelope.event_type, happened_on(envelope.event_type, data))


async def _complaint_fact(cur: AsyncCursor[Any], envelope: StoredEventEnvelope) -> None:
    data = envelope.data
    if envelope.event_type == "received" and data.get("named_employee_nip"):
        await cur.execute(_EMPLOYEE_BY_NIP, {"nip": data["named_employee_nip"]})
        row = await cur.fetchone()
        if row is None:  # a complaint may name someone Jejak does not know; nothing to file it under
            return
        details = {k: v for k, v in data.items() if k in COMPLAINT_DETAILS}
        named = {"complaint_key": envelope.aggregate_id, "complaint_id": data["complaint_id"], "employee_id": row[0]}
        await cur.execute(_NAMED_IN, named)
        await _entry(cur, envelope, row[0], "complaint-named", date.fromisoformat(data["received_on"]), details)
    elif envelope.event_type in COMPLAINT_STATES:
        state = complaint_state_after(envelope.event_type, data)
        if state is None:
            return
        closed_on = data.get("closed_on")
        await cur.execute(
            _COMPLAINT_STATE,
            {"complaint_key": envelope.aggregate_id, "state": state,
             "closed_on": date.fromisoformat(closed_on) if closed_on else None},
        )  # fmt: skip


COMPLAINT_DETAILS = {"complaint_id", "channel", "classification", "category", "target_unit_code", "received_on"}
"""What a dossier shows of a complaint naming the employee: never the complainant or the text."""


async def _entry(
    cur: AsyncCursor[Any], envelope: StoredEventEnvelope, employee: UUID, kind: str, on: date,
    details: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    origin = envelope.provenance
    await cur.execute(
        _ENTRY,
        {
            "position": envelope.position, "employee_id": employee, "kind": kind, "happened_on": on,
            "occurred_at": origin.occurred_at if origin else None, "recorded_at": envelope.recorded_at,
            "source": origin.source if origin else None, "event_id": origin.event_id if origin else None,
            "details": Jsonb(details if details is not None else envelope.data),
        },
    )  # fmt: skip


@dataclass(frozen=True)
class Entry:
    position: int
    kind: str
    happened_on: date
    occurred_at: datetime | None
    recorded_at: datetime
    source: str | None
    event_id: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class Employee:
    employee_id: UUID
    nip: str
    name: str
    asn_kind: str
    gender: str
    birth_date: date
    start_date: date
    rank: str | None
    status: str
    unit_code: str | None
    unit_name: str | None
    position: str | None
    position_kind: str | None
    superior_nip: str | None
    placed_on: date | None


@dataclass(frozen=True)
class NamedComplaint:
    complaint_id: str
    state: str
    closed_on: date | None


@dataclass(frozen=True)
class Dossier:
    """One employee's record as this read model holds it at ``position``."""

    position: int
    employee: Employee
    entries: list[Entry]
    complaints: list[NamedComplaint]


_SELECT_EMPLOYEE = sql.SQL("SELECT * FROM dossier_employee WHERE nip = %(nip)s")
_SELECT_ENTRIES = sql.SQL("""
SELECT position, kind, happened_on, occurred_at, recorded_at, source, event_id, details
FROM dossier_entry WHERE employee_id = %(employee_id)s ORDER BY happened_on, position""")
_SELECT_COMPLAINTS = sql.SQL("""
SELECT complaint_id, state, closed_on FROM dossier_complaint WHERE employee_id = %(employee_id)s
ORDER BY complaint_id""")


async def dossier_of(cur: AsyncCursor[Any], nip: str) -> Dossier | None:
    """The whole dossier from one snapshot: run it in a REPEATABLE READ transaction."""
    position = await position_of(cur, NAME)
    cur.row_factory = class_row(Employee)
    await cur.execute(_SELECT_EMPLOYEE, {"nip": nip})
    employee = await cur.fetchone()
    if employee is None:
        return None
    cur.row_factory = class_row(Entry)
    await cur.execute(_SELECT_ENTRIES, {"employee_id": employee.employee_id})
    entries = await cur.fetchall()
    cur.row_factory = class_row(NamedComplaint)
    await cur.execute(_SELECT_COMPLAINTS, {"employee_id": employee.employee_id})
    return Dossier(position, employee, entries, await cur.fetchall())
