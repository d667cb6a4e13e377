"""What one benchmark run found: every figure with its repeats, and the JSON document made of them.

The document's top-level keys (``ratios``, ``latency_ms``, ``api_ms``, ``growth``, ``rss_mb``)
are what issue 6 asks for; every value there is a number or the explicit not-measured marker.
"""

from dataclasses import dataclass, field
from typing import Any

from benchmarks.stats import is_not_measured, not_measured, ratio, summarize

SCHEMA = "jejak-bench/1"

SERVICES = ("ingest", "relay", "projections", "api")
"""The services whose peak RSS is reported (each runs as its own ``jejak run`` process)."""


@dataclass
class Figure:
    """One measured quantity: its repeats, or why it has none."""

    key: str
    label: str
    unit: str
    values: list[float] = field(default_factory=list)
    missing: str | None = None
    """Why it was not measured; takes precedence over partial values."""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> float | str:
        """The median of the repeats, or the not-measured marker."""
        if self.missing is not None:
            return not_measured(self.missing)
        if not self.values:
            return not_measured("no repeat completed")
        return summarize(self.values).median

    def as_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"label": self.label, "unit": self.unit, "values": self.values, **self.detail}
        if isinstance(self.value, str):
            return {**shown, "median": self.value}
        return {**shown, **summarize(self.values).as_json()}


@dataclass
class Results:
    """Everything measured in one run, keyed by figure; filled stage by stage."""

    figures: dict[str, Figure] = field(default_factory=dict)
    latency: dict[str, Any] = field(default_factory=dict)
    api: dict[str, dict[str, Any]] = field(default_factory=dict)
    growth: dict[str, Any] = field(default_factory=dict)
    rss_mb: dict[str, list[float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def figure(self, key: str, label: str, unit: str) -> Figure:
        """The figure ``key``, created on first use."""
        return self.figures.setdefault(key, Figure(key, label, unit))

    def add(self, key: str, label: str, unit: str, value: float) -> None:
        self.figure(key, label, unit).values.append(value)

    def miss(self, key: str, label: str, unit: str, reason: str) -> None:
        """Record that ``key`` could not be measured in this run; the first reason is kept."""
        found = self.figure(key, label, unit)
        found.missing = found.missing or reason

    def median(self, key: str) -> float | str:
        found = self.figures.get(key)
        return not_measured(f"{key} was not run") if found is None else found.value


def ratios_of(results: Results) -> dict[str, float | str]:
    """Jejak against the physical baselines and the naive reference, from the medians."""
    m = results.median
    return {
        "end_to_end_vs_executemany": ratio(m("jejak.end_to_end"), m("baseline.pg_executemany")),
        "end_to_end_vs_naive": ratio(m("jejak.end_to_end"), m("naive.end_to_end")),
        "ingest_vs_executemany": ratio(m("jejak.ingest"), m("baseline.pg_executemany")),
        "relay_vs_publish": ratio(m("jejak.relay"), m("baseline.js_publish")),
        "projections_vs_executemany": ratio(m("jejak.projections"), m("baseline.pg_executemany")),
        "rebuild_vs_executemany": ratio(m("jejak.rebuild"), m("baseline.pg_executemany")),
    }


def rss_of(results: Results) -> dict[str, float | str]:
    """Peak RSS per service, the largest over the repeats (a limit is about the worst case)."""
    return {
        service: max(results.rss_mb[service]) if results.rss_mb.get(service) else not_measured("service not run")
        for service in SERVICES
    }


def api_of(results: Results) -> dict[str, dict[str, Any]]:
    missing = not_measured("the API load was not run")
    shown = {name: {"p50": missing, "p99": missing} for name in ("dossier", "opd_report")}
    shown.update(results.api)
    return shown


def latency_of(results: Results) -> dict[str, Any]:
    missing = not_measured("the latency run was not made")
    return {"publish_to_visible": {"p50": missing, "p95": missing, "p99": missing, **results.latency}}


def growth_of(results: Results) -> dict[str, Any]:
    return {"max_degradation_pct": not_measured("no growth size was measured"), **results.growth}


def document(results: Results, *, run: dict[str, Any], machine: dict[str, Any]) -> dict[str, Any]:
    """The JSON written to ``benchmarks/results/``: summary keys first, every figure after."""
    return {
        "schema": SCHEMA,
        "run": run,
        "machine": machine,
        "ratios": ratios_of(results),
        "latency_ms": latency_of(results),
        "api_ms": api_of(results),
        "growth": growth_of(results),
        "rss_mb": rss_of(results),
        "figures": {key: figure.as_json() for key, figure in results.figures.items()},
        "notes": results.notes,
    }


REQUIRED_KEYS = (
    "ratios.end_to_end_vs_executemany",
    "ratios.end_to_end_vs_naive",
    "ratios.ingest_vs_executemany",
    "ratios.relay_vs_publish",
    "ratios.rebuild_vs_executemany",
    "latency_ms.publish_to_visible.p99",
    "api_ms.dossier.p99",
    "api_ms.opd_report.p99",
    "growth.max_degradation_pct",
    *(f"rss_mb.{service}" for service in SERVICES),
)
"""The keys issue 6 names for ``latest.json``; each holds a number or the not-measured marker."""


def lookup(doc: dict[str, Any], dotted: str) -> Any:
    """``doc["a"]["b"]`` for ``"a.b"``; KeyError names the missing path."""
    found: Any = doc
    for part in dotted.split("."):
        if not isinstance(found, dict) or part not in found:
            raise KeyError(dotted)
        found = found[part]
    return found


def shape_errors(doc: dict[str, Any]) -> list[str]:
    """Required keys that are missing or hold neither a number nor the not-measured marker."""
    errors = []
    for key in REQUIRED_KEYS:
        try:
            value = lookup(doc, key)
        except KeyError:
            errors.append(f"{key}: missing")
            continue
        if not (isinstance(value, int | float) and not isinstance(value, bool)) and not is_not_measured(value):
            errors.append(f"{key}: {value!r} is neither a number nor a not-measured marker")
    return errors
