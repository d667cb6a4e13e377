"""What the relay publishes on EVENTS: one envelope per stored event, positioned in the store."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer

JsonNumber = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
"""Exact in Python, a plain JSON number on the wire."""

POSITION_HEADER = "Jejak-Position"


class StoredEventEnvelope(BaseModel):
    """One event as the store recorded it; ``position`` is its notification id (gaps allowed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    position: Annotated[int, Field(ge=1)]
    aggregate_type: str
    aggregate_id: UUID
    aggregate_version: Annotated[int, Field(ge=1)]
    event_type: str
    recorded_at: AwareDatetime
    data: dict[str, Any]


class TrainingCompletedData(BaseModel):
    """``data`` of a ``civil-servant.training-completed`` envelope."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nip: str
    source: str
    event_id: str
    occurred_at: AwareDatetime
    training_kind: str
    title: str
    provider: str
    start_date: date
    end_date: date
    hours: JsonNumber
    recognised_jp: JsonNumber
