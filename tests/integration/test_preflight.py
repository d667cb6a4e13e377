"""Services refuse to run on unprovisioned servers and say what is missing."""

import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from psycopg import conninfo

from services import preflight
from services.preflight import NotProvisioned, require_provisioned
from tests.conftest import Stack

pytestmark = pytest.mark.integration


def logins(stack: Stack, *services: str) -> dict[str, str]:
    return {service: stack.settings.service_database_url(stack.database_url, service) for service in services}


async def test_provisioned_servers_pass(stack: Stack) -> None:
    await require_provisioned(stack.nats_url, logins(stack, *preflight.NEEDS))


async def test_a_service_without_its_database_login_is_told_to_provision(stack: Stack) -> None:
    with pytest.raises(NotProvisioned) as caught:
        await require_provisioned(
            stack.nats_url, {"api": conninfo.make_conninfo(stack.database_url, user="nosuch_api")}
        )
    assert "the database login of api (nosuch_api)" in str(caught.value)


async def test_missing_consumers_and_tables_are_named(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        preflight.NEEDS,
        "ingest",
        ([("INBOX", "no-such-consumer"), ("NO_SUCH_STREAM", None)], ["no_such_table"]),
    )
    with pytest.raises(NotProvisioned) as caught:
        await require_provisioned(stack.nats_url, logins(stack, "ingest"))
    message = str(caught.value)
    assert "consumer INBOX/no-such-consumer" in message
    assert "stream NO_SUCH_STREAM" in message
    assert "table no_such_table" in message
    assert "run `jejak provision` first" in message


async def test_asking_creates_nothing(stack: Stack, js: JetStreamContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(preflight.NEEDS, "relay", ([("INBOX", "never-created")], []))
    with pytest.raises(NotProvisioned):
        await require_provisioned(stack.nats_url, logins(stack, "relay"))
    with pytest.raises(NotFoundError):
        await js.consumer_info("INBOX", "never-created")
