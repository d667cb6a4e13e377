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
from datetime import datetime
from enum import StrEnum
from typing import Any

from psycopg import AsyncCursor, sql

from projections.tracking import notify_on_change

PREFIX = "jejak"
SECRET_BYTES = 32
TABLE = "api_token"


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

TOKENS_CHANNEL = "jejak_api_tokens"
"""Notified (at commit) whenever a token is revoked, changed or deleted: the API forgets the holders it kept."""

TOKENS_NOTIFY = notify_on_change("api_token_changed", "api_token", "UPDATE OR DELETE OR TRUNCATE", TOKENS_CHANNEL)
"""A new token needs no notification: only live tokens are kept, and a new one was never refused for good."""

_NOTIFIED = sql.SQL(
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger "
    "WHERE tgrelid = 'api_token'::regclass AND tgname = 'api_token_changed' AND tgenabled <> 'D')"
)

_COLUMNS = sql.SQL("token_id, role, opd, label, created_at, revoked_at")
_INSERT = sql.SQL("""
INSERT INTO api_token (token_id, secret_sha256, role, opd, label)
VALUES (%(token_id)s, %(secret_sha256)s, %(role)s, %(opd)s, %(label)s)
RETURNING {columns}""").format(columns=_COLUMNS)
_BY_ID = sql.SQL("SELECT {columns}, secret_sha256 FROM api_token WHERE token_id = %(token_id)s").format(
    columns=_COLUMNS
)
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


def _record(row: tuple[Any, ...]) -> TokenRecord:
    token_id, role, opd, label, created_at, revoked_at = row[:6]
    return TokenRecord(token_id, Role(role), opd, label, created_at, revoked_at)


async def create(cur: AsyncCursor[Any], role: Role, opd: str | None = None, label: str | None = None) -> IssuedToken:
    """Store a new token's hash; the returned ``token`` carries the secret, shown once."""
    check_scope(role, opd)
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(SECRET_BYTES)
    await cur.execute(
        _INSERT,
        {"token_id": token_id, "secret_sha256": hash_secret(secret), "role": role.value, "opd": opd, "label": label},
    )
    (row,) = await cur.fetchall()  # INSERT … RETURNING: one row
    return IssuedToken(_record(row), format_token(token_id, secret))


async def verify(cur: AsyncCursor[Any], token: str) -> TokenRecord | None:
    """The live token ``token`` is, or None (malformed, unknown id, wrong secret, revoked)."""
    try:
        token_id, secret = parse_token(token)
    except TokenError:
        return None
    await cur.execute(_BY_ID, {"token_id": token_id})
    row = await cur.fetchone()
    if row is None:
        return None
    # Constant time, so response times do not reveal how much of a guessed secret was right.
    if not hmac.compare_digest(bytes(row[6]), hash_secret(secret)):
        return None
    found = _record(row)
    return found if found.revoked_at is None else None


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
