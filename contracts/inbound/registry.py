"""Which contract reads which subject: (event type, version) -> model."""

from contracts.inbound.base import InboundEvent
from contracts.inbound.complaints import (
    ComplaintClosedV1,
    ComplaintDisposedV1,
    ComplaintFollowedUpV1,
    ComplaintReceivedV1,
    ComplaintVerifiedV1,
    DialogueForumHeldV1,
    PersonalDataErasedV1,
)
from contracts.inbound.employee import EmployeeRegisteredV1, PlacementChangedV1
from contracts.inbound.performance import (
    EvaluationCorrectedV1,
    OrganisationPerformanceRatedV1,
    PerformanceEvaluatedV1,
    PerformancePlanSetV1,
)
from contracts.inbound.rewards import (
    DisciplinaryCaseOpenedV1,
    PenaltyAnnulledV1,
    PenaltyImposedV1,
    RewardGrantedV1,
    RewardProposedV1,
)
from contracts.inbound.training import CompetencyAssessedV1, TrainingCompletedV1

ALL: tuple[type[InboundEvent], ...] = (
    EmployeeRegisteredV1,
    PlacementChangedV1,
    PerformancePlanSetV1,
    PerformanceEvaluatedV1,
    EvaluationCorrectedV1,
    OrganisationPerformanceRatedV1,
    TrainingCompletedV1,
    CompetencyAssessedV1,
    RewardProposedV1,
    RewardGrantedV1,
    DisciplinaryCaseOpenedV1,
    PenaltyImposedV1,
    PenaltyAnnulledV1,
    DialogueForumHeldV1,
    ComplaintReceivedV1,
    ComplaintVerifiedV1,
    ComplaintDisposedV1,
    ComplaintFollowedUpV1,
    ComplaintClosedV1,
    PersonalDataErasedV1,
)

INBOUND_CONTRACTS: dict[tuple[str, int], type[InboundEvent]] = {(m.event_type, m.version): m for m in ALL}


def contract_for(event_type: str, version: int) -> type[InboundEvent] | None:
    """The contract for a subject's event type and version, or None when there is none."""
    return INBOUND_CONTRACTS.get((event_type, version))
