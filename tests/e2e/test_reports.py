"""The dossier and the 20 JP compliance report through the API: numbers, scopes, CSV, stamps."""

import csv
import io
import uuid
from typing import Any

import httpx
import pytest

from services.tokens import Role
from tests.builders import envelope, subject, training_completed
from tests.conftest import Stack
from tests.e2e.conftest import ClientAs
from tests.e2e.publishing import publish_to, registered_nip
from tests.waiting import eventually

pytestmark = pytest.mark.e2e
BKPSDM = "bkpsdm-sawahlunto"


async def place(stack: Stack, nip: str, unit: str) -> None:
    body = envelope(
        BKPSDM, employee_nip=nip, unit_code=unit, unit_name=f"Unit {unit}", position="Analis",
        position_kind="pelaksana", decree_number="SK-1", decree_date="2026-01-02", effective_date="2026-01-02",
    )  # fmt: skip
    await publish_to(stack, body, subject("placement-changed", BKPSDM))


async def a_unit_with_two_employees(stack: Stack) -> tuple[str, str, str]:
    """One employee with 24 JP in 2026 (meets 20), one with 4 (does not)."""
    unit = f"U{uuid.uuid4().hex[:8].upper()}"
    keen, other = await registered_nip(stack), await registered_nip(stack)
    for nip in (keen, other):
        await place(stack, nip, unit)
    await publish_to(stack, training_completed(employee_nip=keen, stated_jp=24))
    await publish_to(stack, training_completed(employee_nip=other, training_kind="9", days=1, stated_jp=None))
    return unit, keen, other


async def compliance(client: httpx.AsyncClient, unit: str) -> dict[str, Any] | None:
    response = await client.get("/reports/jp-compliance", params={"year": 2026, "opd": unit})
    response.raise_for_status()
    units: list[dict[str, Any]] = response.json()["units"]
    done = units and units[0]["employees"] == 2 and units[0]["without_jp"] == 0  # both trainings projected
    return units[0] if done else None


async def test_public_aggregates_show_a_unit_only_from_five_people_on(stack: Stack, api_as: ClientAs) -> None:
    """Every public report withholds a unit whose figures rest on fewer than the policy's minimum (5)."""
    unit = f"U{uuid.uuid4().hex[:8].upper()}"
    for _ in range(5):
        nip = await registered_nip(stack)
        await place(stack, nip, unit)
        await publish_to(stack, training_completed(employee_nip=nip, stated_jp=24))
    bkpsdm, public = await api_as(Role.BKPSDM), await api_as(Role.PUBLIC)

    async def five(client: httpx.AsyncClient) -> dict[str, Any] | None:
        units = (await client.get("/reports/jp-compliance", params={"year": 2026, "opd": unit})).json()["units"]
        return units[0] if units and units[0]["employees"] == 5 and units[0]["without_jp"] == 0 else None

    await eventually(lambda: five(bkpsdm), what="the five in the compliance report")
    shown = await five(public)
    assert shown is not None
    assert shown["meeting_target"] == 5
    for route in ("/reports/predikat-distribution", "/reports/complaints", "/reports/rewards-granted"):
        answer = (await public.get(route, params={"year": 2026})).json()
        assert answer["withheld_below"] == 5, route
        assert all(_base(route, row) >= 5 for row in answer["units"]), route


def _base(route: str, row: dict[str, Any]) -> int:
    """What a public report's unit row rests on: people, complaints or rewards."""
    field = {"/reports/complaints": "received", "/reports/rewards-granted": "granted"}.get(route, "employees")
    return int(row[field])


async def test_the_dossier_shows_the_record_and_jp_against_the_target(stack: Stack, api: httpx.AsyncClient) -> None:
    unit, keen, _ = await a_unit_with_two_employees(stack)

    async def dossier() -> dict[str, Any] | None:
        response = await api.get(f"/employees/{keen}/dossier")
        found: dict[str, Any] = response.json()
        return found if response.status_code == 200 and found["jp_per_year"] else None

    found = await eventually(dossier, what="the dossier with its training")
    assert found["placement"]["unit_code"] == unit
    assert [entry["kind"] for entry in found["timeline"]] == ["registered", "placement-changed", "training-completed"]
    [year] = found["jp_per_year"]
    assert (year["year"], year["recognised_jp"], year["target_jp"], year["meets_target"]) == (2026, 24, 20, True)
    assert found["policy_version"] == "2026.1"
    assert found["position"] >= max(entry["position"] for entry in found["timeline"])


async def test_jp_compliance_per_unit_and_its_staff_as_json_and_csv(stack: Stack, api: httpx.AsyncClient) -> None:
    unit, keen, other = await a_unit_with_two_employees(stack)

    row = await eventually(lambda: compliance(api, unit), what="the unit in the compliance report")
    assert (row["employees"], row["meeting_target"], row["share_meeting_target"]) == (2, 1, 0.5)
    assert row["median_jp"] == 14.0  # median of 4 and 24
    assert row["without_jp"] == 0

    staff = (await api.get(f"/reports/jp-compliance/{unit}/staff", params={"year": 2026})).json()
    assert [(s["nip"], s["jp"], s["meets_target"]) for s in staff["staff"]] == [(other, 4.0, False), (keen, 24.0, True)]

    as_csv = await api.get(f"/reports/jp-compliance/{unit}/staff", params={"year": 2026, "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["jejak-policy-version"] == "2026.1"
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["nip"], r["meets_target"]) for r in rows] == [(other, "False"), (keen, "True")]
    by_accept = await api.get(
        "/reports/jp-compliance", params={"year": 2026, "opd": unit}, headers={"Accept": "text/csv"}
    )
    assert by_accept.text.splitlines()[0].startswith("unit_code,unit_name,employees")


async def test_each_role_sees_its_scope_of_the_compliance_report(stack: Stack, api_as: ClientAs) -> None:
    unit, keen, _ = await a_unit_with_two_employees(stack)
    bkpsdm = await api_as(Role.BKPSDM)
    await eventually(lambda: compliance(bkpsdm, unit), what="the unit in the compliance report")

    public = await api_as(Role.PUBLIC)
    withheld = (await public.get("/reports/jp-compliance", params={"year": 2026, "opd": unit})).json()
    assert withheld["units"] == []  # two people are recognisable: their unit's figures are withheld
    assert (withheld["withheld_units"], withheld["withheld_below"]) == (1, 5)
    assert (await public.get(f"/reports/jp-compliance/{unit}/staff")).status_code == 403  # names: never
    assert (await public.get(f"/employees/{keen}/dossier")).status_code == 403

    own = await api_as(Role.OPD, unit)
    assert await compliance(own, unit) is not None
    assert (await own.get("/reports/jp-compliance", params={"year": 2026})).json()["withheld_units"] == 0
    everything = (await own.get("/reports/jp-compliance", params={"year": 2026})).json()["units"]
    assert [u["unit_code"] for u in everything] == [unit]  # an OPD sees its own unit only
    assert (await own.get(f"/employees/{keen}/dossier")).status_code == 200

    stranger = await api_as(Role.OPD, "ANOTHER-UNIT")
    assert (await stranger.get("/reports/jp-compliance", params={"opd": unit})).status_code == 403
    assert (await stranger.get(f"/reports/jp-compliance/{unit}/staff")).status_code == 403
    assert (await stranger.get(f"/employees/{keen}/dossier")).status_code == 403
    assert (await public.get("/reports/jp-compliance", params={"year": 1900})).status_code == 422


async def test_status_shows_every_projection_caught_up(api: httpx.AsyncClient, api_as: ClientAs) -> None:
    async def caught_up() -> dict[str, Any] | None:
        found: dict[str, Any] = (await api.get("/status")).json()
        return found if all(p["lag_events"] == 0 for p in found["projections"]) else None

    found = await eventually(caught_up, what="every projection caught up")
    assert {p["name"] for p in found["projections"]} >= {"competency", "directory", "dossier", "rejections"}
    assert all(p["lag_seconds"] == 0 for p in found["projections"])
    assert (await (await api_as(Role.PUBLIC)).get("/status")).status_code == 403
    metrics = await (await api_as(None)).get("/metrics")
    assert 'jejak_projection_lag_events{projection="dossier"} 0.0' in metrics.text


RATINGS = {1: (1, 1), 2: (2, 2), 3: (3, 1), 4: (2, 3), 5: (3, 3)}
"""A (work result, behaviour) pair the matrix turns into each predikat."""


async def evaluate(stack: Stack, nip: str, predikat: int, evaluation_id: str) -> None:
    work, behaviour = RATINGS[predikat]
    body = envelope(
        "ekinerja-sawahlunto", employee_nip=nip, evaluation_id=evaluation_id, year=2025, period="annual",
        work_result=work, behaviour=behaviour, predikat=predikat, appraiser_nip="197801152005011003",
    )  # fmt: skip
    await publish_to(stack, body, subject("performance-evaluated", "ekinerja-sawahlunto"))


async def test_predikat_distribution_against_the_unit_s_predikat_and_the_guideline(
    stack: Stack, api: httpx.AsyncClient
) -> None:
    unit = f"U{uuid.uuid4().hex[:8].upper()}"
    rating = envelope(BKPSDM, unit_code=unit, unit_name="Dinas Contoh", year=2025, predikat="istimewa")
    await publish_to(stack, rating, subject("organisation-performance-rated", BKPSDM))
    staff = [await registered_nip(stack) for _ in range(3)]
    for nip in staff:
        await place(stack, nip, unit)
    await evaluate(stack, staff[0], 1, f"{staff[0]}-2025")
    await evaluate(stack, staff[1], 2, f"{staff[1]}-2025")
    await evaluate(stack, staff[2], 2, f"{staff[2]}-2025")
    correction = envelope(
        "ekinerja-sawahlunto", employee_nip=staff[2], evaluation_id=f"{staff[2]}-2025b", supersedes=f"{staff[2]}-2025",
        work_result=1, behaviour=1, predikat=1, appraiser_nip="197801152005011003", reason="keberatan dikabulkan",
    )  # fmt: skip
    await publish_to(stack, correction, subject("evaluation-corrected", "ekinerja-sawahlunto"))

    async def distribution() -> dict[str, Any] | None:
        found = (await api.get("/reports/predikat-distribution", params={"year": 2025, "opd": unit})).json()
        units: list[dict[str, Any]] = found["units"]
        return units[0] if units and units[0]["predikat"][0]["employees"] == 2 else None

    row = await eventually(distribution, what="the corrected distribution")
    assert row["employees"] == 3  # the superseded evaluation no longer counts
    assert [(p["name"], p["employees"]) for p in row["predikat"]] == [("Sangat Baik", 2), ("Baik", 1)]
    assert row["unit_predikat"] == "istimewa"
    assert row["guideline_max_sangat_baik"] == 0.7
    assert not row["deviates_from_guideline"]  # 2 of 3 is under 70%

    lenient = f"U{uuid.uuid4().hex[:8].upper()}"
    rating = envelope(BKPSDM, unit_code=lenient, unit_name="Dinas Murah Hati", year=2025, predikat="istimewa")
    await publish_to(stack, rating, subject("organisation-performance-rated", BKPSDM))
    everyone_excellent = await registered_nip(stack)
    await place(stack, everyone_excellent, lenient)
    await evaluate(stack, everyone_excellent, 1, f"{everyone_excellent}-2025")

    async def flagged() -> dict[str, Any] | None:
        units = (await api.get("/reports/predikat-distribution", params={"year": 2025, "opd": lenient})).json()["units"]
        return units[0] if units else None

    assert (await eventually(flagged, what="the lenient unit"))["deviates_from_guideline"]  # 100% > 70%


async def test_complaints_per_opd_link_to_discipline_and_measure_against_the_clock(
    stack: Stack, api: httpx.AsyncClient, api_as: ClientAs
) -> None:
    unit, channel = f"U{uuid.uuid4().hex[:8].upper()}", "lapor"
    nip = await registered_nip(stack)
    tracking = f"LAPOR-{uuid.uuid4().hex[:10]}"
    received = envelope(
        channel, complaint_id=tracking, channel="lapor", classification="complaint", category="normative",
        complainant={"reference": f"akun-{tracking}", "name": "Warga"}, target_unit_code=unit,
        named_employee_nip=nip, summary="Pungutan di loket", received_on="2026-07-01",
    )  # fmt: skip
    await publish_to(stack, received, subject("complaint-received", channel))
    verified = envelope(channel, complaint_id=tracking, outcome="verified", verified_on="2026-07-07")
    await publish_to(stack, verified, subject("complaint-verified", channel))
    case = envelope(
        BKPSDM, employee_nip=nip, case_id=f"C-{tracking}", opened_on="2026-07-10", allegation="pungutan liar",
        complaint_id=tracking,
    )  # fmt: skip
    await publish_to(stack, case, subject("disciplinary-case-opened", BKPSDM))
    penalty = envelope(
        BKPSDM, employee_nip=nip, case_id=f"C-{tracking}", penalty_code="23", decree_number="SK-HD",
        decree_date="2026-07-15", starts_on="2026-07-15",
    )  # fmt: skip
    await publish_to(stack, penalty, subject("penalty-imposed", BKPSDM))

    async def report() -> dict[str, Any] | None:
        params: dict[str, str | int] = {"year": 2026, "opd": unit, "as_of": "2026-07-20"}
        units = (await api.get("/reports/complaints", params=params)).json()["units"]
        return units[0] if units and units[0]["leading_to_penalty"] == 1 else None

    row = await eventually(report, what="the complaint and its penalty in the report")
    assert row["received"] == 1
    assert row["sla_breaches"] == {"verification": 1, "follow_up": 0, "closure": 1}  # 4 > 3; 13 > 5 days
    assert row["open_backlog_by_age"]["11-20"] == 1
    public = await (await api_as(Role.PUBLIC)).get("/reports/complaints", params={"opd": unit, "year": 2026})
    assert public.status_code == 200
    assert "Warga" not in public.text
    assert nip not in public.text


async def test_evaluation_completeness_lists_what_is_missing_and_late(stack: Stack, api: httpx.AsyncClient) -> None:
    unit = f"U{uuid.uuid4().hex[:8].upper()}"
    nip = await registered_nip(stack)
    await place(stack, nip, unit)
    plan = envelope(
        "ekinerja-sawahlunto", employee_nip=nip, year=2025, period_kind="quarterly",
        appraiser_nip="197801152005011003",
    )  # fmt: skip
    await publish_to(stack, plan, subject("performance-plan-set", "ekinerja-sawahlunto"))
    body = envelope(
        "ekinerja-sawahlunto", employee_nip=nip, evaluation_id=f"{nip}-Q1", year=2025, period="Q1", work_result=2,
        behaviour=2, predikat=2, appraiser_nip="197801152005011003",
    )  # fmt: skip
    await publish_to(stack, body, subject("performance-evaluated", "ekinerja-sawahlunto"))

    async def listed() -> dict[str, Any] | None:
        params: dict[str, str | int] = {"year": 2025, "opd": unit, "as_of": "2026-12-01"}
        found = (await api.get("/reports/evaluation-completeness", params=params)).json()["employees"]
        return found[0] if found and found[0]["late"] else None

    row = await eventually(listed, what="the employee in the completeness report")
    assert row["nip"] == nip
    assert row["missing"] == ["Q2", "Q3", "Q4", "annual"]
    assert row["late"] == ["Q1"]  # recorded on 14 March 2026, due 30 April 2025
    assert row["appraised_by_other_than_superior"] == []  # no superior known from the placement


async def test_eligibility_weak_performers_and_discipline_register(stack: Stack, api: httpx.AsyncClient) -> None:
    unit = f"U{uuid.uuid4().hex[:8].upper()}"
    nip = await registered_nip(stack)
    await place(stack, nip, unit)
    work, behaviour = RATINGS[3]
    weak = envelope(
        "ekinerja-sawahlunto", employee_nip=nip, evaluation_id=f"{nip}-2026Q1", year=2026, period="Q1",
        work_result=work, behaviour=behaviour, predikat=3, appraiser_nip="197801152005011003",
    )  # fmt: skip
    await publish_to(stack, weak, subject("performance-evaluated", "ekinerja-sawahlunto"))
    await publish_to(stack, training_completed(employee_nip=nip, start_date="2026-05-04", end_date="2026-05-06"))
    case = envelope(BKPSDM, employee_nip=nip, case_id="C-1", opened_on="2026-04-01", allegation="terlambat")
    await publish_to(stack, case, subject("disciplinary-case-opened", BKPSDM))
    penalty = envelope(
        BKPSDM, employee_nip=nip, case_id="C-1", penalty_code="2", decree_number="SK-1", decree_date="2026-04-20",
        starts_on="2026-04-20", ends_on="2026-10-20",
    )  # fmt: skip
    await publish_to(stack, penalty, subject("penalty-imposed", BKPSDM))
    params: dict[str, str | int] = {"year": 2026, "opd": unit, "as_of": "2026-06-01"}

    async def register() -> dict[str, Any] | None:
        cases = (await api.get("/reports/discipline", params=params)).json()["cases"]
        return cases[0] if cases and cases[0]["level"] else None

    case_row = await eventually(register, what="the case with its penalty")
    assert (case_row["nip"], case_row["level"], case_row["in_force"], case_row["unit_code"]) == (nip, "R", True, unit)
    [follow_up] = (await api.get("/reports/weak-performers", params=params)).json()["evaluations"]
    assert (follow_up["predikat"], follow_up["developed_on"], follow_up["overdue"]) == (3, "2026-05-06", False)
    [standing] = (await api.get("/reports/reward-eligibility", params=params)).json()["employees"]
    assert standing["nip"] == nip
    assert not standing["performance_award_candidate"]  # no annual evaluation, and a penalty in force


async def test_lists_sort_and_page_and_refuse_unknown_sort_fields(stack: Stack, api: httpx.AsyncClient) -> None:
    unit, keen, other = await a_unit_with_two_employees(stack)
    await eventually(lambda: compliance(api, unit), what="the unit in the compliance report")
    path = f"/reports/jp-compliance/{unit}/staff"

    by_jp_desc = (await api.get(path, params={"year": 2026, "sort": "-jp"})).json()
    assert [s["nip"] for s in by_jp_desc["staff"]] == [keen, other]
    first = (await api.get(path, params={"year": 2026, "sort": "-jp", "limit": 1})).json()
    second = (await api.get(path, params={"year": 2026, "sort": "-jp", "limit": 1, "offset": 1})).json()
    assert (first["total"], [s["nip"] for s in first["staff"]], [s["nip"] for s in second["staff"]]) == (
        2,
        [keen],
        [other],
    )
    assert (await api.get(path, params={"sort": "salary"})).status_code == 422
    assert (await api.get(path, params={"limit": 0})).status_code == 422
    assert (await api.get("/reports/predikat-distribution", params={"period": "Q5"})).status_code == 422


@pytest.mark.parametrize("as_of", ["9999-12-27", "1999-12-31"])
@pytest.mark.parametrize("path", ["/reports/complaints", "/reports/discipline", "/reports/reward-eligibility"])
async def test_a_report_s_day_lies_in_its_documented_range(api_as: ClientAs, path: str, as_of: str) -> None:
    """A public token asked for complaints as of 9999-12-27: each request held the whole API for about 10 s."""
    answer = await (await api_as(Role.PUBLIC if path == "/reports/complaints" else Role.BKPSDM)).get(
        path, params={"as_of": as_of}
    )
    assert answer.status_code == 422, answer.text
    assert "a report's day lies from 2000-01-01 to" in answer.text


async def test_after_a_transfer_the_new_unit_sees_the_person_s_records_and_the_old_one_does_not(
    stack: Stack, api_as: ClientAs
) -> None:
    """One rule for every list of named people: an OPD head sees the unit's current staff, whatever unit the
    record was made in (the dossier, the staff list, eligibility, weak performers, completeness, discipline)."""
    old, new = f"U{uuid.uuid4().hex[:8].upper()}", f"U{uuid.uuid4().hex[:8].upper()}"
    nip = await registered_nip(stack)
    await place(stack, nip, old)
    appraiser = "197801152005011003"
    plan = envelope(
        "ekinerja-sawahlunto", employee_nip=nip, year=2026, period_kind="quarterly", appraiser_nip=appraiser
    )
    await publish_to(stack, plan, subject("performance-plan-set", "ekinerja-sawahlunto"))
    work, behaviour = RATINGS[3]
    weak = envelope(
        "ekinerja-sawahlunto", employee_nip=nip, evaluation_id=f"{nip}-2026Q1", year=2026, period="Q1",
        work_result=work, behaviour=behaviour, predikat=3, appraiser_nip=appraiser,
    )  # fmt: skip
    await publish_to(stack, weak, subject("performance-evaluated", "ekinerja-sawahlunto"))
    case = envelope(BKPSDM, employee_nip=nip, case_id=f"C-{nip}", opened_on="2026-04-01", allegation="terlambat")
    await publish_to(stack, case, subject("disciplinary-case-opened", BKPSDM))
    moved = envelope(
        BKPSDM, employee_nip=nip, unit_code=new, unit_name=f"Unit {new}", position="Analis",
        position_kind="pelaksana", decree_number="SK-2", decree_date="2026-06-01", effective_date="2026-06-01",
    )  # fmt: skip
    await publish_to(stack, moved, subject("placement-changed", BKPSDM))
    bkpsdm = await api_as(Role.BKPSDM)

    async def transferred() -> bool | None:
        dossier = (await bkpsdm.get(f"/employees/{nip}/dossier")).json()
        cases = (await bkpsdm.get("/reports/discipline", params={"year": 2026})).json()["cases"]
        placed = dossier.get("placement", {}).get("unit_code") == new
        return True if placed and any(c["nip"] == nip for c in cases) else None

    await eventually(transferred, what="the transfer and the case projected")
    lists = {
        "/reports/discipline": "cases",
        "/reports/evaluation-completeness": "employees",
        "/reports/reward-eligibility": "employees",
        "/reports/weak-performers": "evaluations",
    }
    for unit, sees in ((new, True), (old, False)):
        head = await api_as(Role.OPD, unit)
        for route, key in lists.items():
            rows = (await head.get(route, params={"year": 2026, "as_of": "2026-06-30"})).json()[key]
            assert any(row["nip"] == nip for row in rows) is sees, (unit, route)
        assert ((await head.get(f"/employees/{nip}/dossier")).status_code == 200) is sees, unit


async def test_the_backlog_as_of_a_past_day_holds_what_was_open_then(stack: Stack, api: httpx.AsyncClient) -> None:
    """Received in 2025, closed in March 2026: open on 1 February, not on 1 April, whatever it is now."""
    unit, tracking = f"U{uuid.uuid4().hex[:8].upper()}", f"LAPOR-{uuid.uuid4().hex[:10]}"
    steps: list[tuple[str, dict[str, Any]]] = [
        ("complaint-received", {"channel": "lapor", "classification": "complaint", "category": "light",
                                "complainant": {"reference": f"akun-{tracking}"}, "target_unit_code": unit,
                                "summary": "Loket tutup", "received_on": "2025-12-01"}),
        ("complaint-verified", {"outcome": "verified", "verified_on": "2025-12-02"}),
        ("complaint-disposed", {"unit_code": unit, "disposed_on": "2025-12-03"}),
        ("complaint-followed-up", {"unit_code": unit, "action": "loket dibuka", "followed_up_on": "2025-12-04"}),
        ("complaint-closed", {"resolution": "selesai", "closed_on": "2026-03-02", "satisfaction": 4}),
    ]  # fmt: skip
    for event_type, fields in steps:
        await publish_to(stack, envelope("lapor", complaint_id=tracking, **fields), subject(event_type, "lapor"))

    async def backlog(as_of: str) -> int | None:
        params: dict[str, str | int] = {"year": 2026, "opd": unit, "as_of": as_of}
        units = (await api.get("/reports/complaints", params=params)).json()["units"]
        return sum(units[0]["open_by_stage"].values()) if units else 0

    async def closed_now() -> bool | None:
        return True if await backlog("2026-04-01") == 0 and await backlog("2026-02-01") is not None else None

    async def projected() -> bool | None:  # the closing step is in the read model
        rows = (await api.get("/reports/complaints", params={"year": 2025, "opd": unit})).json()["units"]
        return True if rows and rows[0]["median_working_days"]["closure"] is not None else None

    await eventually(projected, what="the complaint closed in the read model")
    assert await closed_now()
    assert await backlog("2026-02-01") == 1  # open then: waiting for closure
