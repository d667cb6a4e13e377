"""Repeated report questions are answered from the cache, never staler than the read models, never across scopes."""

import httpx
import pytest
from nats.js import JetStreamContext

from services.tokens import Role
from tests.builders import training_completed
from tests.conftest import Stack
from tests.e2e.conftest import ClientAs, settled
from tests.e2e.publishing import publish_to
from tests.e2e.test_reports import a_unit_with_two_employees, compliance
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


async def read_models_settled(js: JetStreamContext) -> None:
    """Any read model's change forgets kept answers: ask twice only once none has anything left to apply."""
    await eventually(lambda: settled(js), what="every read model at the head")


async def test_a_repeated_dossier_is_kept_until_the_employee_record_changes(
    stack: Stack, api: httpx.AsyncClient, js: JetStreamContext
) -> None:
    unit, keen, _ = await a_unit_with_two_employees(stack)
    await eventually(lambda: compliance(api, unit), what="both trainings projected")
    await read_models_settled(js)
    path = f"/employees/{keen}/dossier"
    first, second = await api.get(path), await api.get(path)
    assert second.headers["jejak-cache"] == "hit"
    assert second.content == first.content

    await publish_to(stack, training_completed(employee_nip=keen, stated_jp=8))

    async def with_the_new_training() -> httpx.Response | None:
        response = await api.get(path)
        return response if len(response.json()["timeline"]) == len(first.json()["timeline"]) + 1 else None

    changed = await eventually(with_the_new_training, what="the new training in the dossier")
    assert changed.json()["position"] > first.json()["position"]


async def test_a_kept_answer_is_never_shown_outside_the_callers_scope(stack: Stack, api_as: ClientAs) -> None:
    unit, keen, _ = await a_unit_with_two_employees(stack)
    bkpsdm = await api_as(Role.BKPSDM)
    await eventually(lambda: compliance(bkpsdm, unit), what="the unit in the compliance report")
    for _ in range(2):  # kept for bkpsdm
        assert (await bkpsdm.get(f"/employees/{keen}/dossier")).status_code == 200
        assert (await bkpsdm.get(f"/reports/jp-compliance/{unit}/staff")).status_code == 200
    stranger = await api_as(Role.OPD, "ANOTHER-UNIT")
    assert (await stranger.get(f"/employees/{keen}/dossier")).status_code == 403
    assert (await stranger.get(f"/reports/jp-compliance/{unit}/staff")).status_code == 403
    public = await api_as(Role.PUBLIC)
    assert (await public.get(f"/employees/{keen}/dossier")).status_code == 403


async def test_a_kept_csv_answer_keeps_its_headers(stack: Stack, api: httpx.AsyncClient, js: JetStreamContext) -> None:
    unit, _, _ = await a_unit_with_two_employees(stack)
    await eventually(lambda: compliance(api, unit), what="both trainings projected")
    await read_models_settled(js)
    params: dict[str, str | int] = {"year": 2026, "format": "csv"}
    first = await api.get(f"/reports/jp-compliance/{unit}/staff", params=params)
    again = await api.get(f"/reports/jp-compliance/{unit}/staff", params=params)
    assert again.headers["jejak-cache"] == "hit"
    assert again.content == first.content
    for header in ("content-type", "content-disposition", "jejak-policy-version"):
        assert again.headers[header] == first.headers[header]
    as_json = await api.get(f"/reports/jp-compliance/{unit}/staff", params={"year": 2026})
    assert as_json.headers["content-type"] == "application/json"
