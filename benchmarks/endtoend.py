"""The whole path with every service running, each as its own ``jejak run`` process; then the API and latency.

End to end: ingest, relay, projections and the API run; the stage part of the city is published
as fast as ``jejak demo load`` publishes it; the clock runs from the first publish until INBOX
has nothing pending, EVENTS ends at the store's head and every store-built read model is there.
On the same, now idle, pipeline (the last repeat only): the API under 32 concurrent clients from
a separate process, then publish-to-visible latency at the offered rate. Each service's peak RSS
is read just before it is stopped, so it covers all three.
"""

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from psycopg import AsyncConnection

from benchmarks.config import BenchConfig
from benchmarks.latency import offered_load
from benchmarks.probes import Probe, StageTimedOut, wait_for
from benchmarks.processes import jejak_service, running
from benchmarks.results import SERVICES, Results
from benchmarks.stack import BenchStack
from benchmarks.stats import rate
from benchmarks.workload import Workload, publish_part
from services import tokens
from services.runtime.process import free_port

E2E = ("jejak.end_to_end", "end to end: publish → visible in every read model", "submissions/s")


async def end_to_end(
    stack: BenchStack, probe: Probe, workload: Workload, config: BenchConfig, log_dir: Path, results: Results, *,
    extras: bool,
) -> None:  # fmt: skip
    api_port = free_port()
    env = stack.service_env(api_port)
    services = [jejak_service(name, env, log_dir) for name in SERVICES]

    def alive() -> None:
        for service in services:
            service.check_alive()

    with running(*services):
        for service in services:
            await asyncio.to_thread(service.wait_ready)
        began = time.monotonic()
        await publish_part(workload, workload.stage, stack.sender_url)

        async def done() -> bool:
            return await caught_up(probe)

        async def progress() -> str:
            return f"INBOX backlog {await probe.inbox_backlog()}, visible {await probe.visible()}"

        try:
            finished = await wait_for("end to end", done, config.stage_timeout, progress, alive)
            results.add(*E2E, rate(len(workload.stage), finished - began))
        except StageTimedOut as timed_out:
            results.miss(*E2E, str(timed_out))
            extras = False
        if extras:
            await measure_api(stack, workload, config, f"http://127.0.0.1:{api_port}", results)
            drain = min(config.stage_timeout, max(10.0, 2 * config.latency_seconds))
            primary = workload.latency[: config.latency_events]
            run = await offered_load(stack, probe, primary, config.latency_rate, drain)
            results.latency.update(run.as_json())
            if not run.sustained():  # then how it behaves where it keeps up, from the spare part
                await wait_for("the latency backlog", done, config.stage_timeout, progress, alive)
                slower = max(10.0, run.achieved_per_s / 2)
                spare = workload.latency[config.latency_events :][: max(1, round(slower * config.latency_seconds))]
                if spare:
                    second = await offered_load(stack, probe, spare, slower, drain)
                    results.latency["at_half_the_achieved_rate"] = second.as_json()
        for service in services:
            results.rss_mb.setdefault(service.name, []).append(service.peak_rss_mb())


async def caught_up(probe: Probe) -> bool:
    """INBOX drained, EVENTS at the store's head and every store-built read model there."""
    if await probe.inbox_backlog() > 0:
        return False
    head = await probe.store_head()
    return await probe.relayed() >= head and await probe.visible() >= head


async def measure_api(stack: BenchStack, workload: Workload, config: BenchConfig, base: str, results: Results) -> None:
    """The dossier with the longest history and the largest unit's JP staff report, 32 clients, another process."""
    async with await AsyncConnection.connect(stack.database_url) as conn, conn.cursor() as cur:
        issued = await tokens.create(cur, tokens.Role.AUDITOR, label="benchmark")
    nip, unit = workload.longest_history(), workload.largest_unit()
    paths = {
        "dossier": f"/employees/{nip}/dossier",
        "opd_report": f"/reports/jp-compliance/{unit}/staff?year={workload.city.last_year}",
    }
    argv = ["-m", "benchmarks.api_load", "--base", base, "--token", issued.token, "--clients", str(config.api_clients)]
    argv += ["--requests", str(config.api_requests)]
    for path in paths.values():
        argv += ["--path", path]
    process = await asyncio.create_subprocess_exec(
        sys.executable, *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        reason = f"the API load process failed: {err.decode(errors='replace')[-500:]}"
        results.notes.append(reason)
        return
    measured: dict[str, Any] = json.loads(out)
    history = sum(1 for p in workload.stage if p.body.get("employee_nip") == nip)
    for name, path in paths.items():
        found = measured[path]
        if found["errors"]:
            found["p50"] = found["p99"] = (
                f"not measured: {found['errors']} answers were HTTP {found['first_error_status']}"
            )
        results.api[name] = {**found, **({"submissions_about_employee": history} if name == "dossier" else {})}
