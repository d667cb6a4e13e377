"""Rewards (penghargaan) and discipline (PP 94/2021): published by BKPSDM."""

from datetime import date
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field

from contracts.inbound.base import Code, EmployeeEvent, Identifier, Text
from contracts.reference import checker

RewardCode = Annotated[
    Code,
    Field(description="SIASN penghargaan id, e.g. 201 Karya Satya 10 tahun"),
    AfterValidator(checker("penghargaan", "reward")),
]
PenaltyCode = Annotated[
    Code, Field(description="SIASN jenisHukuman id"), AfterValidator(checker("jenisHukuman", "penalty"))
]
Basis = Annotated[list[Identifier], Field(max_length=20, description="evaluation_ids the reward rests on")]


class RewardProposedV1(EmployeeEvent):
    event_type: ClassVar[str] = "reward-proposed"
    version: ClassVar[int] = 1

    proposal_id: Identifier
    reward_code: RewardCode
    basis_evaluation_ids: Basis = Field(default_factory=list)
    proposed_on: date


class RewardGrantedV1(EmployeeEvent):
    """A reward decided by decree (SK), citing the evaluations it rests on."""

    event_type: ClassVar[str] = "reward-granted"
    version: ClassVar[int] = 1

    reward_code: RewardCode
    basis_evaluation_ids: Basis = Field(default_factory=list)
    proposal_id: Identifier | None = None
    decree_number: Identifier
    decree_date: date


class DisciplinaryCaseOpenedV1(EmployeeEvent):
    event_type: ClassVar[str] = "disciplinary-case-opened"
    version: ClassVar[int] = 1

    case_id: Identifier
    opened_on: date
    allegation: Text
    complaint_id: Identifier | None = Field(default=None, description="The citizen complaint that led to it, if any.")


class PenaltyImposedV1(EmployeeEvent):
    """The level (light, medium, heavy) follows from the penalty code."""

    event_type: ClassVar[str] = "penalty-imposed"
    version: ClassVar[int] = 1

    case_id: Identifier
    penalty_code: PenaltyCode
    decree_number: Identifier
    decree_date: date
    starts_on: date
    ends_on: date | None = None


class PenaltyAnnulledV1(EmployeeEvent):
    event_type: ClassVar[str] = "penalty-annulled"
    version: ClassVar[int] = 1

    case_id: Identifier
    annulled_on: date
    reason: Text
    decree_number: Identifier
