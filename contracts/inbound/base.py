"""The envelope every inbound event shares: identity, time, sender, version, links and evidence."""

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from contracts.characters import PRINTABLE_ASCII_PATTERN, check_printable_ascii, describe, hidden_character
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
Identifier = Annotated[
    str,
    Field(min_length=1, max_length=128, pattern=PRINTABLE_ASCII_PATTERN),
    BeforeValidator(check_printable_ascii),
]
"""A sender's id for a thing (an evaluation, a case, a decree): printable ASCII, no edge spaces."""
Code = Annotated[
    str, Field(min_length=1, max_length=8, pattern=PRINTABLE_ASCII_PATTERN), BeforeValidator(check_printable_ascii)
]
"""A code of an official list (SIASN), checked against the list by the field that uses it."""
Text = Annotated[str, Field(min_length=1, max_length=2000)]
"""Free text, in any script: only the characters no field may hold are refused (``_no_hidden_characters``)."""
Name = Annotated[str, Field(min_length=1, max_length=300)]


@dataclass(frozen=True)
class NumberText:
    """A decimal may arrive as a JSON string ("24.5"); such a string is as bounded as any other.

    ``max_digits`` does not bound it: leading zeros are not digits, so a megabyte of them would pass.
    """

    max_length: int = 32

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        for branch in json_schema.get("anyOf", [json_schema]):
            if branch.get("type") == "string":
                branch["maxLength"] = self.max_length
        return json_schema

    def _check(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) > self.max_length:
            raise ValueError(f"a number sent as text has at most {self.max_length} characters; send a JSON number")
        return value


class Evidence(BaseModel):
    """A document that backs the event, named by where it is and what its bytes hash to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    uri: Annotated[
        str,
        Field(
            min_length=1,
            max_length=2000,
            pattern=PRINTABLE_ASCII_PATTERN,
            description="Printable ASCII: percent-encode anything else, as URIs do.",
            examples=["https://dms.sawahluntokota.go.id/sk/123.pdf"],
        ),
        BeforeValidator(check_printable_ascii),
    ]
    sha256: Annotated[
        str,
        Field(
            min_length=64,
            max_length=64,
            pattern=r"^[0-9a-f]{64}$",
            description="Lowercase hex SHA-256 of the document.",
        ),
    ]


def _hidden_character_in(value: Any, path: str) -> str | None:
    """Where the first character no field may hold is and what it is, searching dicts and lists.

    Control characters other than tab and line breaks are never meant (and NUL cannot be stored as
    text); bidi controls and invisible format characters make a value read otherwise than it is.
    """
    if isinstance(value, str):
        found = hidden_character(value)
        if found is None:
            return None
        index, char, kind = found
        return f"{path or 'the body'} holds {describe(char)} at character {index + 1}: {kind}; remove it"
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found_in = _hidden_character_in(item, f"{path}.{key}" if path else str(key))
        if found_in is not None:
            return found_in
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
    def _no_hidden_characters(cls, data: Any) -> Any:
        """Before the fields: one check for all of them, nested objects and lists included."""
        problem = _hidden_character_in(data, "")
        if problem is not None:
            raise ValueError(problem)
        return data


class EmployeeEvent(InboundEvent):
    """An event about one civil servant."""

    employee_nip: EmployeeNumber
