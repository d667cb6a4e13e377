"""Refuse to start a service on servers that were not provisioned, instead of creating things.

Binding a durable pull consumer that does not exist would make nats-py create it with default
settings, and a missing table would surface as an obscure error on the first message.
"""

from collections.abc import Mapping

import nats
import psycopg
from nats.js.errors import NotFoundError

from contracts.streams import AUDIT_STREAM, EVENTS_STREAM, INBOX_STREAM, INGEST_CONSUMER, REJECTED_STREAM
from projections.worker import PROJECTIONS
from services import tokens
from services.database_roles import read_model_tables
from services.store_roles import role_of


class NotProvisioned(RuntimeError):
    """Streams, consumers or tables a service needs are missing: run ``jejak provision``."""


READ_MODEL_TABLES = list(read_model_tables())

NEEDS: dict[str, tuple[list[tuple[str, str | None]], list[str]]] = {
    "ingest": ([(INBOX_STREAM, INGEST_CONSUMER), (REJECTED_STREAM, None)], ["jejak_events", "personal_keys"]),
    "relay": ([(EVENTS_STREAM, None)], ["jejak_events"]),
    "projections": ([(p.stream, p.durable) for p in PROJECTIONS], READ_MODEL_TABLES),
    "checkpoints": ([(AUDIT_STREAM, None)], ["jejak_events_chain_head", "jejak_checkpoints"]),
    "api": ([], [*READ_MODEL_TABLES, tokens.TABLE]),
}
"""Per service: the (stream, durable consumer or None) pairs and the tables it uses."""


async def require_provisioned(nats_url: str, logins: Mapping[str, str]) -> None:
    """Raise NotProvisioned naming everything missing for the services of ``logins`` (service -> its
    database URL): their streams and consumers, their logins, and the tables each can see."""
    missing: list[str] = []
    services = list(logins)
    streams = {pair for service in services for pair in NEEDS[service][0]}
    if streams:
        connection = await nats.connect(nats_url, name="jejak-preflight")
        try:
            js = connection.jetstream()
            for stream, consumer in sorted(streams, key=str):
                try:
                    if consumer is None:
                        await js.stream_info(stream)
                    else:
                        await js.consumer_info(stream, consumer)
                except NotFoundError:
                    missing.append(f"stream {stream}" if consumer is None else f"consumer {stream}/{consumer}")
        finally:
            await connection.close()
    for service, database_url in logins.items():
        try:
            conn = await psycopg.AsyncConnection.connect(database_url)
        except psycopg.OperationalError as error:
            if "does not exist" not in str(error) or "role" not in str(error):
                raise
            missing.append(f"the database login of {service} ({role_of(database_url)})")
            continue
        async with conn:
            for table in NEEDS[service][1]:
                row = await (await conn.execute("SELECT to_regclass(%s)", (table,))).fetchone()
                if (row is None or row[0] is None) and f"table {table}" not in missing:
                    missing.append(f"table {table}")
    if missing:
        raise NotProvisioned(f"not provisioned: {', '.join(missing)}; run `jejak provision` first")
