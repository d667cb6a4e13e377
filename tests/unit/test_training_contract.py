"""TrainingCompletedV1: the shape a training provider must send."""

import pytest
from pydantic import ValidationError

from contracts.inbound import TrainingCompletedV1, contract_for
from contracts.reference import training_kinds
from tests.builders import encode, training_completed


def test_a_valid_completion_parses() -> None:
    event = TrainingCompletedV1.model_validate_json(encode(training_completed(hours="7.5")))
    assert str(event.hours) == "7.5"
    assert event.training_kind == "3"
    assert event.schema_version == 1
    assert event.evidence == []


def test_the_subject_names_the_contract() -> None:
    assert contract_for("training-completed", 1) is TrainingCompletedV1
    assert contract_for("training-completed", 2) is None


def test_the_official_code_list_has_25_kinds() -> None:
    assert len(training_kinds()) == 25
    assert training_kinds()["10"] == "Magang"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"training_kind": "26"}, "training_kind"),
        ({"employee_nip": "123"}, "employee_nip"),
        ({"occurred_at": "2026-03-14T09:00:00"}, "occurred_at"),
        ({"stated_jp": -1}, "stated_jp"),
        ({"competency_type": "cooking"}, "competency_type"),
        ({"evidence": [{"uri": "https://x", "sha256": "abc"}]}, "evidence"),
        ({"event_id": "has spaces"}, "event_id"),
        ({"title": None}, "title"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_each_broken_field_is_named(override: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TrainingCompletedV1.model_validate_json(encode(training_completed(**override)))
    assert [e["loc"][0] for e in caught.value.errors()] == [field]


@pytest.mark.parametrize("text", ["Pelatihan\x00", "a\x07b", "\x1b[31mred"])
def test_control_characters_are_refused_anywhere_in_an_event(text: str) -> None:
    """PostgreSQL text cannot hold NUL: one accepted here would stall every read model after it."""
    with pytest.raises(ValidationError, match="control character"):
        TrainingCompletedV1.model_validate_json(encode(training_completed(title=text)))
    evidence = [{"uri": text, "sha256": "0" * 64}]
    with pytest.raises(ValidationError, match="control character"):
        TrainingCompletedV1.model_validate_json(encode(training_completed(evidence=evidence)))


def test_line_breaks_and_tabs_are_fine_in_text() -> None:
    assert TrainingCompletedV1.model_validate_json(encode(training_completed(title="Baris satu\nBaris\tdua"))).title
