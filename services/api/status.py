"""GET /status (projection positions and lag) and GET /metrics (the same for Prometheus)."""

import logging
from datetime import datetime
from typing import Any

import nats
import psycopg
from fastapi import APIRouter, Request
from fastapi.responses import Response
from nats.aio.client import Client
from nats.js.errors import NotFoundError
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from psycopg import sql
from pydantic import BaseModel, Field

from contracts.streams import AUDIT_STREAM, EVENTS_STREAM, INBOX_STREAM, REJECTED_STREAM, submission_stream
from projections.worker import PROJECTIONS
from services.api.auth import Overseer, responses
from services.api.dependencies import Pool
from services.audit.checkpoints import last_published, store_holds
from services.audit.keys import public_keys
from services.audit.offline import verify_signature
from services.ingest import parking
from services.ingest.intake import intake_behind
from services.lag import LagGauges, projection_lags

router = APIRouter()
log = logging.getLogger(__name__)

_POSITIONS = sql.SQL("SELECT projection, position, updated_at FROM projection_position")


class ProjectionStatus(BaseModel):
    name: str
    position: int = Field(description="Last stream position applied (store position for EVENTS projections).")
    lag_events: int | None = Field(description="Messages not yet applied; null when NATS is not reachable.")
    lag_seconds: float | None = Field(description="Age of the oldest message not yet applied.")


class StatusOut(BaseModel):
    projections: list[ProjectionStatus]
    chain_extends_audit_checkpoint: bool | None = Field(
        default=None,
        description="False: the store no longer holds the hash of the last well-signed checkpoint on AUDIT, so "
        "history was rewritten (the checkpoint service signs nothing more); None: nothing to compare.",
    )


async def connect_nats(url: str | None) -> Client | None:
    """The API reads lag from NATS when it knows where NATS is; reports never need it."""
    return None if url is None else await nats.connect(url, name="jejak-api", max_reconnect_attempts=-1)


async def _lags(request: Request) -> dict[str, Any]:
    client: Client | None = request.app.state.nats
    if client is None or not client.is_connected:
        return {}
    return {lag.projection: lag for lag in await projection_lags(client.jetstream())}


@router.get("/status", response_model=StatusOut, responses=responses(401, 403))
async def status(request: Request, pool: Pool, _: Overseer) -> StatusOut:
    """Each projection's position and lag, in events and seconds (auditor, bkpsdm)."""
    async with pool.connection() as conn, conn.cursor() as cur:
        await cur.execute(_POSITIONS)
        positions = {row[0]: int(row[1]) for row in await cur.fetchall()}
    lags = await _lags(request)
    return StatusOut(
        projections=[
            ProjectionStatus(
                name=p.name,
                position=positions.get(p.name, 0),
                lag_events=lags[p.name].events if p.name in lags else None,
                lag_seconds=lags[p.name].seconds if p.name in lags else None,
            )
            for p in PROJECTIONS
        ],
        chain_extends_audit_checkpoint=await _extends_last_published(request, pool),
    )


class ConsumerState(BaseModel):
    name: str
    pending: int = Field(description="Messages not yet delivered to it.")
    ack_pending: int = Field(description="Delivered, not yet acknowledged.")
    redelivered: int
    ack_floor: int = Field(description="Stream sequence up to which everything is acknowledged.")


class StreamState(BaseModel):
    name: str
    messages: int
    bytes: int
    first_seq: int
    last_seq: int
    consumers: list[ConsumerState]


class StreamsOut(BaseModel):
    reachable: bool = Field(description="False when the API has no NATS connection; the lists are then empty.")
    streams: list[StreamState]


STREAMS = (INBOX_STREAM, EVENTS_STREAM, REJECTED_STREAM, AUDIT_STREAM)


def _is_submissions(name: str | None) -> bool:
    """A sender's own stream (``SUBMIT-<source>``), which intake moves into INBOX."""
    return bool(name) and str(name).startswith(submission_stream(""))


@router.get("/status/streams", response_model=StreamsOut, responses=responses(401, 403))
async def streams(request: Request, _: Overseer) -> StreamsOut:
    """Each JetStream stream's size and each durable consumer's backlog (auditor, bkpsdm)."""
    client: Client | None = request.app.state.nats
    if client is None or not client.is_connected:
        return StreamsOut(reachable=False, streams=[])
    js = client.jetstream()
    found = []
    senders = sorted(str(info.config.name) for info in await js.streams_info() if _is_submissions(info.config.name))
    for name in (*STREAMS, *senders):
        try:
            info = await js.stream_info(name)
            consumers = await js.consumers_info(name)
        except NotFoundError:
            continue
        found.append(
            StreamState(
                name=name,
                messages=info.state.messages,
                bytes=info.state.bytes,
                first_seq=info.state.first_seq,
                last_seq=info.state.last_seq,
                consumers=[
                    ConsumerState(
                        name=c.name,
                        pending=c.num_pending or 0,
                        ack_pending=c.num_ack_pending or 0,
                        redelivered=c.num_redelivered or 0,
                        ack_floor=(c.ack_floor.stream_seq or 0) if c.ack_floor else 0,
                    )
                    for c in sorted(consumers, key=lambda c: c.name)
                ],
            )
        )
    return StreamsOut(reachable=True, streams=found)


class ParkedOut(BaseModel):
    id: int = Field(description="What `jejak parked replay ID` takes.")
    inbox_sequence: int
    subject: str
    source: str | None
    event_type: str | None
    event_id: str | None
    error: str = Field(description="The exception and where it was raised.")
    attempts: int
    parked_at: datetime


class ParkedListOut(BaseModel):
    parked: list[ParkedOut] = Field(description="Waiting for a replay after a fix, oldest first.")


@router.get("/parked", response_model=ParkedListOut, responses=responses(401, 403))
async def parked(pool: Pool, _: Overseer) -> ParkedListOut:
    """Submissions parked after failing for a fault of Jejak's own, waiting for a replay (auditor, bkpsdm)."""
    async with pool.connection() as conn, conn.cursor() as cur:
        rows = await parking.waiting_list(cur)
    return ParkedListOut(parked=[ParkedOut.model_validate(row, from_attributes=True) for row in rows])


async def _extends_last_published(request: Request, pool: Any) -> bool | None:
    """Does the store still hold the hash of the last checkpoint on AUDIT (which a database superuser
    cannot take back)? None when there is nothing to compare (no NATS, no checkpoint, no trusted key)."""
    client: Client | None = request.app.state.nats
    key_dir = request.app.state.verifications.key_dir
    if client is None or not client.is_connected or key_dir is None:
        return None
    try:
        published = await last_published(client.jetstream())
        keys = public_keys(key_dir)
    except Exception:  # NATS away, AUDIT not provisioned, keys unreadable: no figure rather than a false one
        log.warning("/metrics: the last checkpoint on AUDIT could not be read", exc_info=True)
        return None
    if published is None or published.position == 0 or verify_signature(published, keys) is not None:
        return None
    try:
        async with pool.connection(timeout=2) as conn:
            return await store_holds(conn, published)
    except psycopg.Error:
        return None


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, pool: Pool) -> Response:
    """Prometheus text format: ``jejak_projection_lag_events``, ``jejak_projection_lag_seconds``,
    ``jejak_intake_waiting_submissions`` (absent without NATS), ``jejak_chain_extends_audit_checkpoint``
    (0: history was rewritten) and ``jejak_parked_submissions`` (absent while the database cannot be read)."""
    registry = CollectorRegistry()
    LagGauges(registry).record(list((await _lags(request)).values()))
    client: Client | None = request.app.state.nats
    intact = await _extends_last_published(request, pool)
    if intact is not None:
        Gauge(
            "jejak_chain_extends_audit_checkpoint",
            "1 while the store holds the hash of the last well-signed checkpoint on AUDIT; 0: history was rewritten",
            registry=registry,
        ).set(1 if intact else 0)
    if client is not None and client.is_connected:
        try:
            waiting = await intake_behind(client.jetstream())
        except Exception:  # NATS away or not provisioned: the other figures are still worth serving
            log.warning("/metrics: the submissions waiting for intake could not be counted", exc_info=True)
        else:
            Gauge(
                "jejak_intake_waiting_submissions",
                "Submissions in senders' own streams not yet moved into INBOX",
                registry=registry,
            ).set(waiting)
    try:
        async with pool.connection(timeout=2) as conn, conn.cursor() as cur:
            waiting = await parking.waiting(cur)
    except psycopg.Error:
        log.warning("/metrics: the parked submissions could not be counted", exc_info=True)
    else:
        Gauge(
            "jejak_parked_submissions", "Submissions parked for a fault of Jejak's own, waiting for a replay",
            registry=registry,
        ).set(waiting)  # fmt: skip
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
