"""The checkpoint service: every few minutes, when the store has grown, sign its head and publish it."""

import asyncio
import functools
import logging
from pathlib import Path

from nats.js import JetStreamContext

from projections.ordered_pull import sleep_unless
from services.audit.checkpoints import ChainRewritten, last_published, publish_new, take_checkpoint
from services.audit.keys import load_signing_key, public_keys
from services.retry import backoff_seconds

log = logging.getLogger(__name__)


class Checkpointer:
    """Signs with the key folder's current key, read again each round so a rotation takes effect at once.

    A failure (database or NATS away, key folder unreadable) is logged and retried, never fatal.
    """

    def __init__(self, database_url: str, js: JetStreamContext, key_dir: Path, interval_seconds: float) -> None:
        self.database_url = database_url
        self.js = js
        self.key_dir = key_dir
        self.interval_seconds = interval_seconds

    async def once(self) -> None:
        key = load_signing_key(self.key_dir)
        published = await last_published(self.js)  # what a database superuser cannot take back
        try:
            checkpoint = await asyncio.to_thread(
                functools.partial(
                    take_checkpoint, self.database_url, key, only_if_moved=True, trusted=public_keys(self.key_dir),
                    kept_elsewhere=[published] if published is not None else [],
                )
            )  # fmt: skip
        except ChainRewritten as rewritten:
            log.error("NOT SIGNED: %s. Run `jejak audit verify` and call the auditor.", rewritten)  # noqa: TRY400
            raise
        if checkpoint is not None:
            log.info("checkpoint %s signed at position %s", checkpoint.checkpoint_id, checkpoint.position)
        await publish_new(self.js, self.database_url)

    async def run(self, stop: asyncio.Event, max_delay: float) -> None:
        failures = 0
        while not stop.is_set():
            try:
                await self.once()
                failures = 0
                delay = self.interval_seconds
            except Exception:
                failures += 1
                delay = min(self.interval_seconds, backoff_seconds(failures, max_delay))
                log.warning("checkpoint failed (attempt %s), retrying in %.1f s", failures, delay, exc_info=True)
            await sleep_unless(stop, delay)
