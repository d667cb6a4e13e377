"""API tokens: who may read the report API, and what. Only a hash of each secret is stored.

A token is ``jejak_<token_id>_<secret>``: the id is public (listed, logged, used to revoke), the
secret is 32 random bytes, url-safe, shown once at creation. The table keeps SHA-256 of the
secret, not a slow password hash: slow hashes (bcrypt, scrypt, argon2) exist to make guessing
low-entropy human passwords expensive, but 256 random bits cannot be guessed whatever the hash
costs, so one fast SHA-256 is as safe here and keeps every request's check cheap. A leaked
table therefore grants nothing.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from psycopg import AsyncCursor, sql

from projections.tracking import notify_on_change

PREFIX = "jejak"
SECRET_BYTES = 32
TABLE = "api_token"
DEFAULT_LIFETIME = timedelta(days=180)
"""How long a token lives unless its creator says otherwise (``jejak tokens create --days``)."""
LONGEST_LIFETIME = timedelta(days=3650)
LAST_USE_EVERY = timedelta(minutes=1)
"""A token's last use is written at most this often (a write per request would cost more than the check)."""


class Role(StrEnum):
    """What a token may read: everything (auditor, bkpsdm), one unit (opd), aggregates (public)."""

    AUDITOR = "auditor"
    BKPSDM = "bkpsdm"
    OPD = "opd"
    PUBLIC = "public"


class TokenError(ValueError):
    """A token that cannot be created as asked, or text that is not a Jejak token."""


TOKENS_TABLE = sql.SQL("""
CREATE TABLE IF NOT EXISTS api_token (
    token_id      text PRIMARY KEY,
    secret_sha256 bytea NOT NULL CHECK (octet_length(secret_sha256) = 32),
    role          text NOT NULL CHECK (role IN ({roles})),
    opd           text,
    label         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    CHECK ((role = 'opd') = (opd IS NOT NULL))
)""").format(roles=sql.SQL(", ").join(sql.Literal(role.value) for role in Role))

TOKENS_COLUMNS: list[sql.SQL | sql.Composed] = [
    sql.SQL("""
ALTER TABLE api_token
    ADD COLUMN IF NOT EXISTS expires_at timestamptz,
    ADD COLUMN IF NOT EXISTS last_used_at timestamptz"""),
    sql.SQL(
        "UPDATE api_token SET expires_at = now() + {lifetime} WHERE expires_at IS NULL AND revoked_at IS NULL"
    ).format(lifetime=sql.Literal(DEFAULT_LIFETIME)),
]
"""Added to a table made before tokens expired: its live tokens get the default lifetime from then on."""

TOKENS_CHANNEL = "jejak_api_tokens"
"""Notified (at commit) whenever a token is revoked, changed or deleted: the API forgets the holders it kept."""

TOKENS_NOTIFY = notify_on_change(
    "api_token_changed",
    "api_token",
    "UPDATE OF revoked_at, expires_at, role, opd, secret_sha256 OR DELETE OR TRUNCATE",
    TOKENS_CHANNEL,
)
"""A new token needs no notification: only live tokens are kept, and a new one was never refused for good.
Nor does its last use being written: that changes no holder."""

_NOTIFIED = sql.SQL(
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger "
    "WHERE tgrelid = 'api_token'::regclass AND tgname = 'api_token_changed' AND tgenabled <> 'D')"
)

_COLUMNS = sql.SQL("token_id, role, opd, label, created_at, revoked_at, expires_at, last_used_at")
_INSERT = sql.SQL("""
INSERT INTO api_token (token_id, secret_sha256, role, opd, label, expires_at)
VALUES (%(token_id)s, %(secret_sha256)s, %(role)s, %(opd)s, %(label)s, now() + %(lifetime)s)
RETURNING {columns}""").format(columns=_COLUMNS)
_BY_ID = sql.SQL("SELECT {columns}, secret_sha256 FROM api_token WHERE token_id = %(token_id)s").format(
    columns=_COLUMNS
)
_USED = sql.SQL("""
UPDATE api_token SET last_used_at = now()
WHERE token_id = %(token_id)s AND (last_used_at IS NULL OR last_used_at < now() - %(every)s)""")
_EXPIRE = sql.SQL("""
UPDATE api_token SET expires_at = least(coalesce(expires_at, 'infinity'), now() + %(grace)s)
WHERE token_id = %(token_id)s AND revoked_at IS NULL
RETURNING {columns}""").format(columns=_COLUMNS)
_ALL = sql.SQL("SELECT {columns} FROM api_token ORDER BY created_at, token_id").format(columns=_COLUMNS)
_REVOKE = sql.SQL("""
UPDATE api_token SET revoked_at = coalesce(revoked_at, now()) WHERE token_id = %(token_id)s
RETURNING {columns}""").format(columns=_COLUMNS)

_TOKEN = re.compile(rf"^{PREFIX}_(?P<token_id>[0-9a-f]{{12}})_(?P<secret>[A-Za-z0-9_-]{{43,}})$")
_OPD = re.compile(r"^\S(.*\S)?$")


@dataclass(frozen=True)
class TokenRecord:
    """A token as listed: never its secret."""

    token_id: str
    role: Role
    opd: str | None
    label: str | None
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None = None
    """None: made before tokens expired; it lives until revoked or rotated."""
    last_used_at: datetime | None = None
    """Written at most once a minute (``LAST_USE_EVERY``)."""

    def live_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or moment < self.expires_at)


@dataclass(frozen=True)
class IssuedToken:
    """A new token; ``token`` is the only time its secret is seen."""

    record: TokenRecord
    token: str


def format_token(token_id: str, secret: str) -> str:
    return f"{PREFIX}_{token_id}_{secret}"


def parse_token(text: str) -> tuple[str, str]:
    """(token id, secret); TokenError for anything that is not a Jejak token."""
    match = _TOKEN.match(text)
    if match is None:
        raise TokenError(f"not a Jejak token: expected {PREFIX}_<12 hex digits>_<secret>")
    return match["token_id"], match["secret"]


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("ascii")).digest()


def check_scope(role: Role, opd: str | None) -> None:
    """An opd token names exactly one unit; the other roles are not bound to one."""
    if role is Role.OPD and opd is None:
        raise TokenError("role opd needs --opd CODE: the unit's code, as in placement-changed's unit_code")
    if role is not Role.OPD and opd is not None:
        raise TokenError(f"--opd applies to role opd only; role {role} reads {_reach(role)}")
    if opd is not None and (len(opd) > 128 or not _OPD.match(opd)):
        raise TokenError(f"--opd {opd!r} is not a unit code: 1-128 characters, no surrounding spaces")


def _reach(role: Role) -> str:
    return "aggregate statistics only" if role is Role.PUBLIC else "every unit"


def check_lifetime(lifetime: timedelta) -> None:
    if not timedelta(0) < lifetime <= LONGEST_LIFETIME:
        raise TokenError(f"a token lives from 1 day to {LONGEST_LIFETIME.days} days")


def _record(row: tuple[Any, ...]) -> TokenRecord:
    token_id, role, opd, label, created_at, revoked_at, expires_at, last_used_at = row[:8]
    return TokenRecord(token_id, Role(role), opd, label, created_at, revoked_at, expires_at, last_used_at)


async def create(
    cur: AsyncCursor[Any],
    role: Role,
    opd: str | None = None,
    label: str | None = None,
    lifetime: timedelta = DEFAULT_LIFETIME,
) -> IssuedToken:
    """Store a new token's hash, expiring after ``lifetime``; the returned ``token`` carries the secret, shown once."""
    check_scope(role, opd)
    check_lifetime(lifetime)
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(SECRET_BYTES)
    await cur.execute(
        _INSERT,
        {"token_id": token_id, "secret_sha256": hash_secret(secret), "role": role.value, "opd": opd,
         "label": label, "lifetime": lifetime},
    )  # fmt: skip
    (row,) = await cur.fetchall()  # INSERT … RETURNING: one row
    return IssuedToken(_record(row), format_token(token_id, secret))


async def rotate(
    cur: AsyncCursor[Any], token_id: str, lifetime: timedelta = DEFAULT_LIFETIME, grace: timedelta = timedelta(0)
) -> tuple[TokenRecord, IssuedToken] | None:
    """A new token of the same role, unit and label; the old one expires after ``grace`` (at once by default).

    None when ``token_id`` is unknown or revoked.
    """
    if grace < timedelta(0) or grace > timedelta(days=30):
        raise TokenError("the old token's grace is from 0 to 30 days")
    await cur.execute(_EXPIRE, {"token_id": token_id, "grace": grace})
    row = await cur.fetchone()
    if row is None:
        return None
    old = _record(row)
    label = old.label if (old.label or "").endswith(f"(rotated from {token_id})") else None
    new_label = label or f"{old.label or old.role} (rotated from {token_id})"
    return old, await create(cur, old.role, old.opd, new_label[:200], lifetime)


async def verify(cur: AsyncCursor[Any], token: str) -> TokenRecord | None:
    """The live token ``token`` is, or None (malformed, unknown id, wrong secret, revoked, expired)."""
    try:
        token_id, secret = parse_token(token)
    except TokenError:
        return None
    await cur.execute(_BY_ID, {"token_id": token_id})
    row = await cur.fetchone()
    if row is None:
        return None
    # Constant time, so response times do not reveal how much of a guessed secret was right.
    if not hmac.compare_digest(bytes(row[8]), hash_secret(secret)):
        return None
    found = _record(row)
    return found if found.live_at(datetime.now(UTC)) else None


async def used(cur: AsyncCursor[Any], token_id: str) -> None:
    """Note that ``token_id`` was used now (written at most once per ``LAST_USE_EVERY``)."""
    await cur.execute(_USED, {"token_id": token_id, "every": LAST_USE_EVERY})


async def changes_notified(cur: AsyncCursor[Any]) -> bool:
    """Whether the store announces token changes: a store provisioned before the trigger does not (run provision)."""
    await cur.execute(_NOTIFIED)
    row = await cur.fetchone()
    return bool(row and row[0])


async def list_tokens(cur: AsyncCursor[Any]) -> list[TokenRecord]:
    """Every token, revoked ones included (they stay, for the audit trail), oldest first."""
    await cur.execute(_ALL)
    return [_record(row) for row in await cur.fetchall()]


async def revoke(cur: AsyncCursor[Any], token_id: str) -> TokenRecord | None:
    """Revoke at once (the API hears of it at commit); None for an unknown id. Revoking again keeps the first time."""
    await cur.execute(_REVOKE, {"token_id": token_id})
    row = await cur.fetchone()
    return None if row is None else _record(row)
