"""Fixtures for tests that use the real PostgreSQL directly."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.records import Records
from services.database import open_records
from tests.conftest import Stack


@pytest.fixture
def records(stack: Stack) -> Iterator[Records]:
    """The application over the session's event store."""
    app = open_records(stack.database_url)
    yield app
    app.close()


@pytest.fixture
def server_folder() -> Iterator[Path]:
    """An empty folder for servers of a test's own, which the PostgreSQL user may enter (as root it is not root)."""
    made = Path(tempfile.mkdtemp(prefix="jejak-test-servers-"))
    made.chmod(0o755)
    yield made
    shutil.rmtree(made, ignore_errors=True)
