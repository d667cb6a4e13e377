"""What the relay puts on the wire for each stored event."""

from decimal import Decimal

from contracts.outbound import StoredEventEnvelope, TrainingCompletedData
from contracts.streams import kebab, parse_inbox_subject
from domain.records import Records
from services.relay.translate import envelope_of, names_of, subject_of
from tests.builders import record_training, register_in, submission


def test_topics_become_subject_tokens() -> None:
    assert names_of("domain.civil_servant:CivilServant.TrainingCompleted") == (
        "civil-servant",
        "training-completed",
    )
    assert kebab("RecordOpened") == "record-opened"


def test_inbox_subjects_are_read_back() -> None:
    address = parse_inbox_subject("asn.in.lms-sawahlunto.training-completed.v1")
    assert address is not None
    assert (address.source, address.event_type, address.version) == (
        "lms-sawahlunto",
        "training-completed",
        1,
    )
    assert parse_inbox_subject("asn.in.lms.training-completed.v0") is None


def test_every_stored_event_gets_an_envelope_in_store_order() -> None:
    records = Records(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    nip = register_in(records)
    given = submission()
    record_training(records, nip, given, training_kind="9", days=Decimal(1), scale="international", stated_jp=None)
    notifications = records.recorder.select_notifications(start=1, limit=10)
    envelopes = [envelope_of(records, n) for n in notifications]
    assert [subject_of(e) for e in envelopes] == [
        "asn.events.civil-servant.registered",
        "asn.events.receipt.issued",
        "asn.events.civil-servant.training-completed",
        "asn.events.receipt.issued",
    ]
    assert [e.position for e in envelopes] == [1, 2, 3, 4]
    training = TrainingCompletedData.model_validate(envelopes[2].data)
    assert training.nip == nip
    assert training.recognised_jp == 6
    assert training.policy_version == "2026.1"
    assert envelopes[2].provenance is not None
    assert envelopes[2].provenance.source == "bpsdm-sumbar"
    assert envelopes[3].provenance is None  # Jejak's own receipt
    wire = StoredEventEnvelope.model_validate_json(envelopes[2].model_dump_json())
    assert wire.data["recognised_jp"] == 6.0
    assert envelopes[3].data["event_id"] == given.event_id
    assert "provenance" not in envelopes[2].data
