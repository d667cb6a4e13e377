"""What the relay publishes on EVENTS: one envelope per stored event, positioned in the store."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer

JsonNumber = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
"""Exact in Python, a plain JSON number on the wire."""

POSITION_HEADER = "Jejak-Position"
HASH_HEADER = "Jejak-Hash"
PREV_HASH_HEADER = "Jejak-Prev-Hash"
CONTENT_HASH_HEADER = "Jejak-Content-Hash"
"""The event's hash-chain links and content digest (hex): with them a keeper of EVENTS can check the links
against signed checkpoints (hash = SHA-256(prev | position | content)). The message body is a translation,
not the stored bytes, so the body itself is not covered."""


class ProvenanceOut(BaseModel):
    """Where a fact came from: the sender, its id for the fact, when it happened, the evidence."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    event_id: str
    occurred_at: AwareDatetime
    correlation_id: str | None = None
    causation_id: str | None = None
    evidence: list[dict[str, str]] = Field(default_factory=list)


class StoredEventEnvelope(BaseModel):
    """One event as the store recorded it; ``position`` is its notification id (gaps allowed).

    ``recorded_at`` is when Jejak stored it; ``provenance.occurred_at`` when it happened. Events
    Jejak makes itself (receipts, a unit's record being opened) have no provenance.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    position: Annotated[int, Field(ge=1)]
    aggregate_type: str
    aggregate_id: UUID
    aggregate_version: Annotated[int, Field(ge=1)]
    event_type: str
    recorded_at: AwareDatetime
    provenance: ProvenanceOut | None = None
    data: dict[str, Any]


class TrainingCompletedData(BaseModel):
    """``data`` of a ``civil-servant.training-completed`` envelope."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nip: str
    training_kind: str
    classroom: bool
    competency_type: str
    title: str
    provider: str
    host_agency: str | None
    start_date: date
    end_date: date
    hours: JsonNumber | None
    days: JsonNumber | None
    scale: str
    stated_jp: JsonNumber | None
    recognised_jp: JsonNumber
    policy_version: str
    certificate_number: str | None
