"""Records: the eventsourcing application that saves every fact together with its receipt."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain.civil_servant import CivilServant
from domain.employment import Employment
from domain.errors import ConcurrentChange, EventIdReused, RuleViolation
from domain.identity import civil_servant_id, organisation_unit_id, receipt_id
from domain.organisation import OrganisationUnit
from domain.policy import Policy, bundled_policy
from domain.provenance import Provenance
from domain.receipt import Receipt
from domain.transcodings import DateAsISO

A = TypeVar("A", bound=Aggregate)


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
    """The system of record. Its events table is ``jejak_events``; rules read ``policy``."""

    name = "jejak"
    log_section_size = 1000

    def __init__(self, env: dict[str, str] | None = None, policy: Policy | None = None) -> None:
        super().__init__(env)
        self.policy = policy or bundled_policy()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def register_employee(
        self, submission: Submission, nip: str, employment: Employment, provenance: Provenance
    ) -> Outcome:
        """Open a civil servant's record; a second registration of one number is refused."""
        earlier = self._recorded_before(submission)
        if earlier is not None:
            return earlier
        if civil_servant_id(nip) in self.repository:
            raise RuleViolation(
                "already-registered", f"{nip} is already registered; send a placement change or correction"
            )
        return self._save_with_receipt(CivilServant.register(nip, employment, provenance), submission)

    def change_employee(
        self, submission: Submission, nip: str, change: Callable[[CivilServant, Policy], None]
    ) -> Outcome:
        """Apply one command to a registered civil servant's record and save it with its receipt."""
        earlier = self._recorded_before(submission)
        if earlier is not None:
            return earlier
        try:
            servant: CivilServant = self.repository.get(civil_servant_id(nip))
        except AggregateNotFoundError:
            raise RuleViolation(
                "employee-not-registered", f"{nip} is not registered: BKPSDM registers an employee first"
            ) from None
        change(servant, self.policy)
        return self._save_with_receipt(servant, submission)

    def change_unit(
        self, submission: Submission, unit_code: str, change: Callable[[OrganisationUnit, Policy], None]
    ) -> Outcome:
        """Apply one command to an organisation unit, opening its record on first use."""
        earlier = self._recorded_before(submission)
        if earlier is not None:
            return earlier
        unit = self._get_or(organisation_unit_id(unit_code), lambda: OrganisationUnit(unit_code=unit_code))
        change(unit, self.policy)
        return self._save_with_receipt(unit, submission)

    def _get_or(self, aggregate_id: UUID, create: Callable[[], A]) -> A:
        try:
            found: A = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return create()
        return found

    def _save_with_receipt(self, record: Aggregate, submission: Submission) -> Outcome:
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
