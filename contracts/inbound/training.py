"""TrainingCompletedV1: a competency-development activity (bangkom) completed by a civil servant.

Published by training providers (BPSDM, LAN, universities, e-learning LMS). Jejak computes the
recognised JP (*jam pelajaran*, lesson hours) with the policy's versioned conversion rule for the
kind: by hours, per day by scale, or (structured training) the JP the provider states.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from contracts.inbound.base import Code, EmployeeEvent, Identifier, Name, NumberText
from contracts.reference import CLASSROOM_KINDS, MAGANG, check_training_kind, checker

TrainingKind = Annotated[
    Code,
    Field(description='SIASN jenisDiklat code, "1" to "25"', examples=["3"]),
    AfterValidator(check_training_kind),
]
Amount = Annotated[Decimal, Field(gt=0, max_digits=7, decimal_places=2), NumberText()]
Hours = Annotated[Decimal, Field(max_digits=7, decimal_places=2), NumberText()]
Days = Annotated[Decimal, Field(max_digits=5, decimal_places=1), NumberText()]


class TrainingCompletedV1(EmployeeEvent):
    """Published on ``asn.in.<source>.training-completed.v1``."""

    event_type: ClassVar[str] = "training-completed"
    version: ClassVar[int] = 1

    training_kind: TrainingKind
    classroom: bool = Field(description="Classroom (klasikal): must agree with the kind, 1-13 are.")
    competency_type: Literal["teknis", "manajerial", "sosial-kultural", "fungsional"]
    title: Annotated[str, Field(min_length=1, max_length=500)]
    provider: Name = Field(description="Institution that ran it.")
    host_agency: Name | None = Field(default=None, description="Host agency of a magang (internship).")
    start_date: date
    end_date: date
    hours: Hours | None = Field(default=None, description="Length in hours.")
    days: Days | None = Field(default=None, description="Length in days.")
    scale: Literal["national", "international"] = "national"
    stated_jp: Amount | None = Field(default=None, description="JP of structured training, from its curriculum.")
    certificate_number: Identifier | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.classroom != (self.training_kind in CLASSROOM_KINDS):
            raise ValueError(
                f"classroom={self.classroom} disagrees with training kind {self.training_kind} "
                "(kinds 1-13 are classroom, 14-25 are not)"
            )
        if self.training_kind == MAGANG and self.host_agency is None:
            raise ValueError("a magang (internship, kind 10) names its host_agency")
        if self.hours is None and self.days is None:
            raise ValueError("give the length: hours, days or both")
        return self


class CompetencyAssessedV1(EmployeeEvent):
    """A measured competency level against the position's target (e.g. by an assessment centre)."""

    event_type: ClassVar[str] = "competency-assessed"
    version: ClassVar[int] = 1

    assessment_id: Identifier
    competency_code: Annotated[
        Code, Field(description="SIASN kompetensi id"), AfterValidator(checker("kompetensi", "competency"))
    ]
    target_level: Annotated[int, Field(ge=1, le=5)]
    achieved_level: Annotated[int, Field(ge=1, le=5)]
    method: Literal["assessment-centre", "test", "interview", "portfolio", "observation", "other"]
    assessed_on: date
