"""Rewards in the demo city: Satyalancana Karya Satya when the years fall due, and ASN Teladan awards.

Karya Satya 10/20/30 (201/202/203) is conferred by a Keppres each August on PNS whose years of
service since TMT CPNS are complete on that date, never after a medium or heavy penalty; those who
completed them before the first year got it before Jejak kept records. An ASN Teladan award (306,
now and then 305 for the province) cites an annual evaluation in force at Sangat Baik and is
never given to someone penalised before the decree.
"""

import random
from datetime import date
from typing import Any

from domain.employment import full_years_between
from services.demo.context import CityContext
from services.demo.discipline import Imposed
from services.demo.numbering import Numbering
from services.demo.people import BKPSDM, Person
from services.demo.performance import Annual
from services.demo.timeline import Calendar, Step


class Rewards:
    """Writes one employee's reward proposals and grants."""

    def __init__(self, rng: random.Random, city: CityContext, numbering: Numbering) -> None:
        self.rng, self.city, self.numbering = rng, city, numbering

    def karya_satya(self, person: Person, penalties: list[Imposed], steps: list[Step]) -> None:
        if person.asn_kind != "PNS":
            return
        rng, policy, calendar, years = self.rng, self.city.policy, self.city.calendar, self.city.years
        barred = policy.karya_satya_disqualifying_levels
        for code, needed in sorted(policy.karya_satya_years.items(), key=lambda item: item[1]):
            due = next((y for y in years if _served(person, calendar, y) >= needed), None)
            if due is None or _served(person, calendar, due - 1) >= needed:
                continue  # not due in these years, or granted before Jejak kept records
            year = due + (1 if rng.random() < 0.1 else 0)  # some proposals miss a year's Keppres
            decided = _keppres_day(calendar, year)
            if year not in years or any(p.day <= decided and p.level in barred for p in penalties):
                continue
            proposal = f"USUL-KS-{year}-{self.numbering.next('karya-satya', year):05d}"
            proposed = calendar.between(rng, max(date(year, 3, 2), person.registered_on), date(year, 4, 30))
            common: dict[str, Any] = {"employee_nip": person.nip, "reward_code": code, "proposal_id": proposal}
            steps.append(Step(proposed, BKPSDM, "reward-proposed", {**common, "proposed_on": proposed}))
            grant = {**common, "decree_number": f"{year % 50 + 40}/TK/{year}", "decree_date": decided}
            steps.append(Step(decided, BKPSDM, "reward-granted", grant))

    def performance_awards(
        self, person: Person, annuals: list[Annual], penalties: list[Imposed], steps: list[Step]
    ) -> None:
        if person.asn_kind != "PNS" or person.is_head:
            return
        rng, calendar = self.rng, self.city.calendar
        for annual in annuals:
            if annual.predikat != 1 or rng.random() >= 0.2:
                continue
            year = annual.year + 1
            proposed = calendar.between(rng, date(year, 2, 2), date(year, 2, 20))
            decided = calendar.between(rng, date(year, 3, 2), date(year, 3, 20))
            if proposed <= annual.day or any(p.day <= decided for p in penalties):
                continue
            code, number = ("305" if rng.random() < 0.05 else "306"), self.numbering.next("award", year)
            common: dict[str, Any] = {
                "employee_nip": person.nip,
                "reward_code": code,
                "basis_evaluation_ids": [annual.evaluation_id],
                "proposal_id": f"USUL-TLD-{year}-{number:04d}",
            }
            steps.append(Step(proposed, BKPSDM, "reward-proposed", {**common, "proposed_on": proposed}))
            grant = {**common, "decree_number": f"188.45/{number}/WAKO-SWL/{year}", "decree_date": decided}
            steps.append(Step(decided, BKPSDM, "reward-granted", grant))


def _keppres_day(calendar: Calendar, year: int) -> date:
    """Karya Satya is conferred by a Keppres issued before Independence Day."""
    return calendar.on_or_after(date(year, 8, 10))


def _served(person: Person, calendar: Calendar, year: int) -> int:
    """Whole years since TMT CPNS on the day of that year's Keppres."""
    return full_years_between(person.start_date, _keppres_day(calendar, year))
