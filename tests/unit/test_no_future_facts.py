"""No facts from the future: every date in a submission is compared with its receipt, plus a tolerance."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from contracts.inbound import TrainingCompletedV1
from domain.chronology import check_not_after_receipt
from domain.errors import RuleViolation
from domain.policy import bundled_policy
from services.ingest.commands import moments_in
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
