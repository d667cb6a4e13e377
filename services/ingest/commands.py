"""Contracts -> domain commands: the only place that knows both shapes.

Each contract maps to one application call; the sender's envelope becomes the events'
provenance and the remaining fields become the command's arguments.
"""

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from contracts.inbound import (
    CompetencyAssessedV1,
    ComplaintClosedV1,
    ComplaintDisposedV1,
    ComplaintEvent,
    ComplaintFollowedUpV1,
    ComplaintReceivedV1,
    ComplaintVerifiedV1,
    DialogueForumHeldV1,
    DisciplinaryCaseOpenedV1,
    EmployeeEvent,
    EmployeeRegisteredV1,
    EvaluationCorrectedV1,
    InboundEvent,
    OrganisationPerformanceRatedV1,
    PenaltyAnnulledV1,
    PenaltyImposedV1,
    PerformanceEvaluatedV1,
    PerformancePlanSetV1,
    PersonalDataErasedV1,
    PlacementChangedV1,
    RewardGrantedV1,
    RewardProposedV1,
    TrainingCompletedV1,
)
from contracts.reference import penalty_levels
from domain.chronology import check_not_after_receipt
from domain.civil_servant import CivilServant
from domain.complaint import Complaint
from domain.data_subject import check_erasure
from domain.employment import Employment
from domain.forum import DialogueForum
from domain.identity import (
    civil_servant_id,
    complaint_key,
    dialogue_forum_id,
    organisation_unit_id,
    person_id,
    receipt_id,
)
from domain.policy import Policy
from domain.provenance import Provenance, provenance_of
from domain.records import Outcome, Records, Submission
from services.ingest.moments import moments_in
from services.personal_data import SEALED_PREFIX, KeyVault

COMPLAINT_FREE_TEXT = ("note", "action", "resolution")
"""Free text of a complaint's later steps: it may name the complainant, so it is sealed with their key."""

ENVELOPE = {
    "schema_version",
    "event_id",
    "occurred_at",
    "source",
    "correlation_id",
    "causation_id",
    "evidence",
}

# Commands on a civil servant: the method, and whether it applies the policy.
EMPLOYEE_COMMANDS: dict[type[EmployeeEvent], tuple[Callable[..., None], bool]] = {
    PlacementChangedV1: (CivilServant.change_placement, False),
    TrainingCompletedV1: (CivilServant.complete_training, True),
    CompetencyAssessedV1: (CivilServant.assess_competency, False),
    PerformancePlanSetV1: (CivilServant.set_performance_plan, False),
    PerformanceEvaluatedV1: (CivilServant.evaluate_performance, True),
    EvaluationCorrectedV1: (CivilServant.correct_evaluation, True),
    RewardProposedV1: (CivilServant.propose_reward, False),
    RewardGrantedV1: (CivilServant.grant_reward, True),
    DisciplinaryCaseOpenedV1: (CivilServant.open_disciplinary_case, False),
    PenaltyImposedV1: (CivilServant.impose_penalty, False),
    PenaltyAnnulledV1: (CivilServant.annul_penalty, False),
}


def provenance(event: InboundEvent) -> Provenance:
    return provenance_of(
        event.source,
        event.event_id,
        event.occurred_at,
        correlation_id=event.correlation_id,
        causation_id=event.causation_id,
        evidence=[evidence.model_dump() for evidence in event.evidence],
    )


def arguments(event: InboundEvent) -> dict[str, Any]:
    """The command's own fields, as Python values (dates stay dates, amounts stay Decimals)."""
    fields = event.model_dump(exclude=ENVELOPE | {"employee_nip"})
    if isinstance(event, PenaltyImposedV1):
        fields["level"] = penalty_levels()[event.penalty_code]
    return fields


COMPLAINT_COMMANDS: dict[type[ComplaintEvent], Callable[..., None]] = {
    ComplaintVerifiedV1: Complaint.verify,
    ComplaintDisposedV1: Complaint.dispose,
    ComplaintFollowedUpV1: Complaint.follow_up,
    ComplaintClosedV1: Complaint.close,
}


def touched_ids(event: InboundEvent) -> tuple[UUID, ...]:
    """The records ``execute`` reads or opens for ``event``, its receipt included.

    Ingest asks the store once per batch which of them exist, instead of once per submission.
    Missing one here costs a lookup, never a wrong answer.
    """
    ids = [receipt_id(event.source, event.event_id)]
    if isinstance(event, EmployeeEvent):
        ids.append(civil_servant_id(event.employee_nip))
    elif isinstance(event, OrganisationPerformanceRatedV1):
        ids.append(organisation_unit_id(event.unit_code))
    elif isinstance(event, DialogueForumHeldV1):
        ids.append(dialogue_forum_id(event.forum_id))
    elif isinstance(event, PersonalDataErasedV1):
        ids.append(person_id(event.subject_source, event.subject_reference))
    elif isinstance(event, ComplaintEvent):
        ids.append(complaint_key(event.complaint_id))
        if isinstance(event, ComplaintReceivedV1) and event.forum_id is not None:
            ids.append(dialogue_forum_id(event.forum_id))
    return tuple(ids)


def execute(
    records: Records,
    vault: KeyVault,
    event: InboundEvent,
    submission: Submission,
    *,
    stewards: frozenset[str] = frozenset(),
) -> Outcome:
    """Run the one application call a submission stands for (blocking: call from a thread).

    First, nothing in it may be dated after its receipt (``domain.chronology``).
    ``stewards``: the sources that may act for every complaint channel (``Senders.stewards``).
    """
    if submission.received_at is not None:
        check_not_after_receipt(moments_in(event), submission.received_at, records.policy.future_tolerance)
    origin, fields = provenance(event), arguments(event)
    if isinstance(event, ComplaintEvent | DialogueForumHeldV1 | PersonalDataErasedV1):
        return _citizen_participation(records, vault, event, submission, origin, fields, stewards)
    if isinstance(event, EmployeeRegisteredV1):
        return records.register_employee(submission, event.employee_nip, Employment(**fields), origin)
    if isinstance(event, OrganisationPerformanceRatedV1):
        unit_code = fields.pop("unit_code")
        return records.change_unit(submission, unit_code, lambda unit, _: unit.rate_performance(origin, **fields))
    if isinstance(event, EmployeeEvent) and type(event) in EMPLOYEE_COMMANDS:
        method, needs_policy = EMPLOYEE_COMMANDS[type(event)]

        def change(servant: CivilServant, policy: Policy) -> None:
            if needs_policy:
                method(servant, policy, origin, **fields)
            else:
                method(servant, origin, **fields)

        return records.change_employee(submission, event.employee_nip, change)
    raise TypeError(f"no command for {type(event).__name__}")  # a contract without a mapping is a bug


def _citizen_participation(
    records: Records, vault: KeyVault, event: InboundEvent, submission: Submission, origin: Provenance,
    fields: dict[str, Any], stewards: frozenset[str],
) -> Outcome:  # fmt: skip
    """Complaints, forums and erasure: the complainant is sealed here, before the domain sees it."""
    if isinstance(event, DialogueForumHeldV1):
        return records.hold_forum(submission, lambda: DialogueForum(provenance=origin, **fields), event.forum_id)
    if isinstance(event, ComplaintReceivedV1):
        complainant = fields.pop("complainant")
        person = person_id(event.source, complainant["reference"]) if complainant else None
        sealed = None
        if person is not None:
            sealed, summary = vault.seal_all(person, [json.dumps(complainant).encode(), fields["summary"].encode()])
            fields["summary"] = SEALED_PREFIX + summary
        return records.receive_complaint(
            submission,
            lambda: Complaint(provenance=origin, complainant_person_id=person, complainant_sealed=sealed, **fields),
            event.complaint_id,
            event.forum_id,
        )
    if isinstance(event, PersonalDataErasedV1):
        check_erasure(event.source, event.subject_source, stewards)  # before anything is destroyed
        earlier = records.recorded_before(submission)
        if earlier is not None:  # a retry of a recorded erasure: keys made since belong to newer data
            return earlier
        person = person_id(event.subject_source, event.subject_reference)
        # What the request says (who asked, why) may name the person: sealed with the key destroyed next.
        said = vault.seal_texts(person, {"reason": event.reason, "requested_by": event.requested_by})
        vault.erase(person)  # before recording: a retry after a crash finds the keys gone and records it then
        return records.erase_person(submission, person, lambda subject, _: subject.erase(origin, **said))
    if isinstance(event, ComplaintEvent) and type(event) in COMPLAINT_COMMANDS:
        method = COMPLAINT_COMMANDS[type(event)]
        del fields["complaint_id"]

        def step(complaint: Complaint, _: Policy) -> None:
            person = complaint.complainant_person_id
            texts = {name: fields[name] for name in COMPLAINT_FREE_TEXT if name in fields}
            sealed = vault.seal_texts(person, texts) if person is not None and texts else {}
            method(complaint, origin, stewards=stewards, **{**fields, **sealed})

        return records.change_complaint(submission, event.complaint_id, step)
    raise TypeError(f"no command for {type(event).__name__}")
