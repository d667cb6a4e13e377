"""The benchmark harness's pure parts: statistics, the JSON document's shape, the targets' verdicts."""

import pytest

from benchmarks.config import QUICK, parse_args, sizes
from benchmarks.cpu import CpuReading
from benchmarks.growth import STORED_PER_SUBMISSION, degradation, growth_city, split_probe, summarize_size
from benchmarks.latency import LatencyRun
from benchmarks.report import cpu_medians
from benchmarks.results import REQUIRED_KEYS, Results, document, lookup, shape_errors
from benchmarks.stages import StageRun
from benchmarks.stats import is_not_measured, not_measured, percentile, ratio, summarize
from benchmarks.targets import Verdict, judge_all
from services.demo.city import generate_city


def test_summary_is_the_median_with_min_and_max() -> None:
    summary = summarize([3.0, 1.0, 2.0])
    assert (summary.median, summary.low, summary.high, summary.n) == (2.0, 1.0, 3.0, 3)


def test_percentiles_are_observed_values_by_nearest_rank() -> None:
    latencies = [float(ms) for ms in range(1, 101)]
    assert (percentile(latencies, 50), percentile(latencies, 99), percentile(latencies, 100)) == (50.0, 99.0, 100.0)
    assert percentile([7.0], 99) == 7.0


def test_a_ratio_with_a_missing_side_says_so() -> None:
    assert ratio(50.0, 200.0) == 0.25
    assert is_not_measured(ratio(not_measured("timed out"), 200.0))
    assert is_not_measured(ratio(50.0, 0.0))


def test_an_empty_run_still_has_every_required_key_as_not_measured() -> None:
    doc = document(Results(), run={"mode": "test"}, machine={})
    assert shape_errors(doc) == []
    assert all(is_not_measured(lookup(doc, key)) for key in REQUIRED_KEYS)
    assert {judged.verdict for judged in judge_all(doc)} == {Verdict.NOT_MEASURED}


def test_measured_figures_become_ratios_and_verdicts() -> None:
    results = Results()
    results.add("baseline.pg_executemany", "executemany", "rows/s", 10_000.0)
    for value in (2_500.0, 3_000.0, 2_000.0):
        results.add("jejak.end_to_end", "end to end", "submissions/s", value)
    results.add("naive.end_to_end", "naive", "submissions/s", 100.0)
    results.rss_mb["ingest"] = [120.0, 310.0]
    results.api["dossier"] = {"p50": 5.0, "p99": 31.0}
    doc = document(results, run={"mode": "test"}, machine={})
    verdicts = {judged.target.key: judged.verdict for judged in judge_all(doc)}

    assert doc["ratios"]["end_to_end_vs_executemany"] == 0.25
    assert doc["figures"]["jejak.end_to_end"] | {"values": None} == {
        "label": "end to end", "unit": "submissions/s", "values": None,
        "median": 2_500.0, "min": 2_000.0, "max": 3_000.0, "n": 3,
    }  # fmt: skip
    assert verdicts["ratios.end_to_end_vs_executemany"] == Verdict.PASS
    assert verdicts["ratios.end_to_end_vs_naive"] == Verdict.PASS  # 25x
    assert verdicts["rss_mb.ingest"] == Verdict.FAIL  # the worst repeat counts
    assert verdicts["api_ms.dossier.p99"] == Verdict.FAIL
    assert verdicts["ratios.relay_vs_publish"] == Verdict.NOT_MEASURED


def test_a_figure_that_could_not_be_measured_keeps_its_reason() -> None:
    results = Results()
    results.miss("jejak.ingest", "ingest", "submissions/s", "ingest did not finish within 120 s")
    assert results.median("jejak.ingest") == "not measured: ingest did not finish within 120 s"


def test_a_wrong_value_under_a_required_key_is_reported() -> None:
    doc = document(Results(), run={}, machine={})
    doc["api_ms"]["dossier"]["p99"] = "fast"
    assert shape_errors(doc) == ["api_ms.dossier.p99: 'fast' is neither a number nor a not-measured marker"]


def test_latency_under_overload_gives_no_percentile_but_the_achieved_rate() -> None:
    overloaded = LatencyRun(1000.0, 1.0, 1000, [float(ms) for ms in range(400)], 900, 9.0, 40.0)
    sustained = LatencyRun(1000.0, 1.0, 3, [10.0, 20.0, 30.0], 3, 0.05, 990.0)
    assert is_not_measured(overloaded.as_json()["p99"])
    assert "achieved 40/s" in overloaded.as_json()["p99"]
    assert sustained.as_json()["p99"] == 30.0


def test_growth_sizes_and_quick_defaults_parse() -> None:
    assert sizes("10k,100k,1M") == (10_000, 100_000, 1_000_000)
    assert sizes("none") == ()
    quick = parse_args(["--quick", "--growth-sizes", "none"])
    assert (quick.quick, quick.repeats, quick.growth_sizes) == (True, QUICK["repeats"], ())
    assert quick.stage_events == QUICK["stage_events"]
    assert parse_args([]).growth_sizes == (10_000, 100_000, 1_000_000)
    assert parse_args([]).stage_events == 30_000
    assert parse_args(["--stage-events", "0"]).stage_events is None  # the whole city


@pytest.mark.parametrize("value", [None, "fast", True])
def test_anything_but_a_number_is_judged_not_measured(value: object) -> None:
    doc = document(Results(), run={}, machine={})
    doc["growth"]["max_degradation_pct"] = value
    verdicts = {judged.target.key: judged.verdict for judged in judge_all(doc)}
    assert verdicts["growth.max_degradation_pct"] == Verdict.NOT_MEASURED


def test_growth_compares_the_largest_history_with_the_smallest() -> None:
    results = Results()
    results.add("jejak.ingest", "ingest", "submissions/s", 3000.0)
    results.growth["sizes"] = {
        "10000": {"ingest": 2000.0, "relay": 1000.0, "projections": "not measured: timed out"},
        "1000000": {"ingest": 1600.0, "relay": 1000.0, "projections": "not measured: timed out"},
    }
    degradation(results)
    largest = results.growth["sizes"]["1000000"]
    assert largest["ingest_degradation_pct"] == pytest.approx(25.0)  # cost 1/1600 against 1/2000
    assert largest["ingest_degradation_against"] == "10,000 stored events"
    assert largest["relay_degradation_pct"] == pytest.approx(0.0)
    assert "projections_degradation_pct" not in largest
    assert results.growth["max_degradation_pct"] == pytest.approx(25.0)


def test_growth_with_one_size_compares_with_the_isolated_stage() -> None:
    results = Results()
    results.add("jejak.ingest", "ingest", "submissions/s", 2000.0)
    results.growth["sizes"] = {"10000": {"ingest": 1000.0}}
    degradation(results)
    assert results.growth["sizes"]["10000"]["ingest_degradation_pct"] == pytest.approx(100.0)
    assert results.growth["max_degradation_pct"] == pytest.approx(100.0)


def test_cpu_per_item_is_split_by_process_kind() -> None:
    before = CpuReading(1.0, {"postgres": 10.0, "nats-server": 5.0})
    after = CpuReading(3.0, {"postgres": 11.0, "nats-server": 5.5})
    per = after.since(before).per_item_ms(1000)
    assert per == pytest.approx({"service": 2.0, "postgres": 1.0, "nats-server": 0.5, "total": 3.5})
    figure = {"cpu_ms_per_item": [per, {**per, "service": 4.0}, {**per, "service": 3.0}]}
    assert cpu_medians(figure)["service"] == pytest.approx(3.0)


def test_the_growth_probe_is_a_few_peoples_later_years_and_the_history_holds_their_earlier_ones() -> None:
    city = generate_city(seed=7, employees=40, years=10, last_year=2026)
    cut = split_probe(city, 300, probe_years=6)

    assert len(cut.probe) >= 300
    assert sorted(map(id, cut.earlier + cut.probe + cut.others)) == sorted(map(id, city.events))
    assert {str(p.body["employee_nip"]) for p in cut.probe} == cut.probe_people
    assert {str(p.body["employee_nip"]) for p in cut.earlier} == cut.probe_people
    assert all(str(p.body.get("employee_nip")) not in cut.probe_people for p in cut.others)
    assert min(p.body["occurred_at"] for p in cut.probe) >= "2021"
    assert max(p.body["occurred_at"] for p in cut.earlier) < "2021"
    order = {id(p): n for n, p in enumerate(city.events)}
    for part in (cut.earlier, cut.probe, cut.others):
        assert [order[id(p)] for p in part] == sorted(order[id(p)] for p in part)
    history = cut.history()
    assert history[: len(cut.earlier)] == cut.earlier  # the probe people's records exist at every size
    registered = {str(p.body["employee_nip"]) for p in cut.earlier if p.event_type == "employee-registered"}
    assert registered == cut.probe_people
    assert not [p for p in cut.probe if p.event_type == "employee-registered"]


def test_every_growth_size_gets_the_same_probe() -> None:
    config = parse_args(["--growth-sizes", "10k,20k", "--growth-probe", "400"])
    once, again = growth_city(config, seed=3), growth_city(config, seed=3)
    assert [p.event_id for p in once.probe] == [p.event_id for p in again.probe]
    assert len(once.history()) * STORED_PER_SUBMISSION >= 20_000


def test_a_smallest_size_the_probes_early_years_would_overfill_is_refused() -> None:
    with pytest.raises(ValueError, match="smaller --growth-probe"):
        growth_city(parse_args(["--growth-sizes", "1k", "--growth-probe", "2000"]), seed=3)


def test_a_growth_size_is_the_median_of_its_timed_runs_with_each_run_kept() -> None:
    def run(seconds: float, service_cpu: float) -> StageRun:
        return StageRun(items=1000, seconds=seconds, peak_rss_mb=100.0, cpu=CpuReading(service_cpu, {"postgres": 0.2}))

    found: dict[str, object] = {"projections": not_measured("an earlier step did not finish")}
    runs = {"ingest": [run(0.5, 0.3), run(1.0, 0.4), run(0.4, 0.5)], "relay": [run(2.0, 0.1)]}
    summarize_size(found, runs)

    assert found["ingest"] == pytest.approx(2000.0)  # rates 2000, 1000, 2500: the median, not the mean
    assert found["ingest_runs"] == [2000.0, 1000.0, 2500.0]
    assert found["ingest_spread_pct"] == pytest.approx(75.0)
    assert found["ingest_cpu_ms_per_item"] == pytest.approx({"service": 0.4, "postgres": 0.2, "total": 0.6})
    assert found["relay"] == pytest.approx(500.0)
    assert is_not_measured(found["projections"])  # no run finished: the reason stays
    assert "projections_runs" not in found


def test_growth_repeats_default_and_quick() -> None:
    assert parse_args([]).growth_repeats == 5
    assert parse_args(["--quick"]).growth_repeats == QUICK["growth_repeats"]
    assert parse_args(["--growth-repeats", "2"]).growth_repeats == 2
