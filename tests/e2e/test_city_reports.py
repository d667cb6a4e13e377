"""Every report on a generated city equals a recomputation from the city's raw events.

The city goes through the real pipeline on servers of its own (so no other test's events mix in),
as its senders would publish it, and the services are killed (SIGKILL) mid-stream and started
again, so unacknowledged messages are redelivered to ingest and to every projection. The
expected figures are computed here in plain Python over the list of events — not with the
projections — and compared with what the API answers: a restart or a redelivery changes nothing.
"""

import asyncio
import csv
import io
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from statistics import median
from typing import Any
from urllib.parse import quote

import httpx
import nats
import pytest

from contracts.reference import penalty_levels
from domain.policy import bundled_policy
from services.api.csv_output import FORMULA_STARTS
from services.demo.city import City, Publication, generate_city
from services.demo.publisher import publish_city
from services.tokens import Role
from tests.conftest import TEST_SETTINGS, Stack
from tests.e2e.conftest import bearer, new_token, services_on_own_servers, settled
from tests.e2e.process import JejakProcess
from tests.waiting import eventually

pytestmark = pytest.mark.e2e
POLICY = bundled_policy()
MEDIUM_OR_HEAVY_CODES = {code for code, level in penalty_levels().items() if level in {"S", "B"}}
YEAR = 2025
"""A whole year in the past: ingest refuses facts from the future, and the demo city stops at its today."""


HOSTILE_UNIT = '=HYPERLINK("evil.example","DISDIKBUD")'
"""What a hostile or careless BKPSDM system could send as a unit code: a live formula in a spreadsheet."""
HOSTILE_NAME = "@SUM(1+1)*cmd|' /C calc'!A0"


def with_formulas(city: City, unit: str = "DISDIKBUD") -> City:
    """The city with its largest unit's code, one of its people's name and every allegation written as formulas."""
    named = next(e.nip for e in city.employees if e.unit_code == unit)

    def hostile(event: Publication) -> Publication:
        body = {key: HOSTILE_UNIT if value == unit else value for key, value in event.body.items()}
        if event.event_type == "employee-registered" and body["employee_nip"] == named:
            body["name"] = HOSTILE_NAME
        if event.event_type == "disciplinary-case-opened":
            body["allegation"] = "=" + body["allegation"]
        return replace(event, body=body)

    return replace(
        city,
        events=[hostile(event) for event in city.events],
        units=tuple(replace(u, code=HOSTILE_UNIT) if u.code == unit else u for u in city.units),
        employees=tuple(replace(e, unit_code=HOSTILE_UNIT) if e.unit_code == unit else e for e in city.employees),
    )


@pytest.fixture(scope="module")
def city() -> City:
    """Its largest unit's code and one person's name are spreadsheet formulas: every report must still read."""
    return with_formulas(generate_city(seed=62, employees=40, years=2, last_year=YEAR))


@pytest.fixture(scope="module")
def city_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, JejakProcess]]:
    quick_redelivery = TEST_SETTINGS.model_copy(update={"consumer_ack_wait_seconds": 2.0})
    with services_on_own_servers(quick_redelivery, tmp_path_factory.mktemp("city")) as running:
        yield running


@pytest.fixture(scope="module")
async def api(city: City, city_stack: tuple[Stack, JejakProcess]) -> AsyncIterator[httpx.AsyncClient]:
    """The city loaded and every read model caught up; the API as BKPSDM reads it."""
    stack, services = city_stack
    await publish_city(city, stack.sender_url, concurrency=64)
    connection = await nats.connect(stack.nats_url)
    js = connection.jetstream()

    async def a_third_ingested() -> bool | None:
        floor = (await js.consumer_info("INBOX", "ingest")).ack_floor
        return True if floor is not None and (floor.stream_seq or 0) >= len(city.events) // 3 else None

    await eventually(a_third_ingested, within=60, what="a third of the city ingested")
    assert services.process is not None
    services.process.kill()  # no goodbye: in-flight messages are redelivered after ack_wait
    services.process.wait()
    services.start()

    await eventually(lambda: settled(js), within=90, what="the city ingested and projected")
    await asyncio.sleep(0.3)  # the relay may still have the last notifications in hand
    await eventually(lambda: settled(js), within=30, what="the last notifications projected")
    await connection.close()
    headers = bearer(await new_token(stack.database_url, Role.BKPSDM))
    async with httpx.AsyncClient(base_url=services.api, headers=headers, timeout=30) as client:
        yield client


def of_type(city: City, *types: str) -> list[dict[str, Any]]:
    return [event.body for event in city.events if event.event_type in types]


def current_units(city: City) -> dict[str, str]:
    """Each employee's unit: the placement with the latest effective date (ties: the later one)."""
    latest: dict[str, tuple[str, str]] = {}
    for body in of_type(city, "placement-changed"):
        if body["employee_nip"] not in latest or body["effective_date"] >= latest[body["employee_nip"]][0]:
            latest[body["employee_nip"]] = (body["effective_date"], body["unit_code"])
    return {nip: unit for nip, (_, unit) in latest.items()}


def recognised_jp(body: dict[str, Any]) -> Decimal:
    def amount(key: str) -> Decimal | None:
        return None if body.get(key) is None else Decimal(str(body[key]))

    return POLICY.recognised_jp(
        body["training_kind"], hours=amount("hours"), days=amount("days"), scale=body.get("scale", "national"),
        stated=amount("stated_jp"),
    )  # fmt: skip


async def test_jp_compliance_per_unit(city: City, api: httpx.AsyncClient) -> None:
    units, registered = current_units(city), {b["employee_nip"]: b for b in of_type(city, "employee-registered")}
    jp: dict[str, Decimal] = defaultdict(Decimal)
    for body in of_type(city, "training-completed"):
        if body["end_date"].startswith(str(YEAR)):
            jp[body["employee_nip"]] += recognised_jp(body)
    staff: dict[str, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for nip, unit in units.items():
        if registered[nip]["start_date"] <= f"{YEAR}-12-31":
            target = POLICY.jp_target.get(registered[nip]["asn_kind"], Decimal(20))
            staff[unit].append((jp[nip], target))
    expected = {
        unit: (
            len(rows),
            sum(1 for j, t in rows if j >= t),
            float(median(j for j, _ in rows)),
            sum(1 for j, _ in rows if j == 0),
        )
        for unit, rows in staff.items()
    }

    answer = (await api.get("/reports/jp-compliance", params={"year": YEAR})).json()
    found = {
        u["unit_code"]: (u["employees"], u["meeting_target"], u["median_jp"], u["without_jp"]) for u in answer["units"]
    }
    assert found == expected


@dataclass(frozen=True)
class InForce:
    """An evaluation that no correction replaced, with the unit its employee was in when recorded."""

    nip: str
    year: int
    period: str
    predikat: int
    unit: str


def evaluations_in_force(city: City) -> list[InForce]:
    """Replay placements, evaluations and corrections in publishing order; a correction takes
    the year and period of what it supersedes and the unit at its own time."""
    unit_of: dict[str, str] = {}
    in_force: dict[str, InForce] = {}
    for event in city.events:
        body = event.body
        if event.event_type == "placement-changed":
            unit_of[body["employee_nip"]] = body["unit_code"]
        elif event.event_type == "performance-evaluated":
            in_force[body["evaluation_id"]] = InForce(
                body["employee_nip"], body["year"], body["period"], body["predikat"], unit_of[body["employee_nip"]]
            )
        elif event.event_type == "evaluation-corrected" and body["supersedes"] in in_force:
            replaced = in_force.pop(body["supersedes"])
            in_force[body["evaluation_id"]] = InForce(
                replaced.nip, replaced.year, replaced.period, body["predikat"], unit_of[replaced.nip]
            )
    return list(in_force.values())


async def test_predikat_distribution_per_unit(city: City, api: httpx.AsyncClient) -> None:
    annual = [e for e in evaluations_in_force(city) if e.year == YEAR and e.period == "annual"]
    expected = Counter((e.unit, e.predikat) for e in annual)

    answer = (await api.get("/reports/predikat-distribution", params={"year": YEAR})).json()
    found = Counter({(u["unit_code"], p["predikat"]): p["employees"] for u in answer["units"] for p in u["predikat"]})
    assert found == expected
    assert sum(found.values()) > 0


async def test_complaints_per_unit(city: City, api: httpx.AsyncClient) -> None:
    received = [b for b in of_type(city, "complaint-received") if b["received_on"].startswith(str(YEAR))]
    by_unit: dict[str, Counter[str]] = defaultdict(Counter)
    for body in received:
        by_unit[body["target_unit_code"]][body["classification"]] += 1
    answer = (await api.get("/reports/complaints", params={"year": YEAR, "as_of": f"{YEAR}-12-31"})).json()
    found = {u["unit_code"]: u["by_classification"] for u in answer["units"] if u["received"]}
    assert found == {unit: dict(counts) for unit, counts in by_unit.items()}
    assert sum(u["received"] for u in answer["units"]) == len(received)


async def test_discipline_register(city: City, api: httpx.AsyncClient) -> None:
    opened = [b for b in of_type(city, "disciplinary-case-opened") if b["opened_on"].startswith(str(YEAR))]
    penalised = {(b["employee_nip"], b["case_id"]): b["penalty_code"] for b in of_type(city, "penalty-imposed")}
    answer = (await api.get("/reports/discipline", params={"year": YEAR, "as_of": f"{YEAR}-12-31"})).json()
    found = {(c["nip"], c["case_id"]): c["penalty_code"] for c in answer["cases"]}
    assert found == {
        (b["employee_nip"], b["case_id"]): penalised.get((b["employee_nip"], b["case_id"])) for b in opened
    }


async def test_every_dossier_holds_every_fact_about_its_employee(city: City, api: httpx.AsyncClient) -> None:
    facts: Counter[str] = Counter(
        body["employee_nip"] for event in city.events if "employee_nip" in (body := event.body)
    )
    named = Counter(b["named_employee_nip"] for b in of_type(city, "complaint-received") if b.get("named_employee_nip"))
    for nip in sorted(facts)[:12]:
        dossier = (await api.get(f"/employees/{nip}/dossier")).json()
        kinds = Counter(entry["kind"] for entry in dossier["timeline"])
        assert sum(kinds.values()) - kinds["complaint-named"] == facts[nip]
        assert kinds["complaint-named"] == named[nip]


async def test_evaluation_completeness(city: City, api: httpx.AsyncClient) -> None:
    plans = {b["employee_nip"]: b["period_kind"] for b in of_type(city, "performance-plan-set") if b["year"] == YEAR}
    done: dict[str, set[str]] = defaultdict(set)
    for body in of_type(city, "performance-evaluated"):
        if body["year"] == YEAR:
            done[body["employee_nip"]].add(body["period"])
    periods = {"quarterly": [f"Q{q}" for q in range(1, 5)], "monthly": [f"M{m:02d}" for m in range(1, 13)]}
    expected = {nip: [p for p in [*periods[kind], "annual"] if p not in done[nip]] for nip, kind in plans.items()}
    params: dict[str, str | int] = {"year": YEAR, "as_of": date(YEAR + 1, 12, 31).isoformat()}
    answer = (await api.get("/reports/evaluation-completeness", params=params)).json()
    assert {e["nip"]: e["missing"] for e in answer["employees"]} == expected


def annual_in_force(city: City, year: int) -> dict[str, int]:
    """Each employee's annual predikat of ``year`` after corrections."""
    return {e.nip: e.predikat for e in evaluations_in_force(city) if e.year == year and e.period == "annual"}


def penalties_in_force(city: City, on: str) -> set[str]:
    annulled = {(b["employee_nip"], b["case_id"]) for b in of_type(city, "penalty-annulled") if b["annulled_on"] <= on}
    return {
        b["employee_nip"]
        for b in of_type(city, "penalty-imposed")
        if (b["employee_nip"], b["case_id"]) not in annulled
        and b["starts_on"] <= on
        and (b.get("ends_on") is None or on <= b["ends_on"])
    }


async def test_performance_award_candidates(city: City, api: httpx.AsyncClient) -> None:
    as_of = f"{YEAR}-12-31"
    penalised = penalties_in_force(city, as_of)
    good = POLICY.performance_reward_min_predikat
    expected = {
        nip for nip, predikat in annual_in_force(city, YEAR).items() if predikat <= good and nip not in penalised
    }
    answer = (await api.get("/reports/reward-eligibility", params={"year": YEAR, "as_of": as_of})).json()
    assert {e["nip"] for e in answer["employees"] if e["performance_award_candidate"]} == expected
    assert expected


async def test_weak_performers(city: City, api: httpx.AsyncClient) -> None:
    weak = Counter(e.nip for e in evaluations_in_force(city) if e.year == YEAR and e.predikat >= 3)
    answer = (await api.get("/reports/weak-performers", params={"year": YEAR})).json()
    assert Counter(e["nip"] for e in answer["evaluations"]) == weak


LISTS = {
    "/reports/jp-compliance": "units",
    "/reports/predikat-distribution": None,  # CSV: one line per unit and predikat
    "/reports/evaluation-completeness": "employees",
    "/reports/reward-eligibility": "employees",
    "/reports/weak-performers": "evaluations",
    "/reports/discipline": "cases",
    "/reports/complaints": "units",
    "/reports/rewards-granted": None,  # CSV: one line per unit and reward code
}


@pytest.mark.parametrize("path", sorted(LISTS))
async def test_every_report_comes_as_csv_with_its_stamp(path: str, api: httpx.AsyncClient) -> None:
    params: dict[str, str | int] = {"year": YEAR, "as_of": f"{YEAR}-12-31", "limit": 1000}
    as_json = (await api.get(path, params=params)).json()
    as_csv = await api.get(path, params={**params, "format": "csv"})
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert int(as_csv.headers["jejak-position"]) == as_json["position"]
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    key = LISTS[path]
    per_unit = "by_reward" if path == "/reports/rewards-granted" else "predikat"
    expected = len(as_json[key]) if key else sum(len(unit[per_unit]) for unit in as_json["units"])
    assert len(rows) == expected > 0
    cells = [cell for row in rows for cell in row.values()]
    assert [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not _is_number(cell)] == []
    if per_unit == "predikat" or any(unit["unit_code"] == HOSTILE_UNIT for unit in as_json["units"]):
        assert "'" + HOSTILE_UNIT in cells or any(cell.startswith("'=") for cell in cells)  # neutralised


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def full_years(start: date, on: date) -> int:
    return on.year - start.year - ((on.month, on.day) < (start.month, start.day))


async def test_karya_satya_due_and_promotion_readiness(city: City, api: httpx.AsyncClient) -> None:
    as_of = f"{YEAR}-12-31"
    registered = {b["employee_nip"]: date.fromisoformat(b["start_date"]) for b in of_type(city, "employee-registered")}
    granted = {(b["employee_nip"], b["reward_code"]) for b in of_type(city, "reward-granted")}
    annulled = {(b["employee_nip"], b["case_id"]) for b in of_type(city, "penalty-annulled")}
    imposed = [b for b in of_type(city, "penalty-imposed") if (b["employee_nip"], b["case_id"]) not in annulled]
    barred = {b["employee_nip"] for b in imposed if b["penalty_code"] in MEDIUM_OR_HEAVY_CODES}
    heavy_now = {
        b["employee_nip"]
        for b in imposed
        if b["penalty_code"] in MEDIUM_OR_HEAVY_CODES and b["starts_on"] <= as_of <= (b.get("ends_on") or as_of)
    }
    this_year, last_year = annual_in_force(city, YEAR), annual_in_force(city, YEAR - 1)
    due: dict[str, list[str]] = {}
    for nip, start in registered.items():
        codes = [
            code
            for code, years in sorted(POLICY.karya_satya_years.items(), key=lambda item: item[1])
            if (nip, code) not in granted
            and full_years(start, date(YEAR + 1, 12, 31)) >= years > full_years(start, date(YEAR, 12, 31))
        ]
        due[nip] = [] if nip in barred else codes
    good = POLICY.performance_reward_min_predikat
    ready = {
        nip
        for nip in registered
        if nip in this_year
        and nip in last_year
        and max(this_year[nip], last_year[nip]) <= good
        and nip not in heavy_now
    }

    answer = (await api.get("/reports/reward-eligibility", params={"year": YEAR, "as_of": as_of, "limit": 1000})).json()
    assert {e["nip"]: e["karya_satya_due"] for e in answer["employees"]} == due
    assert {e["nip"] for e in answer["employees"] if e["promotion_ready"]} == ready
    assert ready
    last = {nip: this_year.get(nip, last_year.get(nip)) for nip in registered}
    assert {e["nip"]: e["last_predikat"] for e in answer["employees"]} == last
    assert any(predikat is not None for predikat in last.values())


def working_days(start: date, end: date) -> int:
    return sum(
        1
        for n in range(1, (end - start).days + 1)
        if (day := date.fromordinal(start.toordinal() + n)).weekday() < 5 and day not in POLICY.holidays
    )


def complaint_steps(city: City) -> dict[str, dict[str, Any]]:
    """Each complaint's stage dates as its events state them (first disposition, all follow-ups)."""
    steps: dict[str, dict[str, Any]] = {}
    for event in city.events:
        body, kind = event.body, event.event_type
        if kind == "complaint-received":
            steps[body["complaint_id"]] = {**body, "follow_ups": []}
        elif kind == "complaint-verified":
            steps[body["complaint_id"]] |= {"verified_on": body["verified_on"], "outcome": body["outcome"]}
        elif kind == "complaint-disposed":
            steps[body["complaint_id"]].setdefault("disposed_on", body["disposed_on"])
        elif kind == "complaint-followed-up":
            steps[body["complaint_id"]]["follow_ups"].append(body["followed_up_on"])
        elif kind == "complaint-closed":
            steps[body["complaint_id"]]["closed_on"] = body["closed_on"]
    return steps


async def test_complaint_breaches_and_backlog(city: City, api: httpx.AsyncClient) -> None:
    as_of = date(YEAR, 12, 31)
    considered: set[str] = set()
    breaches: dict[str, Counter[str]] = defaultdict(Counter)
    backlog: dict[str, Counter[str]] = defaultdict(Counter)
    waiting: dict[str, Counter[str]] = defaultdict(Counter)
    for c in complaint_steps(city).values():
        finished = "closed_on" in c or c.get("outcome") in {"archived", "not-our-authority"}
        if not c["received_on"].startswith(str(YEAR)) and finished:
            continue  # the report covers the year's complaints and older ones still open
        unit, received = c["target_unit_code"], date.fromisoformat(c["received_on"])
        considered.add(unit)
        until = None if finished else as_of
        verified = date.fromisoformat(c["verified_on"]) if "verified_on" in c else until
        if verified and working_days(received, verified) > POLICY.complaint_verification_days:
            breaches[unit]["verification"] += 1
        if "disposed_on" in c:
            followed = date.fromisoformat(min(c["follow_ups"])) if c["follow_ups"] else until
            if (
                followed
                and working_days(date.fromisoformat(c["disposed_on"]), followed) > POLICY.complaint_follow_up_days
            ):
                breaches[unit]["follow_up"] += 1
        closed = date.fromisoformat(c["closed_on"]) if "closed_on" in c else until
        if closed and working_days(received, closed) > POLICY.complaint_closure_days[c["category"]]:
            breaches[unit]["closure"] += 1
        if not finished:
            age = working_days(received, as_of)
            backlog[unit]["0-5" if age <= 5 else "6-10" if age <= 10 else "11-20" if age <= 20 else ">20"] += 1
            step = (
                "verification" if "verified_on" not in c else "disposition" if "disposed_on" not in c
                else "follow_up" if not c["follow_ups"] else "closure"
            )  # fmt: skip
            waiting[unit][step] += 1

    answer = (await api.get("/reports/complaints", params={"year": YEAR, "as_of": as_of.isoformat()})).json()
    found = {
        u["unit_code"]: (
            {k: v for k, v in u["sla_breaches"].items() if v},
            {k: v for k, v in u["open_backlog_by_age"].items() if v},
        )
        for u in answer["units"]
    }
    expected = {unit: (dict(breaches[unit]), dict(backlog[unit])) for unit in considered}
    assert found == expected
    assert any(b for b, _ in found.values())
    stages = {u["unit_code"]: {k: v for k, v in u["open_by_stage"].items() if v} for u in answer["units"]}
    assert stages == {unit: dict(waiting[unit]) for unit in considered}
    assert sum(sum(counts.values()) for counts in waiting.values()) > 0


async def test_rewards_granted_per_unit_by_decree_year(city: City, api: httpx.AsyncClient) -> None:
    units = current_units(city)
    expected = Counter(
        units.get(body["employee_nip"])
        for body in of_type(city, "reward-granted")
        if body["decree_date"].startswith(str(YEAR))
    )
    answer = (await api.get("/reports/rewards-granted", params={"year": YEAR})).json()
    assert {u["unit_code"]: u["granted"] for u in answer["units"]} == dict(expected)
    assert all(u["granted"] == sum(u["by_reward"].values()) for u in answer["units"])
    assert sum(expected.values()) > 0


async def test_the_dashboard_s_staff_csv_is_safe_in_a_spreadsheet(
    api: httpx.AsyncClient, city_stack: tuple[Stack, JejakProcess]
) -> None:
    """The unit page's download: the unit and the person whose name is a formula, as text."""
    stack, services = city_stack
    token = await new_token(stack.database_url, Role.BKPSDM)
    async with httpx.AsyncClient(base_url=services.api, timeout=30) as client:
        assert (await client.post("/ui/masuk", data={"token": token, "next": "/ui/"})).status_code == 303
        download = await client.get(f"/ui/opd/{quote(HOSTILE_UNIT, safe='')}/pegawai.csv", params={"year": YEAR})
    assert download.status_code == 200, download.text
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert "'" + HOSTILE_NAME in [row["name"] for row in rows]
    cells = [cell for row in rows for cell in row.values()]
    assert [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not _is_number(cell)] == []
