"""Receipt: proof that one submission was recorded, so a late retry is recognised forever.

Saved in the same transaction as the events the submission caused, keyed by the sender's
``(source, event_id)``; the JetStream dedupe window only covers minutes, this covers all time.
"""

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.identity import receipt_id


class Receipt(Aggregate):
    """The trace from a stored fact back to the INBOX message it came from."""

    @staticmethod
    def create_id(source: str, event_id: str, **_: object) -> UUID:
        return receipt_id(source, event_id)

    @event("Issued")
    def __init__(
        self,
        source: str,
        event_id: str,
        event_type: str,
        inbox_sequence: int,
        content_sha256: str,
        record_id: UUID,
        original_sha256: str | None = None,
    ) -> None:
        """``content_sha256`` is of the submission as read (its contract's JSON); ``original_sha256`` of its
        bytes as received (None in receipts stored before it was kept)."""
        self.source = source
        self.event_id = event_id
        self.event_type = event_type
        self.inbox_sequence = inbox_sequence
        self.content_sha256 = content_sha256
        self.record_id = record_id
        self.original_sha256 = original_sha256
