"""Complaint figures against a clock the test sets: working days, breaches, backlog."""

from datetime import date, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.policy import bundled_policy
from projections.complaints import ComplaintRow
from services.api.complaints_report import unit_report

AS_OF = date(2026, 7, 20)  # a Monday; July 2026 has no holiday in the policy


def row(complaint_id: str, category: str, received: date, **dates: Any) -> ComplaintRow:
    fields: dict[str, Any] = {
        "complaint_id": complaint_id, "classification": "complaint", "category": category,
        "target_unit_code": "DISDUKCAPIL", "received_on": received, "verified_on": None,
        "verification_outcome": None, "disposed_on": None, "first_follow_up_on": None, "closed_on": None,
        "state": "received", "cases": 0, "penalties": 0,
    }  # fmt: skip
    return ComplaintRow(**{**fields, **dates})


ROWS = [
    row("A", "light", date(2026, 7, 1), verified_on=date(2026, 7, 2), verification_outcome="verified",
        disposed_on=date(2026, 7, 2), first_follow_up_on=date(2026, 7, 3), closed_on=date(2026, 7, 3), state="closed"),
    row("B", "normative", date(2026, 7, 1), verified_on=date(2026, 7, 7), verification_outcome="verified",
        disposed_on=date(2026, 7, 7), state="disposed", cases=1, penalties=1),
    row("C", "investigation", date(2026, 7, 15)),
    row("D", "light", date(2026, 7, 1), verified_on=date(2026, 7, 2), verification_outcome="archived",
        state="ended", classification="aspiration"),
    row("E", "light", date(2026, 7, 1), verified_on=date(2026, 7, 21), verification_outcome="verified",
        state="verified"),  # verified after the clock: not yet, as of 20 July
]  # fmt: skip


def test_waits_breaches_and_backlog_as_of_the_clock() -> None:
    report = unit_report("DISDUKCAPIL", ROWS, 2026, AS_OF, bundled_policy())
    assert report.received == 5
    assert report.by_classification == {"aspiration": 1, "complaint": 4}
    assert report.median_working_days.verification == 1  # A 1, B 4, D 1
    assert report.median_working_days.follow_up == 1  # A
    assert report.median_working_days.closure == 2  # A
    # B: verified after 4 working days (limit 3), no follow-up 9 days after disposition (limit 5),
    #    open 13 days (normative: 5). E: unverified for 13 days as of the clock, open past light's 2.
    assert report.sla_breaches.model_dump() == {"verification": 2, "follow_up": 1, "closure": 2}
    assert report.open_backlog_by_age == {"0-5": 1, "6-10": 0, "11-20": 2, ">20": 0}  # C; B and E
    assert (report.naming_an_employee_with_case, report.leading_to_penalty) == (1, 1)
    assert report.open_by_stage == {"verification": 2, "disposition": 0, "follow_up": 1, "closure": 0}  # C, E; B


def test_an_open_complaint_waits_for_the_first_step_not_yet_known_on_the_clock() -> None:
    rows = [
        row("F", "light", date(2026, 7, 1), verified_on=date(2026, 7, 2), verification_outcome="verified"),
        row("G", "light", date(2026, 7, 1), verified_on=date(2026, 7, 2), verification_outcome="verified",
            disposed_on=date(2026, 7, 3), first_follow_up_on=date(2026, 7, 6)),
        row("H", "light", date(2026, 7, 1), verified_on=date(2026, 7, 2), verification_outcome="verified",
            disposed_on=date(2026, 7, 3), first_follow_up_on=date(2026, 7, 21)),  # after the clock
        row("I", "light", date(2026, 7, 1), verified_on=date(2026, 7, 2), verification_outcome="not-our-authority"),
    ]  # fmt: skip
    report = unit_report("DISDUKCAPIL", rows, 2026, AS_OF, bundled_policy())
    assert report.open_by_stage == {"verification": 0, "disposition": 1, "follow_up": 1, "closure": 1}  # F; H; G
    assert sum(report.open_by_stage.values()) == sum(report.open_backlog_by_age.values())


def test_a_postponed_verification_still_waits_for_verification_and_its_clock_runs() -> None:
    """The channel postponed verifying (it needs more from the complainant): nothing is verified yet."""
    postponed = row("P", "light", date(2026, 7, 1), verified_on=date(2026, 7, 2), verification_outcome="postponed")
    report = unit_report("DISDUKCAPIL", [postponed], 2026, AS_OF, bundled_policy())
    assert report.open_by_stage == {"verification": 1, "disposition": 0, "follow_up": 0, "closure": 0}
    assert report.median_working_days.verification is None  # no verification to time
    assert report.sla_breaches.verification == 1  # 13 working days unverified (limit 3)


def test_working_days_skip_weekends_and_holidays() -> None:
    policy = bundled_policy()
    assert policy.working_days_between(date(2026, 7, 1), date(2026, 7, 7)) == 4
    assert policy.working_days_between(date(2026, 3, 18), date(2026, 3, 27)) == 3  # Nyepi and Idul Fitri
    assert policy.working_days_between(date(2026, 7, 7), date(2026, 7, 1)) == 0


@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
    length=st.integers(min_value=-20, max_value=900),
)
def test_working_days_are_counted_as_a_walk_over_the_calendar_would(start: date, length: int) -> None:
    policy = bundled_policy()
    end = start + timedelta(days=length)
    walked = sum(
        1
        for n in range(1, max(length, 0) + 1)
        if (start + timedelta(days=n)).weekday() < 5 and start + timedelta(days=n) not in policy.holidays
    )
    assert policy.working_days_between(start, end) == walked


def test_a_far_end_is_counted_not_walked() -> None:
    """`as_of=9999-12-27` walked 2.9 million days per complaint and held the whole API for seconds."""
    assert bundled_policy().working_days_between(date(2026, 1, 1), date(9999, 12, 27)) > 2_000_000
