"""Rewards: Karya Satya by years and clean record; performance awards by predikat; penalties."""

from datetime import date
from typing import Any

import pytest

from domain.civil_servant import CivilServant
from domain.errors import RuleViolation
from domain.policy import bundled_policy
from tests.builders import origin, registered, start_date_of, unique_nip

POLICY = bundled_policy()


def grant(servant: CivilServant, code: str, on: date, basis: list[str] | None = None) -> None:
    servant.grant_reward(
        POLICY, origin(), reward_code=code, basis_evaluation_ids=basis or [], proposal_id=None,
        decree_number=f"SK-{code}-{on.isoformat()}", decree_date=on,
    )  # fmt: skip


def penalise(servant: CivilServant, case_id: str, code: str, level: str, starts: date, ends: date | None) -> None:
    servant.open_disciplinary_case(origin(), case_id=case_id, opened_on=starts, allegation="absent", complaint_id=None)
    servant.impose_penalty(
        origin(), case_id=case_id, penalty_code=code, level=level, decree_number=f"SK-{case_id}",
        decree_date=starts, starts_on=starts, ends_on=ends,
    )  # fmt: skip


def evaluate(servant: CivilServant, evaluation_id: str, predikat: int, **cell: Any) -> None:
    ratings = {1: (1, 1), 2: (2, 2), 3: (3, 1), 4: (2, 3), 5: (3, 3)}[predikat]
    servant.evaluate_performance(
        POLICY, origin(), evaluation_id=evaluation_id, year=2025, period=f"Q{1 + len(servant.evaluations)}",
        work_result=ratings[0], behaviour=ratings[1], predikat=predikat, appraiser_nip=unique_nip(),
    )  # fmt: skip


def tenth_anniversary(servant: CivilServant) -> date:
    start = start_date_of(servant.nip)
    return start.replace(year=start.year + 10)


def test_karya_satya_10_on_the_tenth_anniversary_of_service() -> None:
    servant = registered()
    grant(servant, "201", tenth_anniversary(servant))
    assert "201" in servant.rewards_granted


def test_karya_satya_10_a_day_early_is_refused() -> None:
    servant = registered()
    day_before = date.fromordinal(tenth_anniversary(servant).toordinal() - 1)
    with pytest.raises(RuleViolation, match="needs 10 years of service since TMT; 9"):
        grant(servant, "201", day_before)


def test_each_karya_satya_class_once() -> None:
    servant = registered()
    grant(servant, "201", tenth_anniversary(servant))
    with pytest.raises(RuleViolation, match="each class once"):
        grant(servant, "201", date(2026, 1, 1))


@pytest.mark.parametrize(("code", "level", "barred"), [("2", "R", False), ("23", "S", True), ("9", "B", True)])
def test_karya_satya_is_barred_by_any_medium_or_heavy_penalty(code: str, level: str, barred: bool) -> None:
    servant = registered()
    start = start_date_of(servant.nip)
    penalise(servant, "case-1", code, level, start.replace(year=start.year + 1), start.replace(year=start.year + 2))
    if barred:
        with pytest.raises(RuleViolation, match="medium or heavy disciplinary penalty"):
            grant(servant, "201", tenth_anniversary(servant))
    else:
        grant(servant, "201", tenth_anniversary(servant))


def test_an_annulled_penalty_bars_nothing() -> None:
    servant = registered()
    start = start_date_of(servant.nip)
    penalise(servant, "case-1", "23", "S", start.replace(year=start.year + 1), None)
    servant.annul_penalty(
        origin(), case_id="case-1", annulled_on=date(2026, 1, 1), reason="banding", decree_number="SK-9"
    )
    grant(servant, "201", tenth_anniversary(servant))


def test_a_performance_award_rests_on_good_enough_evaluations() -> None:
    servant = registered()
    evaluate(servant, "ev-good", 2)
    evaluate(servant, "ev-weak", 3)
    grant(servant, "306", date(2026, 2, 1), basis=["ev-good"])
    with pytest.raises(RuleViolation, match=r"ev-weak is Butuh Perbaikan; policy 2026\.1 needs Baik or better"):
        grant(servant, "307", date(2026, 2, 1), basis=["ev-good", "ev-weak"])
    with pytest.raises(RuleViolation, match="must cite the evaluation"):
        grant(servant, "307", date(2026, 2, 1), basis=[])
    with pytest.raises(RuleViolation, match="not in this employee's record"):
        grant(servant, "307", date(2026, 2, 1), basis=["ev-elsewhere"])


def test_no_performance_award_while_a_penalty_is_in_force() -> None:
    servant = registered()
    evaluate(servant, "ev-good", 1)
    penalise(servant, "case-1", "2", "R", date(2026, 1, 1), date(2026, 6, 30))
    with pytest.raises(RuleViolation, match="in force on 2026-03-01"):
        grant(servant, "306", date(2026, 3, 1), basis=["ev-good"])
    grant(servant, "306", date(2026, 7, 1), basis=["ev-good"])


def test_a_superseded_evaluation_is_no_basis() -> None:
    servant = registered()
    evaluate(servant, "ev-1", 2)
    servant.correct_evaluation(
        POLICY, origin(), evaluation_id="ev-1b", supersedes="ev-1", work_result=2, behaviour=2, predikat=2,
        appraiser_nip=unique_nip(), reason="recount",
    )  # fmt: skip
    with pytest.raises(RuleViolation, match="superseded by ev-1b"):
        grant(servant, "306", date(2026, 3, 1), basis=["ev-1"])
    grant(servant, "306", date(2026, 3, 1), basis=["ev-1b"])


def test_a_penalty_needs_an_open_case_and_an_annulment_a_penalty() -> None:
    servant = registered()
    with pytest.raises(RuleViolation, match="open it first"):
        servant.impose_penalty(
            origin(), case_id="nope", penalty_code="2", level="R", decree_number="SK", decree_date=date(2026, 1, 1),
            starts_on=date(2026, 1, 1), ends_on=None,
        )  # fmt: skip
    with pytest.raises(RuleViolation, match="no penalty in force to annul"):
        servant.annul_penalty(origin(), case_id="nope", annulled_on=date(2026, 1, 1), reason="x", decree_number="SK")
    servant.open_disciplinary_case(origin(), case_id="c", opened_on=date(2026, 1, 1), allegation="x", complaint_id=None)
    with pytest.raises(RuleViolation, match="already open"):
        servant.open_disciplinary_case(
            origin(), case_id="c", opened_on=date(2026, 1, 1), allegation="x", complaint_id=None
        )
    with pytest.raises(RuleViolation, match="ends_on 2025-12-31 is before starts_on"):
        servant.impose_penalty(
            origin(), case_id="c", penalty_code="2", level="R", decree_number="SK", decree_date=date(2026, 1, 1),
            starts_on=date(2026, 1, 1), ends_on=date(2025, 12, 31),
        )  # fmt: skip


def test_a_reward_proposal_cites_known_evaluations() -> None:
    servant = registered()
    evaluate(servant, "ev-1", 2)
    servant.propose_reward(
        origin(), proposal_id="p-1", reward_code="306", basis_evaluation_ids=["ev-1"], proposed_on=date(2026, 1, 5)
    )
    with pytest.raises(RuleViolation, match="already recorded"):
        servant.propose_reward(
            origin(), proposal_id="p-1", reward_code="306", basis_evaluation_ids=[], proposed_on=date(2026, 1, 5)
        )
    with pytest.raises(RuleViolation, match="not in this record"):
        servant.propose_reward(
            origin(), proposal_id="p-2", reward_code="306", basis_evaluation_ids=["x"], proposed_on=date(2026, 1, 5)
        )
