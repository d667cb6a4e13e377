"""Records: the eventsourcing application that saves civil servants' facts with their receipts."""

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain.civil_servant import CivilServant, TrainingCompletion
from domain.errors import ConcurrentChange, EventIdReused
from domain.identity import civil_servant_id, receipt_id
from domain.receipt import Receipt
from domain.transcodings import DateAsISO


@dataclass(frozen=True)
class Submission:
    """Where a command came from: the sender's identity for it and the INBOX message it arrived in."""

    source: str
    event_id: str
    event_type: str
    inbox_sequence: int
    content_sha256: str


@dataclass(frozen=True)
class Recorded:
    """The submission was stored; ``positions`` are the notification ids it was given."""

    positions: tuple[int, ...]


@dataclass(frozen=True)
class AlreadyRecorded:
    """The submission had been stored before (a retry); nothing new was written."""

    inbox_sequence: int


Outcome = Recorded | AlreadyRecorded


class Records(Application[UUID]):
    """The system of record. Its events table is ``jejak_events``."""

    name = "jejak"
    log_section_size = 1000

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def record_training_completion(self, submission: Submission, completion: TrainingCompletion) -> Outcome:
        """Apply a completion to the civil servant's record and save it with its receipt, atomically."""
        earlier = self._recorded_before(submission)
        if earlier is not None:
            return earlier
        servant = self._civil_servant(completion.nip)
        servant.complete_training(completion)
        return self._save_with_receipt(servant, submission)

    def _civil_servant(self, nip: str) -> CivilServant:
        try:
            servant: CivilServant = self.repository.get(civil_servant_id(nip))
        except AggregateNotFoundError:
            return CivilServant(nip=nip)
        return servant

    def _save_with_receipt(self, record: CivilServant, submission: Submission) -> Outcome:
        receipt = Receipt(
            source=submission.source,
            event_id=submission.event_id,
            event_type=submission.event_type,
            inbox_sequence=submission.inbox_sequence,
            content_sha256=submission.content_sha256,
            record_id=record.id,
        )
        try:
            recordings = self.save(record, receipt)
        except IntegrityError:
            earlier = self._recorded_before(submission)
            if earlier is not None:
                return earlier
            raise ConcurrentChange(f"record {record.id} changed while saving; retry") from None
        return Recorded(tuple(recording.notification.id for recording in recordings))

    def _recorded_before(self, submission: Submission) -> AlreadyRecorded | None:
        """A receipt for the same (source, event_id) is a retry, or a reused id when the content differs."""
        try:
            receipt: Receipt = self.repository.get(receipt_id(submission.source, submission.event_id))
        except AggregateNotFoundError:
            return None
        if receipt.content_sha256 != submission.content_sha256:
            raise EventIdReused(submission.source, submission.event_id)
        return AlreadyRecorded(receipt.inbox_sequence)
