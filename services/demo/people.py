"""The demo city's civil servants: who they are, where they work, and how they were registered.

Numbers agree with the facts registered: a NIP is birth date + TMT CPNS (year and month) + gender
digit + sequence; an NI PPPK is birth date + appointment year + ``21`` + gender digit + sequence.
Ages, ranks and education follow the position; one head per unit, appraised by the Sekretaris
Daerah, who heads the secretariat and has no ASN superior.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from services.demo.names import (
    DEGREES,
    EDUCATION,
    FAMILY_FEMALE,
    FAMILY_MALE,
    FEMALE,
    MALE,
    POSITIONS,
    RANKS,
    SECRETARIAT,
    UNITS,
    UnitSpec,
)
from services.demo.timeline import Calendar, Step

BKPSDM = "bkpsdm-sawahlunto"
EMPLOYEE_TYPE = "15"
"""SIASN jenisPegawai: a civil servant of a city working for that city (also used for its PPPK)."""
PPPK_WAVES = {2019: 4, 2020: 2, 2021: 20, 2022: 24, 2023: 24, 2024: 14, 2025: 6}
"""Appointment years of PPPK (the big teacher and health-worker waves), as weights."""


@dataclass(frozen=True)
class Posting:
    """A placement in force from ``since``."""

    since: date
    unit: UnitSpec
    position: str
    position_kind: str


@dataclass
class Person:
    """A civil servant of the demo city, with the tendencies that shape their record."""

    nip: str
    asn_kind: str
    name: str
    birth_date: date
    gender: str
    start_date: date
    rank: str | None
    registered_on: date
    placed_on: date
    """Effective date of the placement in force at registration (before it, for those already serving)."""
    postings: list[Posting] = field(default_factory=list)
    is_head: bool = False
    rating_tendency: str = "steady"
    learning_appetite: str = "normal"

    def posting_on(self, day: date) -> Posting:
        current = self.postings[0]
        for posting in self.postings[1:]:
            if posting.since <= day:
                current = posting
        return current


def city_units(employees: int) -> tuple[UnitSpec, ...]:
    """Every OPD for a city of a realistic size; the first few for a small test city."""
    return UNITS[: max(5, min(len(UNITS), employees // 20))]


class Roster:
    """Hires the city's civil servants: heads first, then staff spread over units by size."""

    def __init__(self, rng: random.Random, calendar: Calendar, first_year: int, last_year: int) -> None:
        self.rng, self.calendar = rng, calendar
        self.first_day, self.last_year = date(first_year, 1, 1), last_year
        self.sequences: dict[str, int] = {}

    def hire(self, units: tuple[UnitSpec, ...], employees: int) -> list[Person]:
        heads = [self._person(unit, unit.head, unit.head_kind, head=True) for unit in units[:employees]]
        staff_total = max(employees - len(heads), 0)
        sizes = sum(unit.size for unit in units)
        shares = [staff_total * unit.size // sizes for unit in units]
        for index in range(staff_total - sum(shares)):
            shares[index % len(units)] += 1
        staff = []
        for unit, share in zip(units, shares, strict=True):
            for _ in range(share):
                title, kind = self._position(unit)
                staff.append(self._person(unit, title, kind, head=False))
        return heads + staff

    def _position(self, unit: UnitSpec) -> tuple[str, str]:
        options = POSITIONS[unit.kind]
        title, kind, _ = self.rng.choices(options, weights=[weight for *_, weight in options])[0]
        return title.format(specialist=unit.specialist), kind

    def _person(self, unit: UnitSpec, title: str, kind: str, *, head: bool) -> Person:
        rng = self.rng
        contract = not head and kind in {"fungsional", "pelaksana"} and rng.random() < _pppk_share(unit, kind)
        gender = "F" if rng.random() < _female_share(title) else "M"
        education, entry_rank, top_rank = self._education(title, kind)
        if contract:
            start, born = self._appointment()
        else:
            start, born = self._tmt(education, kind)
        registered = (
            self.calendar.after(self.first_day, rng.choice([1, 1, 2, 3, 4, 5]) if not head else 1)
            if start <= self.first_day
            else self.calendar.after(start, rng.randint(0, 5))
        )
        served = max(0, (registered - start).days // 365)
        placed = (
            start
            if start > self.first_day
            else self.calendar.between(
                rng, max(start, _years_before(self.first_day, 8)), self.first_day - timedelta(days=30)
            )
        )
        minimum = {"jpt": 12, "administrator": 11, "pengawas": 9}.get(kind, 0)
        top_rank = max(top_rank, 14 if kind == "jpt" else 0)
        rank = None if contract else RANKS[max(minimum, min(top_rank, entry_rank + served // 4))]
        return Person(
            nip=self._number(born, start, gender, contract),
            asn_kind="PPPK" if contract else "PNS",
            name=self._name(gender, education, unit.kind, title),
            birth_date=born,
            gender=gender,
            start_date=start,
            rank=rank,
            registered_on=registered,
            placed_on=placed,
            postings=[Posting(registered, unit, title, kind)],
            is_head=head,
            rating_tendency=rng.choices(["strong", "steady", "weak"], weights=[12, 78, 10])[0],
            learning_appetite=rng.choices(["low", "normal", "keen"], weights=[15, 65, 20])[0],
        )

    def _education(self, title: str, kind: str) -> tuple[str, int, int]:
        rng = self.rng
        if kind in {"jpt", "administrator"}:
            level = "S2" if rng.random() < (0.6 if kind == "jpt" else 0.4) else "S1"
        elif "Terampil" in title:
            level = "D3"
        elif kind == "fungsional":
            level = "S2" if ("Madya" in title or "Muda" in title) and rng.random() < 0.25 else "S1"
        elif kind == "pengawas":
            level = "S2" if rng.random() < 0.15 else "S1"
        else:
            level = "SMA" if title == "Pengemudi" else rng.choices(["SMA", "D3", "S1"], weights=[40, 25, 35])[0]
        _, entry, top, _ = next(entry for entry in EDUCATION if entry[0] == level)
        return level, entry, top

    def _tmt(self, education: str, kind: str) -> tuple[date, date]:
        """TMT CPNS and birth date of a PNS: structural posts need years of service before the window."""
        rng = self.rng
        senior = kind in {"jpt", "administrator", "pengawas"}
        entry_age = {"SMA": (19, 27), "D3": (21, 29), "S1": (23, 32), "S2": (25, 35)}[education]
        for _ in range(50):
            age_at_end = rng.randint(45, 57) if senior else _staff_age(rng)
            born = _birthday(rng, self.last_year - age_at_end)
            tmt = date(born.year + rng.randint(*entry_age), rng.choice([1, 1, 2, 3, 3, 4, 12]), 1)
            latest = self.first_day - timedelta(days=8 * 365) if senior else date(self.last_year, 9, 1)
            if (tmt.year, tmt.month) > (born.year, born.month) and tmt <= latest:
                return tmt, born
        return date(self.first_day.year - 20, 3, 1), _birthday(rng, self.first_day.year - 45)

    def _appointment(self) -> tuple[date, date]:
        """Appointment date and birth date of a PPPK, appointed in one of the waves since 2019."""
        rng = self.rng
        waves = {year: weight for year, weight in PPPK_WAVES.items() if year <= self.last_year} or {self.last_year: 1}
        year = rng.choices(list(waves), weights=list(waves.values()))[0]
        start = date(year, rng.choice([1, 3, 4, 7, 10]), 1)
        return start, _birthday(rng, year - rng.randint(24, 45))

    def _number(self, born: date, start: date, gender: str, contract: bool) -> str:
        middle = f"{start:%Y}21" if contract else f"{start:%Y%m}"
        prefix = f"{born:%Y%m%d}{middle}{'1' if gender == 'M' else '2'}"
        self.sequences[prefix] = self.sequences.get(prefix, 0) + 1
        return f"{prefix}{self.sequences[prefix]:03d}"

    def _name(self, gender: str, education: str, unit_kind: str, title: str) -> str:
        rng = self.rng
        first, family = (MALE, FAMILY_MALE) if gender == "M" else (FEMALE, FAMILY_FEMALE)
        name = rng.choice(first) + (f" {rng.choice(family)}" if rng.random() < 0.75 else "")
        if title.startswith("Dokter"):
            return f"dr. {name}"
        degrees = DEGREES.get((education, unit_kind)) or DEGREES.get((education, ""))
        return f"{name}, {rng.choice(degrees)}" if degrees else name


def _pppk_share(unit: UnitSpec, kind: str) -> float:
    if kind == "fungsional" and unit.kind in {"school", "hospital", "health"}:
        return 0.25
    return 0.07


def _female_share(title: str) -> float:
    if title.startswith(("Perawat", "Bidan", "Guru", "Nutrisionis")):
        return 0.8
    if title.startswith(("Pengemudi", "Polisi Pamong Praja", "Teknik")):
        return 0.1
    return 0.5


def _staff_age(rng: random.Random) -> int:
    """Age at the end of the period: Indonesian local government staff are mostly over forty."""
    low, high = rng.choices([(23, 30), (31, 40), (41, 50), (51, 57)], weights=[12, 25, 33, 30])[0]
    return rng.randint(low, high)


def _years_before(day: date, years: int) -> date:
    return date(day.year - years, day.month, min(day.day, 28))


def _birthday(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randint(0, 364))


def registration_steps(person: Person, superior: str | None, decree: str) -> list[Step]:
    """BKPSDM opens the record and places the employee, on the same day, in that order."""
    first = person.postings[0]
    registration = {
        "employee_nip": person.nip,
        "asn_kind": person.asn_kind,
        "name": person.name,
        "birth_date": person.birth_date,
        "gender": person.gender,
        "start_date": person.start_date,
        "employee_type": EMPLOYEE_TYPE,
        "rank": person.rank,
        "status": "01",
    }
    return [
        Step(person.registered_on, BKPSDM, "employee-registered", registration),
        Step(
            person.registered_on,
            BKPSDM,
            "placement-changed",
            placement(person, first, superior, decree, person.placed_on),
        ),
    ]


def placement(person: Person, posting: Posting, superior: str | None, decree: str, effective: date) -> dict[str, Any]:
    return {
        "employee_nip": person.nip,
        "unit_code": posting.unit.code,
        "unit_name": posting.unit.name,
        "position": posting.position,
        "position_kind": posting.position_kind,
        "superior_nip": superior,
        "decree_number": decree,
        "decree_date": min(effective, posting.since) - timedelta(days=7),
        "effective_date": effective,
    }


def head_of_secretariat(units: tuple[UnitSpec, ...]) -> UnitSpec:
    return next(unit for unit in units if unit.code == SECRETARIAT)


def plan_transfers(
    rng: random.Random, calendar: Calendar, people: list[Person], units: tuple[UnitSpec, ...], years: range
) -> None:
    """A few staff of offices (not schools or health services) move to another office each year (mutasi)."""
    offices = [unit for unit in units if unit.kind in {"agency", "district"}]
    if len(offices) < 2:
        return
    for person in people:
        first = person.postings[0]
        if first.unit.kind not in {"agency", "district"} or first.position_kind not in {"pelaksana", "fungsional"}:
            continue
        for year in years:
            if rng.random() >= 0.03:
                continue
            day = calendar.between(rng, date(year, 2, 1), date(year, 11, 30))
            current = person.posting_on(day)
            if day <= person.registered_on + timedelta(days=30) or day <= current.since:
                continue
            unit = rng.choice([office for office in offices if office is not current.unit])
            person.postings.append(Posting(day, unit, current.position, current.position_kind))
