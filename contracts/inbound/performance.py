"""Performance plans and evaluations (SKP, PermenPANRB 6/2022): published by e-Kinerja."""

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from contracts.identifiers import EmployeeNumber
from contracts.inbound.base import EmployeeEvent, Identifier, InboundEvent, Name, Text

Year = Annotated[int, Field(ge=2000, le=2100)]
Rating = Annotated[
    int,
    Field(ge=1, le=3, description="1 above expectation, 2 as expected, 3 below (SIASN perilakuDanKinerja)."),
]
Predikat = Annotated[
    int,
    Field(
        ge=1,
        le=5,
        description="1 Sangat Baik, 2 Baik, 3 Butuh Perbaikan, 4 Kurang, 5 Sangat Kurang (SIASN kuadranNilai).",
    ),
]
Period = Annotated[
    str, Field(max_length=6, pattern=r"^(annual|Q[1-4]|M(0[1-9]|1[0-2]))$", description="annual, Q1-Q4 or M01-M12")
]


class PerformancePlanSetV1(EmployeeEvent):
    """The yearly performance plan (SKP) and who appraises it."""

    event_type: ClassVar[str] = "performance-plan-set"
    version: ClassVar[int] = 1

    year: Year
    period_kind: Literal["monthly", "quarterly"] = Field(description="How often periodic evaluations happen.")
    appraiser_nip: EmployeeNumber
    appraiser_superior_nip: EmployeeNumber | None = None


class RatedEvent(EmployeeEvent):
    """The two ratings, the predikat they give by the matrix, and who gave them."""

    work_result: Rating
    behaviour: Rating
    predikat: Predikat
    appraiser_nip: EmployeeNumber


class PerformanceEvaluatedV1(RatedEvent):
    """A periodic or annual evaluation; the predikat must be the matrix's for the two ratings."""

    event_type: ClassVar[str] = "performance-evaluated"
    version: ClassVar[int] = 1

    evaluation_id: Identifier
    year: Year
    period: Period


class EvaluationCorrectedV1(RatedEvent):
    """Replaces an evaluation in force (for example after an upheld objection), saying why."""

    event_type: ClassVar[str] = "evaluation-corrected"
    version: ClassVar[int] = 1

    evaluation_id: Identifier = Field(description="The id of the corrected evaluation (new).")
    supersedes: Identifier = Field(description="The evaluation_id it replaces.")
    reason: Text


class OrganisationPerformanceRatedV1(InboundEvent):
    """The yearly predikat of a unit (OPD); employee distributions are compared against it."""

    event_type: ClassVar[str] = "organisation-performance-rated"
    version: ClassVar[int] = 1

    unit_code: Identifier
    unit_name: Name
    year: Year
    predikat: Literal["istimewa", "baik", "butuh-perbaikan", "kurang", "sangat-kurang"]
