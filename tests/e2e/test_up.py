"""``jejak up`` on the embedded default: starts, serves, stops on Ctrl-C, keeps its data."""

import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from projections.worker import PROJECTIONS
from services.runtime.embedded import nats_data_dir
from services.runtime.nats_auth import CREDENTIALS_FILE, load_credentials
from services.runtime.process import free_port, port_is_open
from tests.builders import training_completed
from tests.conftest import STARTUP
from tests.e2e.process import JEJAK, JejakProcess
from tests.e2e.publishing import publish_to, registered_nip
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
def home(server_folder: Path) -> Path:
    return server_folder


def embedded_up(home: Path, *args: str, **env: str) -> tuple[JejakProcess, dict[str, int]]:
    """``jejak up`` with its own folder and ports, as a newcomer would run it."""
    ports = {name: free_port() for name in ("NATS", "NATS_MONITOR", "POSTGRES")}
    settings = {"JEJAK_HOME": str(home), **{f"JEJAK_EMBEDDED_{k}_PORT": str(v) for k, v in ports.items()}, **env}
    return JejakProcess(["up", *args], settings, free_port(), home / "up.log"), ports


class EmbeddedLogins:
    """The sender logins ``jejak up`` keeps under its JEJAK_HOME, as a sender's engineer is given them."""

    def __init__(self, home: Path, port: int) -> None:
        self.credentials = nats_data_dir(home) / CREDENTIALS_FILE
        self.address = f"nats://127.0.0.1:{port}"

    def sender_url(self, source: str) -> str:
        return load_credentials(self.credentials).url(self.address, source)


def token_from_cli(up: JejakProcess) -> str:
    """``jejak tokens create`` beside the running ``jejak up``, in its environment: the same database."""
    done = subprocess.run(
        [JEJAK, "tokens", "create", "--role", "bkpsdm", "--label", "jejak up test"],
        env=up.env, capture_output=True, check=True, timeout=30,
    )  # fmt: skip
    assert b"curl -H 'Authorization: Bearer jejak_" in done.stderr
    return done.stdout.decode().strip()


def timed_start(up: JejakProcess) -> float:
    began = time.monotonic()
    up.start()
    return time.monotonic() - began


async def test_up_runs_everything_and_a_second_up_keeps_the_data(home: Path) -> None:
    up, ports = embedded_up(home, "--no-demo")  # the demo city has its own test below
    STARTUP["jejak up (first, initdb)"] = timed_start(up)
    logins = EmbeddedLogins(home, ports["NATS"])
    body = training_completed(employee_nip=await registered_nip(logins))
    await publish_to(logins, body)
    url = f"{up.api}/employees/{body['employee_nip']}/competency"
    token = token_from_cli(up)

    async def shown() -> httpx.Response | None:
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as client:
            response = await client.get(url)
        return response if response.status_code == 200 else None

    await eventually(shown, what="the completion in the API of jejak up")

    assert up.interrupt() == 0, up.log_path.read_text()
    log = up.log_path.read_text()
    assert "Jejak is running" in log
    assert all(projection.name in log for projection in PROJECTIONS)  # the banner names every read model
    assert "NATS logins" in log
    assert "jejak tokens create" in log
    assert oct(logins.credentials.stat().st_mode & 0o777) == oct(0o600)
    assert "Jejak stopped." in log
    assert "demo city" not in log
    api_port = int(up.api.rsplit(":", 1)[1])
    assert not any(port_is_open(port) for port in (ports["NATS"], ports["POSTGRES"], api_port))

    passwords = logins.credentials.read_text()
    STARTUP["jejak up (again)"] = timed_start(up)
    try:
        assert logins.credentials.read_text() == passwords, "the sender logins changed at a restart"
        response = await shown()
        assert response is not None, "the completion (or the token) recorded before the restart is gone"
        history = response.json()
        assert [a["event_id"] for y in history["years"] for a in y["activities"]] == [body["event_id"]]
    finally:
        assert up.interrupt() == 0, up.log_path.read_text()

    # An auditor after the system is stopped: the commands start the embedded PostgreSQL for themselves.
    signed = audit(up, "checkpoint")
    assert signed.returncode == 0, signed.stderr
    assert "starting the embedded one" in signed.stderr
    verified = audit(up, "verify")
    assert verified.returncode == 0, verified.stderr
    assert "VERIFIED" in verified.stderr
    head = json.loads(signed.stdout)["position"]
    assert f"history fixed by a signature up to position {head}" in verified.stderr.replace("\n", " ")
    assert not port_is_open(ports["POSTGRES"])  # and stop it again


def audit(up: JejakProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([JEJAK, "audit", *args], env=up.env, capture_output=True, text=True, check=False, timeout=60)


async def test_up_on_an_empty_store_loads_the_demo_city_once_with_tokens_to_sign_in(home: Path) -> None:
    up, _ = embedded_up(home, JEJAK_DEMO_EMPLOYEES="12", JEJAK_DEMO_YEARS="1")
    up.start()
    try:
        tokens_file = home / "demo-tokens.txt"

        async def published() -> bool | None:
            return True if "demo city published" in up.log_path.read_text() else None

        await eventually(published, within=60, what="the demo city published")
        assert oct(tokens_file.stat().st_mode & 0o777) == oct(0o600)
        kept = dict(line.split(": ", 1) for line in tokens_file.read_text().splitlines() if not line.startswith("#"))
        assert {role.split(" ")[0] for role in kept} == {"auditor", "bkpsdm", "opd"}
        auditor = kept["auditor"].strip()
        assert auditor in up.log_path.read_text()  # printed once, where the newcomer looks
        assert f"{up.api}/ui/" in up.log_path.read_text()

        async def signed_in_and_stored() -> httpx.Response | None:
            async with httpx.AsyncClient(base_url=up.api) as client:
                form = await client.post("/ui/masuk", data={"token": auditor, "next": "/ui/sistem"})
                if form.status_code != 303:
                    return None
                page = await client.get("/ui/sistem")
                lagging = await client.get("/status", headers={"Authorization": f"Bearer {auditor}"})
            caught_up = all(p["lag_events"] == 0 for p in lagging.json()["projections"])
            return page if page.status_code == 200 and caught_up else None

        page = await eventually(signed_in_and_stored, within=90, what="the demo city stored and projected")
        assert "Keadaan sistem" in page.text
    finally:
        assert up.interrupt() == 0, up.log_path.read_text()
    first_log = up.log_path.read_text()
    assert first_log.count("loading the demo city") == 1

    up.start()  # the store is no longer empty: nothing is loaded again
    try:
        assert up.log_path.read_text().count("loading the demo city") == 1
    finally:
        assert up.interrupt() == 0, up.log_path.read_text()
