"""Standing: what eligibility, follow-up of weak performers and the discipline register rest on.

Per employee: identity and start of service, evaluations in force, trainings (for follow-up),
rewards granted, and disciplinary cases with their penalties. Reports combine these with the
policy's thresholds and a clock; nothing here decides eligibility.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from psycopg import AsyncCursor, sql
from psycopg.rows import class_row

from contracts.outbound import StoredEventEnvelope
from projections.dossier import period_end
from projections.tracking import claim

NAME = "standing"

STANDING_TABLES: tuple[sql.SQL, ...] = (
    sql.SQL("""
CREATE TABLE IF NOT EXISTS standing_employee (
    employee_id uuid PRIMARY KEY,
    nip         text NOT NULL,
    name        text NOT NULL,
    asn_kind    text NOT NULL,
    start_date  date NOT NULL,
    unit_code   text
)"""),
    sql.SQL("CREATE INDEX IF NOT EXISTS standing_employee_by_unit ON standing_employee (unit_code)"),
    sql.SQL("""
CREATE TABLE IF NOT EXISTS standing_evaluation (
    employee_id   uuid NOT NULL,
    evaluation_id text NOT NULL,
    year          integer NOT NULL,
    period        text NOT NULL,
    period_end    date NOT NULL,
    predikat      integer NOT NULL,
    superseded    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (employee_id, evaluation_id)
)"""),
    sql.SQL("CREATE INDEX IF NOT EXISTS standing_evaluation_by_year ON standing_evaluation (year, predikat)"),
    sql.SQL("""
CREATE TABLE IF NOT EXISTS standing_training (
    position      bigint PRIMARY KEY,
    employee_id   uuid NOT NULL,
    end_date      date NOT NULL,
    recognised_jp numeric NOT NULL,
    title         text NOT NULL
)"""),
    sql.SQL("CREATE INDEX IF NOT EXISTS standing_training_by_employee ON standing_training (employee_id, end_date)"),
    sql.SQL("""
CREATE TABLE IF NOT EXISTS standing_reward (
    employee_id uuid NOT NULL,
    reward_code text NOT NULL,
    decree_date date NOT NULL,
    PRIMARY KEY (employee_id, reward_code, decree_date)
)"""),
    sql.SQL("""
CREATE TABLE IF NOT EXISTS standing_case (
    employee_id  uuid NOT NULL,
    case_id      text NOT NULL,
    opened_on    date NOT NULL,
    allegation   text NOT NULL,
    complaint_id text,
    unit_code    text,
    penalty_code text,
    level        text,
    starts_on    date,
    ends_on      date,
    annulled_on  date,
    PRIMARY KEY (employee_id, case_id)
)"""),
)

_REGISTER = sql.SQL("""
INSERT INTO standing_employee (employee_id, nip, name, asn_kind, start_date)
VALUES (%(employee_id)s, %(nip)s, %(name)s, %(asn_kind)s, %(start_date)s) ON CONFLICT DO NOTHING""")
_PLACE = sql.SQL("UPDATE standing_employee SET unit_code = %(unit_code)s WHERE employee_id = %(employee_id)s")
_EVALUATE = sql.SQL("""
INSERT INTO standing_evaluation (employee_id, evaluation_id, year, period, period_end, predikat)
VALUES (%(employee_id)s, %(evaluation_id)s, %(year)s, %(period)s, %(period_end)s, %(predikat)s)
ON CONFLICT DO NOTHING""")
_SUPERSEDE = sql.SQL("""
UPDATE standing_evaluation SET superseded = true
WHERE employee_id = %(employee_id)s AND evaluation_id = %(supersedes)s""")
_CORRECT = sql.SQL("""
INSERT INTO standing_evaluation (employee_id, evaluation_id, year, period, period_end, predikat)
SELECT employee_id, %(evaluation_id)s, year, period, period_end, %(predikat)s FROM standing_evaluation
WHERE employee_id = %(employee_id)s AND evaluation_id = %(supersedes)s
ON CONFLICT DO NOTHING""")
_TRAIN = sql.SQL("""
INSERT INTO standing_training (position, employee_id, end_date, recognised_jp, title)
VALUES (%(position)s, %(employee_id)s, %(end_date)s, %(recognised_jp)s, %(title)s) ON CONFLICT DO NOTHING""")
_REWARD = sql.SQL("""
INSERT INTO standing_reward (employee_id, reward_code, decree_date)
VALUES (%(employee_id)s, %(reward_code)s, %(decree_date)s) ON CONFLICT DO NOTHING""")
_OPEN_CASE = sql.SQL("""
INSERT INTO standing_case (employee_id, case_id, opened_on, allegation, complaint_id, unit_code)
SELECT %(employee_id)s, %(case_id)s, %(opened_on)s, %(allegation)s, %(complaint_id)s, unit_code
FROM standing_employee WHERE employee_id = %(employee_id)s
ON CONFLICT DO NOTHING""")
_PENALISE = sql.SQL("""
UPDATE standing_case SET penalty_code = %(penalty_code)s, level = %(level)s, starts_on = %(starts_on)s,
       ends_on = %(ends_on)s, annulled_on = NULL
WHERE employee_id = %(employee_id)s AND case_id = %(case_id)s""")
_ANNUL = sql.SQL("""
UPDATE standing_case SET annulled_on = %(annulled_on)s WHERE employee_id = %(employee_id)s AND case_id = %(case_id)s""")

_SIMPLE = {
    "registered": _REGISTER,
    "placement-changed": _PLACE,
    "training-completed": _TRAIN,
    "reward-granted": _REWARD,
    "disciplinary-case-opened": _OPEN_CASE,
    "penalty-imposed": _PENALISE,
    "penalty-annulled": _ANNUL,
}


async def apply(cur: AsyncCursor[Any], envelope: StoredEventEnvelope, tracking: str = NAME) -> bool:
    """Apply one stored event inside the caller's transaction; False when already applied."""
    if not await claim(cur, tracking, envelope.position):
        return False
    if envelope.aggregate_type != "civil-servant":
        return True
    data: dict[str, Any] = {
        "ends_on": None, "complaint_id": None, **envelope.data, "employee_id": envelope.aggregate_id,
        "position": envelope.position,
    }  # fmt: skip
    if envelope.event_type in _SIMPLE:
        await cur.execute(_SIMPLE[envelope.event_type], data)
    elif envelope.event_type == "performance-evaluated":
        await cur.execute(_EVALUATE, {**data, "period_end": period_end(int(data["year"]), str(data["period"]))})
    elif envelope.event_type == "evaluation-corrected":
        await cur.execute(_CORRECT, data)
        await cur.execute(_SUPERSEDE, data)
    return True


@dataclass(frozen=True)
class Standing:
    """One employee's facts that eligibility rests on."""

    employee_id: UUID
    nip: str
    name: str
    asn_kind: str
    start_date: date
    unit_code: str | None
    granted: list[str]
    annual: dict[int, int]
    penalties: list[dict[str, Any]]


_STANDINGS = sql.SQL("""
SELECT e.employee_id, e.nip, e.name, e.asn_kind, e.start_date, e.unit_code,
       COALESCE((SELECT array_agg(DISTINCT r.reward_code) FROM standing_reward r
                 WHERE r.employee_id = e.employee_id), '{}') AS granted,
       COALESCE((SELECT jsonb_object_agg(v.year, v.predikat) FROM standing_evaluation v
                 WHERE v.employee_id = e.employee_id AND v.period = 'annual' AND NOT v.superseded
                   AND v.year BETWEEN %(year)s - 1 AND %(year)s), '{}') AS annual,
       COALESCE((SELECT jsonb_agg(jsonb_build_object('level', c.level, 'starts_on', c.starts_on,
                                                     'ends_on', c.ends_on, 'annulled_on', c.annulled_on))
                 FROM standing_case c WHERE c.employee_id = e.employee_id AND c.level IS NOT NULL), '[]') AS penalties
FROM standing_employee e
WHERE (%(unit)s::text IS NULL OR e.unit_code = %(unit)s)
ORDER BY e.unit_code, e.nip""")


async def standings(cur: AsyncCursor[Any], year: int, unit: str | None) -> list[Standing]:
    """Everyone (of ``unit``) with rewards granted, annual predikat of ``year`` and the year before, penalties."""
    await cur.execute(_STANDINGS, {"year": year, "unit": unit})
    return [
        Standing(
            employee_id=row[0],
            nip=row[1],
            name=row[2],
            asn_kind=row[3],
            start_date=row[4],
            unit_code=row[5],
            granted=list(row[6]),
            annual={int(k): int(v) for k, v in row[7].items()},
            penalties=list(row[8]),
        )
        for row in await cur.fetchall()
    ]


@dataclass(frozen=True)
class RewardsGranted:
    """How many rewards of one code the staff of one unit were granted in a year (by decree date)."""

    unit_code: str | None
    reward_code: str
    granted: int


_REWARDS_GRANTED = sql.SQL("""
SELECT e.unit_code, r.reward_code, count(*) AS granted
FROM standing_reward r JOIN standing_employee e ON e.employee_id = r.employee_id
WHERE r.decree_date >= make_date(%(year)s, 1, 1) AND r.decree_date < make_date(%(year)s + 1, 1, 1)
  AND (%(unit)s::text IS NULL OR e.unit_code = %(unit)s)
GROUP BY e.unit_code, r.reward_code
ORDER BY e.unit_code NULLS LAST, r.reward_code""")


async def rewards_granted(cur: AsyncCursor[Any], year: int, unit: str | None) -> list[RewardsGranted]:
    """Rewards granted in ``year``, counted per unit (where the employee works now) and reward code."""
    cur.row_factory = class_row(RewardsGranted)
    await cur.execute(_REWARDS_GRANTED, {"year": year, "unit": unit})
    rows: list[RewardsGranted] = await cur.fetchall()
    return rows


@dataclass(frozen=True)
class WeakEvaluation:
    nip: str
    name: str
    unit_code: str | None
    evaluation_id: str
    period: str
    period_end: date
    predikat: int
    first_training_after: date | None


_WEAK = sql.SQL("""
SELECT e.nip, e.name, e.unit_code, v.evaluation_id, v.period, v.period_end, v.predikat,
       (SELECT min(t.end_date) FROM standing_training t
        WHERE t.employee_id = v.employee_id AND t.end_date > v.period_end) AS first_training_after
FROM standing_evaluation v JOIN standing_employee e USING (employee_id)
WHERE v.year = %(year)s AND v.predikat >= 3 AND NOT v.superseded
  AND (%(unit)s::text IS NULL OR e.unit_code = %(unit)s)
ORDER BY e.unit_code, e.nip, v.period_end""")


async def weak_evaluations(cur: AsyncCursor[Any], year: int, unit: str | None) -> list[WeakEvaluation]:
    """Evaluations in force of ``year`` at Butuh Perbaikan or worse, with the first training after each."""
    cur.row_factory = class_row(WeakEvaluation)
    await cur.execute(_WEAK, {"year": year, "unit": unit})
    rows: list[WeakEvaluation] = await cur.fetchall()
    return rows


@dataclass(frozen=True)
class CaseRow:
    nip: str
    name: str
    unit_code: str | None
    case_id: str
    opened_on: date
    allegation: str
    complaint_id: str | None
    penalty_code: str | None
    level: str | None
    starts_on: date | None
    ends_on: date | None
    annulled_on: date | None


_CASES = sql.SQL("""
SELECT e.nip, e.name, c.unit_code, c.case_id, c.opened_on, c.allegation, c.complaint_id, c.penalty_code, c.level,
       c.starts_on, c.ends_on, c.annulled_on
FROM standing_case c JOIN standing_employee e USING (employee_id)
WHERE c.opened_on >= make_date(%(year)s, 1, 1) AND c.opened_on < make_date(%(year)s + 1, 1, 1)
  AND (%(unit)s::text IS NULL OR e.unit_code = %(unit)s)
ORDER BY c.opened_on, e.nip, c.case_id""")
"""A unit's register lists the cases of its current staff (``e.unit_code``, where they work now), each with the
unit it was opened in (``c.unit_code``): after a transfer the new unit's head sees them, the old one's not."""


async def cases(cur: AsyncCursor[Any], year: int, unit: str | None) -> list[CaseRow]:
    """Disciplinary cases opened in ``year`` of the employees now in ``unit`` (each names the unit it was opened in)."""
    cur.row_factory = class_row(CaseRow)
    await cur.execute(_CASES, {"year": year, "unit": unit})
    rows: list[CaseRow] = await cur.fetchall()
    return rows
