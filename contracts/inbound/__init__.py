"""Inbound contracts: what departmental systems submit on ``asn.in.<source>.<event-type>.v<N>``."""

from contracts.inbound.base import EmployeeEvent, Evidence, InboundEvent
from contracts.inbound.complaints import (
    Complainant,
    ComplaintClosedV1,
    ComplaintDisposedV1,
    ComplaintEvent,
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
from contracts.inbound.registry import INBOUND_CONTRACTS, contract_for
from contracts.inbound.rewards import (
    DisciplinaryCaseOpenedV1,
    PenaltyAnnulledV1,
    PenaltyImposedV1,
    RewardGrantedV1,
    RewardProposedV1,
)
from contracts.inbound.training import CompetencyAssessedV1, TrainingCompletedV1

__all__ = [
    "INBOUND_CONTRACTS",
    "CompetencyAssessedV1",
    "Complainant",
    "ComplaintClosedV1",
    "ComplaintDisposedV1",
    "ComplaintEvent",
    "ComplaintFollowedUpV1",
    "ComplaintReceivedV1",
    "ComplaintVerifiedV1",
    "DialogueForumHeldV1",
    "DisciplinaryCaseOpenedV1",
    "EmployeeEvent",
    "EmployeeRegisteredV1",
    "EvaluationCorrectedV1",
    "Evidence",
    "InboundEvent",
    "OrganisationPerformanceRatedV1",
    "PenaltyAnnulledV1",
    "PenaltyImposedV1",
    "PerformanceEvaluatedV1",
    "PerformancePlanSetV1",
    "PersonalDataErasedV1",
    "PlacementChangedV1",
    "RewardGrantedV1",
    "RewardProposedV1",
    "TrainingCompletedV1",
    "contract_for",
]
