"""Citizen complaints and dialogue forums: published by the complaint channels (SP4N-LAPOR!, the
city's own channel, MPP counters) and by whoever runs a dialogue forum.

The complainant's identity is personal data: Jejak encrypts it with a key of that person before
storing it, never shows it in a read model or on EVENTS, and can destroy the key on request
(``personal-data-erased``) without breaking the audit trail.
"""

from datetime import date
from typing import Annotated, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.identifiers import EmployeeNumber
from contracts.inbound.base import Identifier, InboundEvent, Name, SourceName, Text

Classification = Literal["aspiration", "complaint", "information-request", "whistleblowing"]
Category = Literal["light", "normative", "non-supervisory", "investigation"]
Channel = Literal["lapor", "city-channel", "dialogue-forum", "mpp-counter", "other"]


class Complainant(BaseModel):
    """Who complained. ``reference`` is the channel's own opaque id for the person (never a phone
    number or an e-mail address): complaints of one person share it, and erasure names it."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    reference: Identifier
    name: Name | None = None
    contact: Annotated[str, Field(min_length=1, max_length=300)] | None = None


class ComplaintEvent(InboundEvent):
    """An event about one complaint, named by the channel's tracking number."""

    complaint_id: Identifier = Field(description="The channel's tracking number, unique across channels.")


class ComplaintReceivedV1(ComplaintEvent):
    event_type: ClassVar[str] = "complaint-received"
    version: ClassVar[int] = 1

    channel: Channel
    classification: Classification
    category: Category = Field(description="Decides the closure time limit (policy).")
    confidential: bool = Field(default=False, description="Whistle-blowing is always confidential.")
    complainant: Complainant | None = Field(default=None, description="Absent for anonymous reports.")
    target_unit_code: Identifier = Field(description="The OPD the complaint is about.")
    named_employee_nip: EmployeeNumber | None = None
    summary: Text
    received_on: date
    forum_id: Identifier | None = Field(default=None, description="The dialogue forum it came from.")

    @model_validator(mode="after")
    def _whistleblowing_is_confidential(self) -> Self:
        if self.classification == "whistleblowing" and not self.confidential:
            raise ValueError("whistle-blowing (WBS) reports are confidential: set confidential to true")
        if (self.channel == "dialogue-forum") != (self.forum_id is not None):
            raise ValueError("a complaint from a dialogue forum names its forum_id, and only then")
        return self


class ComplaintVerifiedV1(ComplaintEvent):
    event_type: ClassVar[str] = "complaint-verified"
    version: ClassVar[int] = 1

    outcome: Literal["verified", "postponed", "not-our-authority", "archived"]
    verified_on: date
    note: Text | None = None


class ComplaintDisposedV1(ComplaintEvent):
    """Handed to the OPD responsible for acting on it (disposisi)."""

    event_type: ClassVar[str] = "complaint-disposed"
    version: ClassVar[int] = 1

    unit_code: Identifier
    disposed_on: date


class ComplaintFollowedUpV1(ComplaintEvent):
    """What the responsible OPD did (tindak lanjut); may happen several times."""

    event_type: ClassVar[str] = "complaint-followed-up"
    version: ClassVar[int] = 1

    unit_code: Identifier
    action: Text
    followed_up_on: date


class ComplaintClosedV1(ComplaintEvent):
    event_type: ClassVar[str] = "complaint-closed"
    version: ClassVar[int] = 1

    resolution: Text
    closed_on: date
    satisfaction: Annotated[int, Field(ge=1, le=5)] | None = None


class DialogueForumHeldV1(InboundEvent):
    """A dialogue forum between citizens and a unit; complaints it produced name its forum_id."""

    event_type: ClassVar[str] = "dialogue-forum-held"
    version: ClassVar[int] = 1

    forum_id: Identifier
    unit_code: Identifier
    held_on: date
    participants: Annotated[int, Field(ge=1, le=100_000)]
    issues: Annotated[list[Text], Field(max_length=100)] = Field(default_factory=list)
    commitments: Annotated[list[Text], Field(max_length=100)] = Field(default_factory=list)


class PersonalDataErasedV1(InboundEvent):
    """Erase a complainant's personal data: the key that encrypts it is destroyed."""

    event_type: ClassVar[str] = "personal-data-erased"
    version: ClassVar[int] = 1

    subject_source: SourceName = Field(
        description="The channel that holds the person (its source name): the sender's own unless it is a steward.",
        examples=["lapor"],
    )
    subject_reference: Identifier = Field(description="The channel's reference of the person.")
    reason: Text
    requested_by: Name = Field(description="Who asked for or decided the erasure.")
