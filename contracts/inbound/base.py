"""The envelope every inbound event shares: identity, time, sender, version, links and evidence."""

from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.identifiers import EmployeeNumber
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
Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^\S(.*\S)?$")]
"""A sender's id for a thing (an evaluation, a case, a decree): non-blank, no edge spaces."""
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=300)]


class Evidence(BaseModel):
    """A document that backs the event, named by where it is and what its bytes hash to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    uri: Annotated[str, Field(min_length=1, max_length=2000, examples=["https://dms.sawahluntokota.go.id/sk/123.pdf"])]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="Lowercase hex SHA-256 of the document.")]


class InboundEvent(BaseModel):
    """Fields common to every submission: identity for idempotency, time, sender, version, links."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    event_type: ClassVar[str]
    """Kebab-case event type as it appears in the subject."""
    version: ClassVar[int]

    schema_version: Literal[1] = 1
    event_id: EventId
    occurred_at: AwareDatetime = Field(description="When it happened, with a UTC offset.")
    source: SourceName
    correlation_id: Identifier | None = Field(default=None, description="Groups events of one process.")
    causation_id: Identifier | None = Field(default=None, description="The event_id that caused this one.")
    evidence: list[Evidence] = Field(default_factory=list, max_length=20)


class EmployeeEvent(InboundEvent):
    """An event about one civil servant."""

    employee_nip: EmployeeNumber
