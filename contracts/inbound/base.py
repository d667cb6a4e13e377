"""The envelope every inbound event shares: identity, time, sender, version, links and evidence."""

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

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


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters other than tab and line breaks: never meant, and NUL cannot be stored as text."""


def _control_characters_in(value: Any, path: str) -> str | None:
    """The path of the first string holding a control character, searching dicts and lists."""
    if isinstance(value, str):
        return path if _CONTROL.search(value) else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _control_characters_in(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


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

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any) -> Any:
        where = _control_characters_in(data, "")
        if where is not None:
            raise ValueError(f"{where} holds a control character (only tab and line breaks are allowed in text)")
        return data


class EmployeeEvent(InboundEvent):
    """An event about one civil servant."""

    employee_nip: EmployeeNumber
