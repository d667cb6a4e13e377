"""The dashboard's sign-in sessions: kept by the server, named by a random id in an HttpOnly cookie.

The cookie carries only a random session id and its expiry, signed with a key only the server
holds (so the expiry cannot be stretched). The session itself lives in this process (``Sessions``):
the caller's token, when it began and was last used, and its CSRF token. It ends after
``LIFETIME_SECONDS`` whatever happens, after ``IDLE_SECONDS`` without a page, at sign-out (the
old cookie then names nothing), and when its token is revoked or expires (checked on every
page). An API restart ends every session: officers sign in again. The key comes from
``JEJAK_SESSION_SECRET`` or, failing that, from ``<home>/web-session.key``, made on first use.
"""

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

COOKIE = "jejak_session"
LIFETIME_SECONDS = 8 * 3600
"""One working day: an officer signs in once in the morning."""
IDLE_SECONDS = 30 * 60
"""A session unused this long ends: a screen left open in a shared office does not stay signed in."""
MAX_SESSIONS = 10_000


@dataclass(frozen=True)
class SessionKeys:
    """Signs and opens session cookies."""

    key: bytes
    lifetime: int = LIFETIME_SECONDS

    def seal(self, token: str, now: float | None = None) -> str:
        """The cookie value for ``token`` (a session id), valid for ``lifetime`` seconds from ``now``."""
        expires = int((time.time() if now is None else now) + self.lifetime)
        body = base64.urlsafe_b64encode(f"{expires}:{token}".encode()).decode().rstrip("=")
        return f"{body}.{self._mac(body)}"

    def open(self, value: str | None, now: float | None = None) -> str | None:
        """The token in a cookie this server sealed and that has not expired; None otherwise."""
        if not value or "." not in value:
            return None
        body, mac = value.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            expires, token = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode().split(":", 1)
            alive = int(expires) > (time.time() if now is None else now)
        except (ValueError, UnicodeDecodeError):
            return None
        return token if alive else None

    def _mac(self, body: str) -> str:
        return hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()


@dataclass
class WebSession:
    """One signed-in browser: the token it signed in with, and the CSRF token its forms carry."""

    token: str
    began: float
    seen: float
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))


class Sessions:
    """The live sessions of this process, by id; bounded, and forgotten when they end."""

    def __init__(self, lifetime: int = LIFETIME_SECONDS, idle: int = IDLE_SECONDS) -> None:
        self.lifetime, self.idle = lifetime, idle
        self._live: dict[str, WebSession] = {}

    def begin(self, token: str, now: float | None = None) -> str:
        """A new session for ``token``; its id, for the cookie."""
        moment = time.time() if now is None else now
        self._forget_ended(moment)
        if len(self._live) >= MAX_SESSIONS:  # the oldest go first
            for old in sorted(self._live, key=lambda key: self._live[key].seen)[: MAX_SESSIONS // 10]:
                del self._live[old]
        session_id = secrets.token_urlsafe(32)
        self._live[session_id] = WebSession(token, moment, moment)
        return session_id

    def get(self, session_id: str | None, now: float | None = None) -> WebSession | None:
        """The live session ``session_id`` names (and it counts as used now); None when it ended."""
        moment = time.time() if now is None else now
        found = self._live.get(session_id or "")
        if found is None:
            return None
        if moment - found.began >= self.lifetime or moment - found.seen >= self.idle:
            self.end(session_id)
            return None
        found.seen = moment
        return found

    def end(self, session_id: str | None) -> None:
        self._live.pop(session_id or "", None)

    def _forget_ended(self, moment: float) -> None:
        ended = [k for k, s in self._live.items() if moment - s.began >= self.lifetime or moment - s.seen >= self.idle]
        for session_id in ended:
            del self._live[session_id]


def ephemeral_keys() -> SessionKeys:
    """A key for this process only (tests, and an API started without a home): sessions end with it."""
    return SessionKeys(secrets.token_bytes(32))


def session_keys(home: Path, secret: str | None = None) -> SessionKeys:
    """From the configured secret, else a key file in the runtime's home folder (made owner-only on first use)."""
    if secret:
        return SessionKeys(hashlib.sha256(secret.encode()).digest())
    path = home / "web-session.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made earlier, or by another process starting at the same moment
    else:
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_hex(32))
    return SessionKeys(bytes.fromhex(path.read_text().strip()))
