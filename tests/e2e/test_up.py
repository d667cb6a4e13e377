"""``jejak up`` on the embedded default: starts, serves, stops on Ctrl-C, keeps its data."""

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.runtime.process import free_port, port_is_open
from tests.builders import training_completed
from tests.conftest import STARTUP
from tests.e2e.process import JejakProcess
from tests.e2e.publishing import publish_to, registered_nip
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
def home() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="jejak-up-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def embedded_up(home: Path) -> tuple[JejakProcess, dict[str, int]]:
    """``jejak up`` with its own folder and ports, as a newcomer would run it."""
    ports = {name: free_port() for name in ("NATS", "NATS_MONITOR", "POSTGRES")}
    settings = {"JEJAK_HOME": str(home), **{f"JEJAK_EMBEDDED_{k}_PORT": str(v) for k, v in ports.items()}}
    return JejakProcess(["up"], settings, free_port(), home / "up.log"), ports


def timed_start(up: JejakProcess) -> float:
    began = time.monotonic()
    up.start()
    return time.monotonic() - began


async def test_up_runs_everything_and_a_second_up_keeps_the_data(home: Path) -> None:
    up, ports = embedded_up(home)
    STARTUP["jejak up (first, initdb)"] = timed_start(up)
    nats_url = f"nats://127.0.0.1:{ports['NATS']}"
    body = training_completed(employee_nip=await registered_nip(nats_url))
    await publish_to(nats_url, body)
    url = f"{up.api}/employees/{body['employee_nip']}/competency"

    async def shown() -> httpx.Response | None:
        async with httpx.AsyncClient() as client:
            response = await client.get(url)
        return response if response.status_code == 200 else None

    await eventually(shown, what="the completion in the API of jejak up")

    assert up.interrupt() == 0, up.log_path.read_text()
    log = up.log_path.read_text()
    assert "Jejak is running" in log
    assert "Jejak stopped." in log
    api_port = int(up.api.rsplit(":", 1)[1])
    assert not any(port_is_open(port) for port in (ports["NATS"], ports["POSTGRES"], api_port))

    STARTUP["jejak up (again)"] = timed_start(up)
    try:
        response = await shown()
        assert response is not None, "the completion recorded before the restart is gone"
        history = response.json()
        assert [a["event_id"] for y in history["years"] for a in y["activities"]] == [body["event_id"]]
    finally:
        assert up.interrupt() == 0, up.log_path.read_text()
