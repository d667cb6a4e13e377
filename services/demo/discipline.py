"""Discipline in the demo city (PP 94/2021): a few cases a year, some from complaints naming an employee.

Most cases end in a light penalty, some in a medium one (a cut of the performance allowance for
6, 9 or 12 months), some in none; an annulment after an upheld objection is rare.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from contracts.reference import penalty_levels
from services.demo.citizen_texts import ALLEGATIONS, ANNULMENT_REASON
from services.demo.context import CityContext
from services.demo.numbering import Numbering
from services.demo.people import BKPSDM, Person
from services.demo.timeline import Step

MEDIUM_MONTHS = {"23": 6, "24": 9, "25": 12}
"""Medium penalties: 25 % of the performance allowance withheld for this many months."""


@dataclass(frozen=True)
class CaseLead:
    """A complaint naming this employee that BKPSDM turns into a disciplinary case on ``day``."""

    nip: str
    complaint_id: str
    day: date


@dataclass(frozen=True)
class Imposed:
    """A penalty as rewards must see it: when it was decided, and its level (R light, S medium, B heavy)."""

    day: date
    level: str


class Discipline:
    """Writes one employee's disciplinary cases, penalties and annulments."""

    def __init__(self, rng: random.Random, city: CityContext, numbering: Numbering) -> None:
        self.rng, self.city, self.numbering = rng, city, numbering

    def cases(self, person: Person, leads: list[CaseLead], steps: list[Step]) -> list[Imposed]:
        """Cases of the years (more for weak performers) and those complaints led to; the penalties imposed."""
        rng, calendar = self.rng, self.city.calendar
        cases: list[tuple[date, str, str | None]] = []
        for year in self.city.years:
            if rng.random() < (0.018 if person.rating_tendency == "weak" else 0.005):
                first = max(date(year, 1, 10), person.registered_on + timedelta(days=7))
                cases.append((calendar.between(rng, first, date(year, 11, 30)), rng.choice(ALLEGATIONS[:3]), None))
        cases += [(lead.day, ALLEGATIONS[3], lead.complaint_id) for lead in leads]
        imposed: list[Imposed] = []
        for opened, allegation, complaint in sorted(cases, key=lambda case: case[0]):
            case_id = f"HD-{opened.year}-{self.numbering.next('case', opened.year):04d}"
            case = {
                "employee_nip": person.nip,
                "case_id": case_id,
                "opened_on": opened,
                "allegation": allegation,
                "complaint_id": complaint,
            }
            steps.append(Step(opened, BKPSDM, "disciplinary-case-opened", case))
            if rng.random() < (0.6 if complaint else 0.85):  # otherwise not proven: no penalty
                imposed.append(self._penalty(person, case_id, opened, steps))
        return imposed

    def _penalty(self, person: Person, case_id: str, opened: date, steps: list[Step]) -> Imposed:
        rng, calendar = self.rng, self.city.calendar
        medium = rng.random() < 0.22
        code = rng.choice(list(MEDIUM_MONTHS)) if medium else rng.choices(["1", "2", "3"], weights=[5, 3, 2])[0]
        decided = calendar.after(opened, rng.randint(10, 30))
        number = f"800.1.6.4/{self.numbering.next('penalty', decided.year):03d}/BKPSDM/{decided.year}"
        penalty = {
            "employee_nip": person.nip,
            "case_id": case_id,
            "penalty_code": code,
            "decree_number": number,
            "decree_date": decided,
            "starts_on": decided,
            "ends_on": _months_later(decided, MEDIUM_MONTHS[code]) if medium else None,
        }
        steps.append(Step(decided, BKPSDM, "penalty-imposed", penalty))
        if rng.random() < 0.06:
            annulled = calendar.after(decided, rng.randint(20, 60))
            annulment = {
                "employee_nip": person.nip,
                "case_id": case_id,
                "annulled_on": annulled,
                "reason": ANNULMENT_REASON,
                "decree_number": f"{number}/PEMBATALAN",
            }
            steps.append(Step(annulled, BKPSDM, "penalty-annulled", annulment))
        return Imposed(decided, penalty_levels()[code])


def _months_later(day: date, months: int) -> date:
    """The last day of a penalty of ``months`` months starting on ``day``."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28)) - timedelta(days=1)
