"""The stream sequence read from an ack subject agrees with nats-py's own parser, in both subject forms."""

from nats.aio.msg import Msg

from projections.ordered_pull import sequence_of


def message(reply: str) -> Msg:
    return Msg(_client=None, subject="asn.events.x", reply=reply, data=b"")  # type: ignore[arg-type]


def test_the_plain_form_is_read_directly_and_agrees_with_nats_py() -> None:
    plain = message("$JS.ACK.EVENTS.projection-dossier.1.48213.977.1764300000000000000.12")
    assert sequence_of(plain) == 48213 == plain.metadata.sequence.stream


def test_the_form_with_a_domain_goes_to_nats_py() -> None:
    with_domain = message("$JS.ACK.hub.ACCOUNTHASH.EVENTS.projection-dossier.1.48213.977.1764300000000000000.12.token")
    assert sequence_of(with_domain) == 48213 == with_domain.metadata.sequence.stream
