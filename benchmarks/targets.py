"""Issue 6's targets, judged against a run's JSON document: reported pass or fail, never asserted.

A benchmark that fails the build on a slow shared machine teaches people to ignore it; the run
states each target, the value found and the verdict, and the numbers speak for themselves.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from benchmarks.results import SERVICES, lookup
from benchmarks.stats import is_not_measured


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    FAIL = "fail"
    NOT_MEASURED = "not measured"


@dataclass(frozen=True)
class Target:
    """``key`` (a dotted path in the document) compared with ``threshold``."""

    key: str
    label: str
    at_least: bool
    threshold: float
    unit: str
    strict: bool = False
    """Below, not at most (memory: "< 300 MB")."""

    @property
    def text(self) -> str:
        sign = ">=" if self.at_least else "<" if self.strict else "<="
        return f"{sign} {self.threshold:g}{self.unit}"

    def judge(self, value: Any) -> Verdict:
        if is_not_measured(value) or isinstance(value, bool) or not isinstance(value, int | float):
            return Verdict.NOT_MEASURED
        compare: Callable[[float, float], bool] = operator.ge
        if not self.at_least:
            compare = operator.lt if self.strict else operator.le
        return Verdict.PASS if compare(float(value), self.threshold) else Verdict.FAIL


TARGETS = (
    Target("ratios.end_to_end_vs_executemany", "end to end / raw executemany", True, 0.20, "x"),
    Target("ratios.end_to_end_vs_naive", "end to end / naive", True, 10.0, "x"),
    Target("ratios.ingest_vs_executemany", "ingest / raw executemany", True, 0.30, "x"),
    Target("ratios.relay_vs_publish", "relay / raw publish", True, 0.50, "x"),
    Target("ratios.rebuild_vs_executemany", "rebuild / raw executemany", True, 0.50, "x"),
    Target("latency_ms.publish_to_visible.p99", "publish → visible p99", False, 250.0, " ms"),
    Target("api_ms.dossier.p99", "API dossier p99", False, 30.0, " ms"),
    Target("api_ms.opd_report.p99", "API OPD report p99", False, 100.0, " ms"),
    Target("growth.max_degradation_pct", "growth: per-event cost", False, 20.0, " %"),
    *(Target(f"rss_mb.{service}", f"peak RSS {service}", False, 300.0, " MB", strict=True) for service in SERVICES),
)


@dataclass(frozen=True)
class Judged:
    target: Target
    value: Any
    verdict: Verdict

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.target.key,
            "label": self.target.label,
            "target": self.target.text.strip(),
            "value": self.value,
            "verdict": self.verdict.value,
        }


def judge_all(doc: dict[str, Any]) -> list[Judged]:
    """Every target against ``doc``; a key the document lacks is judged not measured."""
    judged = []
    for target in TARGETS:
        try:
            value = lookup(doc, target.key)
        except KeyError:
            value = None
        judged.append(Judged(target, value, target.judge(value)))
    return judged
