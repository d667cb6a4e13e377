"""Response bodies of the report API."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from contracts.outbound import JsonNumber


class ActivityOut(BaseModel):
    """One completed development activity."""

    event_id: str
    source: str
    training_kind: str
    training_kind_name: str
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
    recognised_jp: JsonNumber
    policy_version: str = Field(description="Policy whose conversion rule recognised the JP.")
    certificate_number: str | None
    position: int = Field(description="Store position of the event that recorded it.")


class CompetencyYear(BaseModel):
    """JP recognised in one calendar year (the year each activity ended)."""

    year: int
    recognised_jp: JsonNumber
    activities: list[ActivityOut]


class CompetencyHistoryOut(BaseModel):
    """A civil servant's competency development, year by year."""

    nip: str
    total_recognised_jp: JsonNumber
    years: list[CompetencyYear]
    position: Annotated[int, Field(description="Store position this answer was built from.")]


class Health(BaseModel):
    status: str
    database: str


class RejectionOut(BaseModel):
    """A refused submission: who sent it, what it was, why it was refused."""

    stream_sequence: int = Field(description="Position on the REJECTED stream; page back with `before`.")
    inbox_sequence: int
    source: str | None
    event_type: str | None
    event_id: str | None
    kind: str
    code: str
    rule: str | None
    reason: str
    errors: list[dict[str, str]]
    subject: str
    rejected_at: datetime


class RejectionsOut(BaseModel):
    rejections: list[RejectionOut]
    next_before: int | None = Field(description="Pass as `before` for the next (older) page; null at the end.")


class RejectionCountOut(BaseModel):
    """One sender's refusals for one reason code."""

    source: str | None = Field(description="The sender; null when the submission named none that could be read.")
    code: str
    rejections: int
    last_rejected_at: datetime
    last_reason: str


class RejectionSummaryOut(BaseModel):
    senders: list[RejectionCountOut]
    total: int


class ErrorOut(BaseModel):
    """Any refusal (401, 403, 404): the status says what happened, ``detail`` what to do."""

    detail: str


class InvalidOut(BaseModel):
    """A 422: the reason (a malformed NIP), or FastAPI's list of the parameters that failed."""

    detail: str | list[dict[str, Any]]
