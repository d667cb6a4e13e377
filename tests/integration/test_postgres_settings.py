"""The embedded PostgreSQL's memory is a setting: a province's store needs more shared buffers than a city's."""

from pathlib import Path

import psycopg
import pytest
from pydantic import ValidationError

from services.runtime.postgres_server import SHARED_BUFFERS
from services.runtime.scratch import servers_on
from services.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def home(server_folder: Path) -> Path:
    return server_folder / "home"


def shared_buffers(settings: Settings, home: Path) -> str:
    with servers_on(settings, home, fresh=False) as scratch:  # the servers alone, as `jejak up` starts them
        assert scratch.urls.admin_database_url is not None
        with psycopg.connect(scratch.urls.admin_database_url) as db:
            row = db.execute("SHOW shared_buffers").fetchone()
            return str(row[0]) if row else ""


def test_the_embedded_postgres_starts_with_the_configured_shared_buffers(
    monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    assert shared_buffers(Settings(nats_sync_always=False), home) == SHARED_BUFFERS
    monkeypatch.setenv("JEJAK_EMBEDDED_POSTGRES_SHARED_BUFFERS", "48MB")
    assert shared_buffers(Settings(nats_sync_always=False), home) == "48MB"  # and again on the same data


@pytest.mark.parametrize("value", ["lots", "512", "0MB", "512 MB", "512mb"])
def test_a_size_postgres_would_not_read_is_refused_before_anything_starts(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("JEJAK_EMBEDDED_POSTGRES_SHARED_BUFFERS", value)
    with pytest.raises(ValidationError, match="embedded_postgres_shared_buffers"):
        Settings()
