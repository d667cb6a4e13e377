"""The Jejak services as their own process (``jejak run``), against the session's servers."""

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Protocol

import httpx
import psycopg
import pytest
from nats.js import JetStreamContext

from services import tokens
from services.lag import projection_lags
from services.runtime.process import free_port
from services.settings import Settings
from services.tokens import Role
from tests.conftest import Stack, embedded_stack
from tests.e2e.process import JejakProcess
from tests.streams import inbox_settled


def services_of(stack: Stack, log_path: Path) -> JejakProcess:
    """``jejak run`` with every service, against the session's servers."""
    settings = {
        "JEJAK_NATS_URL": stack.nats_url,
        "JEJAK_DATABASE_URL": stack.database_url,
        "JEJAK_RETRY_MAX_DELAY_SECONDS": "2",
        "JEJAK_AUDIT_KEY_DIR": str(stack.settings.signing_key_dir()),
        "JEJAK_CHECKPOINT_INTERVAL_SECONDS": "2",
        # Every test's client is 127.0.0.1, and several present wrong tokens on purpose; the bound itself is
        # tested in process (tests/integration/test_guessing_tokens.py).
        "JEJAK_API_FAILED_SIGN_INS_PER_MINUTE": "100000",
    }
    return JejakProcess(
        ["run", "ingest", "relay", "projections", "checkpoints", "api"], settings, free_port(), log_path
    )


@contextmanager
def services_on_own_servers(settings: Settings, log_dir: Path) -> Iterator[tuple[Stack, JejakProcess]]:
    """Fresh embedded servers and ``jejak run`` of every service on them, so no other test's events mix in."""
    with embedded_stack(settings) as stack:
        running = services_of(stack, log_dir / "jejak-run.log")
        running.start()
        try:
            yield stack, running
        finally:
            running.interrupt()


async def settled(js: JetStreamContext) -> bool | None:
    """True once ingest has nothing pending and every read model is at the head (for ``eventually``)."""
    if not await inbox_settled(js):
        return None
    inbox = await js.consumer_info("INBOX", "ingest")
    lags = await projection_lags(js)
    done = inbox.num_pending == 0 and inbox.num_ack_pending == 0 and all(lag.events == 0 for lag in lags)
    return True if done else None


@pytest.fixture(scope="package")
def services(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JejakProcess]:
    running = services_of(stack, tmp_path_factory.mktemp("services") / "jejak-run.log")
    running.start()
    yield running
    assert running.interrupt() == 0, running.log_path.read_text()


async def new_token(database_url: str, role: Role, opd: str | None = None) -> str:
    """A live token of ``role``, made by the token store as ``jejak tokens create`` makes it."""
    async with await psycopg.AsyncConnection.connect(database_url) as conn, conn.cursor() as cur:
        issued = await tokens.create(cur, role, opd, label="tests")
    return issued.token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class ClientAs(Protocol):
    """An API client holding a new token of ``role`` (of unit ``opd``), or none when ``role`` is None."""

    async def __call__(self, role: Role | None, opd: str | None = None) -> httpx.AsyncClient: ...


@pytest.fixture
async def api_as(services: JejakProcess, stack: Stack) -> AsyncIterator[ClientAs]:
    async with AsyncExitStack() as clients:

        async def client_as(role: Role | None, opd: str | None = None) -> httpx.AsyncClient:
            headers = {} if role is None else bearer(await new_token(stack.database_url, role, opd))
            client = httpx.AsyncClient(base_url=services.api, timeout=10, headers=headers)
            return await clients.enter_async_context(client)

        yield client_as


@pytest.fixture
async def api(api_as: ClientAs) -> httpx.AsyncClient:
    """The API as BKPSDM reads it: every employee, every rejection."""
    return await api_as(Role.BKPSDM)
