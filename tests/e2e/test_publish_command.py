"""``jejak publish``: an officer or a sender's engineer sends one event file by hand."""

import asyncio
import json
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from typer.testing import CliRunner

from services.cli import app
from tests.builders import training_completed
from tests.conftest import Stack
from tests.e2e.publishing import registered_nip
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


def embedded_settings(stack: Stack) -> dict[str, str | None]:
    """As on ``make run``: no URL, so ``jejak publish`` logs in with the credentials under JEJAK_HOME."""
    servers = stack.servers
    if servers is None or servers.nats_credentials is None or servers.nats_address is None:
        return {"JEJAK_NATS_URL": stack.nats_url}
    return {
        "JEJAK_NATS_URL": None,
        "JEJAK_DATABASE_URL": None,
        "JEJAK_HOME": str(servers.nats_credentials.path.parent.parent),
        "JEJAK_EMBEDDED_NATS_PORT": str(urlsplit(servers.nats_address).port),
    }


def invoke(stack: Stack, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["publish", *args], env=embedded_settings(stack))
    return result.exit_code, result.output + (repr(result.exception) if result.exception else "")


async def test_a_published_file_is_recorded(stack: Stack, api: httpx.AsyncClient, tmp_path: Path) -> None:
    body = training_completed(employee_nip=await registered_nip(stack))
    event = tmp_path / "training-completed.json"
    event.write_text(json.dumps(body))

    code, output = await asyncio.to_thread(invoke, stack, str(event))  # the CLI runs its own loop
    assert code == 0, output
    assert "on asn.in.bpsdm-sumbar.training-completed.v1" in output

    async def recorded() -> httpx.Response | None:
        response = await api.get(f"/employees/{body['employee_nip']}/competency")
        return response if response.status_code == 200 else None

    code, output = await asyncio.to_thread(invoke, stack, str(event))  # at once: inside the window
    assert code == 0
    assert "duplicate" in output
    await eventually(recorded, what="the published file in the API")


def test_a_file_that_breaks_the_contract_is_not_sent(stack: Stack, tmp_path: Path) -> None:
    event = tmp_path / "training-completed.json"
    event.write_text(json.dumps(training_completed(training_kind="0")))
    code, output = invoke(stack, str(event))
    assert code == 2
    assert "unknown training kind" in output


def test_the_event_type_defaults_to_the_file_name(stack: Stack, tmp_path: Path) -> None:
    event = tmp_path / "whatever.json"
    event.write_text(json.dumps(training_completed()))
    code, output = invoke(stack, str(event))
    assert code == 2
    assert "no contract whatever.v1: name the event type with --type" in output


def test_a_file_from_a_source_without_a_login_is_not_sent(stack: Stack, tmp_path: Path) -> None:
    if stack.servers is None:
        pytest.skip("servers given by JEJAK_*_URL: their logins are the operator's")
    event = tmp_path / "training-completed.json"
    event.write_text(json.dumps(training_completed(source="bkd-padang")))
    code, output = invoke(stack, str(event))
    assert code == 2
    assert "no NATS user 'bkd-padang'" in output
