"""TrainingCompletedV1: a civil servant finished a competency-development activity."""

from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field

from contracts.identifiers import Nip
from contracts.inbound.base import InboundEvent
from contracts.reference import check_training_kind

TrainingKind = Annotated[
    str,
    Field(description='SIASN jenisDiklat code, "1" to "25"', examples=["3"]),
    AfterValidator(check_training_kind),
]


class TrainingCompletedV1(InboundEvent):
    """Published by training providers on ``asn.in.<source>.training-completed.v1``.

    Hours are the activity's raw length; recognised JP (*jam pelajaran*, lesson hours) is what
    counts towards the yearly 20 JP right. Whether the dates and hours make sense together is a
    rule of the domain, checked after the shape is.
    """

    event_type: ClassVar[str] = "training-completed"
    version: ClassVar[int] = 1

    schema_version: Literal[1] = 1
    employee_nip: Nip
    training_kind: TrainingKind
    title: Annotated[str, Field(min_length=1, max_length=500)]
    provider: Annotated[str, Field(min_length=1, max_length=300, description="Institution that ran it.")]
    start_date: date
    end_date: date
    hours: Annotated[Decimal, Field(max_digits=7, decimal_places=2, description="Raw length in hours.")]
    recognised_jp: Annotated[
        Decimal,
        Field(ge=0, max_digits=7, decimal_places=2, description="JP recognised for this activity."),
    ]
