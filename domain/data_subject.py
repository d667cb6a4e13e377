"""DataSubject: a complainant as a person whose data Jejak holds only sealed, and its erasure.

The person is known by a pseudonymous id derived from the channel and the channel's own opaque
reference. Erasing destroys the key that seals their data (kept outside the event store), and
this aggregate records that it happened, why and at whose request; the hash chain over the
sealed bytes stays intact. Only the channel that holds the person, or a steward, may erase them.
"""

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.provenance import Provenance


def check_erasure(sender: str, subject_source: str, stewards: frozenset[str]) -> None:
    """Refuse an erasure of a person held by another channel, unless ``sender`` is a steward.

    Called before the keys are destroyed: destroying them cannot be undone, so a refused erasure
    must not have touched them.
    """
    if sender != subject_source and sender not in stewards:
        raise RuleViolation(
            "erasure-other-channel",
            f"{sender!r} may not erase a person of {subject_source!r}: only the channel that holds the person "
            "(subject_source) or a steward may",
        )


class DataSubject(Aggregate):
    """Opened by the erasure request itself: Jejak keeps no other record of the person."""

    class Erased(Aggregate.Event):
        provenance: Provenance
        reason: str
        requested_by: str

        def apply(self, aggregate: "DataSubject") -> None:
            aggregate.erased = True

    @staticmethod
    def create_id(person: UUID) -> UUID:
        return person

    @event("Known")
    def __init__(self, person: UUID) -> None:
        """Only the pseudonym is stored: never the channel's reference of the person."""
        self.erased = False

    def erase(self, provenance: Provenance, **fields: Any) -> None:
        """Repeatable: data that arrived after an earlier erasure is erased again."""
        self.trigger_event(self.Erased, provenance=provenance, **fields)
