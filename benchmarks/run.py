"""One command, one run, every figure side by side: ``python -m benchmarks.run [--quick]`` (``make bench``).

Per repeat, three fresh stacks: (1) the physical baselines, then ingest, relay, projections and
rebuild each alone; (2) every service as its own process, end to end, then (last repeat) the API
and the latency at a fixed offered load, with each service's peak RSS; (3) the naive reference.
Then one stack per growth size. A stage that fails or times out is reported as not measured,
with the reason, and the run goes on: a benchmark that stops at the first slow stage shows nothing.
"""

import asyncio
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.baselines import cycled, jetstream_baselines, postgres_baselines
from benchmarks.config import BenchConfig, parse_args
from benchmarks.endtoend import E2E, end_to_end
from benchmarks.growth import (
    STAGES,
    GrowthCity,
    degradation,
    growth_city,
    prepare_size,
    summarize_size,
    time_probe,
)
from benchmarks.probes import Probe, close_probe, open_probe
from benchmarks.reference import naive_end_to_end
from benchmarks.report import machine_facts, print_report, write
from benchmarks.results import Results, document, shape_errors
from benchmarks.stack import BenchStack, bench_settings, copy_home, fresh_stack, given_servers, stack_on
from benchmarks.stages import STEPS, StageRun, isolated_stages
from benchmarks.targets import judge_all
from benchmarks.workload import Workload, make_workload, publish_part

BASELINES = (
    ("baseline.js_publish", "raw JetStream publish, acks pipelined (nats-py)", "msgs/s"),
    ("baseline.js_consume", "raw JetStream pull-consume, fetch(500) + ack", "msgs/s"),
    ("baseline.pg_executemany", "raw PostgreSQL executemany, 500 rows/txn", "rows/s"),
    ("baseline.pg_copy", "raw PostgreSQL COPY", "rows/s"),
)
NAIVE = ("naive.end_to_end", "naive reference end to end (benchmarks/naive.py)", "submissions/s")

Step = Callable[[BenchStack, Probe, Workload], Awaitable[None]]
"""What runs on one stack, given its probe and the workload."""


class Bench:
    """One run: the configuration, the workload, what was found so far and where the logs go."""

    def __init__(self, config: BenchConfig) -> None:
        self.config = config
        self.results = Results()
        self.machine: dict[str, Any] = {}
        self.settings = bench_settings(fsync=config.fsync)
        self.logs = Path(tempfile.mkdtemp(prefix="jejak-bench-logs-"))
        self.uses = 0
        self.seconds: dict[str, float] = {}
        """Wall-clock seconds of each stack, servers included: where a run's time goes."""
        self._workload = self.workload_for(0)

    def workload_for(self, use: int) -> Workload:
        """Embedded: one city for every fresh stack. Given servers keep what earlier stacks stored: a new seed each."""
        seed = self.config.seed + (use if given_servers() else 0)
        if use and not given_servers():
            return self._workload
        return make_workload(
            seed=seed,
            employees=self.config.employees,
            years=self.config.years,
            stage_events=self.config.stage_events,
            latency_events=self.config.latency_events * 3 // 2,  # a spare half: see end_to_end's latency
        )

    def on_stack(
        self,
        what: str,
        step: Step,
        servers: Callable[[], AbstractContextManager[BenchStack]] | None = None,
    ) -> bool:
        """Run ``step`` on a fresh stack (or ``servers``); a failure becomes a note (its figures stay not measured).

        True when the step finished.
        """
        self.uses += 1
        workload, began = self.workload_for(self.uses), time.monotonic()
        try:
            with (servers or (lambda: fresh_stack(self.settings)))() as stack:
                asyncio.run(self._with_probe(stack, workload, step))
        except Exception as error:  # noqa: BLE001 (reported in the table and the JSON; the run goes on)
            self.results.notes.append(f"{what} failed: {type(error).__name__}: {error}"[:1500])
            return False
        else:
            return True
        finally:
            self.seconds[what] = round(time.monotonic() - began, 1)

    async def _with_probe(
        self, stack: BenchStack, workload: Workload, step: Callable[[BenchStack, Probe, Workload], Awaitable[None]]
    ) -> None:
        probe = await open_probe(stack.nats_url, stack.database_url)
        try:
            if not self.machine:
                row = await (await probe.db.execute("SHOW server_version")).fetchone()
                self.machine = machine_facts(str(row[0]) if row else "?", str(probe.nc.connected_server_version))
            await step(stack, probe, workload)
        finally:
            await close_probe(probe)

    async def stages(self, stack: BenchStack, probe: Probe, workload: Workload) -> None:
        payloads = cycled(workload.payloads, self.config.baseline_min_messages)
        published, consumed = await jetstream_baselines(stack.nats_url, payloads)
        many, copied = await asyncio.to_thread(postgres_baselines, stack.database_url, payloads)
        for (key, label, unit), value in zip(BASELINES, (published, consumed, many, copied), strict=True):
            self.results.add(key, label, unit, value)
        report = await publish_part(workload, workload.stage, stack.sender_url)
        self.results.figure(*STEPS[0]).detail.setdefault("inbox_publish_per_s", []).append(report.rate)
        await isolated_stages(stack, probe, len(workload.stage), self.logs, self.config.stage_timeout, self.results)

    async def end_to_end(self, stack: BenchStack, probe: Probe, workload: Workload, *, extras: bool) -> None:
        await end_to_end(stack, probe, workload, self.config, self.logs, self.results, extras=extras)

    async def naive(self, stack: BenchStack, probe: Probe, workload: Workload) -> None:
        self.results.add(*NAIVE, await naive_end_to_end(stack, probe, workload, self.logs, self.config.stage_timeout))

    def growth(self, stored: int, city: GrowthCity) -> None:
        """The probe on top of ``stored`` events: timed ``growth_repeats`` times on restored copies (embedded)."""
        sizes = self.results.growth.setdefault("sizes", {})
        found: dict[str, Any] = sizes.setdefault(str(stored), {})
        runs: dict[str, list[StageRun]] = {}
        settled: list[float] = []
        found["settle_seconds"] = settled
        what = f"growth at {stored:,} stored events"

        async def prepare(stack: BenchStack, probe: Probe, _: Workload) -> None:
            await prepare_size(stack, probe, self.config, city, stored, self.logs, found)

        async def timed(stack: BenchStack, probe: Probe, _: Workload) -> None:
            await time_probe(stack, probe, self.config, city, self.logs, runs, settled)

        async def both(stack: BenchStack, probe: Probe, workload: Workload) -> None:
            await prepare(stack, probe, workload)
            await timed(stack, probe, workload)

        if given_servers():
            self.on_stack(what, both)
        else:
            self.growth_restored(what, prepare, timed, found)
        summarize_size(found, runs)
        for stage in STAGES:
            found.setdefault(stage, f"not measured: see the notes for growth at {stored:,}")

    def growth_restored(self, what: str, prepare: Step, timed: Step, found: dict[str, Any]) -> None:
        """Prepare once, stop, keep a copy of the servers' folder; then each timed run on a fresh copy of it."""
        folder = Path(tempfile.mkdtemp(prefix="jejak-bench-growth-"))
        folder.chmod(0o755)  # as root, PostgreSQL runs as an unprivileged user that must enter it
        home, saved = folder / "home", folder / "saved"
        try:
            if not self.on_stack(what, prepare, lambda: stack_on(self.settings, home, fresh=True)):
                return
            found["copy_seconds"] = round(copy_home(home, saved), 1)
            restored: list[float] = []
            found["restore_seconds"] = restored
            for run in range(1, self.config.growth_repeats + 1):
                restored.append(round(copy_home(saved, home), 1))
                self.on_stack(f"{what}, timed run {run}", timed, lambda: stack_on(self.settings, home, fresh=False))
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def run(self) -> dict[str, Any]:
        last = self.config.repeats - 1
        for repeat in range(self.config.repeats):
            self.on_stack(f"repeat {repeat + 1}: baselines and isolated stages", self.stages)

            async def e2e(stack: BenchStack, probe: Probe, workload: Workload, extras: bool = repeat == last) -> None:
                await self.end_to_end(stack, probe, workload, extras=extras)

            self.on_stack(f"repeat {repeat + 1}: end to end", e2e)
            self.on_stack(f"repeat {repeat + 1}: naive reference", self.naive)
        for index, stored in enumerate(self.config.growth_sizes):
            # Embedded: one city, so every size times the same probe. Given servers keep what the
            # previous size stored, the probe included: a new city each (the same shape, other people).
            if index == 0 or given_servers():
                city = growth_city(self.config, self.config.seed + (index if given_servers() else 0))
            self.growth(stored, city)
        for key, label, unit in (*BASELINES, *STEPS, NAIVE, E2E):
            self.results.figure(key, label, unit)  # a figure no stack produced still shows, as not measured
        degradation(self.results)
        return self.results_document()

    def results_document(self) -> dict[str, Any]:
        self.results.notes.append(f"service logs: {self.logs}")
        if self.config.growth_sizes:
            self.results.notes.append(
                "growth histories were written through ingest's record_batch() directly, not through NATS "
                "(see growth.py)"
            )
            if given_servers():
                self.results.notes.append(
                    "growth on given servers: one timed run of the probe per size (only embedded servers are restored "
                    "to time it again on the same history)"
                )
        return document(self.results, run=self.run_facts(), machine=self.machine)

    def run_facts(self) -> dict[str, Any]:
        return {
            "mode": "given servers (JEJAK_*_URL)" if given_servers() else "fresh embedded servers per stack",
            "config": self.config.as_json(),
            "city_events": len(self._workload.city.events),
            "stage_submissions": len(self._workload.stage),
            "latency_submissions": len(self._workload.latency),
            "nats_sync_always": self.settings.nats_sync_always,
            "seconds_per_stack": self.seconds,
        }


def main(argv: list[str] | None = None) -> None:
    began, started = time.monotonic(), datetime.now(UTC)
    config = parse_args(argv)
    bench = Bench(config)
    doc = bench.run()
    doc["run"] |= {"started_at": started.isoformat(), "seconds": round(time.monotonic() - began, 1)}
    doc["notes"] += [f"malformed summary key {error}" for error in shape_errors(doc)]
    judged = judge_all(doc)
    doc["targets"] = [verdict.as_json() for verdict in judged]
    dated, latest = write(doc, config.output)
    print_report(doc, judged)
    print(f"wrote {dated} and {latest} in {doc['run']['seconds']:.0f} s")


if __name__ == "__main__":
    main()
