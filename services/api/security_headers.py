"""Headers every answer carries, so a browser shown a Jejak page runs only Jejak's own scripts.

- ``Content-Security-Policy``: scripts, styles, images and connections from Jejak itself only, no
  inline script, no plug-ins, forms posted back to Jejak, never framed (``frame-ancestors 'none'``,
  against click-jacking). Swagger UI and ReDoc start from one inline script of FastAPI's, so their
  two pages allow inline script; they hold no personal data and the dashboard's cookie is not sent
  to them (its path is ``/ui``).
- ``X-Content-Type-Options: nosniff``: a CSV or JSON answer is never run as a script.
- ``Referrer-Policy: no-referrer``: a NIP in a dashboard URL never leaves in a Referer header.
- ``X-Frame-Options: DENY``: ``frame-ancestors`` for browsers that predate it.

A plain ASGI middleware (not Starlette's ``BaseHTTPMiddleware``, which runs each request through a
task group and costs every report answer time).
"""

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_POLICY = POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})


def _headers(policy: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
    ]


_EVERYWHERE, _DOCS = _headers(POLICY), _headers(DOCS_POLICY)


class SecurityHeaders:
    """Adds the headers above to every HTTP answer of ``app``."""

    def __init__(self, app: ASGIApp, docs_paths: Iterable[str] = DOCS_PATHS) -> None:
        self.app = app
        self.docs_paths = frozenset(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = _DOCS if scope.get("path") in self.docs_paths else _EVERYWHERE

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
