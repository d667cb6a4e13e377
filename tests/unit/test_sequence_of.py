"""The stream sequence and stored time read from an ack subject agree with nats-py's own parser, in both forms."""

from nats.aio.msg import Msg

from projections.ordered_pull import sequence_of, stored_at_of


def message(reply: str) -> Msg:
    return Msg(_client=None, subject="asn.events.x", reply=reply, data=b"")  # type: ignore[arg-type]


def test_the_plain_form_is_read_directly_and_agrees_with_nats_py() -> None:
    plain = message("$JS.ACK.EVENTS.projection-dossier.1.48213.977.1764300000000000000.12")
    assert sequence_of(plain) == 48213 == plain.metadata.sequence.stream


def test_the_form_with_a_domain_goes_to_nats_py() -> None:
    with_domain = message("$JS.ACK.hub.ACCOUNTHASH.EVENTS.projection-dossier.1.48213.977.1764300000000000000.12.token")
    assert sequence_of(with_domain) == 48213 == with_domain.metadata.sequence.stream


def test_the_stored_time_agrees_with_nats_py_in_both_forms() -> None:
    """Ingest compares every date of a submission with it (no facts from the future)."""
    plain = message("$JS.ACK.INBOX.ingest.1.48213.977.1764300000123456789.12")
    with_domain = message("$JS.ACK.hub.ACCOUNTHASH.INBOX.ingest.1.48213.977.1764300000123456789.12.token")
    assert stored_at_of(plain) == plain.metadata.timestamp
    assert stored_at_of(with_domain) == with_domain.metadata.timestamp
    assert stored_at_of(plain).isoformat() == "2025-11-28T03:20:00.123457+00:00"
