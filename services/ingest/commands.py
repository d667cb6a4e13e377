"""Contracts -> domain commands: the only place that knows both shapes."""

from contracts.inbound import InboundEvent, TrainingCompletedV1
from domain.civil_servant import TrainingCompletion
from domain.records import Outcome, Records, Submission


def execute(records: Records, event: InboundEvent, submission: Submission) -> Outcome:
    """Run the one application call a submission stands for (blocking: call from a thread)."""
    if isinstance(event, TrainingCompletedV1):
        return records.record_training_completion(
            submission,
            TrainingCompletion(
                nip=event.employee_nip,
                source=event.source,
                event_id=event.event_id,
                occurred_at=event.occurred_at,
                training_kind=event.training_kind,
                title=event.title,
                provider=event.provider,
                start_date=event.start_date,
                end_date=event.end_date,
                hours=event.hours,
                recognised_jp=event.recognised_jp,
            ),
        )
    raise TypeError(f"no command for {type(event).__name__}")  # a contract without a mapping is a bug
