"""Comparing a saved report with a rebuilt one: what counts as a difference, how it is named, one digest."""

import json
from pathlib import Path
from typing import Any

import pytest

from services.api.app import create_app
from services.audit.report_compare import Difference, canonical_json, describe, differences, digest
from services.audit.reproduce import (
    REPORTS,
    CannotReproduce,
    load_saved,
    parameters_stated_in,
    report_named,
    reproduce,
)
from services.rebuild import projection_named

REPORT: dict[str, Any] = {
    "year": 2026,
    "units": [
        {"unit_code": "DINKES", "employees": 2, "median_jp": 14.0, "share": 0.5},
        {"unit_code": "DISDIK", "employees": 1, "median_jp": 24.0, "share": 1.0},
    ],
    "position": 57,
    "policy_version": "2026.1",
}


def copy() -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(REPORT))
    return copied


def test_the_same_report_in_another_key_order_and_spacing_is_identical_with_one_digest() -> None:
    reordered = json.loads(json.dumps(REPORT, indent=4, sort_keys=True))

    assert differences(REPORT, reordered) == []
    assert digest(REPORT) == digest(reordered)
    assert canonical_json(REPORT).startswith(b'{"policy_version":"2026.1","position":57,')


def test_a_changed_figure_is_named_by_its_path() -> None:
    edited = copy()
    edited["units"][1]["median_jp"] = 20.0

    assert differences(REPORT, edited) == [Difference("units[1].median_jp", "24.0", "20.0")]
    assert digest(REPORT) != digest(edited)


def test_numbers_compare_by_value_but_true_is_never_one() -> None:
    assert differences({"jp": 24}, {"jp": 24.0}) == []
    assert digest({"jp": 24}) == digest({"jp": 24.0})  # identical by comparison, so identical by digest
    assert differences({"meets": True}, {"meets": 1}) == [Difference("meets", "true", "1")]
    assert differences({"unit": None}, {"unit": "DINKES"}) == [Difference("unit", "null", '"DINKES"')]


def test_missing_and_extra_keys_and_items_are_each_reported() -> None:
    edited = copy()
    del edited["policy_version"]
    edited["note"] = "added"
    edited["units"].pop()

    found = differences(REPORT, edited)

    assert [d.path for d in found] == ["units (length)", "units[1]", "policy_version", "note"]
    assert found[0] == Difference("units (length)", "2 items", "1 items")
    assert found[1].rebuilt == "(absent)"
    assert found[2] == Difference("policy_version", '"2026.1"', "(absent)")
    assert found[3] == Difference("note", "(absent)", '"added"')


def test_a_long_list_of_differences_is_cut_to_the_first_ones() -> None:
    found = [Difference(f"units[{i}].employees", "1", "2") for i in range(15)]

    text = describe(found, shown=10)

    assert text.splitlines()[0] == "  units[0].employees: saved 1, rebuilt 2"
    assert len(text.splitlines()) == 11
    assert text.splitlines()[-1] == "  … and 5 more"


def test_long_values_are_shortened_in_the_description() -> None:
    [difference] = differences({"timeline": "x" * 500}, {"timeline": "y"})

    assert len(difference.saved) == 100
    assert difference.saved.endswith("…")


def test_a_saved_file_must_be_a_report_of_the_position_asked_for(tmp_path: Path) -> None:
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps(REPORT))
    assert load_saved(saved, 57) == REPORT

    with pytest.raises(CannotReproduce, match="built from position 57, not 58: reproduce it with --at 57"):
        load_saved(saved, 58)
    saved.write_text("unit_code,employees\nDINKES,2\n")
    with pytest.raises(CannotReproduce, match="is not a JSON report"):
        load_saved(saved, 57)
    saved.write_text(json.dumps({"units": []}))
    with pytest.raises(CannotReproduce, match="names no position"):
        load_saved(saved, 57)


def test_every_report_names_a_route_of_the_api_and_read_models_of_the_store() -> None:
    paths = create_app("").openapi()["paths"]

    for kind in REPORTS.values():
        assert "get" in paths[kind.path], kind.name
        assert all(projection_named(name).from_store for name in kind.read_models)
    assert {"jp-compliance", "predikat-distribution", "evaluation-completeness", "reward-eligibility",
            "weak-performers", "discipline", "complaints", "dossier", "competency"} <= set(REPORTS)  # fmt: skip


def test_the_rejections_list_and_unknown_names_cannot_be_reproduced() -> None:
    with pytest.raises(CannotReproduce, match="built from the REJECTED stream, not from the event store"):
        report_named("rejections")
    with pytest.raises(CannotReproduce, match="no report 'nope'; there are jp-compliance"):
        report_named("nope")


def test_a_saved_report_supplies_the_parameters_it_states() -> None:
    saved = {"year": 2026, "as_of": "2026-07-20", "units": [], "position": 9}

    assert parameters_stated_in(report_named("complaints"), saved) == {"year": "2026", "as_of": "2026-07-20"}
    assert parameters_stated_in(report_named("jp-compliance"), saved) == {"year": "2026"}  # it takes no as_of
    dossier = {"nip": "198503122010011002", "position": 9}
    assert parameters_stated_in(report_named("dossier"), dossier) == {"nip": "198503122010011002"}


def test_parameters_are_checked_against_the_route_before_anything_is_built() -> None:
    nowhere = "postgresql://nobody@127.0.0.1:1/none"  # never reached: each call fails before connecting

    with pytest.raises(CannotReproduce, match="jp-compliance takes no as_of; it takes year, opd"):
        reproduce(nowhere, "jp-compliance", 5, {"year": "2026", "as_of": "2026-07-20"})
    with pytest.raises(CannotReproduce, match="dossier needs nip"):
        reproduce(nowhere, "dossier", 5, {})
    with pytest.raises(CannotReproduce, match="a position is 1 or more"):
        reproduce(nowhere, "complaints", 0, {"year": "2026"})
