"""The harness's service processes: when a service counts as ready decides where every stage's clock starts."""

import sys
from pathlib import Path

import pytest

from benchmarks.processes import ServiceFailed, ServiceProcess, running

SLOW_START = "import time; time.sleep(0.6); print('running: slow', flush=True); time.sleep(30)"


def test_an_earlier_runs_ready_line_in_the_shared_log_does_not_make_the_next_run_ready(tmp_path: Path) -> None:
    log = tmp_path / "ingest.log"
    log.write_text("running: ingest\n")  # what the previous stack's run of the same service left
    service = ServiceProcess("slow", [sys.executable, "-c", SLOW_START], {}, log)

    with running(service):
        ready = service.wait_ready(timeout=20)
        assert ready - service.started_at >= 0.5  # its own line, printed after its start-up
        assert service.own_log() == "running: slow\n"
    assert log.read_text().startswith("running: ingest\n")  # the earlier run's output is kept


def test_a_service_that_never_says_it_runs_is_not_ready(tmp_path: Path) -> None:
    service = ServiceProcess("mute", [sys.executable, "-c", "import time; time.sleep(30)"], {}, tmp_path / "m.log")
    with running(service), pytest.raises(ServiceFailed, match="not ready after"):
        service.wait_ready(timeout=0.5)
