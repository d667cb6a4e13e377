"""Stored domain events -> outbound envelopes: explicit contracts on the wire, never raw state."""

from typing import Any

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Notification
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from contracts.outbound import StoredEventEnvelope, TrainingCompletedData
from contracts.streams import events_subject, kebab
from domain.civil_servant import CivilServant
from domain.records import Records

DATA_CONTRACTS: dict[type[Any], type[BaseModel]] = {
    CivilServant.TrainingCompleted: TrainingCompletedData,
}
"""Events whose ``data`` has a published contract; others are sent as their plain fields."""

_ENVELOPE_FIELDS = {"originator_id", "originator_version", "timestamp", "provenance"}
_PERSONAL = {"complainant_sealed", "complainant_person_id"}
"""Never on EVENTS, not even sealed: consumers learn only whether a complainant is known."""


def names_of(topic: str) -> tuple[str, str]:
    """``domain.civil_servant:CivilServant.TrainingCompleted`` -> (civil-servant, training-completed)."""
    qualname = topic.split(":", 1)[1]
    aggregate, _, event = qualname.rpartition(".")
    return kebab(aggregate), kebab(event)


def envelope_of(records: Records, notification: Notification) -> StoredEventEnvelope:
    """Decode a notification with the application's mapper and wrap it for the wire."""
    event: DomainEvent = records.mapper.to_domain_event(notification)  # type: ignore[assignment]
    fields = {k: v for k, v in vars(event).items() if k not in _ENVELOPE_FIELDS | _PERSONAL}
    if "complainant_sealed" in vars(event):
        fields["complainant_known"] = event.complainant_sealed is not None  # type: ignore[attr-defined]
    contract = DATA_CONTRACTS.get(type(event))
    data = (
        contract.model_validate(fields).model_dump(mode="json") if contract is not None else to_jsonable_python(fields)
    )
    aggregate_type, event_type = names_of(notification.topic)
    return StoredEventEnvelope(
        position=notification.id,
        aggregate_type=aggregate_type,
        aggregate_id=event.originator_id,
        aggregate_version=event.originator_version,
        event_type=event_type,
        recorded_at=event.timestamp,
        provenance=getattr(event, "provenance", None),
        data=data,
    )


def subject_of(envelope: StoredEventEnvelope) -> str:
    return events_subject(envelope.aggregate_type, envelope.event_type)
