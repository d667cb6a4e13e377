"""Rendered report answers, kept until a read model changes: a repeated question costs no query.

A report is a function of its question (path, query, format), of who asks (role and unit, which
decide what they may see), of the day (reports default to this year, or to today) and of the
read models. The read models change only when a projection moves its position; every such change
is notified by PostgreSQL at commit (``projections.tracking.READ_MODELS_CHANNEL``). This process
listens (``services.api.notifications``), and each notification starts a new generation: answers
of older generations are never served.

How fresh that is: an answer is filed under the generation that was current *before* it was
built, so it was built from a snapshot at least as new as every change notified so far. A change
committed while it was being built makes a new generation, and the answer, filed under the old
one, is not served again. So a kept answer lags the database only by the time a notification
takes to arrive and be read (milliseconds), the same as a query that started a moment earlier.

While the listening connection is down (or never started, as in ``jejak audit reproduce``), the
cache is off: every request is answered from the database, and what was cached is dropped,
because notifications may have been missed.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

from services.api.auth import Caller
from services.api.common import today
from services.api.kept import KeptUntilChanged

Key = tuple[str, ...]


@dataclass(frozen=True)
class Kept:
    """One rendered answer."""

    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...] = ()


class AnswerCache(KeptUntilChanged[Key, Kept]):
    """Answers by question, valid for one generation of the read models."""

    def __init__(self, max_entries: int = 2048) -> None:
        super().__init__(max_entries)


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
            bytes(built.body),
            built.media_type or "application/octet-stream",
            tuple((k, v) for k, v in built.headers.items() if k.lower() not in {"content-length", "content-type"}),
        )
    else:
        kept = Kept(built.__pydantic_serializer__.to_json(built, by_alias=True), "application/json")
    if cache is not None:
        cache.put(key, generation, kept)
    return respond(kept, "miss")


def respond(kept: Kept, how: str) -> Response:
    return Response(kept.body, media_type=kept.media_type, headers={**dict(kept.headers), "Jejak-Cache": how})
