"""Evaluations: the predikat matrix cell by cell, self-appraisal, one per period, corrections."""

import itertools
from typing import Any

import pytest

from domain.civil_servant import CivilServant
from domain.errors import RuleViolation
from domain.policy import bundled_policy
from tests.builders import origin, registered, unique_nip

POLICY = bundled_policy()
APPRAISER = unique_nip()

# DOMAIN.md, PermenPANRB 6/2022: rows work result, columns behaviour (1 above, 2 as expected, 3 below).
MATRIX = {
    (1, 1): 1, (1, 2): 2, (1, 3): 4,
    (2, 1): 2, (2, 2): 2, (2, 3): 4,
    (3, 1): 3, (3, 2): 3, (3, 3): 5,
}  # fmt: skip


def evaluation(**changes: Any) -> dict[str, Any]:
    fields = {
        "evaluation_id": f"ev-{unique_nip()}", "year": 2025, "period": "annual", "work_result": 2,
        "behaviour": 2, "predikat": 2, "appraiser_nip": APPRAISER,
    }  # fmt: skip
    return {**fields, **changes}


def evaluated(servant: CivilServant, **changes: Any) -> str:
    fields = evaluation(**changes)
    servant.evaluate_performance(POLICY, origin(), **fields)
    return str(fields["evaluation_id"])


@pytest.mark.parametrize(("cell", "predikat"), sorted(MATRIX.items()))
def test_each_cell_of_the_matrix_is_accepted(cell: tuple[int, int], predikat: int) -> None:
    servant = registered()
    evaluated(servant, work_result=cell[0], behaviour=cell[1], predikat=predikat)
    assert next(iter(servant.evaluations.values())).predikat == predikat


@pytest.mark.parametrize(
    ("cell", "stated"),
    [(cell, stated) for cell, stated in itertools.product(sorted(MATRIX), range(1, 6)) if MATRIX[cell] != stated],
)
def test_a_predikat_the_matrix_does_not_give_is_refused(cell: tuple[int, int], stated: int) -> None:
    servant = registered()
    with pytest.raises(RuleViolation, match=r"disagrees with the matrix of policy 2026\.1") as caught:
        evaluated(servant, work_result=cell[0], behaviour=cell[1], predikat=stated)
    assert caught.value.rule == "predikat-mismatch"


def test_the_matrix_is_not_the_worse_of_the_two_ratings() -> None:
    assert POLICY.predikat_for(1, 3) == 4  # max() would say 3
    assert POLICY.predikat_for(3, 1) == 3


def test_nobody_appraises_themselves() -> None:
    servant = registered()
    with pytest.raises(RuleViolation, match="may not be the appraised"):
        evaluated(servant, appraiser_nip=servant.nip)
    with pytest.raises(RuleViolation, match="may not be the appraised"):
        servant.set_performance_plan(
            origin(), year=2026, period_kind="quarterly", appraiser_nip=servant.nip, appraiser_superior_nip=None
        )


def test_one_evaluation_per_period() -> None:
    servant = registered()
    evaluated(servant, period="Q1")
    evaluated(servant, period="Q2")
    with pytest.raises(RuleViolation, match="Q1 2025 is already evaluated"):
        evaluated(servant, period="Q1")
    evaluated(servant, period="Q1", year=2026)


def test_a_period_must_be_named_properly() -> None:
    with pytest.raises(RuleViolation, match="annual, Q1-Q4 or M01-M12"):
        evaluated(registered(), period="Q5")


def test_a_correction_supersedes_the_evaluation_in_force() -> None:
    servant = registered()
    first = evaluated(servant, work_result=2, behaviour=3, predikat=4)
    servant.correct_evaluation(
        POLICY, origin(), evaluation_id="ev-corrected", supersedes=first, work_result=2, behaviour=2, predikat=2,
        appraiser_nip=APPRAISER, reason="keberatan dikabulkan (objection upheld)",
    )  # fmt: skip
    assert servant.evaluations[first].superseded_by == "ev-corrected"
    corrected = servant.evaluations["ev-corrected"]
    assert (corrected.year, corrected.period, corrected.predikat) == (2025, "annual", 2)
    evaluated_again = servant.collect_events()[-1]
    assert evaluated_again.policy_version == "2026.1"  # type: ignore[attr-defined]


@pytest.mark.parametrize("supersedes", ["no-such-evaluation", "superseded"])
def test_a_correction_must_name_an_evaluation_in_force(supersedes: str) -> None:
    servant = registered()
    first = evaluated(servant)
    correction = {
        "supersedes": first, "work_result": 2, "behaviour": 2, "predikat": 2, "appraiser_nip": APPRAISER,
        "reason": "typo",
    }  # fmt: skip
    servant.correct_evaluation(POLICY, origin(), evaluation_id="c-1", **correction)
    target = first if supersedes == "superseded" else supersedes
    with pytest.raises(RuleViolation, match=r"already superseded|no evaluation"):
        servant.correct_evaluation(POLICY, origin(), evaluation_id="c-2", **{**correction, "supersedes": target})


def test_a_correction_obeys_the_matrix_too() -> None:
    servant = registered()
    first = evaluated(servant)
    with pytest.raises(RuleViolation, match="disagrees with the matrix"):
        servant.correct_evaluation(
            POLICY, origin(), evaluation_id="c-1", supersedes=first, work_result=1, behaviour=1, predikat=2,
            appraiser_nip=APPRAISER, reason="typo",
        )  # fmt: skip


def test_a_plan_names_its_appraiser_for_the_year() -> None:
    servant = registered()
    servant.set_performance_plan(
        origin(), year=2026, period_kind="quarterly", appraiser_nip=APPRAISER, appraiser_superior_nip=None
    )
    assert servant.plans == {2026: APPRAISER}
