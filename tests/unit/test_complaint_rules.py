"""Complaints as a state machine; forums; erasure that destroys keys and keeps the trail."""

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from eventsourcing.application import AggregateNotFoundError
from pydantic import ValidationError

from contracts.inbound import ComplaintEvent, ComplaintReceivedV1, PersonalDataErasedV1, contract_for
from contracts.inbound.registry import ALL
from contracts.rejection import RejectionKind
from contracts.streams import PERSONAL_DATA_EVENT_TYPES, carries_personal_data
from domain.complaint import Complaint
from domain.data_subject import check_erasure
from domain.errors import RuleViolation
from domain.identity import complaint_key, person_id
from domain.policy import bundled_policy
from domain.records import Recorded, Records
from services.ingest.commands import execute
from services.ingest.decode import Refusal
from services.ingest.rejections import rejection_of
from services.personal_data import SEALED_PREFIX, InMemoryKeyVault, KeyErased
from services.relay.translate import envelope_of
from services.senders import load_senders
from tests.builders import encode, envelope, origin, submission

CHANNEL = "lapor"
OTHER_CHANNEL = "pengaduan-sawahlunto"
STEWARD = "bkpsdm-sawahlunto"
STEWARDS = frozenset({STEWARD})


def received(**changes: Any) -> Complaint:
    fields: dict[str, Any] = {
        "complaint_id": "LAPOR-1", "channel": "lapor", "classification": "complaint", "category": "normative",
        "confidential": False, "complainant_person_id": None, "complainant_sealed": None,
        "target_unit_code": "DISDUKCAPIL", "named_employee_nip": None, "summary": "Antrean KTP terlalu lama",
        "received_on": date(2026, 4, 6), "forum_id": None, "provenance": origin(CHANNEL),
    }  # fmt: skip
    return Complaint(**{**fields, **changes})


NONE: frozenset[str] = frozenset()


def verify(
    complaint: Complaint, outcome: str = "verified", on: date = date(2026, 4, 7), by: str = CHANNEL,
    stewards: frozenset[str] = NONE,
) -> None:  # fmt: skip
    complaint.verify(origin(by), stewards=stewards, outcome=outcome, verified_on=on, note=None)


def dispose(
    complaint: Complaint, on: date = date(2026, 4, 8), by: str = CHANNEL, stewards: frozenset[str] = NONE
) -> None:
    complaint.dispose(origin(by), stewards=stewards, unit_code="DISDUKCAPIL", disposed_on=on)


def follow_up(
    complaint: Complaint, on: date = date(2026, 4, 9), by: str = CHANNEL, stewards: frozenset[str] = NONE
) -> None:
    complaint.follow_up(
        origin(by), stewards=stewards, unit_code="DISDUKCAPIL", action="loket tambahan dibuka", followed_up_on=on
    )


def close(
    complaint: Complaint, on: date = date(2026, 4, 10), by: str = CHANNEL, stewards: frozenset[str] = NONE
) -> None:
    complaint.close(origin(by), stewards=stewards, resolution="selesai", closed_on=on, satisfaction=4)


def test_the_whole_flow() -> None:
    complaint = received()
    verify(complaint)
    dispose(complaint)
    follow_up(complaint)
    follow_up(complaint, date(2026, 4, 10))
    close(complaint)
    assert complaint.state == "closed"
    assert complaint.id == complaint_key("LAPOR-1")


def test_no_follow_up_before_disposition() -> None:
    complaint = received()
    verify(complaint)
    with pytest.raises(RuleViolation, match="no follow-up before disposition"):
        follow_up(complaint)


def test_nothing_after_closing() -> None:
    complaint = received()
    verify(complaint)
    close(complaint)
    for action in (dispose, follow_up, close):
        with pytest.raises(RuleViolation, match="is closed: nothing can be done after that"):
            action(complaint)


def test_a_postponed_complaint_waits_for_verification() -> None:
    complaint = received()
    verify(complaint, "postponed")
    with pytest.raises(RuleViolation, match="cannot dispose it now"):
        dispose(complaint)
    verify(complaint, "verified", date(2026, 4, 9))
    dispose(complaint, date(2026, 4, 9))


@pytest.mark.parametrize("outcome", ["not-our-authority", "archived"])
def test_verification_can_end_a_complaint(outcome: str) -> None:
    complaint = received()
    verify(complaint, outcome)
    with pytest.raises(RuleViolation, match="nothing can be done after that"):
        dispose(complaint)


def test_no_step_before_the_complaint_was_received() -> None:
    with pytest.raises(RuleViolation, match="before the complaint was received"):
        verify(received(), on=date(2026, 4, 1))


@pytest.mark.parametrize("step", [verify, dispose, follow_up, close])
def test_only_the_channel_that_received_a_complaint_sends_its_later_steps(step: Callable[..., None]) -> None:
    complaint = received()
    with pytest.raises(RuleViolation) as refused:
        step(complaint, by=OTHER_CHANNEL)
    assert refused.value.rule == "complaint-other-channel"  # before any rule that would tell its state
    assert f"'{CHANNEL}'" in refused.value.message
    assert f"'{OTHER_CHANNEL}'" in refused.value.message
    assert complaint.state == "received"


def test_a_channel_is_no_steward_because_another_one_is() -> None:
    with pytest.raises(RuleViolation, match="only the channel that received it or a steward"):
        verify(received(), by=OTHER_CHANNEL, stewards=STEWARDS)


def test_a_steward_may_handle_any_channel_s_complaint() -> None:
    complaint = received()
    for step in (verify, dispose, follow_up, close):
        step(complaint, by=STEWARD, stewards=STEWARDS)
    assert complaint.state == "closed"
    assert complaint.received_from == CHANNEL


def test_a_channel_erases_only_the_people_it_holds() -> None:
    check_erasure(CHANNEL, CHANNEL, frozenset())
    check_erasure(STEWARD, CHANNEL, STEWARDS)
    with pytest.raises(RuleViolation) as refused:
        check_erasure(OTHER_CHANNEL, CHANNEL, STEWARDS)
    assert refused.value.rule == "erasure-other-channel"
    assert refused.value.message == (
        f"'{OTHER_CHANNEL}' may not erase a person of '{CHANNEL}': only the channel that holds the person "
        "(subject_source) or a steward may"
    )


def complaint_body(**overrides: Any) -> dict[str, Any]:
    body = envelope(
        CHANNEL, complaint_id=f"LAPOR-{submission().event_id}", channel="lapor", classification="complaint",
        category="normative", complainant={"reference": "akun-8812", "name": "Siti", "contact": "0812-555"},
        target_unit_code="DISDUKCAPIL", summary="Antrean KTP terlalu lama", received_on="2026-04-06",
    )  # fmt: skip
    return {**body, **overrides}


def test_whistleblowing_must_be_confidential_and_forum_complaints_name_their_forum() -> None:
    with pytest.raises(ValidationError, match="confidential"):
        ComplaintReceivedV1.model_validate_json(encode(complaint_body(classification="whistleblowing")))
    with pytest.raises(ValidationError, match="forum_id"):
        ComplaintReceivedV1.model_validate_json(encode(complaint_body(channel="dialogue-forum")))


@pytest.fixture
def records() -> Iterator[Records]:
    app = Records(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


def run(records: Records, vault: InMemoryKeyVault, event_type: str, body: dict[str, Any]) -> Recorded:
    contract = contract_for(event_type, 1)
    assert contract is not None
    event = contract.model_validate_json(encode(body))
    outcome = execute(records, vault, event, submission(event_type), stewards=load_senders().stewards)
    assert isinstance(outcome, Recorded)
    return outcome


def test_a_stored_complaint_remembers_which_channel_received_it(records: Records) -> None:
    vault = InMemoryKeyVault()
    body = complaint_body()
    run(records, vault, "complaint-received", body)
    hostile = envelope(OTHER_CHANNEL, complaint_id=body["complaint_id"], outcome="archived", verified_on="2026-04-07")
    with pytest.raises(RuleViolation, match=f"complaint {body['complaint_id']} was received from 'lapor'"):
        run(records, vault, "complaint-verified", hostile)
    own = envelope(CHANNEL, complaint_id=body["complaint_id"], outcome="verified", verified_on="2026-04-07")
    run(records, vault, "complaint-verified", own)
    assert records.repository.get(complaint_key(body["complaint_id"])).state == "verified"


def test_another_channel_s_erasure_is_refused_before_any_key_is_destroyed(records: Records) -> None:
    vault = InMemoryKeyVault()
    body = complaint_body()
    run(records, vault, "complaint-received", body)
    person = person_id(CHANNEL, "akun-8812")
    sealed = next(e for e in records.events.get(complaint_key(body["complaint_id"]))).complainant_sealed  # type: ignore[attr-defined]
    erasure = envelope(
        OTHER_CHANNEL, subject_source=CHANNEL, subject_reference="akun-8812", reason="permintaan pelapor",
        requested_by="Pengaduan Kota Sawahlunto",
    )  # fmt: skip
    with pytest.raises(RuleViolation, match="may not erase a person of 'lapor'"):
        run(records, vault, "personal-data-erased", erasure)
    assert json.loads(vault.open(person, sealed))["name"] == "Siti"
    with pytest.raises(AggregateNotFoundError):
        records.repository.get(person)  # no erasure recorded either


def test_the_complainant_is_stored_sealed_and_erasure_makes_it_unreadable(records: Records) -> None:
    vault = InMemoryKeyVault()
    body = complaint_body()
    run(records, vault, "complaint-received", body)
    stored: Complaint = records.repository.get(complaint_key(body["complaint_id"]))
    person = person_id(CHANNEL, "akun-8812")
    assert stored.complainant_person_id == person
    for raw in records.recorder.select_notifications(start=1, limit=100):
        assert b"Siti" not in raw.state
        assert b"0812-555" not in raw.state
        assert b"akun-8812" not in raw.state
    sealed = next(e for e in records.events.get(stored.id)).complainant_sealed  # type: ignore[attr-defined]
    assert json.loads(vault.open(person, sealed))["name"] == "Siti"

    erasure = envelope(
        "bkpsdm-sawahlunto", subject_source=CHANNEL, subject_reference="akun-8812",
        reason="permintaan pelapor (data subject's request)", requested_by="PPID Kota Sawahlunto",
    )  # fmt: skip
    run(records, vault, "personal-data-erased", erasure)
    with pytest.raises(KeyErased):
        vault.open(person, sealed)
    assert records.repository.get(person).erased


def test_free_text_about_a_complainant_is_sealed_with_their_key_and_erased_with_it(records: Records) -> None:
    vault = InMemoryKeyVault()
    body = complaint_body(summary="Siti menunggu KTP")
    tracking = body["complaint_id"]
    run(records, vault, "complaint-received", body)
    steps = [
        ("complaint-verified", {"outcome": "verified", "verified_on": "2026-04-07", "note": "Siti ditelepon"}),
        ("complaint-disposed", {"unit_code": "DISDUKCAPIL", "disposed_on": "2026-04-08"}),
        ("complaint-followed-up",
         {"unit_code": "DISDUKCAPIL", "action": "KTP Siti dicetak", "followed_up_on": "2026-04-09"}),
        ("complaint-closed", {"resolution": "Siti puas", "closed_on": "2026-04-10"}),
    ]  # fmt: skip
    for event_type, fields in steps:
        run(records, vault, event_type, envelope(CHANNEL, complaint_id=tracking, **fields))
    erasure = envelope(
        CHANNEL, subject_source=CHANNEL, subject_reference="akun-8812", reason="Siti meminta", requested_by="Siti"
    )
    person = person_id(CHANNEL, "akun-8812")
    events = list(records.events.get(complaint_key(tracking)))
    texts = [getattr(event, name) for event in events for name in ("summary", "note", "action", "resolution")
             if getattr(event, name, None) is not None]  # fmt: skip
    assert len(texts) == 4
    assert all(text.startswith(SEALED_PREFIX) for text in texts)
    assert [vault.open_text(person, text) for text in texts] == [
        "Siti menunggu KTP", "Siti ditelepon", "KTP Siti dicetak", "Siti puas",
    ]  # fmt: skip
    run(records, vault, "personal-data-erased", erasure)
    for raw in records.recorder.select_notifications(start=1, limit=100):
        assert b"Siti" not in raw.state
    for text in texts:
        with pytest.raises(KeyErased):
            vault.open_text(person, text)


def test_an_anonymous_complaint_names_no_one_to_seal_for(records: Records) -> None:
    vault = InMemoryKeyVault()
    body = complaint_body(complainant=None, summary="Jalan berlubang")
    run(records, vault, "complaint-received", body)
    received = next(iter(records.events.get(complaint_key(body["complaint_id"]))))
    assert received.summary == "Jalan berlubang"  # type: ignore[attr-defined]
    assert vault.keys == {}


def test_the_personal_data_subjects_are_the_complaint_contracts() -> None:
    """What ingest forgets on NATS once settled: every complaint contract and the erasure, no other."""
    complaint_types = {c.event_type for c in ALL if issubclass(c, ComplaintEvent | PersonalDataErasedV1)}
    assert complaint_types == PERSONAL_DATA_EVENT_TYPES
    for contract in ALL:
        assert carries_personal_data(f"asn.in.lapor.{contract.event_type}.v1") == (
            contract.event_type in complaint_types
        )
    assert carries_personal_data("asn.submit.lapor.complaint-unknown-yet.v9")
    assert carries_personal_data("asn.in.lapor.complaint-received")  # no version: still a complaint's bytes
    assert not carries_personal_data("asn.in.lapor")


def test_a_refusal_of_a_complaint_never_repeats_its_bytes() -> None:
    body = b'{"complainant": {"name": "Siti"}}'
    refusal = Refusal(RejectionKind.CONTRACT, "bad", CHANNEL, "complaint-received", "e-1")
    withheld = rejection_of(refusal, "asn.in.lapor.complaint-received.v1", 7, body)
    assert withheld.original_withheld
    assert withheld.original_base64 == ""
    assert not withheld.original_complete
    assert withheld.original_sha256 == hashlib.sha256(body).hexdigest()
    assert withheld.original_bytes == len(body)
    kept = rejection_of(refusal, "asn.in.lapor.dialogue-forum-held.v1", 8, body)
    assert not kept.original_withheld
    assert base64.b64decode(kept.original_base64) == body


def test_a_forum_complaint_needs_its_forum_first(records: Records) -> None:
    vault = InMemoryKeyVault()
    from_forum = complaint_body(channel="dialogue-forum", forum_id="FORUM-2026-03", complainant=None)
    with pytest.raises(RuleViolation, match="dialogue forum 'FORUM-2026-03' is not recorded"):
        run(records, vault, "complaint-received", from_forum)
    forum = envelope(
        "pengaduan-sawahlunto", forum_id="FORUM-2026-03", unit_code="DPMPTSP", held_on="2026-03-30",
        participants=45, issues=["perizinan lambat"], commitments=["layanan online"],
    )  # fmt: skip
    run(records, vault, "dialogue-forum-held", forum)
    run(records, vault, "complaint-received", from_forum)


def test_the_working_day_calendar_skips_weekends_and_holidays() -> None:
    policy = bundled_policy()
    assert policy.working_days_after(date(2026, 4, 6), 3) == date(2026, 4, 9)  # Monday + 3
    assert policy.working_days_after(date(2026, 3, 18), 3) == date(2026, 3, 27)  # across Nyepi and Lebaran


def test_events_carry_nothing_of_the_complainant(records: Records) -> None:
    vault = InMemoryKeyVault()
    run(records, vault, "complaint-received", complaint_body(classification="whistleblowing", confidential=True))
    notifications = records.recorder.select_notifications(start=1, limit=10)
    [received_event] = [envelope_of(records, n) for n in notifications if n.topic.endswith("Complaint.Received")]
    assert received_event.data["complainant_known"] is True
    assert received_event.data["confidential"] is True
    wire = received_event.model_dump_json()
    assert "complainant_sealed" not in wire
    assert "complainant_person_id" not in wire
    assert str(person_id(CHANNEL, "akun-8812")) not in wire
