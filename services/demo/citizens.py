"""Citizens and the city: dialogue forums in each kecamatan, complaints about each OPD, and their handling.

Most complaints are verified, disposed to the OPD, followed up and closed within the policy's
time limits (in working days); some are late, a few end at verification (not our authority,
archived), some are still open at the end. Whistle-blowing is always confidential. Some complaints
name an employee, and some of those become disciplinary cases (returned as leads). Now and then a
complainant has their personal data erased, after their last complaint.
"""

from datetime import date, datetime
from typing import Any

from domain.policy import Policy
from services.demo import citizen_texts as texts
from services.demo.discipline import CaseLead
from services.demo.handling import Complaint, Handling
from services.demo.names import FAMILY_FEMALE, FAMILY_MALE, FEMALE, MALE, VILLAGES, UnitSpec
from services.demo.numbering import Numbering
from services.demo.people import Person
from services.demo.timeline import Calendar, Step, Stories

LAPOR, CITY = "lapor", "pengaduan-sawahlunto"
CHANNELS = (("lapor", LAPOR, 45), ("city-channel", CITY, 40), ("mpp-counter", CITY, 15))
COMPLAINTS_PER_EMPLOYEE = 0.18
"""Complaints a year per civil servant: about 360 in a city of 2,000, on SP4N-LAPOR! and the city's channels."""
PUBLIC_FACING = {
    "DISDUKCAPIL": 12,
    "DPUPR": 12,
    "RSUD": 10,
    "DISDIKBUD": 10,
    "DLH": 8,
    "DPMPTSP": 6,
    "DINSOS-P3A": 6,
    "DISHUB": 5,
    "SATPOLPP": 5,
    "DISPARPORA": 3,
}


class Citizens:
    """Writes the forums, complaints and erasures of the city, and the cases complaints lead to."""

    def __init__(
        self,
        stories: Stories,
        calendar: Calendar,
        policy: Policy,
        numbering: Numbering,
        units: tuple[UnitSpec, ...],
        people: list[Person],
    ) -> None:
        self.stories, self.rng, self.calendar, self.policy = stories, stories.rng, calendar, policy
        self.numbering, self.units = numbering, units
        self.by_code = {unit.code: unit for unit in units}
        self.handling = Handling(
            stories.rng, calendar, policy, "INSPEKTORAT" if "INSPEKTORAT" in self.by_code else None
        )
        self.staff: dict[str, list[Person]] = {}
        for person in people:
            for code in dict.fromkeys(posting.unit.code for posting in person.postings):
                if not person.is_head:
                    self.staff.setdefault(code, []).append(person)
        self.people: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        self.people_of: dict[str, list[tuple[str, str]]] = {}
        self.last_seen: dict[tuple[str, str], datetime] = {}
        self.leads: list[CaseLead] = []

    def year(self, year: int, employees: int) -> None:
        for unit in (unit for unit in self.units if unit.kind == "district"):
            for number, (first, last) in enumerate((((3, 1), (6, 30)), ((8, 1), (11, 13))), start=1):
                self._forum(unit, year, number, self.calendar.between(self.rng, date(year, *first), date(year, *last)))
        weights = [PUBLIC_FACING.get(u.code, {"health": 3, "district": 4}.get(u.kind, 1)) for u in self.units]
        for _ in range(max(2, round(employees * COMPLAINTS_PER_EMPLOYEE))):
            target = self.rng.choices(self.units, weights=weights)[0]
            self._complaint(target, year)

    def erasures(self) -> None:
        """A few complainants ask for their data to be erased, some weeks after their last complaint."""
        for (source, reference), last in self.last_seen.items():
            if self.rng.random() < 0.03:
                day = self.calendar.after(last.date(), self.rng.randint(10, 40))
                erasure = {
                    "subject_source": source,
                    "subject_reference": reference,
                    "reason": texts.ERASURE_REASON,
                    "requested_by": texts.ERASURE_REQUESTED_BY,
                }
                self.stories.timeline(after=last).add(Step(day, source, "personal-data-erased", erasure))

    def _forum(self, unit: UnitSpec, year: int, number: int, held: date) -> None:
        rng = self.rng
        issues = [
            (i.format(village=rng.choice(VILLAGES)), c, code)
            for i, c, code in rng.sample(texts.FORUM_ISSUES, rng.randint(2, 4))
        ]
        forum_id = f"FDW-{unit.code}-{year}-{number}"
        forum = {
            "forum_id": forum_id,
            "unit_code": unit.code,
            "held_on": held,
            "participants": rng.randint(25, 180),
            "issues": [issue for issue, _, _ in issues],
            "commitments": [commitment for _, commitment, _ in issues],
        }
        at = self.stories.timeline().add(Step(held, CITY, "dialogue-forum-held", forum))
        if at is None:
            return
        for issue, _, code in issues:
            if rng.random() < 0.7:
                complaint = Complaint(
                    self._tracking("FDW", CITY, year),
                    CITY,
                    "dialogue-forum",
                    rng.choices(["aspiration", "complaint"], weights=[65, 35])[0],
                    rng.choice(["light", "normative", "normative"]),
                    self.by_code.get(code, unit),
                    issue,
                    held,
                )
                self._handle(complaint, {"forum_id": forum_id}, after=at)

    def _complaint(self, target: UnitSpec, year: int) -> None:
        rng = self.rng
        channel, source, _ = rng.choices(CHANNELS, weights=[weight for *_, weight in CHANNELS])[0]
        classification = rng.choices(
            ["complaint", "aspiration", "information-request", "whistleblowing"], weights=[72, 12, 12, 4]
        )[0]
        category = (
            "investigation"
            if classification == "whistleblowing"
            else rng.choices(["light", "normative", "non-supervisory", "investigation"], weights=[25, 45, 27, 3])[0]
        )
        summary = rng.choice(_templates(classification, target)).format(village=rng.choice(VILLAGES), unit=target.name)
        received = self.calendar.between(rng, date(year, 1, 2), date(year, 12, 31))
        prefix = "LAPOR" if source == LAPOR else {"city-channel": "ADU", "mpp-counter": "MPP"}[channel]
        complaint = Complaint(
            self._tracking(prefix, source, year), source, channel, classification, category, target, summary, received
        )
        extra: dict[str, Any] = {}
        if classification in {"complaint", "whistleblowing"} and rng.random() < (
            0.5 if category == "investigation" else 0.1
        ):
            named = self._employee_of(target, received)
            if named is not None:
                extra["named_employee_nip"] = named.nip
        self._handle(complaint, extra, after=None)

    def _tracking(self, prefix: str, source: str, year: int) -> str:
        number = self.numbering.next(f"complaint-{prefix}", year)
        return f"LAPOR-{year}-{number:06d}" if source == LAPOR else f"SWL-{prefix}-{year}-{number:05d}"

    def _employee_of(self, unit: UnitSpec, day: date) -> Person | None:
        there = [p for p in self.staff.get(unit.code, []) if p.registered_on < day and p.posting_on(day).unit is unit]
        return self.rng.choice(there) if there else None

    def _complainant(self, complaint: Complaint) -> dict[str, Any] | None:
        """Most complainants give a name; some come back; whistle-blowers are often anonymous."""
        rng = self.rng
        if rng.random() < (0.6 if complaint.classification == "whistleblowing" else 0.15):
            return None
        known = self.people_of.get(complaint.source, []) if rng.random() < 0.2 else []
        if known:
            key = rng.choice(known)
        else:
            number = self.numbering.next(f"person-{complaint.source}", 0)
            key = (complaint.source, f"LAPOR-U{number:07d}" if complaint.source == LAPOR else f"SWL-W{number:06d}")
            female = rng.random() < 0.5
            first, family = (FEMALE, FAMILY_FEMALE) if female else (MALE, FAMILY_MALE)
            named = complaint.classification != "whistleblowing" and rng.random() < 0.7
            self.people_of.setdefault(complaint.source, []).append(key)
            self.people[key] = (
                f"{rng.choice(first)} {rng.choice(family)}" if named else None,
                f"08{rng.randint(11, 13)}{rng.randint(10_000_000, 99_999_999)}" if named else None,
            )
        name, contact = self.people[key]
        return {"reference": key[1], "name": name, "contact": contact}

    def _handle(self, complaint: Complaint, extra: dict[str, Any], after: datetime | None) -> None:
        """Receive it, then verify, dispose, follow up and close in time, late, or not yet."""
        complainant = self._complainant(complaint)
        received = {
            "complaint_id": complaint.complaint_id,
            "channel": complaint.channel,
            "classification": complaint.classification,
            "category": complaint.category,
            "confidential": complaint.classification == "whistleblowing",
            "complainant": complainant,
            "target_unit_code": complaint.target.code,
            "summary": complaint.summary,
            "received_on": complaint.received_on,
            **extra,
        }
        steps = [Step(complaint.received_on, complaint.source, "complaint-received", received)]
        steps += self.handling.steps(complaint)
        timeline = self.stories.timeline(after=after)
        for step in steps:
            at = timeline.add(step)
            if at is None:
                break
            if complainant is not None:
                self.last_seen[(complaint.source, complainant["reference"])] = at
            if step.event_type == "complaint-disposed" and "named_employee_nip" in extra:
                self._lead(complaint, extra["named_employee_nip"], step.day)

    def _lead(self, complaint: Complaint, nip: str, disposed: date) -> None:
        if self.rng.random() < (0.6 if complaint.classification == "whistleblowing" else 0.3):
            day = self.calendar.after(disposed, self.rng.randint(10, 30))
            self.leads.append(CaseLead(nip, complaint.complaint_id, day))


def _templates(classification: str, target: UnitSpec) -> tuple[str, ...]:
    """What a complaint of this class about this unit says: by unit code, then unit kind, then any unit."""
    by_class = {
        "whistleblowing": texts.WHISTLEBLOWING,
        "information-request": texts.INFORMATION_REQUESTS,
        "aspiration": texts.ASPIRATIONS,
    }
    return (
        by_class.get(classification)
        or texts.COMPLAINTS.get(target.code)
        or texts.COMPLAINTS.get(target.kind)
        or texts.COMPLAINTS[""]
    )
