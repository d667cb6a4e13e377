"""``jejak up`` on the embedded default: starts, serves, stops on Ctrl-C, keeps its data."""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import nats
import pytest

from services.runtime.process import free_port, port_is_open, wait_until
from tests.builders import TRAINING_SUBJECT, encode, training_completed, unique_nip
from tests.conftest import STARTUP
from tests.e2e.conftest import JEJAK
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
def home() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="jejak-up-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


class Up:
    """One ``jejak up`` process with its own folder and ports, as a newcomer would run it."""

    def __init__(self, home: Path) -> None:
        self.ports = {name: free_port() for name in ("NATS", "NATS_MONITOR", "POSTGRES", "API")}
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("JEJAK_")},
            "JEJAK_HOME": str(home),
            "JEJAK_EMBEDDED_NATS_PORT": str(self.ports["NATS"]),
            "JEJAK_EMBEDDED_NATS_MONITOR_PORT": str(self.ports["NATS_MONITOR"]),
            "JEJAK_EMBEDDED_POSTGRES_PORT": str(self.ports["POSTGRES"]),
            "JEJAK_API_PORT": str(self.ports["API"]),
        }
        self.log = home / "up.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.ports['API']}"

    def start(self) -> float:
        began = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([JEJAK, "up"], env=self.env, stdout=log, stderr=log)
        wait_until(self.healthy, timeout=60, what="jejak up")
        return time.monotonic() - began

    def healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"jejak up exited with {self.process.returncode}: {self.log.read_text()}")
        try:
            return httpx.get(f"{self.api}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def interrupt(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)


async def test_up_runs_everything_and_a_second_up_keeps_the_data(home: Path) -> None:
    up = Up(home)
    STARTUP["jejak up (first, initdb)"] = up.start()
    body = training_completed(employee_nip=unique_nip())
    nc = await nats.connect(f"nats://127.0.0.1:{up.ports['NATS']}")
    await nc.jetstream().publish(TRAINING_SUBJECT, encode(body), headers={"Nats-Msg-Id": body["event_id"]})
    await nc.close()
    url = f"{up.api}/employees/{body['employee_nip']}/competency"

    async def shown() -> httpx.Response | None:
        async with httpx.AsyncClient() as client:
            response = await client.get(url)
        return response if response.status_code == 200 else None

    await eventually(shown, what="the completion in the API of jejak up")

    assert up.interrupt() == 0, up.log.read_text()
    log = up.log.read_text()
    assert "Jejak is running" in log
    assert "Jejak stopped." in log
    assert not any(port_is_open(up.ports[name]) for name in ("NATS", "POSTGRES", "API"))

    STARTUP["jejak up (again)"] = up.start()
    try:
        response = await shown()
        assert response is not None, "the completion recorded before the restart is gone"
        history = response.json()
        assert [a["event_id"] for y in history["years"] for a in y["activities"]] == [body["event_id"]]
    finally:
        assert up.interrupt() == 0, up.log.read_text()
