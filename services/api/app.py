"""FastAPI application: health, competency history and rejections, each route behind a bearer token."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from psycopg import IsolationLevel
from psycopg_pool import AsyncConnectionPool

from contracts.reference import training_kinds
from projections import competency, rejections
from projections.tracking import READ_MODELS_CHANNEL
from services import tokens
from services.api import audit_routes, complaints_routes, performance_routes, reports, standing_routes, status
from services.api.answer_cache import AnswerCache
from services.api.attempts import DEFAULT_LIMIT, FailedAttempts
from services.api.auth import EmployeeReader, Overseer, check_employee_access, responses
from services.api.common import NipPath, valid_number
from services.api.dependencies import Pool
from services.api.notifications import Follower, following
from services.api.schemas import (
    ActivityOut,
    CompetencyHistoryOut,
    CompetencyYear,
    Health,
    RejectionCountOut,
    RejectionOut,
    RejectionsOut,
    RejectionSummaryOut,
)
from services.api.security_headers import SecurityHeaders
from services.api.status import connect_nats
from services.api.token_cache import TokenCache
from services.database import read_pool
from services.tokens import TOKENS_CHANNEL
from services.web import routes as web
from services.web.audit_runs import Verifications
from services.web.session import SessionKeys, Sessions, ephemeral_keys

log = logging.getLogger(__name__)


async def what_to_follow(pool: AsyncConnectionPool, answers: AnswerCache, kept: TokenCache) -> dict[str, Follower]:
    """The read models always; token holders only when the store announces token changes.

    A store provisioned before the token trigger never would: keeping holders there would let a
    revoked token through until the API restarts, so every request checks its token instead.
    """
    followers: dict[str, Follower] = {READ_MODELS_CHANNEL: answers}
    async with pool.connection() as conn, conn.cursor() as cur:
        if await tokens.changes_notified(cur):
            followers[TOKENS_CHANNEL] = kept
        else:
            log.warning("api_token announces no changes (run `jejak provision`): every request checks its token")
    return followers


def create_app(
    database_url: str,
    nats_url: str | None = None,
    web_keys: SessionKeys | None = None,
    audit_key_dir: Path | None = None,
    failed_sign_ins_per_minute: int = DEFAULT_LIMIT,
) -> FastAPI:
    """One pool per process, opened on start-up and closed on shutdown; NATS only for /status.

    ``web_keys`` sign the dashboard's session cookies (default: a key for this process only);
    ``audit_key_dir`` holds the public keys the dashboard's verifications trust; past
    ``failed_sign_ins_per_minute`` wrong tokens a client address gets 429 (``services.api.attempts``).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.answers, app.state.tokens = AnswerCache(), TokenCache()
        async with read_pool(database_url) as pool:
            followers = await what_to_follow(pool, app.state.answers, app.state.tokens)
            async with following(database_url, followers):
                app.state.pool = pool
                app.state.nats = await connect_nats(nats_url)
                try:
                    yield
                finally:
                    if app.state.nats is not None:
                        await app.state.nats.close()

    app = FastAPIOffline(  # Swagger UI and ReDoc from the package, not a CDN: /docs works offline
        title="Jejak report API",
        description=(
            "Competency and performance histories of civil servants, built from the event store. Every route but "
            "/healthz needs `Authorization: Bearer <token>`; `jejak tokens create --role ROLE` makes one."
        ),
        version="0.1.0",
        lifespan=lifespan,
    )
    for routes in (reports, performance_routes, complaints_routes, standing_routes, status, audit_routes):
        app.include_router(routes.router)
    app.add_middleware(SecurityHeaders)
    app.state.failed_attempts = FailedAttempts(limit=failed_sign_ins_per_minute)
    app.state.web_keys = web_keys or ephemeral_keys()
    app.state.web_sessions = Sessions()
    app.state.verifications = Verifications(database_url, audit_key_dir)
    web.install(app)

    @app.get("/healthz", response_model=Health)
    async def healthz(pool: Pool) -> JSONResponse:
        """Whether the API can reach its database."""
        try:
            async with pool.connection(timeout=2) as conn:
                await conn.execute("SELECT 1")
        except Exception:
            log.warning("/healthz: the database cannot be reached", exc_info=True)  # the reason stays in the log
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    @app.get(
        "/employees/{nip}/competency", response_model=CompetencyHistoryOut, responses=responses(401, 403, 404, 422)
    )
    async def employee_competency(nip: NipPath, pool: Pool, caller: EmployeeReader) -> CompetencyHistoryOut:
        """Development activities and recognised JP per year of one civil servant (auditor, bkpsdm, own opd)."""
        valid_number(nip)
        async with pool.connection() as conn:
            await conn.set_isolation_level(IsolationLevel.REPEATABLE_READ)
            async with conn.transaction(), conn.cursor() as cur:
                await check_employee_access(cur, caller, nip)
                found = await competency.history(cur, nip)
        if not found.activities:
            raise HTTPException(status_code=404, detail=f"no competency record for NIP {nip}")
        return history_out(nip, found)

    @app.get("/rejections", response_model=RejectionsOut, responses=responses(401, 403, 422))
    async def list_rejections(
        pool: Pool,
        _: Overseer,
        source: Annotated[str | None, Query(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", description="Sender")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        before: Annotated[
            int | None, Query(ge=1, le=2**63 - 1, description="Only older than this stream sequence")
        ] = None,
    ) -> RejectionsOut:
        """Refused submissions, newest first, optionally of one sender (auditor, bkpsdm)."""
        async with pool.connection() as conn, conn.cursor() as cur:
            rows = await rejections.latest(cur, source=source, limit=limit, before=before)
        found = [RejectionOut(**vars(row)) for row in rows]
        return RejectionsOut(rejections=found, next_before=found[-1].stream_sequence if len(found) == limit else None)

    @app.get("/rejections/summary", response_model=RejectionSummaryOut, responses=responses(401, 403))
    async def rejection_summary(pool: Pool, _: Overseer) -> RejectionSummaryOut:
        """Refusals counted per sender and reason code, with the latest reason (auditor, bkpsdm)."""
        async with pool.connection() as conn, conn.cursor() as cur:
            rows = await rejections.per_source(cur)
        return RejectionSummaryOut(
            senders=[RejectionCountOut(**vars(row)) for row in rows], total=sum(row.rejections for row in rows)
        )

    return app


def history_out(nip: str, found: competency.CompetencyHistory) -> CompetencyHistoryOut:
    kinds = training_kinds()
    years = []
    by_year = groupby(
        sorted(found.activities, key=lambda a: (a.year, a.end_date, a.position)),
        key=lambda a: a.year,
    )
    for year, rows in by_year:
        activities = [
            ActivityOut(
                **{k: v for k, v in vars(a).items() if k != "year"},
                training_kind_name=kinds.get(a.training_kind, a.training_kind),
            )
            for a in rows
        ]
        years.append(
            CompetencyYear(
                year=year,
                recognised_jp=sum((a.recognised_jp for a in activities), Decimal(0)),
                activities=activities,
            )
        )
    total = sum((y.recognised_jp for y in years), Decimal(0))
    return CompetencyHistoryOut(nip=nip, total_recognised_jp=total, years=years, position=found.position)
