"""How a complaint is handled in the demo city, working day by working day after it is received.

Most are verified within the policy's 3 days, disposed to the OPD, followed up and closed within
the closure limit of their category; about one in five closes late, one in ten ends at
verification (not our authority, archived), a few are postponed first, and a few are never
followed up or never closed. Investigations get the Inspektorat's examination as a first follow-up.
"""

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.policy import Policy
from services.demo import citizen_texts as texts
from services.demo.names import UnitSpec
from services.demo.timeline import Calendar, Step

DATE_FIELD = {
    "complaint-verified": "verified_on",
    "complaint-disposed": "disposed_on",
    "complaint-followed-up": "followed_up_on",
    "complaint-closed": "closed_on",
}

Plan = list[tuple[int, str, dict[str, Any]]]
"""Handling steps as (working days after receipt, event type, fields)."""


@dataclass(frozen=True)
class Complaint:
    """What a complaint is about, before its handling is written."""

    complaint_id: str
    source: str
    channel: str
    classification: str
    category: str
    target: UnitSpec
    summary: str
    received_on: date


class Handling:
    """Writes the steps that follow a complaint's receipt, all sent by the channel that received it."""

    def __init__(self, rng: random.Random, calendar: Calendar, policy: Policy, inspectorate: str | None) -> None:
        self.rng, self.calendar, self.policy, self.inspectorate = rng, calendar, policy, inspectorate

    def steps(self, complaint: Complaint) -> list[Step]:
        steps = []
        for offset, event_type, fields in self._plan(complaint):
            day = self.calendar.after(complaint.received_on, offset)
            dated = {"complaint_id": complaint.complaint_id, **fields, DATE_FIELD[event_type]: day}
            steps.append(Step(day, complaint.source, event_type, dated))
        return steps

    def _plan(self, complaint: Complaint) -> Plan:
        rng, limit = self.rng, self.policy.complaint_closure_days[complaint.category]
        close = rng.randint(min(2, limit), limit) if rng.random() < 0.8 else limit + rng.randint(1, max(3, limit // 2))
        verify = rng.randint(0, min(3, close)) if rng.random() < 0.9 else rng.randint(4, 8)
        ending = rng.choices([None, "not-our-authority", "archived"], weights=[90, 5, 5])[0]
        if ending is not None:
            note = rng.choice(texts.NOT_OUR_AUTHORITY if ending == "not-our-authority" else texts.ARCHIVED)
            return [(verify, "complaint-verified", {"outcome": ending, "note": note})]
        plan: Plan = []
        if rng.random() < 0.04:
            plan.append((verify, "complaint-verified", {"outcome": "postponed", "note": texts.POSTPONED}))
            verify += rng.randint(2, 6)
        dispose, unit = verify + rng.randint(0, 1), complaint.target.code
        plan += [
            (verify, "complaint-verified", {"outcome": "verified"}),
            (dispose, "complaint-disposed", {"unit_code": unit}),
        ]
        if rng.random() < 0.03:
            return plan  # disposed, never followed up: still open at the end
        follow = rng.randint(dispose, max(dispose, close)) if rng.random() < 0.9 else dispose + rng.randint(6, 15)
        if complaint.category == "investigation" and self.inspectorate is not None:
            examination = {"unit_code": self.inspectorate, "action": texts.INVESTIGATION_FOLLOW_UP}
            plan.append((follow, "complaint-followed-up", examination))
            follow = max(follow + 5, rng.randint(follow, max(follow, close)))
        plan.append((follow, "complaint-followed-up", {"unit_code": unit, "action": rng.choice(texts.FOLLOW_UPS)}))
        if rng.random() < 0.03:
            return plan  # followed up, not closed yet
        satisfaction = rng.choices([None, 1, 2, 3, 4, 5], weights=[30, 3, 4, 10, 28, 25])[0]
        closing = {"resolution": rng.choice(texts.RESOLUTIONS), "satisfaction": satisfaction}
        plan.append((max(close, follow), "complaint-closed", closing))
        return plan
