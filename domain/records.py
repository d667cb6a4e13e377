"""Records: the eventsourcing application that saves every fact together with its receipt."""

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain.civil_servant import CivilServant
from domain.complaint import Complaint
from domain.data_subject import DataSubject
from domain.employment import Employment
from domain.errors import ConcurrentChange, EventIdReused, RuleViolation
from domain.forum import DialogueForum
from domain.identity import civil_servant_id, complaint_key, dialogue_forum_id, organisation_unit_id, receipt_id
from domain.organisation import OrganisationUnit
from domain.policy import Policy, bundled_policy
from domain.provenance import Provenance
from domain.receipt import Receipt
from domain.transcodings import DateAsISO

A = TypeVar("A", bound=Aggregate)
log = logging.getLogger(__name__)

SNAPSHOT_EVERY = 50
"""A civil servant's record is snapshotted each time its version passes a multiple of this, so one
read cold replays at most about this many events, however long the career (issue 6: growth)."""


@dataclass(frozen=True)
class Submission:
    """Where a command came from: the sender's identity for it and the INBOX message it arrived in."""

    source: str
    event_id: str
    event_type: str
    inbox_sequence: int
    content_sha256: str
    received_at: datetime | None = None
    """When INBOX stored the message (its timestamp); None for a command not received through INBOX."""
    original_sha256: str | None = None
    """SHA-256 of the submitted bytes, kept in the receipt: NATS forgets some submissions once settled
    (the complaint family), and an auditor can still match a copy the sender produces."""


@dataclass(frozen=True)
class Recorded:
    """The submission was stored; ``positions`` are the notification ids it was given."""

    positions: tuple[int, ...]


@dataclass(frozen=True)
class AlreadyRecorded:
    """The submission had been stored before (a retry); nothing new was written."""

    inbox_sequence: int


@dataclass(frozen=True)
class Staged:
    """The submission's changes are held in the open batch; they are stored when the batch is."""

    inbox_sequence: int


Outcome = Recorded | AlreadyRecorded | Staged


class _Batch:
    """Several submissions' changes, in memory and in submission order, saved in one transaction.

    Records touched by the batch are loaded once and kept here, so a second submission about the
    same employee sees the first one's change before anything is saved.
    """

    def __init__(self, absent: frozenset[UUID], found: dict[UUID, Aggregate]) -> None:
        self.records: dict[UUID, Aggregate] = {}
        self.loaded: set[UUID] = set()
        """Records read (perhaps from the cache, perhaps then changed) while the batch was open."""
        self.events: list[Any] = []
        self.absent = absent
        """Record ids the caller found absent from the store just before: no lookup needed."""
        self.found = found
        """Records the caller read from the store just before (all at once): used instead of reading each."""
        self.snapshot_due: set[UUID] = set()
        """Records whose version passes a multiple of ``SNAPSHOT_EVERY`` in this batch."""


class Records(Application[UUID]):
    """The system of record. Its events table is ``jejak_events``; rules read ``policy``."""

    name = "jejak"
    log_section_size = 1000
    is_snapshotting_enabled = True
    """The ``jejak_snapshots`` table, read by every cold load. Snapshots are taken by ``_snapshot`` from
    the record in memory after a save, not by the library, whose ``snapshotting_intervals`` would
    replay the record from the store again (and never fire for a batch, which saves events)."""

    def __init__(self, env: dict[str, str] | None = None, policy: Policy | None = None) -> None:
        super().__init__(env)
        self.policy = policy or bundled_policy()
        self._local = threading.local()

    @contextmanager
    def batch(
        self, absent: frozenset[UUID] = frozenset(), found: dict[UUID, Aggregate] | None = None
    ) -> Iterator[None]:
        """Submissions applied inside are saved together, in one transaction, when the block ends.

        All or nothing: if a submission is refused (RuleViolation) or the save meets a concurrent
        writer (ConcurrentChange), the exception propagates and nothing of the batch is stored;
        the caller then applies the submissions one by one. The batch belongs to the calling
        thread only. ``absent``: record and receipt ids the caller just found absent from the
        store (one query for the whole batch instead of one lookup per submission). Should another
        writer create one of them meanwhile, the save meets it and the batch is refused as above.
        ``found``: records the caller just read from the store, by id; should another writer change
        one meanwhile, the save meets that change in the same way.
        """
        if self._open_batch() is not None:
            raise RuntimeError("a batch is already open in this thread")
        batch = _Batch(absent, found or {})
        self._local.batch = batch
        try:
            try:
                yield
                if batch.events:
                    # Straight to the event store: what save() does with events (no aggregates, no tracking),
                    # less its runtime-protocol isinstance check per event (11% of ingest's thread in a profile).
                    self.events.put(batch.events)
            except IntegrityError:
                self._forget(batch.loaded | batch.records.keys())
                raise ConcurrentChange("records of this batch changed while saving; retry one by one") from None
            except BaseException:
                self._forget(batch.loaded | batch.records.keys())  # the cache's own copies may have been changed
                raise
            self._remember({**batch.found, **batch.records})
            self._snapshot(batch.records[record_id] for record_id in batch.snapshot_due)  # after the commit
        finally:
            self._local.batch = None

    def _remember(self, records: dict[UUID, Aggregate]) -> None:
        """Saved events, not aggregates, so the library does not refresh its cache: do it here."""
        cache = self.repository.cache
        if cache is not None:
            for aggregate_id, record in records.items():
                if not isinstance(record, Receipt):  # receipts are looked up once, by the batch query
                    cache.put(aggregate_id, record)

    def _snapshot(self, records: Iterable[Aggregate]) -> None:
        """Store a snapshot of each record as it now stands (saved: called after the commit).

        Only a speed-up: a failure is logged and the record stays readable from its events; a
        snapshot of the same version stored by another writer is the same state, so that is fine too.
        """
        snapshots = self.snapshots
        if snapshots is None:  # (always there: is_snapshotting_enabled)
            return
        for record in records:
            try:
                snapshots.put([CivilServant.Snapshot.take(record)])
            except IntegrityError:
                pass
            except Exception:
                log.warning("snapshot of record %s at version %s not stored", record.id, record.version, exc_info=True)

    def _forget(self, aggregate_ids: Iterable[UUID]) -> None:
        """Another writer changed these: the next read must come from the store."""
        cache = self.repository.cache
        if cache is not None:
            for aggregate_id in aggregate_ids:
                with suppress(KeyError):
                    cache.get(aggregate_id, evict=True)

    def is_cached(self, aggregate_id: UUID) -> bool:
        """Held in the record cache, so known to exist (ingest skips asking the store)."""
        cache = self.repository.cache
        if cache is None:
            return False
        try:
            cache.get(aggregate_id)
        except KeyError:
            return False
        return True

    def _open_batch(self) -> _Batch | None:
        batch: _Batch | None = getattr(self._local, "batch", None)
        return batch

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def register_employee(
        self, submission: Submission, nip: str, employment: Employment, provenance: Provenance
    ) -> Outcome:
        """Open a civil servant's record; a second registration of one number is refused."""
        return self._apply_and_save(
            submission,
            lambda: self._new(
                civil_servant_id(nip),
                lambda: CivilServant.register(nip, employment, provenance),
                "already-registered",
                f"{nip} is already registered; send a placement change or correction",
            ),
        )

    def change_employee(
        self, submission: Submission, nip: str, change: Callable[[CivilServant, Policy], None]
    ) -> Outcome:
        """Apply one command to a registered civil servant's record and save it with its receipt."""
        return self._apply_and_save(
            submission,
            lambda: self._existing(
                civil_servant_id(nip),
                "employee-not-registered",
                f"{nip} is not registered: BKPSDM registers an employee first",
            ),
            change,
        )

    def change_unit(
        self, submission: Submission, unit_code: str, change: Callable[[OrganisationUnit, Policy], None]
    ) -> Outcome:
        """Apply one command to an organisation unit, opening its record on first use."""
        unit_id = organisation_unit_id(unit_code)
        return self._apply_and_save(
            submission,
            lambda: self._get_or(unit_id, lambda: OrganisationUnit(unit_code=unit_code)),
            change,
        )

    def hold_forum(self, submission: Submission, forum: Callable[[], DialogueForum], forum_id: str) -> Outcome:
        """Record a dialogue forum once."""
        return self._apply_and_save(
            submission,
            lambda: self._new(
                dialogue_forum_id(forum_id), forum, "forum-exists", f"forum {forum_id!r} is already recorded"
            ),
        )

    def receive_complaint(
        self, submission: Submission, complaint: Callable[[], Complaint], tracking_number: str, forum_id: str | None
    ) -> Outcome:
        """Record a new complaint; one from a dialogue forum needs that forum recorded first."""
        if forum_id is not None and not self._exists(dialogue_forum_id(forum_id)):
            raise RuleViolation("forum-unknown", f"dialogue forum {forum_id!r} is not recorded: send it first")
        return self._apply_and_save(
            submission,
            lambda: self._new(
                complaint_key(tracking_number), complaint, "complaint-exists", f"complaint {tracking_number!r} exists"
            ),
        )

    def change_complaint(
        self, submission: Submission, tracking_number: str, change: Callable[[Complaint, Policy], None]
    ) -> Outcome:
        return self._apply_and_save(
            submission,
            lambda: self._existing(
                complaint_key(tracking_number),
                "complaint-unknown",
                f"no complaint {tracking_number!r}: receive it first",
            ),
            change,
        )

    def erase_person(
        self, submission: Submission, person: UUID, change: Callable[[DataSubject, Policy], None]
    ) -> Outcome:
        """Record that a person's personal data was erased (their keys are destroyed by the caller)."""
        return self._apply_and_save(
            submission, lambda: self._get_or(person, lambda: DataSubject(person=person)), change
        )

    def _apply_and_save(
        self,
        submission: Submission,
        load: Callable[[], A],
        change: Callable[[A, Policy], None] | None = None,
    ) -> Outcome:
        """Load or create the record, apply the change, save it with the receipt: the one write path."""
        earlier = self._recorded_before(submission)
        if earlier is not None:
            return earlier
        record = load()
        try:
            if change is not None:
                change(record, self.policy)
            return self._save_with_receipt(record, submission)
        except BaseException:
            if self._open_batch() is None:  # (an open batch forgets what it touched itself)
                self._forget([record.id])  # the cache hands out its own copy: a refused change must not stay in it
            raise

    def _new(self, aggregate_id: UUID, create: Callable[[], A], rule: str, message: str) -> A:
        if self._exists(aggregate_id):
            raise RuleViolation(rule, message)
        return create()

    def _existing(self, aggregate_id: UUID, rule: str, message: str) -> Any:
        try:
            return self._get(aggregate_id)
        except AggregateNotFoundError:
            raise RuleViolation(rule, message) from None

    def _get_or(self, aggregate_id: UUID, create: Callable[[], A]) -> A:
        try:
            found: A = self._get(aggregate_id)
        except AggregateNotFoundError:
            return create()
        return found

    def _get(self, aggregate_id: UUID) -> Any:
        """The record as the open batch left it, else as stored."""
        batch = self._open_batch()
        if batch is not None and aggregate_id in batch.records:
            return batch.records[aggregate_id]
        if batch is not None and aggregate_id in batch.absent:
            raise AggregateNotFoundError(aggregate_id)
        found: Any = (
            batch.found[aggregate_id]
            if batch is not None and aggregate_id in batch.found
            else self.repository.get(aggregate_id)
        )
        if batch is not None:
            batch.loaded.add(aggregate_id)
        return found

    def _exists(self, aggregate_id: UUID) -> bool:
        try:
            self._get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True

    def _save_with_receipt(self, record: Aggregate, submission: Submission) -> Outcome:
        receipt = self._receipt_for(record, submission)
        snapshot_due = isinstance(record, CivilServant) and any(
            event.originator_version % SNAPSHOT_EVERY == 0 for event in record.pending_events
        )
        batch = self._open_batch()
        if batch is not None:  # kept, in submission order, for the batch's one save
            batch.records[record.id] = record
            batch.records[receipt.id] = receipt
            batch.events += [*record.collect_events(), *receipt.collect_events()]
            if snapshot_due:
                batch.snapshot_due.add(record.id)
            return Staged(submission.inbox_sequence)
        try:
            recordings = self.save(record, receipt)
        except IntegrityError:
            self._forget([record.id])
            earlier = self._recorded_before(submission)
            if earlier is not None:
                return earlier
            raise ConcurrentChange(f"record {record.id} changed while saving; retry") from None
        if snapshot_due:
            self._snapshot([record])
        return Recorded(tuple(recording.notification.id for recording in recordings))

    @staticmethod
    def _receipt_for(record: Aggregate, submission: Submission) -> Receipt:
        return Receipt(
            source=submission.source,
            event_id=submission.event_id,
            event_type=submission.event_type,
            inbox_sequence=submission.inbox_sequence,
            content_sha256=submission.content_sha256,
            record_id=record.id,
            original_sha256=submission.original_sha256,
        )

    def recorded_before(self, submission: Submission) -> AlreadyRecorded | None:
        """This submission's earlier outcome when it was stored already (a retry); EventIdReused when its id was
        stored with other content. For what must not be done twice outside the store, such as destroying keys."""
        return self._recorded_before(submission)

    def _recorded_before(self, submission: Submission) -> AlreadyRecorded | None:
        """A receipt for the same (source, event_id) is a retry, or a reused id when the content differs."""
        key = receipt_id(submission.source, submission.event_id)
        try:
            receipt: Receipt = self._get(key)
        except AggregateNotFoundError:
            return None
        if receipt.content_sha256 != submission.content_sha256:
            raise EventIdReused(submission.source, submission.event_id)
        return AlreadyRecorded(receipt.inbox_sequence)
