"""The envelope every inbound event shares."""

from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.streams import TOKEN_PATTERN

EventId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="The sender's own id for this event; the same id is never used for another event.",
        examples=["bpsdm-2026-000123"],
    ),
]
SourceName = Annotated[
    str,
    Field(
        pattern=rf"^{TOKEN_PATTERN}$",
        max_length=64,
        description="The sending system, as in the subject, e.g. bpsdm-sumbar.",
        examples=["bpsdm-sumbar"],
    ),
]


class InboundEvent(BaseModel):
    """Fields common to every submission: identity for idempotency, time, sender."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    event_type: ClassVar[str]
    """Kebab-case event type as it appears in the subject."""
    version: ClassVar[int]

    event_id: EventId
    occurred_at: AwareDatetime = Field(description="When it happened, with a UTC offset.")
    source: SourceName
