"""Rendered report answers, kept until a read model changes: a repeated question costs no query.

A report is a function of its question (path, query, format), of who asks (role and unit, which
decide what they may see), of the day (reports default to this year, or to today) and of the
read models. The read models change only when a projection moves its position; every such change
is notified by PostgreSQL at commit (``projections.tracking.READ_MODELS_CHANNEL``). This process
listens, and each notification starts a new generation: answers of older generations are never
served.

How fresh that is: an answer is filed under the generation that was current *before* it was
built, so it was built from a snapshot at least as new as every change notified so far. A change
committed while it was being built makes a new generation, and the answer, filed under the old
one, is not served again. So a kept answer lags the database only by the time a notification
takes to arrive and be read (milliseconds), the same as a query that started a moment earlier.

While the listening connection is down (or never started, as in ``jejak audit reproduce``), the
cache is off: every request is answered from the database, and what was cached is dropped,
because notifications may have been missed.
"""

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from psycopg import AsyncConnection, sql
from pydantic import BaseModel

from projections.tracking import READ_MODELS_CHANNEL
from services.api.auth import Caller
from services.api.common import today

log = logging.getLogger(__name__)

Key = tuple[str, ...]


@dataclass(frozen=True)
class Kept:
    """One rendered answer and the generation of the read models it was built from."""

    generation: int
    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...] = ()


class AnswerCache:
    """Answers by question, valid for one generation of the read models; least recently used go first."""

    def __init__(self, max_entries: int = 2048) -> None:
        self.max_entries = max_entries
        self.generation = 0
        self.live = False
        """Listening for changes; only then is anything served from here."""
        self._entries: OrderedDict[Key, Kept] = OrderedDict()

    def changed(self) -> None:
        """A read model moved: nothing kept so far may be served again."""
        self.generation += 1
        self._entries.clear()

    def set_live(self, live: bool) -> None:
        self.live = live
        self.changed()

    def get(self, key: Key) -> Kept | None:
        """The answer kept for ``key``, if it is of the current generation."""
        if not self.live:
            return None
        found = self._entries.get(key)
        if found is None or found.generation != self.generation:
            return None
        self._entries.move_to_end(key)
        return found

    def put(self, key: Key, kept: Kept) -> None:
        """Keep an answer built from the read models as they were at ``kept.generation`` or later."""
        if not self.live or kept.generation != self.generation:
            return
        self._entries[key] = kept
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def question_of(request: Request, caller: Caller) -> Key:
    """Everything an answer may depend on besides the read models."""
    return (
        request.url.path,
        str(request.url.query),
        request.headers.get("accept", ""),
        caller.role.value,
        caller.opd or "",
        today().isoformat(),  # reports default to this year, or to today (as_of)
    )


async def answer(request: Request, caller: Caller, build: Callable[[], Awaitable[BaseModel | Response]]) -> Response:
    """The kept answer to this question, or ``build()``'s, rendered and kept (errors are never kept)."""
    cache: AnswerCache | None = getattr(request.app.state, "answers", None)
    key = question_of(request, caller)
    if cache is not None and (found := cache.get(key)) is not None:
        return respond(found, "hit")
    generation = cache.generation if cache is not None else 0
    built = await build()
    if isinstance(built, Response):
        kept = Kept(
            generation,
            bytes(built.body),
            built.media_type or "application/octet-stream",
            tuple((k, v) for k, v in built.headers.items() if k.lower() not in {"content-length", "content-type"}),
        )
    else:
        kept = Kept(generation, built.__pydantic_serializer__.to_json(built, by_alias=True), "application/json")
    if cache is not None:
        cache.put(key, kept)
    return respond(kept, "miss")


def respond(kept: Kept, how: str) -> Response:
    return Response(kept.body, media_type=kept.media_type, headers={**dict(kept.headers), "Jejak-Cache": how})


async def follow_read_models(
    database_url: str, cache: AnswerCache, retry_seconds: float = 1.0, ready: asyncio.Event | None = None
) -> None:
    """Listen for read-model changes until cancelled; the cache is live only while listening."""
    while True:
        try:
            async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
                await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(READ_MODELS_CHANNEL)))
                cache.set_live(True)
                if ready is not None:
                    ready.set()
                async for _ in conn.notifies():
                    cache.changed()
        except asyncio.CancelledError:
            cache.set_live(False)
            raise
        except Exception as error:  # noqa: BLE001 (the cache is off meanwhile; answers come from the database)
            log.warning("answer cache off, not following read-model changes: %s", error)
        cache.set_live(False)
        await asyncio.sleep(retry_seconds)


@contextlib.asynccontextmanager
async def following(database_url: str, cache: AnswerCache) -> AsyncIterator[None]:
    """Run ``follow_read_models`` for the block (the API's lifespan)."""
    task = asyncio.create_task(follow_read_models(database_url, cache), name="answer-cache")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
