"""Which servers a command uses, and how long a failing message waits before its next try."""

import pytest
import typer

from services.cli import servers
from services.retry import backoff_seconds
from services.settings import Settings


def test_given_both_urls_no_server_is_started() -> None:
    settings = Settings(nats_url="nats://127.0.0.1:1", database_url="postgresql://x@127.0.0.1:1/jejak")
    with servers(settings) as urls:
        assert urls.nats_url == "nats://127.0.0.1:1"
        assert urls.database_url == "postgresql://x@127.0.0.1:1/jejak"
        assert urls.admin_database_url is None  # the given database is used as it is


@pytest.mark.parametrize(
    "half", [{"nats_url": "nats://127.0.0.1:1"}, {"database_url": "postgresql://x@127.0.0.1:1/jejak"}]
)
def test_one_url_without_the_other_is_a_mistake_said_plainly(half: dict[str, str]) -> None:
    with (
        pytest.raises(typer.BadParameter, match="set both JEJAK_NATS_URL and JEJAK_DATABASE_URL"),
        servers(
            Settings(**half)  # type: ignore[arg-type]
        ),
    ):
        pass


def test_settings_come_from_jejak_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JEJAK_API_PORT", "9123")
    monkeypatch.setenv("JEJAK_INBOX_DUPLICATE_WINDOW_SECONDS", "2.5")
    settings = Settings()
    assert settings.api_port == 9123
    assert settings.inbox_duplicate_window_seconds == 2.5


def test_back_off_doubles_and_stops_at_the_ceiling() -> None:
    assert [backoff_seconds(n, ceiling=60) for n in (1, 2, 3, 4, 7, 50)] == [1, 2, 4, 8, 60, 60]
