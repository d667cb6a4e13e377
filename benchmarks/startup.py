"""How long ``jejak up`` takes until its API answers, on an empty data folder and on a used one.

Usage: ``.venv/bin/python benchmarks/startup.py [--runs 3]``. Each run uses a fresh temporary
JEJAK_HOME and free ports; the cold start includes ``initdb``.
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from services.runtime.process import free_port

JEJAK = str(Path(sys.executable).parent / "jejak")


def start_and_stop(home: Path) -> tuple[float, float]:
    """Seconds from launch to a 200 on /healthz, and from Ctrl-C to exit."""
    api_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("JEJAK_")},
        "JEJAK_HOME": str(home),
        "JEJAK_API_PORT": str(api_port),
        "JEJAK_EMBEDDED_NATS_PORT": str(free_port()),
        "JEJAK_EMBEDDED_NATS_MONITOR_PORT": str(free_port()),
        "JEJAK_EMBEDDED_POSTGRES_PORT": str(free_port()),
    }
    began = time.monotonic()
    process = subprocess.Popen([JEJAK, "up"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    while True:
        if process.poll() is not None:
            raise SystemExit(f"jejak up exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{api_port}/healthz", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.02)
    up = time.monotonic() - began
    began = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.wait(60)
    return up, time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    cold: list[float] = []
    warm: list[float] = []
    stops: list[float] = []
    for _ in range(runs):
        home = Path(tempfile.mkdtemp(prefix="jejak-startup-"))
        home.chmod(0o755)  # as root, PostgreSQL runs as an unprivileged user that must enter it
        try:
            for times in (cold, warm):
                up, stop = start_and_stop(home)
                times.append(up)
                stops.append(stop)
        finally:
            shutil.rmtree(home, ignore_errors=True)
    for name, values in (("cold start (initdb)", cold), ("warm start", warm), ("Ctrl-C to exit", stops)):
        spread = ", ".join(f"{v:.2f}" for v in sorted(values))
        print(f"{name:<20} median {statistics.median(values):.2f} s  [{spread}]")


if __name__ == "__main__":
    main()
