"""The run's outputs: a table for people, JSON files for tools, and the machine the numbers belong to."""

import json
import os
import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console
from rich.table import Table

from benchmarks.stats import is_not_measured
from benchmarks.targets import Judged, Verdict

VERDICT_STYLE = {Verdict.PASS: "green", Verdict.FAIL: "red", Verdict.NOT_MEASURED: "yellow"}


def machine_facts(postgres_version: str, nats_version: str) -> dict[str, Any]:
    """What the numbers depend on: cores, CPU model, memory, Python and the servers' versions."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")
        ]
        model = names[0] if names else model
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "postgresql": postgres_version,
        "nats_server": nats_version,
    }


def show(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if is_not_measured(value):
        return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if unit == "x":
            return f"{value:.3g}"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"
    return str(value)


def table(doc: dict[str, Any], judged: list[Judged]) -> Table:
    """Every figure (median, spread over repeats, unit), then every target with its verdict."""
    out = Table(title=f"Jejak benchmark ({doc['run']['mode']})", title_justify="left", show_lines=False)
    for column, justify in (("figure", "left"), ("median", "right"), ("spread (min-max, n)", "right"),
                            ("unit", "left"), ("target", "left"), ("verdict", "left")):  # fmt: skip
        out.add_column(column, justify=justify)  # type: ignore[arg-type]
    for figure in doc["figures"].values():
        median = figure["median"]
        spread = "" if is_not_measured(median) else f"{show(figure['min'])}-{show(figure['max'])}, n={figure['n']}"
        out.add_row(figure["label"], show(median), spread, figure["unit"], "", "")
    out.add_section()
    for figure in doc["figures"].values():
        for kind, ms in cpu_medians(figure).items():
            out.add_row(f"CPU per item, {figure['label'].split(':')[0]}: {kind}", f"{ms:.3f}", "", "ms", "", "")
    slower = doc["latency_ms"]["publish_to_visible"].get("at_half_the_achieved_rate")
    if isinstance(slower, dict):
        for p in ("p50", "p95", "p99"):
            label = f"publish → visible {p} at {slower['offered_per_s']:,.0f}/s (half the rate achieved)"
            out.add_row(label, show(slower.get(p)), "", "ms", "", "")
    out.add_section()
    for name, found in sorted(doc["growth"].get("sizes", {}).items(), key=lambda item: int(item[0])):
        for stage, unit in (("ingest", "submissions/s"), ("relay", "events/s"), ("projections", "events/s")):
            value = found.get(stage) if isinstance(found, dict) else found
            runs = found.get(f"{stage}_runs", []) if isinstance(found, dict) else []
            spread = f"{show(min(runs))}-{show(max(runs))}, n={len(runs)}" if runs else ""
            out.add_row(f"growth: {stage} on {int(name):,} stored events", show(value), spread, unit, "", "")
    out.add_section()
    for verdict in judged:
        unit = verdict.target.unit.strip()
        out.add_row(
            verdict.target.label,
            show(verdict.value, unit),
            "",
            unit,
            verdict.target.text,
            f"[{VERDICT_STYLE[verdict.verdict]}]{verdict.verdict.value}[/]",
        )
    return out


def cpu_medians(figure: dict[str, Any]) -> dict[str, float]:
    """The median over repeats of each CPU share a stage recorded (benchmarks/cpu.py); empty when none."""
    readings: list[dict[str, float]] = figure.get("cpu_ms_per_item", [])
    kinds = sorted({kind for reading in readings for kind in reading})
    return {kind: statistics.median(r[kind] for r in readings if kind in r) for kind in kinds}


def write(doc: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """``<timestamp>.json`` and ``latest.json`` in ``folder``; returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(doc, indent=2, default=str) + "\n"
    dated, latest = folder / f"{stamp}.json", folder / "latest.json"
    dated.write_text(text)
    latest.write_text(text)
    return dated, latest


def print_report(doc: dict[str, Any], judged: list[Judged]) -> None:
    console = Console(width=160)
    console.print(table(doc, judged))
    for note in doc["notes"]:
        console.print(f"note: {note}")
