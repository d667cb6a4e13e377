"""Does per-event cost grow with history? The stages measured again on top of 10k, 100k, 1M stored events.

Building the history through NATS would take much longer, so it is written directly through
ingest's own ``record_batch()`` (decode, contract, rules, receipts, hash chain, 500 per
transaction: the path a fetch of messages takes, minus INBOX and its acks), which the output says. The next
``growth_probe`` submissions of the same city are then published to INBOX and ingest alone is
timed on them. The relay and the projections, each alone, first carry the whole history, then
are started again and timed over those submissions alone, on top of the whole history.
Degradation is each stage's per-event cost on top of the largest history against its cost on
top of the smallest, in percent, when two or more sizes were measured (issue 6: "from 10k to
1M"); with one size only, against the isolated stages on the (near-empty) store. Caveat: each
probe is the part of the city after its history, so the mix of kinds differs a little between
sizes, and a stage with a fixed cost per start or per batch shows some difference without growth.
"""

import asyncio
import math
import time
from pathlib import Path
from typing import Any

from benchmarks.config import BenchConfig
from benchmarks.probes import Probe, StageTimedOut
from benchmarks.results import Results
from benchmarks.stack import BenchStack
from benchmarks.stages import ingest_alone, projections_alone, relay_alone
from benchmarks.stats import not_measured
from benchmarks.workload import Workload, incoming, make_workload, publish_part
from services.database import open_records
from services.ingest.worker import record, record_batch
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


PRELOAD_BATCH = 500


async def preload(stack: BenchStack, probe: Probe, workload: Workload, stored: int) -> tuple[int, float, int]:
    """Record submissions straight into the store until it holds ``stored`` events; (submissions, s, refused).

    Batches as ingest makes them; a batch a rule refuses is recorded one by one, as ingest does.
    Continues the store's history: submissions already stored (a smaller size's) are not sent again.
    """
    records = open_records(stack.database_url, cached_records=20_000)
    vault, senders = PostgresKeyVault(stack.database_url), load_senders(stack.settings.senders_file)
    began, refused, done = time.perf_counter(), 0, 0
    try:
        while done < len(workload.stage) and await probe.store_rows() < stored:
            part = workload.stage[done : done + PRELOAD_BATCH]
            batch = incoming(part, done + 1)
            refusals = await asyncio.to_thread(record_batch, records, vault, senders, batch)
            if refusals is None:
                for item in batch:
                    refused += await record(records, vault, senders, *item) is not None
            else:
                refused += len(refusals)
            done += len(part)
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
        f"{submissions} submissions through ingest's record_batch() directly (not through NATS) in {seconds:.0f} s, "
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
    """Fill ``growth.max_degradation_pct``: the largest history against the smallest, per stage.

    With one size measured, against the isolated stages' medians instead (see the module docstring).
    """
    sizes: dict[str, Any] = results.growth.get("sizes", {})
    measured = sorted((int(size), found) for size, found in sizes.items() if isinstance(found, dict))
    worst: float | None = None
    for stage in STAGES:
        rates = [(size, rate) for size, found in measured if isinstance(rate := found.get(stage), float)]
        isolated = results.median(f"jejak.{stage}")
        if len(rates) >= 2:
            (smallest, base), (largest, grown) = rates[0], rates[-1]
            against = f"{smallest:,} stored events"
        elif rates and isinstance(isolated, float):
            base, (largest, grown) = isolated, rates[0]
            against = "the isolated stage (near-empty store)"
        else:
            continue
        pct = (base / grown - 1.0) * 100.0  # cost = 1/rate
        sizes[str(largest)][f"{stage}_degradation_pct"] = pct
        sizes[str(largest)][f"{stage}_degradation_against"] = against
        worst = pct if worst is None else max(worst, pct)
    results.growth["max_degradation_pct"] = (
        worst if worst is not None else not_measured("no growth size was measured (see --growth-sizes)")
    )
