"""No facts from the future: every date in a submission is compared with its receipt, plus a tolerance."""

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from contracts.inbound import INBOUND_CONTRACTS, TrainingCompletedV1
from domain.chronology import check_not_after_receipt
from domain.errors import RuleViolation
from domain.policy import bundled_policy
from services.ingest.moments import dated_fields, moments_in
from tests.builders import training_completed

RECEIVED = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # noon in Sawahlunto (WIB, UTC+7)
DAY = timedelta(days=1)


def test_the_bundled_policy_tolerates_one_day() -> None:
    assert bundled_policy().future_tolerance == DAY


def test_today_and_tomorrow_pass_the_day_after_does_not() -> None:
    check_not_after_receipt({"end_date": date(2026, 12, 2)}, RECEIVED, DAY)
    check_not_after_receipt({"end_date": date(2026, 12, 3)}, RECEIVED, DAY)
    with pytest.raises(RuleViolation) as refused:
        check_not_after_receipt({"end_date": date(2026, 12, 5)}, RECEIVED, DAY)
    assert refused.value.rule == "future-fact"
    assert "end_date is 2026-12-05" in refused.value.message
    assert "tolerance of 24 hours" in refused.value.message


def test_a_moment_is_compared_to_the_second() -> None:
    check_not_after_receipt({"occurred_at": RECEIVED + DAY}, RECEIVED, DAY)
    with pytest.raises(RuleViolation):
        check_not_after_receipt({"occurred_at": RECEIVED + DAY + timedelta(seconds=1)}, RECEIVED, DAY)


def test_a_moment_in_another_zone_is_compared_as_the_same_instant() -> None:
    wib = timezone(timedelta(hours=7))
    check_not_after_receipt({"occurred_at": datetime(2026, 12, 3, 11, 59, tzinfo=wib)}, RECEIVED, DAY)


def test_a_training_ending_in_2030_is_found_among_the_dates() -> None:
    event = TrainingCompletedV1.model_validate(training_completed(start_date="2030-01-05", end_date="2030-01-09"))
    moments = moments_in(event)
    assert moments["end_date"] == date(2030, 1, 9)
    assert "occurred_at" in moments
    with pytest.raises(RuleViolation) as refused:
        check_not_after_receipt(moments, RECEIVED, DAY)
    assert refused.value.message.startswith("start_date is 2030-01-05")


def _dated_in_schema(schema: dict[str, Any], defs: dict[str, Any], path: str = "") -> set[str]:
    """Field paths whose JSON Schema is a date or a date-time (list items as ``*``)."""
    if "$ref" in schema:
        return _dated_in_schema(defs[schema["$ref"].rsplit("/", 1)[1]], defs, path)
    if schema.get("format") in {"date", "date-time"}:
        return {path}
    found: set[str] = set()
    for branch in schema.get("anyOf", []):
        found |= _dated_in_schema(branch, defs, path)
    if "items" in schema:
        found |= _dated_in_schema(schema["items"], defs, f"{path}.*")
    for name, field in schema.get("properties", {}).items():
        found |= _dated_in_schema(field, defs, f"{path}.{name}" if path else name)
    return found


def _dated_found(model: type[BaseModel], path: str = "") -> set[str]:
    found: set[str] = set()
    for name in dated_fields(model):
        annotation = model.model_fields[name].annotation
        nested = [a for a in (annotation, *get_args(annotation)) if isinstance(a, type) and issubclass(a, BaseModel)]
        where = f"{path}.{name}" if path else name
        found |= _dated_found(nested[0], f"{where}.*") if nested else {where}
    return found


@pytest.mark.parametrize("contract", list(INBOUND_CONTRACTS.values()), ids=lambda c: c.__name__)
def test_every_date_a_contract_can_hold_is_checked(contract: type[BaseModel]) -> None:
    """The fields found from the annotations are those the JSON Schema calls dates or date-times."""
    schema = contract.model_json_schema()
    assert _dated_found(contract) == _dated_in_schema(schema, schema.get("$defs", {}))
