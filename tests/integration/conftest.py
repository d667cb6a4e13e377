"""Fixtures for tests that use the real PostgreSQL directly."""

from collections.abc import Iterator

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
