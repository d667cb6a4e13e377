"""One civil servant's record over the years, in the order it happens.

BKPSDM registers and places the employee (and moves some later); then come the yearly SKP and
evaluations, disciplinary cases, and the rewards the record allows, each written by its own part.
"""

import random

from services.demo.context import CityContext
from services.demo.discipline import CaseLead, Discipline
from services.demo.learning import Learning
from services.demo.numbering import Numbering
from services.demo.people import BKPSDM, Person, placement, registration_steps
from services.demo.performance import Performance
from services.demo.rewards import Rewards
from services.demo.timeline import Step


class Careers:
    """Writes the steps of each employee's record."""

    def __init__(self, rng: random.Random, city: CityContext, numbering: Numbering) -> None:
        self.city, self.numbering = city, numbering
        self.performance, self.discipline = Performance(rng, city), Discipline(rng, city, numbering)
        self.rewards, self.learning = Rewards(rng, city, numbering), Learning(rng, city.calendar, numbering)

    def of(self, person: Person, leads: list[CaseLead]) -> list[Step]:
        """Every step of the record; their days decide their order, registration first."""
        first = person.registered_on
        steps = registration_steps(person, self.city.superior(person, first), self._decree(first.year))
        for posting in person.postings[1:]:
            superior, decree = self.city.superior(person, posting.since), self._decree(posting.since.year)
            fields = placement(person, posting, superior, decree, posting.since)
            steps.append(Step(posting.since, BKPSDM, "placement-changed", fields))
        penalties = self.discipline.cases(person, leads, steps)
        annuals = [annual for year in self.city.years if (annual := self.performance.year(person, year, steps))]
        self.rewards.karya_satya(person, penalties, steps)
        self.rewards.performance_awards(person, annuals, penalties, steps)
        for year in self.city.years:
            steps += self.learning.year(person, year)
        return steps

    def _decree(self, year: int) -> str:
        return f"821.2/{self.numbering.next('placement', year):03d}/BKPSDM/{year}"
