"""The versioned policy: targets, thresholds and conversion rules read from a TOML file, not code.

Every figure the domain derives (recognised JP, the predikat a matrix gives, an eligibility)
records ``Policy.version``, so a stored figure can always be explained by the rule that made it.
"""

import tomllib
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from functools import cached_property
from importlib.resources import files
from typing import Any, Literal

from domain.errors import RuleViolation

Scale = Literal["national", "international"]
DEFAULT_POLICY = "2026.1"


@dataclass(frozen=True)
class JpRule:
    """How one kind of activity becomes recognised JP."""

    rule: Literal["hours", "per-day", "stated"]
    national: Decimal = Decimal(0)
    international: Decimal = Decimal(0)


@dataclass(frozen=True)
class Policy:
    """One version of the city's rules."""

    version: str
    effective_from: date
    jp_target: dict[str, Decimal]
    minutes_per_jp: Decimal
    jp_rules: dict[str, JpRule]
    predikat_matrix: tuple[tuple[int, ...], ...]
    karya_satya_years: dict[str, int]
    karya_satya_disqualifying_levels: frozenset[str]
    performance_reward_codes: frozenset[str]
    performance_reward_min_predikat: int
    complaint_verification_days: int = 3
    complaint_follow_up_days: int = 5
    complaint_closure_days: dict[str, int] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    guideline_max_sangat_baik: dict[str, float] = field(default_factory=dict)
    evaluation_due_days: int = 30
    weak_follow_up_months: int = 6
    future_tolerance: timedelta = timedelta(days=1)
    """How far after its receipt a reported date may lie (clocks and time zones differ); later is refused."""
    public_minimum_cell: int = 5
    """Public aggregates withhold a unit's figures when they are about fewer people (or cases) than this."""

    @classmethod
    def from_toml(cls, text: str) -> "Policy":
        raw = tomllib.loads(text)
        competency, performance, rewards = raw["competency"], raw["performance"], raw["rewards"]
        matrix = tuple(tuple(int(cell) for cell in row) for row in performance["predikat_matrix"])
        if len(matrix) != 3 or any(len(row) != 3 for row in matrix):
            raise ValueError("performance.predikat_matrix must be 3 rows of 3 predikat codes")
        return cls(
            version=str(raw["version"]),
            effective_from=raw["effective_from"],
            jp_target={kind: Decimal(str(v)) for kind, v in competency["jp_target"].items()},
            minutes_per_jp=Decimal(str(competency["minutes_per_jp"])),
            jp_rules={code: _jp_rule(spec) for code, spec in competency["conversion"].items()},
            predikat_matrix=matrix,
            karya_satya_years={code: int(v) for code, v in rewards["karya_satya_years"].items()},
            karya_satya_disqualifying_levels=frozenset(rewards["karya_satya_disqualifying_levels"]),
            performance_reward_codes=frozenset(rewards["performance_reward_codes"]),
            performance_reward_min_predikat=int(rewards["performance_reward_min_predikat"]),
            guideline_max_sangat_baik={
                k: float(v) for k, v in performance.get("guideline_max_sangat_baik", {}).items()
            },
            evaluation_due_days=int(performance.get("evaluation_due_days", 30)),
            weak_follow_up_months=int(performance.get("weak_follow_up_months", 6)),
            future_tolerance=timedelta(hours=float(raw.get("intake", {}).get("future_tolerance_hours", 24))),
            public_minimum_cell=max(1, int(raw.get("disclosure", {}).get("public_minimum_cell", 5))),
            **_complaint_rules(raw),
        )

    def working_days_after(self, start: date, days: int) -> date:
        """The date ``days`` working days after ``start`` (weekends and the policy's holidays skipped)."""
        current, left = start, days
        while left > 0:
            current += timedelta(days=1)
            if current.weekday() < 5 and current not in self.holidays:
                left -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not later).

        Counted, not walked: whole weeks give five each, the few days left are looked at, and the
        holidays on weekdays in between are subtracted, so a far ``end`` (a report asked as of
        9999) costs what a near one does.
        """
        if end <= start:
            return 0
        weeks, left = divmod((end - start).days, 7)
        tail = sum((start + timedelta(days=7 * weeks + n)).weekday() < 5 for n in range(1, left + 1))
        weekday_holidays = self._weekday_holidays
        off = bisect_right(weekday_holidays, end) - bisect_right(weekday_holidays, start)
        return 5 * weeks + tail - off

    @cached_property
    def _weekday_holidays(self) -> tuple[date, ...]:
        """The holidays that fall on a weekday, in order (weekends are not working days anyway)."""
        return tuple(sorted(day for day in self.holidays if day.weekday() < 5))

    def predikat_for(self, work_result: int, behaviour: int) -> int:
        """The matrix cell: rows are the work-result rating, columns the behaviour rating (1-3)."""
        return self.predikat_matrix[work_result - 1][behaviour - 1]

    def recognised_jp(
        self, kind: str, *, hours: Decimal | None, days: Decimal | None, scale: Scale, stated: Decimal | None
    ) -> Decimal:
        """Recognised JP of one activity by this policy's conversion rule for its kind."""
        rule = self.jp_rules.get(kind, self.jp_rules["default"])
        if rule.rule == "stated":
            if stated is None:
                raise RuleViolation("jp-not-stated", f"training kind {kind} counts its own JP: give stated_jp")
            return stated
        if rule.rule == "per-day":
            if days is None:
                raise RuleViolation("days-missing", f"training kind {kind} is counted per day: give days")
            return days * (rule.national if scale == "national" else rule.international)
        if hours is None:
            raise RuleViolation("hours-missing", f"training kind {kind} is counted by its hours: give hours")
        return _half_jp(hours * 60 / self.minutes_per_jp)


def _complaint_rules(raw: dict[str, Any]) -> dict[str, Any]:
    complaints = raw.get("complaints", {})
    return {
        "complaint_verification_days": int(complaints.get("verification_days", 3)),
        "complaint_follow_up_days": int(complaints.get("follow_up_days", 5)),
        "complaint_closure_days": {k: int(v) for k, v in complaints.get("closure_days", {}).items()},
        "holidays": frozenset(raw.get("calendar", {}).get("holidays", [])),
    }


def _jp_rule(spec: dict[str, Any]) -> JpRule:
    return JpRule(
        rule=spec["rule"],
        national=Decimal(str(spec.get("national", 0))),
        international=Decimal(str(spec.get("international", 0))),
    )


def _half_jp(value: Decimal) -> Decimal:
    """Round down to half a JP: a partial lesson hour is not recognised."""
    return (value * 2).to_integral_value(rounding=ROUND_FLOOR) / 2


def bundled_policy(version: str = DEFAULT_POLICY) -> Policy:
    """A policy shipped with Jejak (``domain/policies/<version>.toml``)."""
    return Policy.from_toml(files("domain").joinpath(f"policies/{version}.toml").read_text(encoding="utf-8"))
