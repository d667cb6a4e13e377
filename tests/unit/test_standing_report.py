"""Eligibility, promotion readiness and weak performers' follow-up, against a set clock."""

import uuid
from dataclasses import replace
from datetime import date
from typing import Any

from domain.policy import bundled_policy
from projections.standing import Standing, WeakEvaluation
from services.api.standing_report import eligibility, weak_follow_up

POLICY = bundled_policy()
AS_OF = date(2026, 6, 1)


def standing(start: date, **changes: Any) -> Standing:
    fields: dict[str, Any] = {
        "employee_id": uuid.uuid4(), "nip": "198503122010011002", "name": "Rina", "asn_kind": "PNS",
        "start_date": start, "unit_code": "DINKES", "granted": [], "annual": {}, "penalties": [],
    }  # fmt: skip
    return Standing(**{**fields, **changes})


def penalty(level: str, starts: str, ends: str | None = None, annulled: str | None = None) -> dict[str, Any]:
    return {"level": level, "starts_on": starts, "ends_on": ends, "annulled_on": annulled}


def test_karya_satya_is_due_in_the_year_its_anniversary_falls_next_cycle() -> None:
    assert eligibility(standing(date(2017, 3, 1)), 2026, AS_OF, POLICY).karya_satya_due == ["201"]  # 10 y in 2027
    assert eligibility(standing(date(2016, 3, 1)), 2026, AS_OF, POLICY).karya_satya_due == []  # reached in 2026
    assert eligibility(standing(date(2007, 5, 1)), 2026, AS_OF, POLICY).karya_satya_due == ["202"]
    granted = standing(date(2007, 5, 1), granted=["202"])
    assert eligibility(granted, 2026, AS_OF, POLICY).karya_satya_due == []


def test_a_medium_penalty_bars_karya_satya_unless_annulled() -> None:
    barred = eligibility(
        standing(date(2017, 3, 1), penalties=[penalty("S", "2020-01-01", "2020-12-31")]), 2026, AS_OF, POLICY
    )
    assert (barred.karya_satya_due, barred.karya_satya_barred) == ([], True)
    annulled = standing(date(2017, 3, 1), penalties=[penalty("S", "2020-01-01", None, "2020-05-01")])
    assert eligibility(annulled, 2026, AS_OF, POLICY).karya_satya_due == ["201"]
    light = standing(date(2017, 3, 1), penalties=[penalty("R", "2020-01-01")])
    assert eligibility(light, 2026, AS_OF, POLICY).karya_satya_due == ["201"]


def test_which_penalty_levels_bar_karya_satya_is_the_policy_s_to_say() -> None:
    heavy_only = replace(POLICY, karya_satya_disqualifying_levels=frozenset({"B"}))
    medium = standing(date(2017, 3, 1), penalties=[penalty("S", "2020-01-01", "2020-12-31")])
    assert eligibility(medium, 2026, AS_OF, POLICY).karya_satya_barred
    assert not eligibility(medium, 2026, AS_OF, heavy_only).karya_satya_barred
    assert eligibility(medium, 2026, AS_OF, heavy_only).karya_satya_due == ["201"]


def test_award_candidates_and_promotion_readiness() -> None:
    good_two_years = standing(date(2010, 1, 1), annual={2025: 2, 2026: 1})
    found = eligibility(good_two_years, 2026, AS_OF, POLICY)
    assert (found.performance_award_candidate, found.promotion_ready) == (True, True)
    one_good_year = eligibility(standing(date(2010, 1, 1), annual={2025: 3, 2026: 2}), 2026, AS_OF, POLICY)
    assert (one_good_year.performance_award_candidate, one_good_year.promotion_ready) == (True, False)
    light_in_force = standing(
        date(2010, 1, 1), annual={2025: 2, 2026: 2}, penalties=[penalty("R", "2026-05-01", "2026-07-31")]
    )
    found = eligibility(light_in_force, 2026, AS_OF, POLICY)
    assert (found.performance_award_candidate, found.promotion_ready) == (False, True)  # light bars awards only
    heavy_in_force = standing(date(2010, 1, 1), annual={2025: 2, 2026: 2}, penalties=[penalty("B", "2026-01-01")])
    assert not eligibility(heavy_in_force, 2026, AS_OF, POLICY).promotion_ready


def test_the_last_predikat_is_the_years_annual_one_else_the_year_befores() -> None:
    both = eligibility(standing(date(2010, 1, 1), annual={2025: 3, 2026: 1}), 2026, AS_OF, POLICY)
    assert (both.last_predikat, both.last_predikat_year) == (1, 2026)
    before = eligibility(standing(date(2010, 1, 1), annual={2025: 4}), 2026, AS_OF, POLICY)
    assert (before.last_predikat, before.last_predikat_year) == (4, 2025)
    none = eligibility(standing(date(2010, 1, 1)), 2026, AS_OF, POLICY)
    assert (none.last_predikat, none.last_predikat_year) == (None, None)


def weak(period_end: date, trained: date | None) -> WeakEvaluation:
    return WeakEvaluation("198503122010011002", "Rina", "DINKES", "ev-1", "Q1", period_end, 3, trained)


def test_weak_performers_need_development_within_six_months() -> None:
    in_time = weak_follow_up(weak(date(2026, 3, 31), date(2026, 8, 15)), date(2026, 12, 1), POLICY)
    assert (in_time.follow_up_due_by, in_time.developed_on, in_time.overdue) == (
        date(2026, 9, 30),
        date(2026, 8, 15),
        False,
    )
    too_late = weak_follow_up(weak(date(2026, 3, 31), date(2026, 11, 1)), date(2026, 12, 1), POLICY)
    assert (too_late.developed_on, too_late.overdue) == (None, True)
    not_yet_due = weak_follow_up(weak(date(2026, 3, 31), None), date(2026, 7, 1), POLICY)
    assert not not_yet_due.overdue
    month_end = weak_follow_up(weak(date(2026, 8, 31), None), date(2026, 7, 1), POLICY)
    assert month_end.follow_up_due_by == date(2027, 2, 28)
