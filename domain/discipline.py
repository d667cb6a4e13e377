"""Discipline (PP 94/2021): cases, penalties by level, annulments, and what counts as active.

Levels follow SIASN ``jenisTingkatHukumanId``: R light (ringan), S medium (sedang), B heavy (berat).
"""

from dataclasses import dataclass
from datetime import date

from domain.errors import RuleViolation


@dataclass
class Penalty:
    """A penalty imposed in a case; annulled penalties never count."""

    case_id: str
    code: str
    level: str
    starts_on: date
    ends_on: date | None
    annulled: bool = False

    def active_on(self, day: date) -> bool:
        return not self.annulled and self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


def check_case_new(cases: set[str], case_id: str) -> None:
    if case_id in cases:
        raise RuleViolation("case-exists", f"disciplinary case {case_id!r} is already open")


def check_case_open(cases: set[str], penalties: dict[str, Penalty], case_id: str) -> None:
    if case_id not in cases:
        raise RuleViolation("case-unknown", f"no disciplinary case {case_id!r}: open it first")
    if case_id in penalties and not penalties[case_id].annulled:
        raise RuleViolation("penalty-exists", f"case {case_id!r} already has a penalty; annul it first")


def annullable(penalties: dict[str, Penalty], case_id: str) -> Penalty:
    penalty = penalties.get(case_id)
    if penalty is None or penalty.annulled:
        raise RuleViolation("no-penalty-to-annul", f"case {case_id!r} has no penalty in force to annul")
    return penalty


def check_penalty_dates(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise RuleViolation(
            "end-before-start", f"ends_on {ends_on.isoformat()} is before starts_on {starts_on.isoformat()}"
        )
