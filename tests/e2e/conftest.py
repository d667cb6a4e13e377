"""The Jejak services as their own process (``jejak run``), against the session's servers."""

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from services.runtime.process import free_port, wait_until
from tests.conftest import Stack

JEJAK = str(Path(sys.executable).parent / "jejak")


@dataclass
class Services:
    """A running ``jejak run`` process and where its API listens; restartable."""

    stack: Stack
    api_port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "JEJAK_NATS_URL": self.stack.nats_url,
            "JEJAK_DATABASE_URL": self.stack.database_url,
            "JEJAK_API_PORT": str(self.api_port),
            "JEJAK_RETRY_MAX_DELAY_SECONDS": "2",
        }

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [JEJAK, "run", "ingest", "relay", "projections", "api"],
                env=self.env(),
                stdout=log,
                stderr=log,
            )
        wait_until(self.healthy, timeout=30, what="jejak run")

    def healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(
                f"jejak run exited with {self.process.returncode}: {self.log_path.read_text()}"
            )
        try:
            return httpx.get(f"{self.api}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> int:
        """Ctrl-C, as an operator would; returns the exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=40)


@pytest.fixture(scope="package")
def services(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    running = Services(stack, free_port(), tmp_path_factory.mktemp("services") / "jejak-run.log")
    running.start()
    yield running
    assert running.stop() == 0, running.log_path.read_text()


@pytest.fixture
async def api(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=services.api, timeout=10) as client:
        yield client
