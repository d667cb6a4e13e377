"""Complaint: a citizen's complaint and its handling, as a state machine.

received -> verified -> disposed (to an OPD) -> followed up (one or more times) -> closed.
A verification may postpone (stay received) or end it (not our authority, archived). Nothing
happens after closing, and no follow-up comes before a disposition. Only the channel that
received a complaint sends its later steps, or a steward (a sender the sender map trusts to act
for every channel): no channel can verify, close or end another channel's complaint. The
complainant is only ever held sealed (encrypted with that person's key) and by a pseudonymous
person id.
"""

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.identity import complaint_key
from domain.provenance import Provenance

OPEN_STATES = ("received", "verified", "disposed", "followed-up")
NO_STEWARDS: frozenset[str] = frozenset()
ENDING_OUTCOMES = {"not-our-authority": "ended-at-verification", "archived": "ended-at-verification"}


class Complaint(Aggregate):
    """One complaint, keyed by the channel's tracking number."""

    class Verified(Aggregate.Event):
        provenance: Provenance
        outcome: str
        verified_on: date
        note: str | None

        def apply(self, aggregate: "Complaint") -> None:
            if self.outcome == "verified":
                aggregate.state = "verified"
            elif self.outcome in ENDING_OUTCOMES:
                aggregate.state = ENDING_OUTCOMES[self.outcome]

    class Disposed(Aggregate.Event):
        provenance: Provenance
        unit_code: str
        disposed_on: date

        def apply(self, aggregate: "Complaint") -> None:
            aggregate.state = "disposed"
            aggregate.disposed_to = self.unit_code

    class FollowedUp(Aggregate.Event):
        provenance: Provenance
        unit_code: str
        action: str
        followed_up_on: date

        def apply(self, aggregate: "Complaint") -> None:
            aggregate.state = "followed-up"

    class Closed(Aggregate.Event):
        provenance: Provenance
        resolution: str
        closed_on: date
        satisfaction: int | None

        def apply(self, aggregate: "Complaint") -> None:
            aggregate.state = "closed"

    @staticmethod
    def create_id(complaint_id: str, **_: Any) -> UUID:
        return complaint_key(complaint_id)

    @event("Received")
    def __init__(
        self,
        complaint_id: str,
        channel: str,
        classification: str,
        category: str,
        confidential: bool,
        complainant_person_id: UUID | None,
        complainant_sealed: str | None,
        target_unit_code: str,
        named_employee_nip: str | None,
        summary: str,
        received_on: date,
        forum_id: str | None,
        provenance: Provenance,
    ) -> None:
        self.complaint_id = complaint_id
        self.received_on = received_on
        self.received_from: str = provenance["source"]
        """The channel that owns it; read from the stored event, so complaints stored earlier have it too."""
        self.state = "received"
        self.disposed_to: str | None = None
        self.complainant_person_id = complainant_person_id

    def verify(self, provenance: Provenance, *, stewards: frozenset[str] = NO_STEWARDS, **fields: Any) -> None:
        """``stewards``: the sources that may act for every channel (the sender map's to say; none by default)."""
        self._check_channel("verify", provenance, stewards)
        self._require("verify", {"received"}, fields["verified_on"])
        self.trigger_event(self.Verified, provenance=provenance, **fields)

    def dispose(self, provenance: Provenance, *, stewards: frozenset[str] = NO_STEWARDS, **fields: Any) -> None:
        self._check_channel("dispose", provenance, stewards)
        self._require("dispose", {"verified", "disposed"}, fields["disposed_on"])
        self.trigger_event(self.Disposed, provenance=provenance, **fields)

    def follow_up(self, provenance: Provenance, *, stewards: frozenset[str] = NO_STEWARDS, **fields: Any) -> None:
        self._check_channel("follow up", provenance, stewards)
        if self.state in {"received", "verified"}:
            raise RuleViolation(
                "follow-up-before-disposition",
                f"complaint {self.complaint_id} has not been disposed to an OPD yet: no follow-up before disposition",
            )
        self._require("follow up", {"disposed", "followed-up"}, fields["followed_up_on"])
        self.trigger_event(self.FollowedUp, provenance=provenance, **fields)

    def close(self, provenance: Provenance, *, stewards: frozenset[str] = NO_STEWARDS, **fields: Any) -> None:
        self._check_channel("close", provenance, stewards)
        self._require("close", {"verified", "disposed", "followed-up"}, fields["closed_on"])
        self.trigger_event(self.Closed, provenance=provenance, **fields)

    def _check_channel(self, action: str, provenance: Provenance, stewards: frozenset[str]) -> None:
        """First of all rules, so another channel learns nothing of the complaint's state."""
        sender = provenance["source"]
        if sender != self.received_from and sender not in stewards:
            raise RuleViolation(
                "complaint-other-channel",
                f"complaint {self.complaint_id} was received from {self.received_from!r}; {sender!r} may not "
                f"{action} it: only the channel that received it or a steward sends its later steps",
            )

    def _require(self, action: str, states: set[str], on: date) -> None:
        if self.state not in OPEN_STATES:
            raise RuleViolation(
                "complaint-finished", f"complaint {self.complaint_id} is {self.state}: nothing can be done after that"
            )
        if self.state not in states:
            raise RuleViolation(
                "complaint-out-of-order", f"complaint {self.complaint_id} is {self.state}; cannot {action} it now"
            )
        if on < self.received_on:
            raise RuleViolation(
                "before-receipt",
                f"{on.isoformat()} is before the complaint was received ({self.received_on.isoformat()})",
            )
