"""Services as their own processes (``jejak run <service>``), so each one's peak memory can be read.

Peak RSS is the kernel's high-water mark (``VmHWM`` in ``/proc/<pid>/status``) where there is
one, else the largest of psutil samples taken every 100 ms; it is read just before the process
is stopped, so it covers the whole measurement.
"""

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import psutil

JEJAK = str(Path(sys.executable).parent / "jejak")
READY_MARK = "running:"
"""What ``jejak run`` prints once its services are started (services/cli.py)."""


class ServiceFailed(RuntimeError):
    """A service process exited or did not become ready; the message holds its log's end."""


class ServiceProcess:
    """One child process with its log file and a peak-RSS sampler."""

    def __init__(
        self, name: str, argv: Sequence[str], env: dict[str, str], log_path: Path, ready_mark: str = READY_MARK
    ) -> None:
        self.name, self.argv, self.env, self.log_path = name, list(argv), env, log_path
        self.ready_mark = ready_mark
        self.process: subprocess.Popen[bytes] | None = None
        self.peak_rss_bytes = 0
        self.started_at = 0.0
        self._log_offset = 0
        """Where this run's output starts in the log, which earlier runs of the same service share."""
        self._sampling = threading.Event()

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self._log_offset = log.tell()
            self.process = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=log)  # noqa: S603
        self.started_at = time.monotonic()
        self._sampling.set()
        threading.Thread(target=self._sample, name=f"rss-{self.name}", daemon=True).start()

    def wait_ready(self, timeout: float = 90.0, *, url: str | None = None) -> float:
        """Block until the log says the services run (or ``url`` answers 200); returns the monotonic time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if url is None and self.ready_mark in self.own_log():
                return time.monotonic()
            if url is not None and _answers(url):
                return time.monotonic()
            time.sleep(0.01)
        raise ServiceFailed(f"{self.name} was not ready after {timeout:.0f} s: {self.log_tail()}")

    def check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            code = None if self.process is None else self.process.returncode
            raise ServiceFailed(f"{self.name} exited ({code}): {self.log_tail()}")

    def own_log(self) -> str:
        """What this run wrote: an earlier run's ready line in the same file must not count as this one's."""
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            return log.read().decode(errors="replace")

    def log_tail(self, chars: int = 2000) -> str:
        return self.own_log()[-chars:]

    @property
    def pid(self) -> int | None:
        """The running process's id; None before it starts or after it ends."""
        return self.process.pid if self.process is not None and self.process.poll() is None else None

    def peak_rss_mb(self) -> float:
        """The process's peak resident memory so far, in MiB."""
        if self.process is not None and self.process.poll() is None:
            self.peak_rss_bytes = max(self.peak_rss_bytes, _vm_hwm(self.process.pid))
        return self.peak_rss_bytes / 2**20

    def stop(self, timeout: float = 60.0) -> None:
        """Ctrl-C (the services stop cleanly), then SIGKILL if it hangs."""
        self.peak_rss_mb()
        self._sampling.clear()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _sample(self) -> None:
        if self.process is None:
            return
        try:
            watched = psutil.Process(self.process.pid)
            while self._sampling.is_set() and self.process.poll() is None:
                self.peak_rss_bytes = max(self.peak_rss_bytes, watched.memory_info().rss)
                time.sleep(0.1)
        except psutil.Error:  # it exited between two samples
            return


def _vm_hwm(pid: int) -> int:
    """The kernel's peak-RSS mark in bytes; 0 where /proc has none (then the samples count)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def jejak_service(name: str, env: dict[str, str], log_dir: Path) -> ServiceProcess:
    """``jejak run <name>`` as its own process."""
    return ServiceProcess(name, [JEJAK, "run", name], env, log_dir / f"{name}.log")


@contextmanager
def running(*processes: ServiceProcess) -> Iterator[tuple[ServiceProcess, ...]]:
    """Start every process; stop each on exit, whatever happened."""
    with ExitStack() as stack:
        for process in processes:
            process.start()
            stack.callback(process.stop)
        yield processes
