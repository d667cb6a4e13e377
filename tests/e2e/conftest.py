"""The Jejak services as their own process (``jejak run``), against the session's servers."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from services.runtime.process import free_port
from tests.conftest import Stack
from tests.e2e.process import JejakProcess


def services_of(stack: Stack, log_path: Path) -> JejakProcess:
    """``jejak run`` with every service, against the session's servers."""
    settings = {
        "JEJAK_NATS_URL": stack.nats_url,
        "JEJAK_DATABASE_URL": stack.database_url,
        "JEJAK_RETRY_MAX_DELAY_SECONDS": "2",
    }
    return JejakProcess(["run", "ingest", "relay", "projections", "api"], settings, free_port(), log_path)


@pytest.fixture(scope="package")
def services(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JejakProcess]:
    running = services_of(stack, tmp_path_factory.mktemp("services") / "jejak-run.log")
    running.start()
    yield running
    assert running.interrupt() == 0, running.log_path.read_text()


@pytest.fixture
async def api(services: JejakProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=services.api, timeout=10) as client:
        yield client
