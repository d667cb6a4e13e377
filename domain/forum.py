"""DialogueForum: a meeting between citizens and a unit, and what it produced (aspirations, complaints)."""

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.identity import dialogue_forum_id
from domain.provenance import Provenance


class DialogueForum(Aggregate):
    """One forum, keyed by its organiser's id for it."""

    @staticmethod
    def create_id(forum_id: str, **_: Any) -> UUID:
        return dialogue_forum_id(forum_id)

    @event("Held")
    def __init__(
        self,
        forum_id: str,
        unit_code: str,
        held_on: date,
        participants: int,
        issues: list[str],
        commitments: list[str],
        provenance: Provenance,
    ) -> None:
        self.forum_id = forum_id
        self.held_on = held_on
