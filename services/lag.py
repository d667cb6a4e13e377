"""How far behind each projection is, in events and in seconds, read from its durable consumer.

Events behind = messages the consumer has not yet had acknowledged (pending + in flight); seconds
behind = the age of the oldest of them, from its stream timestamp (0 when caught up). Reading
the consumer rather than the read model's own position also counts events it has not seen yet.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from prometheus_client import CollectorRegistry, Gauge

from projections.worker import PROJECTIONS


@dataclass(frozen=True)
class Lag:
    projection: str
    events: int
    seconds: float


async def projection_lags(js: JetStreamContext, now: datetime | None = None) -> list[Lag]:
    """The lag of every projection in the registry, in registry order."""
    moment = now or datetime.now(UTC)
    lags = []
    for projection in PROJECTIONS:
        info = await js.consumer_info(projection.stream, projection.durable)
        behind = (info.num_pending or 0) + (info.num_ack_pending or 0)
        seconds = 0.0
        if behind:
            oldest = (info.ack_floor.stream_seq if info.ack_floor else 0) + 1
            try:
                message = await js.get_msg(projection.stream, seq=oldest)
            except NotFoundError:  # streams keep every message; a gap would be an operator's purge
                message = None
            if message is not None and message.time is not None:
                seconds = max((moment - message.time).total_seconds(), 0.0)
        lags.append(Lag(projection.name, behind, seconds))
    return lags


class LagGauges:
    """Prometheus gauges ``jejak_projection_lag_events`` and ``..._seconds``, labelled by projection."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.events = Gauge("jejak_projection_lag_events", "Events not yet applied", ["projection"], registry=registry)
        self.seconds = Gauge(
            "jejak_projection_lag_seconds", "Age of the oldest event not yet applied", ["projection"], registry=registry
        )

    def record(self, lags: list[Lag]) -> None:
        for lag in lags:
            self.events.labels(lag.projection).set(lag.events)
            self.seconds.labels(lag.projection).set(lag.seconds)
