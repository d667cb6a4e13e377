"""Does per-event cost grow with history? The stages measured again on top of 10k, 100k, 1M stored events.

Building the history through NATS would take hours at today's ingest rate, so it is written
directly through ingest's own ``record()`` (decode, contract, rules, receipt, hash chain: the
same path a message takes, minus INBOX and its acks), which the output says. The next
``growth_probe`` submissions of the same city are then published to INBOX and ingest alone is
timed on them. The relay and the projections, each alone, first carry the whole history, then
are started again and timed over those submissions alone, on top of the whole history.
Degradation is each stage's per-event cost on top of the
history against the same stage's cost on the (near-empty) isolated-stage store, in percent.
Caveat: the probe is later in the city's timeline than the isolated stages' part (more
evaluations and trainings, fewer registrations) and smaller, so a stage with a fixed cost per
start or per batch, or a mix-dependent cost, shows some difference even without any growth.
"""

import math
import time
from pathlib import Path
from typing import Any

from benchmarks.config import BenchConfig
from benchmarks.probes import Probe, StageTimedOut
from benchmarks.results import Results
from benchmarks.stack import BenchStack
from benchmarks.stages import ingest_alone, projections_alone, relay_alone
from benchmarks.stats import is_not_measured, not_measured
from benchmarks.workload import Workload, encode, make_workload, publish_part
from services.database import open_records
from services.ingest.worker import record
from services.personal_data import PostgresKeyVault
from services.senders import load_senders

SUBMISSIONS_PER_EMPLOYEE_DECADE = 95
"""About what the demo city generates per civil servant over ten years (``jejak demo stats``)."""
STORED_PER_SUBMISSION = 2.0
"""A fact and its receipt; some submissions store more."""
STAGES = ("ingest", "relay", "projections")


def growth_workload(config: BenchConfig, stored: int) -> Workload:
    """A city big enough for ``stored`` events of history plus the probe, with a margin."""
    needed = stored / STORED_PER_SUBMISSION + config.growth_probe
    employees = max(10, math.ceil(needed / SUBMISSIONS_PER_EMPLOYEE_DECADE * 1.3))
    return make_workload(seed=config.seed, employees=employees, years=10, stage_events=None, latency_events=1)


async def preload(stack: BenchStack, probe: Probe, workload: Workload, stored: int) -> tuple[int, float, int]:
    """Record submissions straight into the store until it holds ``stored`` events; (submissions, s, refused)."""
    records = open_records(stack.database_url)
    vault, senders = PostgresKeyVault(stack.database_url), load_senders(stack.settings.senders_file)
    began, refused, done = time.perf_counter(), 0, 0
    try:
        for done, publication in enumerate(workload.stage, start=1):
            subject = f"asn.in.{publication.source}.{publication.event_type}.v1"
            refused += await record(records, vault, senders, subject, encode(publication), done) is not None
            if done % 200 == 0 and await probe.store_rows() >= stored:
                break
    finally:
        records.close()
    return done, time.perf_counter() - began, refused


async def one_size(
    stack: BenchStack, probe: Probe, config: BenchConfig, stored: int, log_dir: Path, found: dict[str, Any]
) -> None:
    """Fill ``found`` as the measurements come in, so a stage that times out keeps the ones before it."""
    workload = growth_workload(config, stored)
    submissions, seconds, refused = await preload(stack, probe, workload, stored)
    history = await probe.store_rows()
    if history < stored:
        raise StageTimedOut(f"a history of {stored} events", 0, f"only {history}: the generated city was too small")
    found["history_events"] = history
    found["history_written"] = (
        f"{submissions} submissions through ingest's record() directly (not through NATS) in {seconds:.0f} s, "
        f"{refused} refused"
    )
    for stage in STAGES:
        found[stage] = not_measured("an earlier step did not finish")
    # The relay and the projections first carry the history (timed, but not the growth figure), so
    # that afterwards each is timed over the probe alone, on top of the whole history. (Timing the
    # tail of one long run does not work: a batch can cross the history's end and the probe at once.)
    found["relay_over_history_per_s"] = (await relay_alone(stack, probe, log_dir, config.stage_timeout)).rate
    found["projections_over_history_per_s"] = (
        await projections_alone(stack, probe, log_dir, config.stage_timeout)
    ).rate
    probe_part = workload.stage[submissions : submissions + config.growth_probe]
    await publish_part(workload, probe_part, stack.sender_url)
    found["ingest"] = (await ingest_alone(stack, probe, len(probe_part), log_dir, config.stage_timeout)).rate
    found["relay"] = (await relay_alone(stack, probe, log_dir, config.stage_timeout)).rate
    found["projections"] = (await projections_alone(stack, probe, log_dir, config.stage_timeout)).rate


def degradation(results: Results) -> None:
    """Fill ``growth.max_degradation_pct`` from the sizes measured and the isolated stages' medians."""
    sizes: dict[str, Any] = results.growth.get("sizes", {})
    worst: float | None = None
    for found in sizes.values():
        if not isinstance(found, dict):
            continue
        for stage in STAGES:
            base, grown = results.median(f"jejak.{stage}"), found.get(stage)
            if is_not_measured(base) or not isinstance(grown, float) or not isinstance(base, float):
                continue
            pct = (base / grown - 1.0) * 100.0  # cost = 1/rate
            found[f"{stage}_degradation_pct"] = pct
            worst = pct if worst is None else max(worst, pct)
    results.growth["max_degradation_pct"] = (
        worst if worst is not None else not_measured("no growth size was measured (see --growth-sizes)")
    )
