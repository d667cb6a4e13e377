"""Streams and durable consumers, created by one explicit, idempotent step.

Services bind to what exists and never declare streams themselves (FastStream's default
declaration would *update* an existing stream with the service's settings and can truncate it).
A stream or consumer that exists with different settings is reported, never silently changed.
"""

from dataclasses import dataclass
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    KeyValueConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BucketNotFoundError, NotFoundError

from contracts.streams import (
    AUDIT_STREAM,
    AUDIT_SUBJECTS,
    EVENTS_STREAM,
    EVENTS_SUBJECTS,
    INBOX_STREAM,
    INBOX_SUBJECTS,
    INGEST_CONSUMER,
    INTAKE_BUCKET,
    REJECTED_STREAM,
    REJECTED_SUBJECTS,
    rejected_subjects_of,
    rejections_consumer,
    submission_stream,
    submission_subjects_of,
)
from projections.worker import PROJECTIONS
from services.senders import Senders
from services.settings import Settings


class ProvisioningConflict(RuntimeError):
    """A stream or consumer exists with settings other than ours; an operator must decide."""


@dataclass(frozen=True)
class Provisioned:
    """What one provisioning run did: names created and names found as wanted."""

    created: tuple[str, ...]
    unchanged: tuple[str, ...]
    updated: tuple[str, ...] = ()
    """Consumers whose delivery pace (ack wait, max deliver, max ack pending), and streams whose largest
    message, were brought in line."""
    warnings: tuple[str, ...] = ()
    """What an operator should know about the result (e.g. the store's roles are not separated)."""


INTAKE_HEADERS_ALLOWANCE = 1024
"""INBOX takes a submission at the size bound with the headers intake adds (its sender's are not carried)."""


def stream_configs(settings: Settings, senders: Senders | None = None) -> list[StreamConfig]:
    """INBOX and EVENTS are records: kept, never purged, full means refuse.

    Each sender's submissions land first in a stream of its own (``SUBMIT-<source>``), so that
    JetStream's ``Nats-Msg-Id`` de-duplication, which is per stream, is per sender: no sender can
    make another's event a duplicate. They are records too: what a sender submitted, as received.

    INBOX and the senders' streams allow deleting single messages, for one purpose: ingest deletes a
    submission holding a complainant's personal data once it is settled (stored sealed, or refused), so
    that erasing the person leaves nothing readable on NATS (``services.ingest.forget``). EVENTS and
    AUDIT deny it. A stream's ``deny_delete`` cannot be lifted once set (the server refuses), so a stream
    made by an older Jejak is reported here for an operator to migrate.
    """

    def record(
        name: str,
        subjects: str,
        window: float,
        *,
        deny_delete: bool,
        deny_purge: bool = True,
        max_msg_size: int = -1,
        atomic: bool = False,
    ) -> StreamConfig:
        return StreamConfig(
            name=name,
            subjects=[subjects],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.NEW,
            max_age=0,
            max_msgs=-1,
            max_bytes=-1,
            max_msg_size=max_msg_size,
            duplicate_window=window,
            deny_delete=deny_delete,
            deny_purge=deny_purge,
            allow_rollup_hdrs=False,
            num_replicas=1,
            allow_atomic=True if atomic else None,  # the server leaves "false" out of what it reports
        )

    return [
        # A submission larger than ingest accepts is refused by the server itself, before it is stored
        # (in the sender's own stream, below).
        record(
            INBOX_STREAM,
            INBOX_SUBJECTS,
            settings.inbox_duplicate_window_seconds,
            deny_delete=False,  # settled submissions with personal data only (see above)
            max_msg_size=settings.max_message_bytes + INTAKE_HEADERS_ALLOWANCE,
            atomic=True,  # intake moves the senders' submissions in atomic batches
        ),
        record(
            EVENTS_STREAM,
            EVENTS_SUBJECTS,
            settings.events_duplicate_window_seconds,
            deny_delete=True,
        ),
        # Rejections carry what a sender submitted by mistake, personal data included: deletable.
        record(REJECTED_STREAM, REJECTED_SUBJECTS, 3600.0, deny_delete=False, deny_purge=False),
        # Signed checkpoints: what an auditor compares the store with later, so never deleted.
        record(AUDIT_STREAM, AUDIT_SUBJECTS, settings.events_duplicate_window_seconds, deny_delete=True),
        *(
            record(
                submission_stream(source),
                submission_subjects_of(source),
                settings.inbox_duplicate_window_seconds,
                deny_delete=False,  # as INBOX
                max_msg_size=settings.max_message_bytes,
            )
            for source in (senders.names if senders is not None else ())
        ),
    ]


def consumer_configs(settings: Settings) -> dict[str, list[ConsumerConfig]]:
    """Durable pull consumers; ``max_deliver=-1`` because a transient failure is never a drop.

    ``max_ack_pending`` is a whole batch: the workers take a batch per fetch and keep the stream's
    order themselves (``projections.ordered_pull``), handing back any message that arrives before
    an earlier one, so a redelivery after a crash or a retry is applied before anything after it.
    """

    def durable(name: str, subjects: str, in_flight: int) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=name,
            filter_subject=subjects,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=settings.consumer_ack_wait_seconds,
            max_deliver=-1,
            max_ack_pending=in_flight,
        )

    ingest = durable(INGEST_CONSUMER, INBOX_SUBJECTS, settings.ingest_batch_size)
    consumers: dict[str, list[ConsumerConfig]] = {INBOX_STREAM: [ingest]}
    for projection in PROJECTIONS:
        consumer = durable(projection.durable, projection.subjects, settings.projection_batch_size)
        consumers.setdefault(projection.stream, []).append(consumer)
    return consumers


def _differences(wanted: Any, existing: Any, fields: list[str]) -> list[str]:
    def norm(value: Any) -> Any:
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    return [
        f"{field}: has {getattr(existing, field)!r}, wanted {getattr(wanted, field)!r}"
        for field in fields
        if norm(getattr(existing, field)) != norm(getattr(wanted, field))
    ]


STREAM_FIELDS = ["subjects", "retention", "storage", "discard", "max_age", "max_msgs", "max_bytes",
                 "max_msg_size", "duplicate_window", "deny_delete", "deny_purge", "allow_rollup_hdrs",
                 "allow_atomic"]  # fmt: skip
EDITABLE_STREAM_FIELDS = {"max_msg_size", "allow_atomic"}
"""What is accepted from now on (the largest message; atomic batches): changing it removes nothing stored,
so provisioning applies it."""
UNDELETABLE_HINT = (
    "made by an older Jejak, it denies deleting messages, which erasing a complainant needs (ingest deletes "
    "their settled submissions); the server cannot lift that, so the stream must be made anew (a try-out: "
    "make clean-data)"
)
CONSUMER_FIELDS = ["filter_subject", "deliver_policy", "ack_policy", "ack_wait", "max_deliver",
                   "max_ack_pending"]  # fmt: skip
EDITABLE_CONSUMER_FIELDS = {"ack_wait", "max_deliver", "max_ack_pending"}
"""Delivery pace only: changing them loses and reorders nothing, so provisioning applies them."""


def sender_consumer_configs(settings: Settings, senders: Senders) -> list[ConsumerConfig]:
    """One durable pull consumer on REJECTED per sender, from which it reads its own refusals.

    The sender's NATS account may pull from and acknowledge on this consumer only; it cannot
    create consumers, so the filter and the (pull) delivery are fixed here.
    """
    return [
        ConsumerConfig(
            durable_name=rejections_consumer(source),
            filter_subject=rejected_subjects_of(source),
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=settings.consumer_ack_wait_seconds,
            max_deliver=-1,
            max_ack_pending=1000,
        )
        for source in senders.names
    ]


async def provision_streams(js: JetStreamContext, settings: Settings, senders: Senders) -> Provisioned:
    """Create what is missing; raise ProvisioningConflict listing every difference found."""
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    conflicts: list[str] = []
    for config in stream_configs(settings, senders):
        try:
            info = await js.stream_info(str(config.name))
        except NotFoundError:
            await js.add_stream(config)
            created.append(f"stream {config.name}")
            continue
        found = _differences(config, info.config, STREAM_FIELDS)
        if found and not _differences(config, info.config, sorted(set(STREAM_FIELDS) - EDITABLE_STREAM_FIELDS)):
            await js.update_stream(config)  # only the editable fields differ: nothing stored is touched
            updated.append(f"stream {config.name}")
            continue
        conflicts += [f"stream {config.name}: {d}" for d in found]
        if config.deny_delete is False and info.config.deny_delete:
            conflicts.append(f"stream {config.name}: {UNDELETABLE_HINT}")
        if not found:
            unchanged.append(f"stream {config.name}")
    wanted = [*consumer_configs(settings).items(), (REJECTED_STREAM, sender_consumer_configs(settings, senders))]
    for stream, consumers in wanted:
        for consumer in consumers:
            name = f"consumer {stream}/{consumer.durable_name}"
            try:
                cinfo = await js.consumer_info(stream, str(consumer.durable_name))
            except NotFoundError:
                await js.add_consumer(stream, consumer)
                created.append(name)
                continue
            found = _differences(consumer, cinfo.config, CONSUMER_FIELDS)
            if found and not _differences(
                consumer, cinfo.config, sorted(set(CONSUMER_FIELDS) - EDITABLE_CONSUMER_FIELDS)
            ):
                await js.add_consumer(stream, consumer)  # the server updates an existing durable in place
                updated.append(name)
                continue
            conflicts += [f"{name}: {d}" for d in found]
            if not found:
                unchanged.append(name)
    try:
        await js.key_value(INTAKE_BUCKET)
        unchanged.append(f"bucket {INTAKE_BUCKET}")
    except BucketNotFoundError:
        await js.create_key_value(KeyValueConfig(bucket=INTAKE_BUCKET, history=1, storage=StorageType.FILE))
        created.append(f"bucket {INTAKE_BUCKET}")
    if conflicts:
        raise ProvisioningConflict(
            "existing streams or consumers differ from Jejak's settings; change them deliberately "
            "(nats stream edit / consumer edit) or adjust JEJAK_* settings:\n  " + "\n  ".join(conflicts)
        )
    return Provisioned(tuple(created), tuple(unchanged), tuple(updated))
