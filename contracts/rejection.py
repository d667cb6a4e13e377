"""What a sender reads on ``asn.rejected.<source>.<event-type>`` when a submission is refused."""

from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class RejectionKind(StrEnum):
    """Why, in one word: the subject, the sender, the contract, a civil-service rule, or a reused event id."""

    SUBJECT = "subject"
    SENDER = "sender"
    """The source may not publish this event type (the sender map), or is not a known sender."""
    CONTRACT = "contract"
    RULE = "rule"
    CONFLICT = "conflict"


class FieldError(BaseModel):
    """One problem with one field, in words a sender's engineer can act on."""

    model_config = ConfigDict(frozen=True)

    field: str
    message: str
    type: str


class RejectionV1(BaseModel):
    """A refused submission with the reason and the original bytes, so nothing is lost."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: RejectionKind
    code: str = Field(
        description="Machine-readable: the rule broken (e.g. predikat-mismatch), or subject-malformed, "
        "contract-unknown, sender-not-allowed, contract-violated.",
        examples=["predikat-mismatch"],
    )
    reason: str = Field(description="One sentence saying what is wrong.")
    errors: list[FieldError] = Field(default_factory=list)
    rule: str | None = Field(default=None, description="Code of the civil-service rule broken, if any.")
    subject: str
    source: str | None
    event_type: str | None
    event_id: str | None
    inbox_sequence: Annotated[int, Field(ge=1, description="Sequence of the submission in INBOX.")]
    rejected_at: AwareDatetime
    original_base64: str = Field(description="The submitted bytes, base64-encoded, exactly as received.")
