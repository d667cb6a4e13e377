"""The benchmark's knobs, with the issue's defaults and the ``--quick`` set that fits in five minutes."""

import argparse
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).parent / "results"


@dataclass(frozen=True)
class BenchConfig:
    employees: int = 2000
    years: int = 10
    seed: int = 2026
    stage_events: int | None = 30_000
    """Submissions per throughput stage: the first N of the city (None: the whole city but the latency part).
    30,000 (about 60,000 stored events) keeps each stage long enough that start-up weighs little, and the
    default run under an hour on two cores; the whole 2,000-employee city (~190,000) took about two hours."""
    repeats: int = 3
    baseline_min_messages: int = 20_000
    latency_rate: float = 1000.0
    latency_seconds: float = 10.0
    api_clients: int = 32
    api_requests: int = 2000
    growth_sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    growth_probe: int = 5000
    """At least this many submissions, about a few people's whole decade, timed on top of each growth size's history
    (the same ones at every size: see growth.py). 5,000 keeps each timed stage several seconds long."""
    growth_repeats: int = 5
    """Timed runs of the probe per growth size, each on a restored copy of the same history (embedded servers)."""
    stage_timeout: float = 3600.0
    fsync: bool = True
    quick: bool = False
    output: Path = RESULTS_DIR

    @property
    def latency_events(self) -> int:
        return max(1, round(self.latency_rate * self.latency_seconds))

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "output": str(self.output), "growth_sizes": list(self.growth_sizes)}


QUICK: dict[str, Any] = {
    "employees": 100,
    "years": 10,
    "stage_events": 4000,
    "repeats": 2,
    "baseline_min_messages": 10_000,
    "latency_seconds": 3.0,
    "api_requests": 1000,
    "growth_sizes": (10_000,),
    "growth_probe": 2000,
    "growth_repeats": 2,
    "stage_timeout": 120.0,
}
"""4,000 submissions per stage (long enough that a stage's start-up does not dominate), two repeats,
3,000 offered for latency, a 10k-event history timed twice: under five minutes (with three timed runs it
took 301 s on a slow phase of the machine)."""


def sizes(text: str) -> tuple[int, ...]:
    """``10k,100k,1M`` -> (10000, 100000, 1000000); ``none`` -> ()."""
    if text.strip().lower() in {"", "none", "0"}:
        return ()
    factor = {"k": 1_000, "m": 1_000_000}
    out = []
    for raw in text.split(","):
        part = raw.strip().lower()
        out.append(int(float(part[:-1]) * factor[part[-1]]) if part[-1] in factor else int(part))
    return tuple(out)


def parse_args(argv: list[str] | None = None) -> BenchConfig:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Jejak's throughput, latency, API, growth and memory against physical baselines and a naive "
        "reference, on fresh embedded servers (or JEJAK_NATS_URL/JEJAK_DATABASE_URL).",
    )
    parser.add_argument("--quick", action="store_true", help="a small city, one repeat: under five minutes")
    parser.add_argument("--employees", type=int)
    parser.add_argument("--years", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument(
        "--stage-events", type=int, help="submissions per throughput stage (default 30,000; 0: the whole city)"
    )
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--latency-rate", type=float, help="offered events per second (default 1000)")
    parser.add_argument("--latency-seconds", type=float, help="how long the load is offered")
    parser.add_argument("--api-requests", type=int, help="requests per API path")
    parser.add_argument("--growth-sizes", type=sizes, help="stored events of history, e.g. 10k,100k,1M or none")
    parser.add_argument("--growth-probe", type=int, help="submissions measured on top of each history")
    parser.add_argument(
        "--growth-repeats", type=int, help="timed runs of the probe per size, on the same restored history (default 5)"
    )
    parser.add_argument("--stage-timeout", type=float, help="seconds before a stage is reported as not finished")
    parser.add_argument("--no-fsync", action="store_true", help="JetStream without sync_interval: always")
    parser.add_argument("--output", type=Path, help="folder for the JSON results")
    args = parser.parse_args(argv)
    config = replace(BenchConfig(quick=True), **QUICK) if args.quick else BenchConfig()
    given = {
        name: value
        for name, value in vars(args).items()
        if value is not None and name not in {"quick", "no_fsync"} and name in BenchConfig.__dataclass_fields__
    }
    if given.get("stage_events") == 0:
        given["stage_events"] = None
    return replace(config, **given, fsync=not args.no_fsync)
