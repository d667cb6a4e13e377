"""Competency development (bangkom) in the demo city: trainings reported by providers, assessments by BKPSDM.

Each employee takes 0-6 activities a year, more or fewer by their own appetite, drawn from the
providers' courses; the policy's conversion rule turns them into JP, and about two thirds of the
employees reach the 20 JP right in a year. Providers report an activity a few working days after
it ends, with a certificate number unique to the provider and year.
"""

import hashlib
import math
import random
from datetime import date, timedelta
from typing import Any

from contracts.reference import CLASSROOM_KINDS, MAGANG
from services.demo.courses import (
    ASSESSED_COMPETENCIES,
    BPSDM,
    COMMON_TOPICS,
    COURSES,
    HOST_AGENCIES,
    KURSUS,
    LAN,
    MOOCS,
    REGULATIONS,
    TOPICS,
    Course,
)
from services.demo.numbering import Numbering
from services.demo.people import BKPSDM, Person
from services.demo.timeline import Calendar, Step

ACTIVITIES_A_YEAR = {
    "low": (35, 32, 20, 8, 5, 0, 0),
    "normal": (8, 17, 28, 24, 13, 7, 3),
    "keen": (0, 5, 15, 25, 25, 18, 12),
}
"""Weights of taking 0, 1 ... 6 activities in a year, by the employee's appetite for learning."""
CERTIFICATES = {
    BPSDM: ("BPSDM-SB", "https://bpsdm.sumbarprov.go.id/sertifikat"),
    LAN: ("LAN-ASNU", "https://asn-unggul.lan.go.id/sertifikat"),
}
CITY_CERTIFICATES = ("BKPSDM-SWL", "https://elearning.sawahluntokota.go.id/sertifikat")
TARGET_LEVEL = {"jpt": 4, "administrator": 3, "pengawas": 2, "fungsional": 2, "pelaksana": 1}


class Learning:
    """Writes the trainings and competency assessments of one employee in one year."""

    def __init__(self, rng: random.Random, calendar: Calendar, numbering: Numbering) -> None:
        self.rng, self.calendar, self.numbering = rng, calendar, numbering

    def year(self, person: Person, year: int) -> list[Step]:
        rng = self.rng
        active = max(date(year, 1, 8), person.registered_on + timedelta(days=1))
        last_start = date(year, 12, 4)
        if active > last_start:
            return []
        share = (last_start - active).days / (last_start - date(year, 1, 8)).days
        wanted = rng.choices(range(7), weights=ACTIVITIES_A_YEAR[person.learning_appetite])[0]
        steps = [self._training(person, active, last_start) for _ in range(round(wanted * share))]
        kind = person.posting_on(active).position_kind
        if rng.random() < (0.25 if kind in {"jpt", "administrator", "pengawas"} else 0.03):
            steps += self._assessment(person, year, active, kind)
        return steps

    def _training(self, person: Person, active: date, last_start: date) -> Step:
        rng, calendar = self.rng, self.calendar
        start = calendar.between(rng, active, last_start)
        posting = person.posting_on(start)
        courses = [c for c in COURSES if not c.for_kinds or posting.position_kind in c.for_kinds]
        course = rng.choices(courses, weights=[c.weight for c in courses])[0]
        length, fields = self._length(course)
        days = max(1, math.ceil(length / 8)) if course.measure != "days" else length
        end = calendar.after(start, days - 1)
        if course.kind in {"16", "22"}:
            end = calendar.between(rng, start, start + timedelta(days=14))  # self-paced, over a few weeks
        topic = rng.choice(TOPICS[posting.unit.kind] + COMMON_TOPICS)
        title = course.title.format(
            topic=topic,
            specialist=posting.unit.specialist,
            regulation=rng.choice(REGULATIONS),
            mooc=rng.choice(MOOCS),
            course=rng.choice(KURSUS),
        )
        fields |= {
            "employee_nip": person.nip,
            "training_kind": course.kind,
            "classroom": course.kind in CLASSROOM_KINDS,
            "competency_type": course.competency_type,
            "title": title,
            "provider": rng.choice(course.providers),
            "start_date": start,
            "end_date": end,
        }
        if course.kind == MAGANG:
            fields["host_agency"] = host = rng.choice(HOST_AGENCIES)
            fields["title"] = f"{title} di {host}"
        if course.certificate:
            fields |= self._certificate(course.source, end.year)
        return Step(calendar.after(end, rng.randint(1, 7)), course.source, "training-completed", fields)

    def _length(self, course: Course) -> tuple[int, dict[str, Any]]:
        """The length as the course states it: curriculum JP (with its hours), days, or hours."""
        rng = self.rng
        if course.measure == "stated":
            jp = rng.randrange(course.low, course.high + 1, 4)
            return jp * 3 // 4, {"stated_jp": jp, "hours": jp * 3 // 4}  # a JP is 45 minutes
        if course.measure == "days":
            days = rng.randint(course.low, course.high)
            scale = "international" if rng.random() < 0.08 else "national"
            return days, {"days": days, "scale": scale}
        hours = rng.randint(course.low, course.high)
        return hours, {"hours": hours}

    def _certificate(self, source: str, year: int) -> dict[str, Any]:
        prefix, site = CERTIFICATES.get(source, CITY_CERTIFICATES)
        number = self.numbering.next(f"certificate-{source}", year)
        uri = f"{site}/{year}/{number:06d}.pdf"
        return {
            "certificate_number": f"{prefix}/{year}/{number:06d}",
            "evidence": [{"uri": uri, "sha256": hashlib.sha256(uri.encode()).hexdigest()}],
        }

    def _assessment(self, person: Person, year: int, active: date, kind: str) -> list[Step]:
        """An assessment centre measures the nine managerial and socio-cultural competencies at once."""
        rng = self.rng
        assessed = self.calendar.between(rng, max(active, date(year, 3, 1)), date(year, 10, 31))
        if assessed.year != year:
            return []
        session = self.numbering.next("assessment", year)
        method = rng.choices(["assessment-centre", "test", "interview"], weights=[70, 15, 15])[0]
        reported = self.calendar.after(assessed, rng.randint(5, 15))
        target = TARGET_LEVEL[kind]
        return [
            Step(
                reported,
                BKPSDM,
                "competency-assessed",
                {
                    "employee_nip": person.nip,
                    "assessment_id": f"PK-{year}-{session:04d}-{code}",
                    "competency_code": code,
                    "target_level": target,
                    "achieved_level": min(5, max(1, target + rng.choices([-1, 0, 1], weights=[25, 60, 15])[0])),
                    "method": method,
                    "assessed_on": assessed,
                },
            )
            for code in ASSESSED_COMPETENCIES
        ]
