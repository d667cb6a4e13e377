"""Ingest's first step, without I/O: a contract or a refusal a sender can read."""

import base64
import hashlib

import pytest

from contracts.inbound import TrainingCompletedV1
from contracts.limits import BodyLimits
from contracts.rejection import RejectionKind
from services.ingest.decode import Decoded, Refusal, decode
from services.ingest.rejections import rejection_of
from services.senders import load_senders, parse_senders
from tests.builders import TRAINING_SUBJECT, encode, subject, training_completed

SENDERS = load_senders()


def test_a_valid_submission_decodes() -> None:
    result = decode(TRAINING_SUBJECT, encode(training_completed()), SENDERS)
    assert isinstance(result, Decoded)
    assert isinstance(result.event, TrainingCompletedV1)


def test_the_fingerprint_ignores_formatting() -> None:
    body = training_completed()
    compact = decode(TRAINING_SUBJECT, encode(body), SENDERS)
    reordered = decode(TRAINING_SUBJECT, encode(dict(reversed(body.items()))), SENDERS)
    assert isinstance(compact, Decoded)
    assert isinstance(reordered, Decoded)
    assert compact.content_sha256 == reordered.content_sha256


def test_the_fingerprint_sees_content() -> None:
    a = decode(TRAINING_SUBJECT, encode(training_completed(event_id="x1", hours=24)), SENDERS)
    b = decode(TRAINING_SUBJECT, encode(training_completed(event_id="x1", hours=25)), SENDERS)
    assert isinstance(a, Decoded)
    assert isinstance(b, Decoded)
    assert a.content_sha256 != b.content_sha256


def test_a_malformed_subject_is_refused() -> None:
    result = decode("asn.in.BPSDM.training-completed", b"{}", SENDERS)
    assert isinstance(result, Refusal)
    assert result.kind is RejectionKind.SUBJECT
    assert result.code == "subject-malformed"
    assert "asn.in.<source>.<event-type>.v<version>" in result.reason


def test_an_unknown_event_type_lists_the_known_ones() -> None:
    result = decode("asn.in.bpsdm-sumbar.training-started.v1", encode(training_completed(event_id="e-9")), SENDERS)
    assert isinstance(result, Refusal)
    assert result.kind is RejectionKind.SUBJECT
    assert result.code == "contract-unknown"
    assert "training-completed.v1" in result.reason.split("known: ")[1]
    assert result.event_id == "e-9"


def test_field_errors_are_listed_with_the_event_id() -> None:
    result = decode(
        TRAINING_SUBJECT, encode(training_completed(event_id="e-1", employee_nip="12", training_kind="99")), SENDERS
    )
    assert isinstance(result, Refusal)
    assert result.kind is RejectionKind.CONTRACT
    assert result.code == "contract-violated"
    assert result.event_id == "e-1"
    assert {e.field for e in result.errors} == {"employee_nip", "training_kind"}
    assert "NIP must be exactly 18 digits" in result.reason


def test_bytes_that_are_not_json_are_refused() -> None:
    result = decode(TRAINING_SUBJECT, b"\xff not json", SENDERS)
    assert isinstance(result, Refusal)
    assert result.kind is RejectionKind.CONTRACT
    assert result.code == "contract-violated"
    assert result.event_id is None


def test_the_body_must_name_the_subject_s_sender() -> None:
    result = decode(TRAINING_SUBJECT, encode(training_completed(source="lan-ri")), SENDERS)
    assert isinstance(result, Refusal)
    assert "differs from 'bpsdm-sumbar' in the subject" in result.reason


def test_a_source_may_send_only_the_event_types_the_sender_map_gives_it() -> None:
    body = training_completed(source="lan-ri", event_id="e-7")
    result = decode(subject("performance-evaluated", "lan-ri"), encode(body), SENDERS)
    assert isinstance(result, Refusal)
    assert result.kind is RejectionKind.SENDER
    assert result.code == "sender-not-allowed"
    assert result.reason == "source 'lan-ri' may not publish performance-evaluated; allowed: training-completed"
    assert (result.source, result.event_type, result.event_id) == ("lan-ri", "performance-evaluated", "e-7")


def test_an_unknown_source_is_refused_before_its_body_is_read() -> None:
    result = decode(subject("training-completed", "x"), b"not even json", SENDERS)
    assert isinstance(result, Refusal)
    assert result.kind is RejectionKind.SENDER
    assert result.code == "sender-not-allowed"
    assert result.reason == "unknown source 'x': not in the sender map"


def test_another_sender_map_decides_for_its_own_sources() -> None:
    only_lan = parse_senders('[senders.lan-ri]\nname = "LAN"\nevents = ["training-completed"]\n')
    assert isinstance(
        decode(subject("training-completed", "lan-ri"), encode(training_completed(source="lan-ri")), only_lan), Decoded
    )
    refused = decode(TRAINING_SUBJECT, encode(training_completed()), only_lan)
    assert isinstance(refused, Refusal)
    assert refused.kind is RejectionKind.SENDER


def test_deeply_nested_brackets_are_refused_not_raised() -> None:
    """~200 KB of ``[`` made json.loads raise RecursionError, which stopped ingest for everyone."""
    result = decode(TRAINING_SUBJECT, b"[" * 200_000, SENDERS)
    assert isinstance(result, Refusal)
    assert result.kind is RejectionKind.LIMIT
    assert result.code == "too-deep"


def test_deep_nesting_on_an_unknown_subject_is_refused_too() -> None:
    """The event id is looked for even when the subject is wrong: that read must survive the body too."""
    result = decode("asn.in.bpsdm-sumbar.training-started.v1", b"[" * 200_000, SENDERS)
    assert isinstance(result, Refusal)
    assert result.kind is RejectionKind.LIMIT


def test_a_thousand_unknown_fields_are_told_briefly() -> None:
    body = training_completed(event_id="e-many") | {f"extra-{n}-" + "k" * 200: n for n in range(900)}
    result = decode(TRAINING_SUBJECT, encode(body), SENDERS)
    assert isinstance(result, Refusal)
    assert result.kind is RejectionKind.CONTRACT
    assert len(result.errors) == 20
    assert all(len(e.field) <= 200 for e in result.errors)
    assert "(and 880 more)" in result.reason
    assert len(result.reason) <= 2_000
    assert result.event_id == "e-many"


def test_an_event_id_of_the_wrong_shape_is_not_repeated() -> None:
    result = decode(TRAINING_SUBJECT, encode(training_completed(event_id="x" * 5_000)), SENDERS)
    assert isinstance(result, Refusal)
    assert result.event_id is None


def test_a_body_over_the_size_bound_is_refused_unparsed() -> None:
    result = decode(TRAINING_SUBJECT, b"{" + b" " * 300_000 + b"}", SENDERS, BodyLimits(max_bytes=262_144))
    assert isinstance(result, Refusal)
    assert (result.kind, result.code, result.source) == (RejectionKind.LIMIT, "too-large", "bpsdm-sumbar")


def test_a_validator_that_fails_refuses_the_body(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fault while reading one body (here a code list that raises) is that body's refusal, not ingest's stop."""

    def broken(_: str) -> str:
        raise KeyError("jenisDiklat")

    monkeypatch.setattr(TrainingCompletedV1, "model_validate_json", broken)
    result = decode(TRAINING_SUBJECT, encode(training_completed()), SENDERS)
    assert isinstance(result, Refusal)
    assert (result.kind, result.code) == (RejectionKind.CONTRACT, "unreadable")
    assert "KeyError" in result.reason


def test_a_large_original_is_carried_by_its_digest_and_prefix() -> None:
    body = b"{" + b" " * 200_000 + b"}"
    refusal = decode(TRAINING_SUBJECT, body, SENDERS)
    assert isinstance(refusal, Refusal)
    rejection = rejection_of(refusal, TRAINING_SUBJECT, 7, body)
    assert not rejection.original_complete
    assert rejection.original_bytes == len(body)
    assert rejection.original_sha256 == hashlib.sha256(body).hexdigest()
    assert base64.b64decode(rejection.original_base64) == body[:1_024]
    assert len(rejection.model_dump_json()) < 8_000


def test_a_small_original_is_carried_whole() -> None:
    body = encode(training_completed(employee_nip="12"))
    refusal = decode(TRAINING_SUBJECT, body, SENDERS)
    assert isinstance(refusal, Refusal)
    rejection = rejection_of(refusal, TRAINING_SUBJECT, 7, body)
    assert rejection.original_complete
    assert base64.b64decode(rejection.original_base64) == body
