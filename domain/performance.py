"""Performance evaluation (PermenPANRB 6/2022): periods, the predikat matrix, corrections.

Ratings are 1 above expectation, 2 as expected, 3 below; predikat codes are 1 Sangat Baik,
2 Baik, 3 Butuh Perbaikan, 4 Kurang, 5 Sangat Kurang (lower is better).
"""

import re
from dataclasses import dataclass
from typing import Any

from domain.errors import RuleViolation
from domain.policy import Policy

PREDIKAT_NAMES = {1: "Sangat Baik", 2: "Baik", 3: "Butuh Perbaikan", 4: "Kurang", 5: "Sangat Kurang"}
_PERIOD = re.compile(r"^(annual|Q[1-4]|M(0[1-9]|1[0-2]))$")


@dataclass
class Evaluation:
    """One evaluation as recorded; ``superseded_by`` names the correction that replaced it."""

    evaluation_id: str
    year: int
    period: str
    predikat: int
    superseded_by: str | None = None


def check_period_name(period: str) -> None:
    if not _PERIOD.match(period):
        raise RuleViolation("period-invalid", f"period {period!r} must be annual, Q1-Q4 or M01-M12")


def check_predikat(policy: Policy, work_result: int, behaviour: int, stated: int) -> None:
    """The stated predikat must be the matrix's, never a sender's own combination."""
    expected = policy.predikat_for(work_result, behaviour)
    if stated != expected:
        raise RuleViolation(
            "predikat-mismatch",
            f"predikat {stated} ({PREDIKAT_NAMES[stated]}) disagrees with the matrix of policy {policy.version}: "
            f"work result {work_result} and behaviour {behaviour} give {expected} ({PREDIKAT_NAMES[expected]})",
        )


def check_not_self_appraised(employee: str, appraiser: str) -> None:
    if employee == appraiser:
        raise RuleViolation("self-appraisal", "the appraiser (pejabat penilai) may not be the appraised employee")


def check_rating(policy: Policy, employee: str, evaluations: dict[str, Evaluation], fields: dict[str, Any]) -> None:
    """What every evaluation and correction must satisfy: another appraiser, the matrix, a new id."""
    check_not_self_appraised(employee, fields["appraiser_nip"])
    check_predikat(policy, fields["work_result"], fields["behaviour"], fields["predikat"])
    check_id_unused(evaluations, fields["evaluation_id"])


def check_period_free(evaluations: dict[str, Evaluation], year: int, period: str) -> None:
    """One evaluation per employee per period; a change is a correction that names what it supersedes."""
    for evaluation in evaluations.values():
        if (evaluation.year, evaluation.period) == (year, period) and evaluation.superseded_by is None:
            raise RuleViolation(
                "period-already-evaluated",
                f"{period} {year} is already evaluated ({evaluation.evaluation_id}); send an evaluation correction",
            )


def check_id_unused(evaluations: dict[str, Evaluation], evaluation_id: str) -> None:
    if evaluation_id in evaluations:
        raise RuleViolation("evaluation-id-reused", f"evaluation_id {evaluation_id!r} is already recorded")


def correctable(evaluations: dict[str, Evaluation], evaluation_id: str) -> Evaluation:
    """The evaluation a correction supersedes: it must exist here and still be in force."""
    evaluation = evaluations.get(evaluation_id)
    if evaluation is None:
        raise RuleViolation("evaluation-unknown", f"no evaluation {evaluation_id!r} in this employee's record")
    if evaluation.superseded_by is not None:
        raise RuleViolation(
            "evaluation-already-superseded",
            f"evaluation {evaluation_id!r} was already superseded by {evaluation.superseded_by!r}; correct that one",
        )
    return evaluation
