"""The dashboard's session cookie: it carries the token, expires, and cannot be forged or stretched."""

from pathlib import Path

from services.web.session import SessionKeys, ephemeral_keys, session_keys

TOKEN = "jejak_abc123_secretpart"  # noqa: S105 (a made-up token)


def test_a_sealed_token_opens_until_it_expires() -> None:
    keys = SessionKeys(b"k" * 32, lifetime=60)
    cookie = keys.seal(TOKEN, now=1000.0)
    assert keys.open(cookie, now=1059.0) == TOKEN
    assert keys.open(cookie, now=1060.0) is None


def test_a_cookie_edited_or_sealed_by_another_key_does_not_open() -> None:
    keys = SessionKeys(b"k" * 32, lifetime=60)
    cookie = keys.seal(TOKEN, now=1000.0)
    body, mac = cookie.rsplit(".", 1)
    stretched = SessionKeys(b"k" * 32, lifetime=10**9).seal(TOKEN, now=1000.0).rsplit(".", 1)[0]
    assert keys.open(f"{stretched}.{mac}", now=1001.0) is None  # a later expiry with the old signature
    assert keys.open(f"{body}.{'0' * len(mac)}", now=1001.0) is None
    assert SessionKeys(b"x" * 32).open(cookie, now=1001.0) is None
    assert ephemeral_keys().open(cookie, now=1001.0) is None
    for junk in (None, "", "no-dot", "a.b", "....", f"{body}"):
        assert keys.open(junk, now=1001.0) is None


def test_the_key_file_is_made_once_owner_only_and_reused(tmp_path: Path) -> None:
    first = session_keys(tmp_path / "home")
    again = session_keys(tmp_path / "home")
    key_file = tmp_path / "home" / "web-session.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first.key == again.key
    assert again.open(first.seal(TOKEN)) == TOKEN


def test_a_configured_secret_gives_every_api_process_the_same_key(tmp_path: Path) -> None:
    one, other = session_keys(tmp_path / "a", "shared secret"), session_keys(tmp_path / "b", "shared secret")
    assert other.open(one.seal(TOKEN)) == TOKEN
    assert not (tmp_path / "a" / "web-session.key").exists()
