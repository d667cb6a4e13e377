"""Who is calling: a bearer token checked against the token store, and what its role may read.

``auditor`` and ``bkpsdm`` read everything; ``opd`` reads the employees of its own unit (and,
when they exist, aggregates); ``public`` reads aggregate statistics only, never a name or a NIP.
The order of answers is fixed: 401 (no live token), 403 (the role may not use the route), 422
(malformed input), 404 (no such employee), 403 (the employee is outside the caller's unit).
"""

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import psycopg
from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg import AsyncCursor

from projections.directory import unit_of
from services import tokens
from services.api.attempts import FailedAttempts
from services.api.dependencies import Pool
from services.api.schemas import ErrorOut, InvalidOut
from services.api.token_cache import TokenCache
from services.tokens import Role

log = logging.getLogger(__name__)

bearer = HTTPBearer(
    auto_error=False,  # our own 401s, with a reason and the challenge header
    scheme_name="token",
    bearerFormat="jejak_<token_id>_<secret>",
    description="A token from `jejak tokens create --role auditor|bkpsdm|opd|public [--opd CODE]`.",
)

EVERY_UNIT = frozenset({Role.AUDITOR, Role.BKPSDM})
"""Roles that read every employee, placed in a unit or not yet."""


@dataclass(frozen=True)
class Caller:
    """The holder of a live token: its role, and the unit (OPD) an opd token is bound to."""

    token_id: str
    role: Role
    opd: str | None = None
    expires_at: datetime | None = None

    def require(self, *roles: Role) -> None:
        """403 unless the caller has one of ``roles``."""
        if self.role not in roles:
            raise HTTPException(403, f"role {self.role} may not read this; it is open to {', '.join(roles)}")

    def may_read_unit(self, unit_code: str | None) -> bool:
        """Whether the caller may read employees of ``unit_code`` (None: never placed in a unit)."""
        if self.role in EVERY_UNIT:
            return True
        return self.role is Role.OPD and unit_code is not None and unit_code == self.opd


def failed_attempts(request: Request) -> FailedAttempts:
    """The process's count of failed sign-ins (one per app: the API's and the dashboard's together)."""
    attempts: FailedAttempts = request.app.state.failed_attempts
    return attempts


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def unauthorized(detail: str, challenge: str = "Bearer") -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": challenge})


async def caller_of(
    request: Request, pool: Pool, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
) -> Caller:
    """The live token's holder, from the token store or from what this process heard of it.

    A revocation takes effect once its notification arrives (milliseconds): see ``token_cache``.
    """
    if credentials is None:
        raise unauthorized("send Authorization: Bearer <token>; `jejak tokens create` makes one")
    kept: TokenCache | None = getattr(request.app.state, "tokens", None)
    token = credentials.credentials
    now = datetime.now(UTC)
    caller = kept.holder(token) if kept is not None else None
    if caller is not None and (caller.expires_at is None or now < caller.expires_at):
        await _note_use(request, pool, caller.token_id)
        return caller
    # unknown here, or expired while kept: the store decides (and refuses an expired one)
    attempts, address = failed_attempts(request), client_address(request)
    attempts.check(address)
    generation = kept.generation if kept is not None else 0
    async with pool.connection() as conn, conn.cursor() as cur:
        found = await tokens.verify(cur, token)
    if found is None:
        attempts.failed(address)
        raise unauthorized("the token is unknown, wrong, revoked or expired", 'Bearer error="invalid_token"')
    caller = Caller(found.token_id, found.role, found.opd, found.expires_at)
    if kept is not None:
        kept.keep(token, generation, caller)
    await _note_use(request, pool, caller.token_id)
    return caller


async def _note_use(request: Request, pool: Pool, token_id: str) -> None:
    """Write the token's last use, at most once a minute per token and process (``jejak tokens list`` shows it)."""
    written: dict[str, float] = request.app.state.__dict__.setdefault("token_uses", {})
    moment = time.monotonic()
    if moment - written.get(token_id, -1e9) < tokens.LAST_USE_EVERY.total_seconds():
        return
    written[token_id] = moment
    if len(written) > 10_000:  # bounded: forget the oldest half
        for old in sorted(written, key=written.__getitem__)[:5_000]:
            del written[old]
    try:
        async with pool.connection() as conn, conn.cursor() as cur:
            await tokens.used(cur, token_id)
    except psycopg.Error:  # the answer matters more than the bookkeeping
        log.warning("the last use of token %s could not be written", token_id, exc_info=True)


def allowed(*roles: Role) -> Callable[..., Awaitable[Caller]]:
    """A dependency: the caller, when its role is one of ``roles``; 403 before any parameter is read."""

    async def caller_in_role(caller: Annotated[Caller, Depends(caller_of)]) -> Caller:
        caller.require(*roles)
        return caller

    return caller_in_role


async def check_employee_access(cur: AsyncCursor[Any], caller: Caller, nip: str) -> None:
    """404 for an unknown employee; 403 for one outside the caller's unit (or never placed, for opd)."""
    known, unit_code = await unit_of(cur, nip)
    if not known:
        raise HTTPException(404, f"no employee with NIP {nip}")
    if caller.may_read_unit(unit_code):
        return
    if caller.role is Role.OPD:
        raise HTTPException(403, f"NIP {nip} is not an employee of unit {caller.opd}, the only one this token reads")
    raise HTTPException(403, f"role {caller.role} reads no employee's records")


_RESPONSES: dict[int, dict[str, Any]] = {
    401: {
        "model": ErrorOut,
        "description": "No token, or an unknown, wrong or revoked one.",
        "headers": {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    },
    403: {"model": ErrorOut, "description": "The token's role (or unit) may not read this."},
    404: {"model": ErrorOut, "description": "No such employee, or nothing recorded about them yet."},
    422: {"model": InvalidOut, "description": "A malformed NIP or filter."},
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented error answers of a route, for its OpenAPI description."""
    return {status: _RESPONSES[status] for status in statuses}


EmployeeReader = Annotated[Caller, Depends(allowed(Role.AUDITOR, Role.BKPSDM, Role.OPD))]
"""Routes about named employees: opd callers pass here, then ``check_employee_access`` or the
unit filter keeps them to their own unit."""
Overseer = Annotated[Caller, Depends(allowed(Role.AUDITOR, Role.BKPSDM))]
"""Routes about the system itself and every sender: auditors and BKPSDM."""
Anyone = Annotated[Caller, Depends(allowed(Role.AUDITOR, Role.BKPSDM, Role.OPD, Role.PUBLIC))]
"""Aggregate statistics: every role, opd scoped to its unit."""
