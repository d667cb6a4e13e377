"""The dashboard's sign-in session: the caller's API token in an HttpOnly, SameSite cookie that expires.

The cookie carries the token itself (checked against the token store on every page, so a revoked
token signs its holder out at once) with an expiry time, both signed with a key only the server
holds, so the expiry cannot be stretched by editing the cookie. The key comes from
``JEJAK_SESSION_SECRET`` or, failing that, from ``<home>/web-session.key``, made on first use.
"""

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

COOKIE = "jejak_session"
LIFETIME_SECONDS = 8 * 3600
"""One working day: an officer signs in once in the morning."""


@dataclass(frozen=True)
class SessionKeys:
    """Signs and opens session cookies."""

    key: bytes
    lifetime: int = LIFETIME_SECONDS

    def seal(self, token: str, now: float | None = None) -> str:
        """The cookie value for ``token``, valid for ``lifetime`` seconds from ``now``."""
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
