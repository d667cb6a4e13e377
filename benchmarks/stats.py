"""Medians, spreads and percentiles: the statistics every figure of the benchmark is reported with.

Kept free of I/O so the unit tests check exactly what the harness prints.
"""

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

NOT_MEASURED = "not measured"
"""Prefix of every value the run could not measure; it is always followed by the reason, never by a number."""


def not_measured(reason: str) -> str:
    """The explicit marker for a figure that has no honest number (yet), with why."""
    return f"{NOT_MEASURED}: {reason}"


def is_not_measured(value: object) -> bool:
    return isinstance(value, str) and value.startswith(NOT_MEASURED)


@dataclass(frozen=True)
class Summary:
    """A figure measured ``n`` times: its median and its spread (min, max)."""

    median: float
    low: float
    high: float
    n: int

    @property
    def spread_pct(self) -> float:
        """(max - min) / median, in percent: how much to trust the median."""
        return 0.0 if self.median == 0 else (self.high - self.low) / self.median * 100.0

    def as_json(self) -> dict[str, Any]:
        return {"median": self.median, "min": self.low, "max": self.high, "n": self.n}


def summarize(values: Sequence[float]) -> Summary:
    """Median and min/max of the repeats; raises on no values (a figure without repeats is not measured)."""
    if not values:
        raise ValueError("no values to summarize")
    return Summary(statistics.median(values), min(values), max(values), len(values))


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile by the nearest-rank method: always one of the observed values.

    Nearest rank rather than interpolation, so a p99 of 100 latencies is the worst-but-one, an
    observed latency, and not a value no request ever had.
    """
    if not values:
        raise ValueError("no values")
    if not 0 < pct <= 100:
        raise ValueError("pct must be in (0, 100]")
    ordered = sorted(values)
    rank = math.ceil(pct / 100.0 * len(ordered))
    return ordered[max(rank, 1) - 1]


def rate(items: int, seconds: float) -> float:
    """Items per second; a zero or negative duration means the clock could not see it (not a rate)."""
    if seconds <= 0:
        raise ValueError(f"cannot make a rate of {items} items in {seconds} s")
    return items / seconds


def ratio(numerator: object, denominator: object) -> float | str:
    """numerator / denominator of two medians, or the not-measured marker naming which side is missing."""
    if is_not_measured(numerator) or numerator is None:
        return not_measured("the numerator was not measured")
    if is_not_measured(denominator) or denominator is None:
        return not_measured("the denominator was not measured")
    if not isinstance(numerator, int | float) or not isinstance(denominator, int | float):
        raise TypeError(f"not numbers: {numerator!r}, {denominator!r}")
    if denominator == 0:
        return not_measured("the denominator is zero")
    return float(numerator) / float(denominator)
