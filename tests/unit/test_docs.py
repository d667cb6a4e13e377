"""docs/ is generated from the contracts, deterministic, and CI notices when it is out of date."""

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from contracts.inbound import INBOUND_CONTRACTS, TrainingCompletedV1
from contracts.streams import EVENTS_SUBJECTS, inbox_subject, rejected_subject
from services.cli import app
from services.docs import render_docs, stale_docs, write_docs
from tests.builders import training_completed

ROOT = Path(__file__).resolve().parents[2]
INBOUND_SCHEMA = "docs/schemas/inbound/training-completed.v1.json"


def problems(value: Any, schema: dict[str, Any]) -> list[str]:
    """Where ``value`` breaks the JSON Schema, as ``$.field: message`` lines."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return sorted(
        f"$.{'.'.join(str(p) for p in error.absolute_path)}: {error.message}" for error in validator.iter_errors(value)
    )


def read_json(relative: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / relative).read_text(encoding="utf-8"))
    return loaded


def test_committed_docs_are_current() -> None:
    assert stale_docs(ROOT) == [], "docs/ is out of date: run `make docs`"


def test_every_inbound_contract_has_a_schema_file() -> None:
    for event_type, version in INBOUND_CONTRACTS:
        schema = read_json(f"docs/schemas/inbound/{event_type}.v{version}.json")
        assert schema["x-nats-subject"] == inbox_subject("{source}", event_type, version)
        assert "Nats-Msg-Id" in schema["description"]


def test_the_inbound_schema_accepts_a_valid_event_as_the_contract_does() -> None:
    example = json.loads(json.dumps(training_completed()))
    assert problems(example, read_json(INBOUND_SCHEMA)) == []
    assert TrainingCompletedV1.model_validate(example).model_dump(mode="json")["event_id"] == example["event_id"]


def test_the_inbound_schema_refuses_what_the_contract_refuses() -> None:
    found = problems(training_completed(source="Not A Token", stated_jp=-1, typo="x"), read_json(INBOUND_SCHEMA))
    assert any(problem.startswith("$.source:") for problem in found), found
    assert any(problem.startswith("$.stated_jp:") for problem in found), found
    assert any("'typo' was unexpected" in problem for problem in found), found


def test_outbound_decimals_are_documented_as_json_numbers() -> None:
    data = read_json("docs/schemas/outbound/training-completed-data.json")
    assert {"type": "number"} in data["properties"]["hours"]["anyOf"]  # optional: a number or null
    assert data["properties"]["recognised_jp"]["type"] == "number"
    assert read_json("docs/schemas/rejection.v1.json")["title"] == "RejectionV1"


def test_rendering_is_deterministic() -> None:
    first, second = render_docs(), render_docs()
    assert first == second
    assert all(content.endswith("\n") for content in first.values())


def test_asyncapi_names_every_subject() -> None:
    document = read_json("docs/asyncapi.json")
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] == "Jejak"
    addresses = {channel["address"] for channel in document["channels"].values()}
    inbound = {inbox_subject("{source}", event_type, version) for event_type, version in INBOUND_CONTRACTS}
    assert inbound | {EVENTS_SUBJECTS, rejected_subject("{source}", "{event_type}")} <= addresses


def test_a_new_contract_is_documented_without_code_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    class TrainingCompletedV2(TrainingCompletedV1):
        version: ClassVar[int] = 2

    monkeypatch.setitem(INBOUND_CONTRACTS, ("training-completed", 2), TrainingCompletedV2)
    files = render_docs()
    assert "docs/schemas/inbound/training-completed.v2.json" in files
    assert inbox_subject("{source}", "training-completed", 2) in files["docs/asyncapi.json"]


def test_stale_docs_finds_edited_missing_and_extra_files(tmp_path: Path) -> None:
    assert write_docs(tmp_path) == sorted(render_docs())
    assert stale_docs(tmp_path) == []
    (tmp_path / INBOUND_SCHEMA).write_text("{}\n")
    (tmp_path / "docs/asyncapi.json").unlink()
    (tmp_path / "docs/schemas/inbound/gone.v1.json").write_text("{}\n")
    (tmp_path / "docs/notes.md").write_text("written by hand, not generated\n")
    assert stale_docs(tmp_path) == sorted(["docs/asyncapi.json", INBOUND_SCHEMA, "docs/schemas/inbound/gone.v1.json"])


def test_write_docs_repairs_and_removes_stale_schemas(tmp_path: Path) -> None:
    write_docs(tmp_path)
    (tmp_path / INBOUND_SCHEMA).write_text("{}\n")
    (tmp_path / "docs/schemas/old").mkdir()
    (tmp_path / "docs/schemas/old/gone.v1.json").write_text("{}\n")
    assert write_docs(tmp_path) == [INBOUND_SCHEMA]
    assert stale_docs(tmp_path) == []
    assert not (tmp_path / "docs/schemas/old").exists()


def test_docs_check_command_fails_with_the_fix_when_stale(tmp_path: Path) -> None:
    runner = CliRunner()
    stale = runner.invoke(app, ["docs", "--check", "--root", str(tmp_path)])
    assert stale.exit_code == 1
    assert "make docs" in stale.output
    assert not (tmp_path / "docs").exists()
    assert runner.invoke(app, ["docs", "--root", str(tmp_path)]).exit_code == 0
    assert runner.invoke(app, ["docs", "--check", "--root", str(tmp_path)]).exit_code == 0
