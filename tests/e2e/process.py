"""A ``jejak`` command run as its own process, as an operator runs it: started, probed, Ctrl-C'd."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from services.runtime.process import wait_until

JEJAK = str(Path(sys.executable).parent / "jejak")


class JejakProcess:
    """``jejak ARGS`` with ``JEJAK_*`` settings; ready once its API answers /healthz."""

    def __init__(self, args: list[str], settings: dict[str, str], api_port: int, log_path: Path) -> None:
        self.args = args
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("JEJAK_")},
            **settings,
            "JEJAK_API_PORT": str(api_port),
        }
        self.api = f"http://127.0.0.1:{api_port}"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen([JEJAK, *self.args], env=self.env, stdout=log, stderr=log)
        wait_until(self.healthy, timeout=60, what=f"jejak {' '.join(self.args)}")

    def healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"jejak exited with {self.process.returncode}: {self.log_path.read_text()}")
        try:
            return httpx.get(f"{self.api}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def interrupt(self) -> int:
        """Ctrl-C; returns the exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)
