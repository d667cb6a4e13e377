"""CivilServant: the record of one ASN (civil servant), with the rules its facts must obey."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.identity import civil_servant_id


@dataclass(frozen=True)
class TrainingCompletion:
    """Command: record that a civil servant completed a competency-development activity."""

    nip: str
    source: str
    event_id: str
    occurred_at: datetime
    training_kind: str
    title: str
    provider: str
    start_date: date
    end_date: date
    hours: Decimal
    recognised_jp: Decimal


class CivilServant(Aggregate):
    """One civil servant's record, opened by the first fact Jejak learns about them.

    The stored class path (``domain.civil_servant:CivilServant.*``) is each event's identity:
    never move or rename it; evolve with ``class_version`` and upcasters.
    """

    @staticmethod
    def create_id(nip: str) -> UUID:
        return civil_servant_id(nip)

    @event("RecordOpened")
    def __init__(self, nip: str) -> None:
        self.nip = nip
        self.trainings_completed = 0
        self.recognised_jp_total = Decimal(0)

    def complete_training(self, completion: TrainingCompletion) -> None:
        """Record a completion after checking the facts agree with each other.

        The NIP is repeated in the event so that the event alone is enough for read models.
        """
        check_period(completion.start_date, completion.end_date)
        check_positive_hours(completion.hours)
        fields: dict[str, Any] = {
            name: getattr(completion, name) for name in TrainingCompletion.__dataclass_fields__
        }
        self._training_completed(**fields)

    @event("TrainingCompleted")
    def _training_completed(
        self,
        nip: str,
        source: str,
        event_id: str,
        occurred_at: datetime,
        training_kind: str,
        title: str,
        provider: str,
        start_date: date,
        end_date: date,
        hours: Decimal,
        recognised_jp: Decimal,
    ) -> None:
        self.trainings_completed += 1
        self.recognised_jp_total += recognised_jp


def check_period(start: date, end: date) -> None:
    """An activity cannot end before it starts."""
    if end < start:
        raise RuleViolation(
            "end-before-start",
            f"end_date {end.isoformat()} is before start_date {start.isoformat()}",
        )


def check_positive_hours(hours: Decimal) -> None:
    """An activity that took no time is a data-entry error, not a completion."""
    if hours <= 0:
        raise RuleViolation("hours-not-positive", f"hours must be more than 0, got {hours}")
