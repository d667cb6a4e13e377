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
    LIMIT = "limit"
    """The message is larger, deeper, or holds a longer string or list than Jejak accepts; it was not parsed."""
    PARKED = "parked"
    """Not refused: Jejak could not apply it because of a fault of its own. It is kept and applied again after
    a fix (``jejak parked replay``); do not send it again."""


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
    submission_sequence: Annotated[int, Field(ge=1)] | None = Field(
        default=None,
        description="The sequence the sender's PubAck named (its own stream SUBMIT-<source>), to match the "
        "refusal with what it published; absent for what was published into INBOX by Jejak itself.",
    )
    rejected_at: AwareDatetime
    original_base64: str = Field(
        description="The submitted bytes, base64-encoded, exactly as received; only their first bytes when "
        "original_complete is false (the whole message stays on INBOX at inbox_sequence); empty when "
        "original_withheld is true."
    )
    original_complete: bool = Field(
        default=True, description="False when the original was too large to repeat here: original_base64 is a prefix."
    )
    original_withheld: bool = Field(
        default=False,
        description="True for the complaint family (complaint-*, personal-data-erased): their bytes may hold a "
        "citizen's personal data, so they are not repeated (match them by original_sha256) and are deleted from "
        "NATS once refused.",
    )
    original_bytes: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="Size of the submitted message in bytes."
    )
    original_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = Field(
        default=None, description="Lowercase hex SHA-256 of the submitted bytes, to match the sender's own copy."
    )
