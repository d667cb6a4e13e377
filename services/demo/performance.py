"""Performance in the demo city (PermenPANRB 6/2022): the yearly SKP, quarterly and annual evaluations, corrections.

Ratings follow the employee's own tendency and the unit's predikat (mostly as expected, some
above, few below); the predikat is always the policy matrix's for the two ratings. The appraiser
is the superior on the day; nobody in the city appraises the Sekretaris Daerah, so e-Kinerja
sends nothing for them. A correction (an upheld objection, a fixed typing error) comes in January,
after its evaluation and before any reward that cites the year.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from services.demo.context import CityContext
from services.demo.people import Person
from services.demo.timeline import Step

EKINERJA = "ekinerja-sawahlunto"
QUARTERS = {"Q1": ((4, 1), (4, 17)), "Q2": ((7, 1), (7, 17)), "Q3": ((10, 1), (10, 16)), "Q4": ((12, 7), (12, 17))}
ANNUAL = ((12, 18), (12, 30))
RATING_ODDS: dict[str, dict[tuple[int, int], int]] = {
    "strong": {(1, 1): 40, (1, 2): 20, (2, 1): 10, (2, 2): 30},
    "steady": {(2, 2): 80, (1, 2): 7, (2, 1): 6, (1, 1): 2, (2, 3): 2, (3, 2): 3},
    "weak": {(2, 2): 52, (3, 2): 18, (2, 3): 16, (3, 3): 6, (1, 2): 2, (2, 1): 6},
}
"""(work result, behaviour) by the employee's own tendency: 1 above expectation, 2 as expected, 3 below."""
UNIT_EFFECT = {"istimewa": (2.5, 0.5), "baik": (1.0, 1.0), "butuh-perbaikan": (0.5, 1.8), "kurang": (0.3, 2.5)}
"""How the unit's own predikat weighs ratings above and below expectation (the guideline distributions)."""
OBJECTION = "Keberatan atas hasil evaluasi kinerja dikabulkan oleh atasan pejabat penilai kinerja"
INPUT_ERROR = "Perbaikan kesalahan input nilai perilaku kerja oleh pejabat penilai kinerja"


@dataclass(frozen=True)
class Annual:
    """The annual evaluation in force for a year, and the day it became so."""

    year: int
    evaluation_id: str
    predikat: int
    day: date


class Performance:
    """Writes one employee's SKP and evaluations for a year."""

    def __init__(self, rng: random.Random, city: CityContext) -> None:
        self.rng, self.city = rng, city

    def year(self, person: Person, year: int, steps: list[Step]) -> Annual | None:
        """The year's SKP, four quarterly evaluations and the annual one; None when there is none."""
        rng, calendar = self.rng, self.city.calendar
        active = person.registered_on + timedelta(days=1)
        if date(year, 10, 1) < active:
            return None
        first = max(date(year, 1, 5), active)
        planned = calendar.between(rng, first, first + timedelta(days=21))
        appraiser = self.city.superior(person, planned)
        if appraiser is None:
            return None
        plan = {
            "employee_nip": person.nip,
            "year": year,
            "period_kind": "quarterly",
            "appraiser_nip": appraiser,
            "appraiser_superior_nip": None if appraiser == self.city.secretary else self.city.secretary,
        }
        steps.append(Step(planned, EKINERJA, "performance-plan-set", plan))
        for period, (start, end) in QUARTERS.items():
            day = calendar.between(rng, date(year, *start), date(year, *end))
            if day > planned:
                steps.append(self._evaluation(person, year, period, day, f"SKP-{year}-{period}-{person.nip}"))
        day = calendar.between(rng, date(year, *ANNUAL[0]), date(year, *ANNUAL[1]))
        evaluation = self._evaluation(person, year, "annual", day, f"SKP-{year}-annual-{person.nip}")
        steps.append(evaluation)
        in_force = Annual(year, evaluation.fields["evaluation_id"], evaluation.fields["predikat"], day)
        return self._correction(evaluation, steps) or in_force

    def _evaluation(self, person: Person, year: int, period: str, day: date, evaluation_id: str) -> Step:
        unit = person.posting_on(day).unit.code
        above, below = UNIT_EFFECT.get(self.city.unit_ratings.get((unit, year), "baik"), (1.0, 1.0))
        odds = RATING_ODDS[person.rating_tendency]
        weights = [w * (above if 1 in cell else below if 3 in cell else 1.0) for cell, w in odds.items()]
        work_result, behaviour = self.rng.choices(list(odds), weights=weights)[0]
        fields = {
            "employee_nip": person.nip,
            "evaluation_id": evaluation_id,
            "year": year,
            "period": period,
            "work_result": work_result,
            "behaviour": behaviour,
            "predikat": self.city.policy.predikat_for(work_result, behaviour),
            "appraiser_nip": self.city.superior(person, day),
        }
        return Step(day, EKINERJA, "performance-evaluated", fields)

    def _correction(self, evaluation: Step, steps: list[Step]) -> Annual | None:
        """An upheld objection against a weak annual predikat, or now and then a fixed typing error."""
        rng, given = self.rng, evaluation.fields
        if given["predikat"] >= 3 and rng.random() < 0.3:
            ratings, reason = (2, 2), OBJECTION
        elif rng.random() < 0.01:
            ratings, reason = (rng.choice([(1, 2), (2, 1)]) if given["predikat"] == 2 else (2, 2)), INPUT_ERROR
        else:
            return None
        year = given["year"] + 1
        day = self.city.calendar.between(rng, date(year, 1, 5), date(year, 1, 26))
        corrected = f"{given['evaluation_id']}-k1"
        predikat = self.city.policy.predikat_for(*ratings)
        fields = {
            "employee_nip": given["employee_nip"],
            "evaluation_id": corrected,
            "supersedes": given["evaluation_id"],
            "work_result": ratings[0],
            "behaviour": ratings[1],
            "predikat": predikat,
            "appraiser_nip": given["appraiser_nip"],
            "reason": reason,
        }
        steps.append(Step(day, EKINERJA, "evaluation-corrected", fields))
        return Annual(given["year"], corrected, predikat, day)
