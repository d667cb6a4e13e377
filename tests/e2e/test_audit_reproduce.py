"""An auditor saves reports from the API, the city moves on, and ``jejak audit reproduce`` rebuilds each
one from the event store at the position it names: identical, or a readable difference, or a clear no."""

import asyncio
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from typer.testing import CliRunner, Result

from services.audit.report_compare import digest
from services.audit.reproduce import reproduce as rebuild_report
from services.cli import app
from tests.builders import BKPSDM, envelope, event_id, subject, training_completed, unique_nip
from tests.conftest import Stack
from tests.e2e.publishing import publish_to, registered_nip
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

EKINERJA, CHANNEL = "ekinerja-sawahlunto", "pengaduan-sawahlunto"
AS_OF = "2026-07-20"


async def hire(stack: Stack, unit: str, predikat: tuple[int, int, int]) -> str:
    """A new employee of ``unit`` with a 24 JP training in 2026 and an annual 2025 evaluation."""
    nip, appraiser = await registered_nip(stack), unique_nip()
    await publish_to(stack, envelope(
        BKPSDM, employee_nip=nip, unit_code=unit, unit_name=f"Unit {unit}", position="Analis",
        position_kind="pelaksana", superior_nip=appraiser, decree_number="SK-1", decree_date="2026-01-02",
        effective_date="2026-01-02",
    ), subject("placement-changed", BKPSDM))  # fmt: skip
    await publish_to(stack, training_completed(employee_nip=nip, stated_jp=24))
    await publish_to(stack, envelope(
        EKINERJA, employee_nip=nip, year=2025, period_kind="quarterly", appraiser_nip=appraiser,
    ), subject("performance-plan-set", EKINERJA))  # fmt: skip
    work_result, behaviour, rated = predikat
    await publish_to(stack, envelope(
        EKINERJA, employee_nip=nip, evaluation_id=f"{nip}-2025", year=2025, period="annual",
        work_result=work_result, behaviour=behaviour, predikat=rated, appraiser_nip=appraiser,
    ), subject("performance-evaluated", EKINERJA))  # fmt: skip
    return nip


async def complain_about(stack: Stack, unit: str) -> None:
    await publish_to(stack, envelope(
        CHANNEL, complaint_id=f"P-{event_id()}", channel="city-channel", classification="complaint", category="light",
        complainant={"reference": f"warga-{event_id()}"}, target_unit_code=unit, summary="Antrean panjang",
        received_on="2026-04-06",
    ), subject("complaint-received", CHANNEL))  # fmt: skip


@dataclass(frozen=True)
class Asked:
    """A report as the API served it, and how to name it to ``jejak audit reproduce``."""

    report: str
    route: str
    params: dict[str, Any]
    options: tuple[str, ...]
    ready: str
    """The list in the body that must hold every employee or complaint of the unit."""


def reports_of(unit: str, nip: str) -> list[Asked]:
    return [
        Asked("jp-compliance", "/reports/jp-compliance", {"year": 2026, "opd": unit}, ("--opd", unit), "units"),
        Asked("predikat-distribution", "/reports/predikat-distribution", {"year": 2025, "opd": unit},
              ("--opd", unit), "units"),
        Asked("complaints", "/reports/complaints", {"year": 2026, "opd": unit, "as_of": AS_OF}, ("--opd", unit),
              "units"),
        Asked("reward-eligibility", "/reports/reward-eligibility", {"year": 2026, "opd": unit, "as_of": AS_OF},
              ("--opd", unit), "employees"),
        Asked("dossier", f"/employees/{nip}/dossier", {}, (), "timeline"),
    ]  # fmt: skip


def size(asked: Asked, body: dict[str, Any]) -> int:
    """Employees (or complaints, or dossier entries) the body counts for the unit."""
    rows: list[dict[str, Any]] = body[asked.ready]
    if asked.report == "complaints":
        return sum(row["received"] for row in rows)
    if asked.ready == "units":
        return sum(row["employees"] for row in rows)
    return len(rows)


async def served(api: httpx.AsyncClient, asked: Asked, at_least: int) -> dict[str, Any]:
    async def grown() -> dict[str, Any] | None:
        response = await api.get(asked.route, params=asked.params)
        body: dict[str, Any] = response.json()
        return body if response.status_code == 200 and size(asked, body) >= at_least else None

    return await eventually(grown, what=f"{asked.report} with {at_least}")


def reproduce(stack: Stack, *args: str) -> Result:
    env = {"JEJAK_DATABASE_URL": stack.database_url, "JEJAK_NATS_URL": stack.nats_url}
    return CliRunner().invoke(app, ["audit", "reproduce", *args], env=env)


def scratch_schemas(db: psycopg.Connection[tuple[object, ...]]) -> int:
    row = db.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'reproduce\\_%'").fetchone()
    assert row is not None
    return int(str(row[0]))


async def test_reports_saved_before_the_city_moved_on_are_reproduced_identical(
    stack: Stack, api: httpx.AsyncClient, db: psycopg.Connection[tuple[object, ...]], tmp_path: Path
) -> None:
    unit = f"R{uuid.uuid4().hex[:8].upper()}"
    nip = await hire(stack, unit, (1, 2, 2))
    await hire(stack, unit, (2, 3, 4))
    await complain_about(stack, unit)
    asked = reports_of(unit, nip)
    minimum = {"jp-compliance": 2, "predikat-distribution": 2, "complaints": 1, "reward-eligibility": 2, "dossier": 4}
    saved = {a.report: await served(api, a, minimum[a.report]) for a in asked}

    await hire(stack, unit, (1, 2, 2))  # the live read models move on past every saved position
    await complain_about(stack, unit)
    await publish_to(stack, training_completed(employee_nip=nip, stated_jp=8))
    later = {a.report: await served(api, a, size(a, saved[a.report]) + 1) for a in asked}

    for a in asked:
        assert later[a.report]["position"] > saved[a.report]["position"]
        assert later[a.report] != saved[a.report]
        file = tmp_path / f"{a.report}.json"
        file.write_text(json.dumps(saved[a.report]))
        position = str(saved[a.report]["position"])

        result = await asyncio.to_thread(
            reproduce, stack, a.report, "--at", position, *a.options, "--expect", str(file)
        )

        assert result.exit_code == 0, result.output + repr(result.exception)
        assert f"identical: {a.report} at position {position}" in result.stdout
        assert f"sha256 {digest(saved[a.report])}" in result.stdout

    # Without --expect, the report itself and its digest: the live one at its own, newer position.
    current = later["complaints"]
    result = await asyncio.to_thread(
        reproduce, stack, "complaints", "--at", str(current["position"]), "--opd", unit, "--year", "2026",
        "--as-of", AS_OF,
    )  # fmt: skip
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert json.loads(result.stdout) == current
    assert f"sha256 {digest(current)}" in result.stderr
    assert scratch_schemas(db) == 0


async def test_an_edited_report_is_named_where_it_differs(
    stack: Stack, api: httpx.AsyncClient, db: psycopg.Connection[tuple[object, ...]], tmp_path: Path
) -> None:
    unit = f"R{uuid.uuid4().hex[:8].upper()}"
    await hire(stack, unit, (1, 2, 2))
    [compliance] = reports_of(unit, "")[:1]
    served_body = await served(api, compliance, 1)
    edited = json.loads(json.dumps(served_body))
    meeting = served_body["units"][0]["meeting_target"]
    edited["units"][0]["meeting_target"] = meeting + 7
    file = tmp_path / "edited.json"
    file.write_text(json.dumps(edited, indent=2))

    result = await asyncio.to_thread(
        reproduce, stack, "jp-compliance", "--at", str(served_body["position"]), "--opd", unit, "--expect", str(file)
    )

    assert result.exit_code == 1, result.output + repr(result.exception)
    assert "differ in 1 place(s)" in result.stdout
    assert f"units[0].meeting_target: saved {meeting + 7}, rebuilt {meeting}" in result.stdout
    assert scratch_schemas(db) == 0


async def test_what_cannot_be_reproduced_is_refused_with_a_reason(
    stack: Stack, db: psycopg.Connection[tuple[object, ...]], tmp_path: Path
) -> None:
    row = db.execute("SELECT max(notification_id) FROM jejak_events").fetchone()
    head = int(str(row[0])) if row is not None and row[0] is not None else 0

    beyond = await asyncio.to_thread(reproduce, stack, "jp-compliance", "--at", str(head + 1000), "--year", "2026")
    assert beyond.exit_code == 2
    assert f"position {head + 1000} is beyond the store's head" in beyond.output

    rejections = await asyncio.to_thread(reproduce, stack, "rejections", "--at", "1")
    assert rejections.exit_code == 2
    assert "built from the REJECTED stream, not from the event store" in rejections.output

    other = tmp_path / "other.json"
    other.write_text(json.dumps({"year": 2026, "units": [], "position": 3, "policy_version": "2026.1"}))
    mismatch = await asyncio.to_thread(reproduce, stack, "jp-compliance", "--at", "2", "--expect", str(other))
    assert mismatch.exit_code == 2
    assert "built from position 3, not 2: reproduce it with --at 3" in mismatch.output

    unknown_nip = await asyncio.to_thread(reproduce, stack, "dossier", "--at", "1", "--nip", unique_nip())
    assert unknown_nip.exit_code == 2
    assert "the API answers 404 at this position" in unknown_nip.output
    assert scratch_schemas(db) == 0


async def test_an_interrupted_reproduction_drops_its_scratch_read_models(
    stack: Stack, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    row = db.execute("SELECT max(notification_id) FROM jejak_events").fetchone()
    assert row is not None
    seen: list[int] = []

    def interrupt(position: int, last: int) -> None:
        with psycopg.connect(stack.database_url, autocommit=True) as conn:
            seen.append(scratch_schemas(conn))
        raise RuntimeError("stopped by the test")

    with pytest.raises(RuntimeError, match="stopped by the test"):
        await asyncio.to_thread(rebuild_report, stack.database_url, "discipline", int(str(row[0])), {}, interrupt)

    assert seen == [1]  # it was there while building
    assert scratch_schemas(db) == 0
