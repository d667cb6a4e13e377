"""Rewards (penghargaan): Satyalancana Karya Satya and performance-based awards.

Thresholds (years of service, disqualifying penalty levels, minimum predikat) come from the policy.
"""

from collections.abc import Iterable
from datetime import date

from domain.discipline import Penalty
from domain.employment import full_years_between
from domain.errors import RuleViolation
from domain.performance import PREDIKAT_NAMES, Evaluation
from domain.policy import Policy


def check_reward(
    policy: Policy,
    code: str,
    *,
    basis: list[str],
    decided_on: date,
    start_date: date,
    evaluations: dict[str, Evaluation],
    penalties: Iterable[Penalty],
    granted: set[str],
) -> None:
    """Apply the rule of the reward's family; other rewards need only their cited basis to exist."""
    _check_basis_exists(basis, evaluations)
    if code in policy.karya_satya_years:
        _check_karya_satya(policy, code, decided_on, start_date, list(penalties), granted)
    elif code in policy.performance_reward_codes:
        _check_performance(policy, basis, decided_on, evaluations, list(penalties))


def _check_basis_exists(basis: list[str], evaluations: dict[str, Evaluation]) -> None:
    unknown = [evaluation_id for evaluation_id in basis if evaluation_id not in evaluations]
    if unknown:
        raise RuleViolation("basis-unknown", f"basis evaluation(s) {', '.join(unknown)} not in this employee's record")


def _check_karya_satya(
    policy: Policy, code: str, decided_on: date, start_date: date, penalties: list[Penalty], granted: set[str]
) -> None:
    if code in granted:
        raise RuleViolation("reward-already-granted", f"Karya Satya {code} was already granted; each class once")
    required = policy.karya_satya_years[code]
    served = full_years_between(start_date, decided_on)
    if served < required:
        raise RuleViolation(
            "karya-satya-service-too-short",
            f"Karya Satya {code} needs {required} years of service since TMT; {served} on {decided_on.isoformat()}",
        )
    disqualifying = [p for p in penalties if not p.annulled and p.level in policy.karya_satya_disqualifying_levels]
    if disqualifying:
        raise RuleViolation(
            "karya-satya-penalised",
            f"Karya Satya is barred by a medium or heavy disciplinary penalty (case {disqualifying[0].case_id})",
        )


def _check_performance(
    policy: Policy,
    basis: list[str],
    decided_on: date,
    evaluations: dict[str, Evaluation],
    penalties: list[Penalty],
) -> None:
    if not basis:
        raise RuleViolation("basis-missing", "a performance reward must cite the evaluation(s) it rests on")
    threshold = policy.performance_reward_min_predikat
    for evaluation_id in basis:
        evaluation = evaluations[evaluation_id]
        if evaluation.superseded_by is not None:
            raise RuleViolation(
                "basis-superseded", f"evaluation {evaluation_id} was superseded by {evaluation.superseded_by}"
            )
        if evaluation.predikat > threshold:
            raise RuleViolation(
                "basis-predikat-too-low",
                f"evaluation {evaluation_id} is {PREDIKAT_NAMES[evaluation.predikat]}; "
                f"policy {policy.version} needs {PREDIKAT_NAMES[threshold]} or better",
            )
    active = [p for p in penalties if p.active_on(decided_on)]
    if active:
        raise RuleViolation(
            "penalty-active",
            f"a disciplinary penalty (case {active[0].case_id}) is in force on {decided_on.isoformat()}",
        )
