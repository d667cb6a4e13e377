"""The record as it stood, through the whole pipeline: an evaluation corrected after the fact, a training
reported late, a complaint naming the employee whose handling the store learned step by step, read by an
auditor from the real event store through the API and ``jejak audit``."""

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from schemathesis.openapi import from_url
from typer.testing import CliRunner

from services.cli import app
from services.tokens import Role
from tests.builders import BKPSDM, employee_registered, envelope, event_id, subject, training_completed, unique_nip
from tests.conftest import Stack
from tests.e2e.conftest import ClientAs, bearer, new_token
from tests.e2e.process import JejakProcess
from tests.e2e.publishing import publish_to
from tests.waiting import eventually

pytestmark = pytest.mark.e2e
EKINERJA = "ekinerja-sawahlunto"


@dataclass(frozen=True)
class Story:
    nip: str
    before_correction: str
    """The instant the store had recorded the evaluation and the late training, not yet the correction."""
    corrected_at: str
    """When the store recorded the correction."""


async def stored(auditor: httpx.AsyncClient, nip: str, kinds: list[str]) -> dict[str, Any]:
    """The dossier as known now, once the store holds ``kinds`` (the audit route reads the store, not a read model)."""

    async def ready() -> dict[str, Any] | None:
        response = await auditor.get(f"/audit/employees/{nip}/dossier", params={"as_of": "2100-01-01"})
        found: dict[str, Any] = response.json()
        return found if response.status_code == 200 and [e["kind"] for e in found["timeline"]] == kinds else None

    return await eventually(ready, what=f"{kinds} in the store")


async def corrected_later(stack: Stack, auditor: httpx.AsyncClient) -> Story:
    """Registered in 2025; the 2025 evaluation (Kurang) and a November 2025 training reported now; then the
    objection is upheld and the correction (Baik) recorded."""
    nip, appraiser = unique_nip(), unique_nip()
    registered = employee_registered(nip, occurred_at="2025-01-02T09:00:00+07:00")
    await publish_to(stack, registered, subject("employee-registered", BKPSDM))
    rating = {"employee_nip": nip, "appraiser_nip": appraiser}
    evaluated = {**rating, "evaluation_id": f"{nip}-2025", "year": 2025, "period": "annual", "work_result": 2,
                 "behaviour": 3, "predikat": 4, "occurred_at": "2026-01-10T09:00:00+07:00"}  # fmt: skip
    await publish_to(stack, envelope(EKINERJA, **evaluated), subject("performance-evaluated", EKINERJA))
    late = training_completed(employee_nip=nip, start_date="2025-11-17", end_date="2025-11-20",
                              occurred_at="2025-11-20T16:00:00+07:00")  # fmt: skip
    await publish_to(stack, late)
    known = await stored(auditor, nip, ["registered", "training-completed", "performance-evaluated"])
    before_correction = max(entry["recorded_at"] for entry in known["timeline"])
    correction = {**rating, "evaluation_id": f"{nip}-2025b", "supersedes": f"{nip}-2025", "work_result": 1,
                  "behaviour": 2, "predikat": 2, "reason": "keberatan dikabulkan",
                  "occurred_at": "2026-02-15T10:00:00+07:00"}  # fmt: skip
    await publish_to(stack, envelope(EKINERJA, **correction), subject("evaluation-corrected", EKINERJA))
    now = await stored(
        auditor, nip, ["registered", "training-completed", "performance-evaluated", "evaluation-corrected"]
    )
    return Story(nip, before_correction, now["timeline"][-1]["recorded_at"])


def in_force(found: dict[str, Any]) -> list[tuple[str, int]]:
    return [(e["details"]["evaluation_id"][-5:], e["details"]["predikat"]) for e in found["evaluations_in_force"]]


async def test_an_auditor_sees_the_dossier_as_it_stood_before_and_after_a_later_correction(
    stack: Stack, api_as: ClientAs
) -> None:
    auditor = await api_as(Role.AUDITOR)
    story = await corrected_later(stack, auditor)
    path = f"/audit/employees/{story.nip}/dossier"

    then = (await auditor.get(path, params={"as_of": "2026-12-31", "as_known_on": story.before_correction})).json()
    now = (await auditor.get(path, params={"as_of": "2026-12-31"})).json()
    before_it_happened = (await auditor.get(path, params={"as_of": "2026-02-14"})).json()

    assert in_force(then) == [("-2025", 4)]  # Kurang: the correction was not yet recorded
    [original] = [e for e in then["timeline"] if e["kind"] == "performance-evaluated"]
    assert original["corrected_by"]["applied"] is False
    assert original["corrected_by"]["reason"] == "keberatan dikabulkan"
    assert then["recorded_later"] == 1
    assert in_force(now) == [("2025b", 2)]  # Baik once the store knows the correction
    assert [e["corrected_by"]["applied"] for e in now["timeline"] if e["kind"] == "performance-evaluated"] == [True]
    assert in_force(before_it_happened) == [("-2025", 4)]  # the objection was upheld on 15 February
    assert before_it_happened["happened_later"] == 1
    assert now["position"] >= max(e["position"] for e in now["timeline"])
    assert (now["as_known_on"], then["as_of"]) == (None, "2026-12-31T23:59:59.999999+07:00")


async def test_a_training_reported_late_has_both_times_and_counts_only_from_when_it_was_known(
    stack: Stack, api_as: ClientAs
) -> None:
    auditor = await api_as(Role.AUDITOR)
    story = await corrected_later(stack, auditor)
    path = f"/audit/employees/{story.nip}/dossier"

    known_now = (await auditor.get(path, params={"as_of": "2025-12-31"})).json()
    known_then = await auditor.get(path, params={"as_of": "2025-12-31", "as_known_on": "2025-12-31"})

    [year] = known_now["jp_per_year"]
    assert (year["year"], year["recognised_jp"], year["target_jp"], year["meets_target"]) == (2025, 24, 20, True)
    [late] = [e for e in known_now["timeline"] if e["kind"] == "training-completed"]
    assert late["occurred_at"] == "2025-11-20T16:00:00+07:00"  # as the sender stated it
    assert late["recorded_at"] > "2026-01-01"  # recorded by this test, long after it happened
    assert known_then.status_code == 404  # the store held nothing about this employee on 31 December 2025
    assert "no record yet" in known_then.json()["detail"]


async def test_the_diff_shows_what_the_store_learned_between_two_moments(stack: Stack, api_as: ClientAs) -> None:
    auditor = await api_as(Role.AUDITOR)
    story = await corrected_later(stack, auditor)

    response = await auditor.get(
        f"/audit/employees/{story.nip}/dossier-diff",
        params={"from": story.before_correction, "to": story.corrected_at, "axis": "recorded"},
    )

    assert response.status_code == 200, response.text
    changed = response.json()
    assert [e["kind"] for e in changed["added"]] == ["evaluation-corrected"]
    [effect] = changed["corrections"]
    assert (effect["kind"], effect["before"]["applied"], effect["after"]["applied"]) == (
        "performance-evaluated",
        False,
        True,
    )
    assert changed["removed"] == []


async def test_only_auditors_read_the_record_as_it_stood(stack: Stack, api_as: ClientAs) -> None:
    auditor = await api_as(Role.AUDITOR)
    nip = (await corrected_later(stack, auditor)).nip
    path, when = f"/audit/employees/{nip}/dossier", {"as_of": "2026-12-31"}

    for role, opd in ((Role.BKPSDM, None), (Role.OPD, "DINKES"), (Role.PUBLIC, None)):
        assert (await (await api_as(role, opd)).get(path, params=when)).status_code == 403
    assert (await (await api_as(None)).get(path, params=when)).status_code == 401
    assert (await auditor.get(f"/audit/employees/{unique_nip()}/dossier", params=when)).status_code == 404
    assert (await auditor.get("/audit/employees/123/dossier", params=when)).status_code == 422
    for wrong in (
        {"as_of": "2026-02-30"},
        {"as_of": "2026-03-01T10:00"},
        {},
        {"as_of": "2026-03-01", "as_known_on": "x"},
    ):
        assert (await auditor.get(path, params=wrong)).status_code == 422, wrong
    diff = await auditor.get(f"/audit/employees/{nip}/dossier-diff", params={"from": "2026-01-01", "to": "2026-13-01"})
    assert diff.status_code == 422


async def test_the_cli_shows_the_same_dossier_and_says_what_it_cannot_find(stack: Stack, api_as: ClientAs) -> None:
    auditor = await api_as(Role.AUDITOR)
    story = await corrected_later(stack, auditor)
    env = {"JEJAK_DATABASE_URL": stack.database_url, "JEJAK_NATS_URL": stack.nats_url, "COLUMNS": "250"}

    def jejak(*args: str) -> Any:
        return CliRunner().invoke(app, ["audit", *args], env=env)

    when = ["--as-of", "2026-12-31", "--as-known-on", story.before_correction]
    as_json = await asyncio.to_thread(jejak, "dossier", story.nip, *when, "--json")
    served = await auditor.get(
        f"/audit/employees/{story.nip}/dossier", params={"as_of": "2026-12-31", "as_known_on": story.before_correction}
    )
    table = await asyncio.to_thread(jejak, "dossier", story.nip, *when)
    changed = await asyncio.to_thread(
        jejak, "dossier-diff", story.nip, "--from", "2024-12-31", "--to", "2026-12-31", "--json"
    )
    unknown = await asyncio.to_thread(jejak, "dossier", unique_nip(), "--as-of", "2026-12-31")
    bad_date = await asyncio.to_thread(jejak, "dossier", story.nip, "--as-of", "31/12/2026")

    assert as_json.exit_code == 0, as_json.output
    same = {key for key in served.json() if key != "position"}  # other tests may store events in between
    assert {k: v for k, v in json.loads(as_json.stdout).items() if k in same} == {
        k: v for k, v in served.json().items() if k in same
    }
    assert table.exit_code == 0, table.output
    assert "corrected later by" in table.stdout, table.stdout
    assert "Kurang" in table.stdout
    assert changed.exit_code == 0, changed.output
    assert [e["kind"] for e in json.loads(changed.stdout)["added"]] == [
        "registered",
        "training-completed",
        "performance-evaluated",
        "evaluation-corrected",
    ]
    assert (unknown.exit_code, "no employee with NIP" in unknown.output) == (1, True)
    assert bad_date.exit_code == 2
    assert "neither a date" in bad_date.output


LAPOR = "lapor"
COMPLAINANT_NAME = "Saksi Tersembunyi"
"""Its own name: test_complaints checks that "Pelapor Rahasia" never reaches the store, not even as free text."""


@dataclass(frozen=True)
class Complained:
    nip: str
    tracking: str
    case: str
    complainant: dict[str, str]
    before_disposal: str
    """The instant the store had recorded the receipt and the verification, not yet the disposition."""


async def complaint_step(
    auditor: httpx.AsyncClient, nip: str, state: str, cases: list[str] | None = None
) -> dict[str, Any]:
    """The complaint as known now, once the store holds it in ``state`` (and, if given, linked to ``cases``)."""

    async def ready() -> dict[str, Any] | None:
        response = await auditor.get(f"/audit/employees/{nip}/dossier", params={"as_of": "2100-01-01"})
        found: dict[str, Any] = response.json()
        if response.status_code != 200 or [c["state"] for c in found["complaints"]] != [state]:
            return None
        return found if cases is None or found["complaints"][0]["disciplinary_cases"] == cases else None

    return await eventually(ready, what=f"the complaint {state} in the store")


async def complained_about(stack: Stack, auditor: httpx.AsyncClient, bkpsdm: httpx.AsyncClient) -> Complained:
    """Registered in 2025; a citizen names them in a complaint received 6 April 2026, verified on the 7th;
    then (recorded after that) disposed to DPUPR on the 8th and a disciplinary case opened on the 15th citing it."""
    nip, tracking = unique_nip(), f"LAPOR-{uuid.uuid4().hex[:10]}"
    complainant = {"reference": f"akun-{event_id()}", "name": COMPLAINANT_NAME, "contact": "pelapor@example.org"}
    registered = employee_registered(nip, occurred_at="2025-01-02T09:00:00+07:00")
    await publish_to(stack, registered, subject("employee-registered", BKPSDM))
    received = envelope(
        LAPOR, complaint_id=tracking, channel="lapor", classification="complaint", category="normative",
        complainant=complainant, target_unit_code="DPUPR", named_employee_nip=nip,
        summary=f"Pungutan liar di loket, kata {COMPLAINANT_NAME}", received_on="2026-04-06",
        occurred_at="2026-04-06T09:00:00+07:00",
    )  # fmt: skip
    await publish_to(stack, received, subject("complaint-received", LAPOR))
    verified = envelope(LAPOR, complaint_id=tracking, outcome="verified", verified_on="2026-04-07",
                        note="pelapor dihubungi", occurred_at="2026-04-07T09:00:00+07:00")  # fmt: skip
    await publish_to(stack, verified, subject("complaint-verified", LAPOR))
    known = await complaint_step(auditor, nip, "verified")
    before_disposal = max(entry["recorded_at"] for entry in known["timeline"])
    disposed = envelope(LAPOR, complaint_id=tracking, unit_code="DPUPR", disposed_on="2026-04-08",
                        occurred_at="2026-04-08T09:00:00+07:00")  # fmt: skip
    await publish_to(stack, disposed, subject("complaint-disposed", LAPOR))
    case = envelope(
        BKPSDM, employee_nip=nip, case_id=f"C-{tracking}", opened_on="2026-04-15", allegation="pungutan liar",
        complaint_id=tracking, occurred_at="2026-04-15T09:00:00+07:00",
    )  # fmt: skip
    await publish_to(stack, case, subject("disciplinary-case-opened", BKPSDM))
    await complaint_step(auditor, nip, "disposed", [f"C-{tracking}"])
    await live_complaints(bkpsdm, nip, ["disposed"])  # from here on the read model's index holds the complaint
    return Complained(nip, tracking, f"C-{tracking}", complainant, before_disposal)


async def live_complaints(bkpsdm: httpx.AsyncClient, nip: str, states: list[str]) -> list[dict[str, Any]]:
    """The complaints of the live dossier (the read model the audit routes use as an index), once in ``states``."""

    async def ready() -> list[dict[str, Any]] | None:
        response = await bkpsdm.get(f"/employees/{nip}/dossier")
        named: list[dict[str, Any]] = response.json()["complaints"] if response.status_code == 200 else []
        return named if response.status_code == 200 and [c["state"] for c in named] == states else None

    return await eventually(ready, what=f"the live dossier's complaints {states}")


async def test_a_complaint_naming_the_employee_is_in_the_dossier_as_it_stood_without_its_complainant(
    stack: Stack, api_as: ClientAs
) -> None:
    auditor = await api_as(Role.AUDITOR)
    story = await complained_about(stack, auditor, await api_as(Role.BKPSDM))
    path = f"/audit/employees/{story.nip}/dossier"

    then = await auditor.get(path, params={"as_of": "2026-04-30", "as_known_on": story.before_disposal})
    now = await auditor.get(path, params={"as_of": "2026-04-30"})
    on_receipt_day = (await auditor.get(path, params={"as_of": "2026-04-06"})).json()
    the_day_before = (await auditor.get(path, params={"as_of": "2026-04-05"})).json()
    changed = await auditor.get(
        f"/audit/employees/{story.nip}/dossier-diff",
        params={"from": story.before_disposal, "to": "2100-01-01", "axis": "recorded"},
    )

    [stood] = then.json()["complaints"]
    assert (stood["complaint_id"], stood["state"], stood["verified_on"], stood["disposed_to"]) == (
        story.tracking, "verified", "2026-04-07", None
    )  # fmt: skip
    assert stood["disciplinary_cases"] == []  # the case was recorded after as_known_on
    assert then.json()["recorded_later"] == 2  # the disposition and the case
    [known] = now.json()["complaints"]
    assert (known["state"], known["disposed_to"], known["disposed_on"], known["disciplinary_cases"]) == (
        "disposed", "DPUPR", "2026-04-08", [story.case]
    )  # fmt: skip
    assert [e["kind"] for e in now.json()["timeline"]] == [
        "registered", "complaint-named", "complaint-verified", "complaint-disposed", "disciplinary-case-opened"
    ]  # fmt: skip
    assert [c["state"] for c in on_receipt_day["complaints"]] == ["received"]  # verified on the 7th
    assert the_day_before["complaints"] == []
    assert "complaint-named" not in [e["kind"] for e in the_day_before["timeline"]]
    assert changed.status_code == 200, changed.text
    [moved] = changed.json()["complaints"]
    assert (moved["before"]["state"], moved["after"]["state"]) == ("verified", "disposed")
    for response in (then, now, changed):
        for secret in (*story.complainant.values(), "complainant", "Pungutan liar", "dihubungi"):
            assert secret not in response.text, (secret, response.text)


async def test_the_cli_shows_the_complaints_as_the_api_does(stack: Stack, api_as: ClientAs) -> None:
    auditor = await api_as(Role.AUDITOR)
    story = await complained_about(stack, auditor, await api_as(Role.BKPSDM))
    env = {"JEJAK_DATABASE_URL": stack.database_url, "JEJAK_NATS_URL": stack.nats_url, "COLUMNS": "250"}
    when = ["--as-of", "2026-04-30", "--as-known-on", story.before_disposal]

    as_json = await asyncio.to_thread(CliRunner().invoke, app, ["audit", "dossier", story.nip, *when, "--json"],
                                      env=env)  # fmt: skip
    table = await asyncio.to_thread(CliRunner().invoke, app, ["audit", "dossier", story.nip, "--as-of", "2026-04-30"],
                                    env=env)  # fmt: skip
    served = await auditor.get(
        f"/audit/employees/{story.nip}/dossier", params={"as_of": "2026-04-30", "as_known_on": story.before_disposal}
    )

    assert as_json.exit_code == 0, as_json.output
    printed = json.loads(as_json.stdout)
    assert printed["complaints"] == served.json()["complaints"]
    assert printed["timeline"] == served.json()["timeline"]
    assert [c["state"] for c in printed["complaints"]] == ["verified"]
    assert table.exit_code == 0, table.output
    assert "Complaints naming them" in table.stdout
    assert story.case in table.stdout
    assert COMPLAINANT_NAME not in as_json.stdout + table.stdout


async def test_a_complaint_stored_before_the_registration_is_found_in_the_store_where_the_index_is_blind(
    stack: Stack, api_as: ClientAs
) -> None:
    """The live dossier files a complaint only once it knows the employee; the audit rebuild reads the store."""
    auditor = await api_as(Role.AUDITOR)
    nip, tracking = unique_nip(), f"LAPOR-{uuid.uuid4().hex[:10]}"
    received = envelope(
        LAPOR, complaint_id=tracking, channel="lapor", classification="complaint", category="light",
        complainant={"reference": f"akun-{event_id()}", "name": "Warga Lain"}, target_unit_code="DINKES",
        named_employee_nip=nip, summary="Antrean panjang", received_on="2026-04-06",
        occurred_at="2026-04-06T09:00:00+07:00",
    )  # fmt: skip
    await publish_to(stack, received, subject("complaint-received", LAPOR))  # INBOX is ingested in order
    registered = employee_registered(nip, occurred_at="2025-01-02T09:00:00+07:00")
    await publish_to(stack, registered, subject("employee-registered", BKPSDM))

    live = await live_complaints(await api_as(Role.BKPSDM), nip, [])  # the read model is past the registration
    found = (await auditor.get(f"/audit/employees/{nip}/dossier", params={"as_of": "2100-01-01"})).json()

    assert live == []  # the read model skipped the receipt: the employee was not registered yet
    [named] = found["complaints"]
    assert (named["complaint_id"], named["target_unit_code"], named["received_on"]) == (
        tracking,
        "DINKES",
        "2026-04-06",
    )
    assert named["named_at"] < next(e["position"] for e in found["timeline"] if e["kind"] == "registered")
    assert "Warga Lain" not in json.dumps(found)


def test_no_input_makes_the_audit_routes_fail(stack: Stack, services: JejakProcess) -> None:
    """The suite's fuzz reaches these routes with a bkpsdm token, which is refused first: fuzz them as an auditor."""
    headers = bearer(asyncio.run(new_token(stack.database_url, Role.AUDITOR)))
    operations = [
        result.ok()  # type: ignore[union-attr]
        for result in from_url(f"{services.api}/openapi.json").get_all_operations()
        if result.ok().path.startswith("/audit/")  # type: ignore[union-attr]
    ]
    statuses: set[int] = set()
    assert len(operations) == 2

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True
        )
        def fuzz(case: Any) -> None:
            statuses.add(case.call(base_url=services.api, headers=headers, timeout=10).status_code)

        fuzz()
    assert statuses <= {200, 404, 422}, statuses
    assert 422 in statuses


@pytest.mark.parametrize(("outcome", "state"), [("archived", "ended-at-verification"), ("postponed", "received")])
async def test_the_live_dossier_and_the_as_of_one_agree_on_how_a_verification_ended(
    stack: Stack, api_as: ClientAs, outcome: str, state: str
) -> None:
    auditor, bkpsdm = await api_as(Role.AUDITOR), await api_as(Role.BKPSDM)
    nip, tracking = unique_nip(), f"LAPOR-{uuid.uuid4().hex[:10]}"
    await publish_to(stack, employee_registered(nip), subject("employee-registered", BKPSDM))
    received = envelope(
        LAPOR, complaint_id=tracking, channel="lapor", classification="complaint", category="light",
        complainant={"reference": f"akun-{event_id()}"}, target_unit_code="DPUPR", named_employee_nip=nip,
        summary="Loket tutup", received_on="2026-04-06",
    )  # fmt: skip
    await publish_to(stack, received, subject("complaint-received", LAPOR))
    step = envelope(LAPOR, complaint_id=tracking, outcome=outcome, verified_on="2026-04-07")
    await publish_to(stack, step, subject("complaint-verified", LAPOR))
    await complaint_step(auditor, nip, state)  # the store, rebuilt as of now
    await live_complaints(bkpsdm, nip, [state])  # the read model says the same
