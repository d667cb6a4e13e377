"""A seeded, realistic city for demos and benchmarks: what Sawahlunto's systems would send Jejak over the years.

``generate_city`` is pure and deterministic: the same seed, size and years give the same events in
the same order with the same ids, and nothing reads the clock. Every event satisfies its contract
and Jejak's rules, comes from a source the sender map allows for it, and is listed after everything
it depends on; events of all stories are interleaved by the moment they happen.
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from contracts.inbound import INBOUND_CONTRACTS
from domain.policy import bundled_policy
from services.demo.careers import Careers
from services.demo.citizens import Citizens
from services.demo.context import CityContext
from services.demo.discipline import CaseLead
from services.demo.names import SECRETARIAT, UnitSpec
from services.demo.numbering import Numbering
from services.demo.people import BKPSDM, Roster, city_units, plan_transfers
from services.demo.timeline import Calendar, Step, Stories, Timed

UNIT_PREDIKAT = ("istimewa", "baik", "butuh-perbaikan", "kurang")
UNIT_QUALITY = {"good": (40, 55, 5, 0), "normal": (10, 65, 22, 3), "weak": (0, 45, 40, 15)}
"""Weights of a unit's yearly predikat by how well the unit is run."""


@dataclass(frozen=True)
class Publication:
    """One submission as its departmental system sends it: the source, the event type and the JSON body."""

    source: str
    event_type: str
    body: dict[str, Any]
    """The contract's fields as JSON values, with ``event_id``, ``occurred_at`` and ``source``."""

    @property
    def event_id(self) -> str:
        return str(self.body["event_id"])


@dataclass(frozen=True)
class Unit:
    code: str
    name: str


@dataclass(frozen=True)
class Employee:
    """A civil servant of the city and the unit they work in at the end of the period."""

    nip: str
    asn_kind: str
    unit_code: str


@dataclass(frozen=True)
class City:
    """The generated city: its units, its civil servants and every event, in publishing order."""

    seed: int
    first_year: int
    last_year: int
    units: tuple[Unit, ...]
    employees: tuple[Employee, ...]
    events: list[Publication]

    def counts(self) -> dict[str, int]:
        """Events per type, in the order of the contracts."""
        counted = Counter(event.event_type for event in self.events)
        return {event_type: counted[event_type] for event_type, _ in INBOUND_CONTRACTS if counted[event_type]}


def generate_city(
    seed: int = 2026, employees: int = 2000, years: int = 5, last_year: int = 2026, today: date | None = None
) -> City:
    """Every event of a city of ``employees`` civil servants over ``years`` years ending with ``last_year``.

    Nothing happens after the city's ``today`` (by default the real date, and at most 31 December
    of ``last_year``): stories that would continue (a complaint still being handled, next year's
    awards) stop there, as they would in a live system, and ingest refuses no fact as being from
    the future.
    """
    if employees < 1 or years < 1:
        raise ValueError("a city needs at least one employee and one year")
    today = min(today or date.today(), date(last_year, 12, 31))  # noqa: DTZ011 (the city's day, not a moment)
    if today.year < last_year - years + 1:
        raise ValueError(
            f"every year of this city lies after its today ({today.isoformat()}): choose an earlier last year"
        )
    rng, policy = random.Random(seed), bundled_policy()  # noqa: S311 (a demo city, not a secret)
    calendar, numbering = Calendar(policy), Numbering()
    first_year = last_year - years + 1
    span = range(first_year, last_year + 1)
    stories = Stories(rng, horizon=today)
    units = city_units(employees)
    people = Roster(rng, calendar, first_year, last_year).hire(units, employees)
    plan_transfers(rng, calendar, people, units, span)
    heads = {person.postings[0].unit.code: person.nip for person in people if person.is_head}
    ratings = _rate_units(stories, calendar, units, span)

    citizens = Citizens(stories, calendar, policy, numbering, units, people)
    for year in span:
        citizens.year(year, employees)
    citizens.erasures()
    leads: dict[str, list[CaseLead]] = {}
    for lead in citizens.leads:
        leads.setdefault(lead.nip, []).append(lead)

    context = CityContext(policy, calendar, span, heads, heads[SECRETARIAT], ratings)
    careers = Careers(rng, context, numbering)
    for person in people:
        stories.timeline().add_all(careers.of(person, leads.get(person.nip, [])))

    return City(
        seed=seed,
        first_year=first_year,
        last_year=last_year,
        units=tuple(Unit(unit.code, unit.name) for unit in units),
        employees=tuple(Employee(p.nip, p.asn_kind, p.postings[-1].unit.code) for p in people),
        events=_publications(stories.timed, seed),
    )


def _rate_units(
    stories: Stories, calendar: Calendar, units: tuple[UnitSpec, ...], span: range
) -> dict[tuple[str, int], str]:
    """Each unit's yearly predikat, set in early December before the employees' annual evaluations."""
    rng, ratings = stories.rng, {}
    for unit in units:
        quality = rng.choices(list(UNIT_QUALITY), weights=[25, 60, 15])[0]
        timeline = stories.timeline()
        for year in span:
            predikat = rng.choices(UNIT_PREDIKAT, weights=UNIT_QUALITY[quality])[0]
            ratings[(unit.code, year)] = predikat
            day = calendar.between(rng, date(year, 12, 1), date(year, 12, 7))
            fields = {"unit_code": unit.code, "unit_name": unit.name, "year": year, "predikat": predikat}
            timeline.add(Step(day, BKPSDM, "organisation-performance-rated", fields))
    return ratings


def _publications(timed: list[Timed], seed: int) -> list[Publication]:
    """Interleave every story by moment (ties by creation order) and number the events in that order."""
    ordered = sorted(timed, key=lambda t: (t.at, t.serial))
    return [
        Publication(
            t.step.source,
            t.step.event_type,
            {
                "event_id": f"demo-{seed}-{n:08d}",
                "occurred_at": t.at.isoformat(),
                "source": t.step.source,
                **_json(t.step.fields),
            },
        )
        for n, t in enumerate(ordered, start=1)
    ]


def _json(fields: dict[str, Any]) -> dict[str, Any]:
    """JSON values: dates as ISO strings; fields that are None are left out, as a sender would.

    Lists (issues, evidence, basis ids) already hold JSON values; nested objects (the complainant)
    are cleaned the same way.
    """
    return {
        key: value.isoformat() if isinstance(value, date) else _json(value) if isinstance(value, dict) else value
        for key, value in fields.items()
        if value is not None
    }
