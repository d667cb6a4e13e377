"""Does per-event cost grow with history? The same probe timed on top of 10k, 100k and 1M stored events.

**The same probe at every size.** One city is generated, big enough for the largest history. A
few of its civil servants are set aside: every submission about them in the last six years is
the probe, and their first four years open every history, followed by the rest of the city in
its order, cut at each size. So every size times the same submissions about the same people,
whose records exist and are read cold from the store (about 40 events each, no snapshot yet)
as after a restart, on top of a history about other people. Complaints, forums, unit ratings
and erasures (about a tenth of the city) stay in the history: a complaint can need a forum, and
an erasure a complaint, that a short history has not reached, so their outcome would vary.

**A settled database.** The history is written straight through ingest's own ``record_batch()``
(decode, contract, rules, receipts, hash chain, 500 per transaction: a fetch's path minus INBOX
and its acks), which the output says; then the relay and the projections, each alone, carry it
(timed, reported beside the figure, not the figure). Carrying 1M events leaves dead tuples and
dirty pages behind, and an autovacuum worker busy for minutes: timing the probe in that
aftermath measured the bulk load, not the history (ingest ran at 138/s there against 448/s on
the same store freshly written). So before each timed stage the database is settled as an
operator would after a bulk load: ``VACUUM (ANALYZE)``, ``CHECKPOINT``, and no autovacuum worker
running. Then ingest alone, the relay alone and the projections alone are timed over the probe.

**Several timed runs of the probe per size, on identical data.** A probe of 5,000 submissions
is a few seconds per stage, and one such run can land on a slow moment of the machine (one
fast 10k run once made the projections look 20% slower at 1M). So with embedded servers, once
the history is carried and the probe waits in INBOX, the servers are stopped and their folder
copied; each timed run restores that copy and restarts the servers on it (PostgreSQL's buffers
start empty every time, as after a restart), and the size's figure is the median of the runs,
with each run kept. Servers given by ``JEJAK_*_URL`` cannot be restored: one run there.

Degradation is each stage's per-event cost on top of the largest history against its cost on
top of the smallest, in percent, when two or more sizes were measured (issue 6: "from 10k to
1M"); with one size only, against the isolated stages on the (near-empty) store.
"""

import asyncio
import contextlib
import math
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from psycopg import AsyncConnection, errors

from benchmarks.config import BenchConfig
from benchmarks.probes import Probe, StageTimedOut
from benchmarks.results import Results
from benchmarks.stack import BenchStack
from benchmarks.stages import StageRun, ingest_alone, projections_alone, relay_alone
from benchmarks.stats import not_measured, summarize
from benchmarks.workload import incoming
from services.database import open_records
from services.demo.city import City, Publication, generate_city
from services.demo.publisher import publish_city
from services.ingest.worker import record_batch, record_one
from services.personal_data import PostgresKeyVault
from services.senders import load_senders

SUBMISSIONS_PER_EMPLOYEE_DECADE = 95
"""About what the demo city generates per civil servant over ten years (``jejak demo stats``)."""
STORED_PER_SUBMISSION = 2.0
"""A fact and its receipt; some submissions store more."""
STAGES = ("ingest", "relay", "projections")
PRELOAD_BATCH = 500
SETTLE_LIMIT_SECONDS = 600.0


PROBE_YEARS = 6
"""The probe is its people's last six years; their first four open the history, so each is read cold, not created."""


@dataclass(frozen=True)
class GrowthCity:
    """One city cut three ways: the probe people's early years, the probe (their later years), the others."""

    earlier: list[Publication]
    """Everything about the probe's people before the probe's first year: always the history's start."""
    probe: list[Publication]
    others: list[Publication]
    """Everything not about the probe's people, in the city's order: the rest of the history, cut per size."""
    probe_people: frozenset[str]
    city: City

    def history(self) -> list[Publication]:
        """What is stored before the probe, from the first submission: the probe people's early years, then the rest."""
        return self.earlier + self.others


def _about(publication: Publication) -> str | None:
    nip = publication.body.get("employee_nip")
    return None if nip is None else str(nip)


def split_probe(city: City, wanted: int, probe_years: int = PROBE_YEARS) -> GrowthCity:
    """Set aside the city's last-listed people hired before the probe's years until those years hold ``wanted``.

    A submission is about a person when it carries their ``employee_nip``: the records whose rules
    read only that person's own history, so the probe means the same on any history. Each part
    keeps the city's order, so every submission comes after what it depends on.
    """
    first_probe_year = city.last_year - probe_years + 1

    def late(publication: Publication) -> bool:
        return int(str(publication.body["occurred_at"])[:4]) >= first_probe_year

    later: dict[str, int] = {}
    registered_before: set[str] = set()
    for publication in city.events:
        if (nip := _about(publication)) is not None and late(publication):
            later[nip] = later.get(nip, 0) + 1
        elif nip is not None and publication.event_type == "employee-registered":
            registered_before.add(nip)
    people: set[str] = set()
    taken = 0
    for employee in reversed(city.employees):
        if taken >= wanted:
            break
        if employee.nip not in registered_before:
            continue  # hired during the probe's years: created, not read
        people.add(employee.nip)
        taken += later.get(employee.nip, 0)
    earlier: list[Publication] = []
    probe: list[Publication] = []
    others: list[Publication] = []
    for publication in city.events:
        if _about(publication) not in people:
            others.append(publication)
        else:
            (probe if late(publication) else earlier).append(publication)
    return GrowthCity(earlier, probe, others, frozenset(people), city)


def growth_city(config: BenchConfig, seed: int) -> GrowthCity:
    """The city for every size: enough history for the largest, plus the probe, with a margin.

    Refuses a smallest size that the probe people's early years alone would overfill.
    """
    largest = max(config.growth_sizes)
    needed = largest / STORED_PER_SUBMISSION + config.growth_probe
    employees = max(10, math.ceil(needed / SUBMISSIONS_PER_EMPLOYEE_DECADE * 1.3))
    city = generate_city(seed=seed, employees=employees, years=10, last_year=2026)
    cut = split_probe(city, config.growth_probe)
    if len(cut.earlier) * STORED_PER_SUBMISSION > min(config.growth_sizes):
        raise ValueError(
            f"the probe's people have {len(cut.earlier)} submissions before the probe: more than a history of "
            f"{min(config.growth_sizes):,} events holds; use a smaller --growth-probe or a larger smallest size"
        )
    return cut


async def preload(
    stack: BenchStack, probe: Probe, history: Sequence[Publication], stored: int
) -> tuple[int, float, int]:
    """Record the history straight into the store until it holds ``stored`` events; (submissions, s, refused).

    Batches as ingest makes them; a batch a rule refuses is recorded one by one, as ingest does.
    """
    records = open_records(stack.database_url, cached_records=20_000)
    vault, senders = PostgresKeyVault(stack.database_url), load_senders(stack.settings.senders_file)
    began, refused, done = time.perf_counter(), 0, 0
    try:
        while done < len(history) and await probe.store_rows() < stored:
            part = history[done : done + PRELOAD_BATCH]
            batch = incoming(part, done + 1)
            refusals = await asyncio.to_thread(record_batch, records, vault, senders, batch)
            if refusals is None:
                for item in batch:
                    refused += await asyncio.to_thread(record_one, records, vault, senders, item) is not None
            else:
                refused += len(refusals)
            done += len(part)
    finally:
        records.close()
    return done, time.perf_counter() - began, refused


async def settle(owner_database_url: str, limit: float = SETTLE_LIMIT_SECONDS) -> float:
    """VACUUM (ANALYZE), CHECKPOINT, then wait until no autovacuum worker runs; seconds it took.

    On given servers without the owner's rights, what the login may not do is skipped.
    """
    began = time.perf_counter()
    async with await AsyncConnection.connect(owner_database_url, autocommit=True) as db:
        await db.execute("VACUUM (ANALYZE)")
        with contextlib.suppress(errors.InsufficientPrivilege):
            await db.execute("CHECKPOINT")
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            row = await (
                await db.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")
            ).fetchone()
            if not row or int(row[0]) == 0:
                break
            await asyncio.sleep(0.5)
    return time.perf_counter() - began


async def prepare_size(
    stack: BenchStack,
    probe: Probe,
    config: BenchConfig,
    city: GrowthCity,
    stored: int,
    log_dir: Path,
    found: dict[str, Any],
) -> None:
    """Write the history, let the relay and the projections carry it, and leave the probe waiting in INBOX."""
    submissions, seconds, refused = await preload(stack, probe, city.history(), stored)
    history = await probe.store_rows()
    if history < stored:
        raise StageTimedOut(f"a history of {stored} events", 0, f"only {history}: the generated city was too small")
    found["history_events"] = history
    found["history_written"] = (
        f"{submissions} submissions through ingest's record_batch() directly (not through NATS) in {seconds:.0f} s, "
        f"{refused} refused"
    )
    found["probe"] = (
        f"{len(city.probe)} submissions: the last {PROBE_YEARS} years of {len(city.probe_people)} people whose "
        f"{len(city.earlier)} earlier ones open the history (city seed {city.city.seed})"
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
    await publish_city(replace(city.city, events=city.probe), stack.sender_url, concurrency=256)


async def time_probe(
    stack: BenchStack,
    probe: Probe,
    config: BenchConfig,
    city: GrowthCity,
    log_dir: Path,
    runs: dict[str, list[StageRun]],
    settled: list[float],
) -> None:
    """Ingest alone, the relay alone, the projections alone over the waiting probe, each on a settled database.

    Appends to ``runs`` as each stage finishes, so a stage that times out keeps the ones before it.
    """
    timed: dict[str, Callable[[], Awaitable[StageRun]]] = {
        "ingest": lambda: ingest_alone(stack, probe, len(city.probe), log_dir, config.stage_timeout),
        "relay": lambda: relay_alone(stack, probe, log_dir, config.stage_timeout),
        "projections": lambda: projections_alone(stack, probe, log_dir, config.stage_timeout),
    }
    for stage, measure in timed.items():
        settled.append(round(await settle(stack.owner_database_url), 1))
        runs.setdefault(stage, []).append(await measure())


def summarize_size(found: dict[str, Any], runs: dict[str, list[StageRun]]) -> None:
    """Each stage's median rate over the probe's timed runs, the runs, their spread and the median CPU per item."""
    for stage in STAGES:
        done = runs.get(stage, [])
        if not done:
            continue
        rates = [run.rate for run in done]
        summary = summarize(rates)
        found[stage] = summary.median
        found[f"{stage}_runs"] = [round(value, 1) for value in rates]
        found[f"{stage}_spread_pct"] = round(summary.spread_pct, 1)
        cpus = [run.cpu.per_item_ms(run.items) for run in done if run.cpu is not None]
        kinds = sorted({kind for cpu in cpus for kind in cpu})
        if kinds:
            found[f"{stage}_cpu_ms_per_item"] = {
                kind: round(statistics.median(cpu[kind] for cpu in cpus if kind in cpu), 3) for kind in kinds
            }


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
