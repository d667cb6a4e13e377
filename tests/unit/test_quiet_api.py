"""What the API says to anyone: /healthz up or down, never why; /docs from its own assets, never a CDN."""

import httpx
from psycopg_pool import AsyncConnectionPool

from services.api.app import create_app


async def test_an_unreachable_database_is_unavailable_without_its_error_text() -> None:
    nowhere = "postgresql://jejak:secret-password@127.0.0.1:1/jejak"
    app = create_app(nowhere)
    async with AsyncConnectionPool(nowhere, min_size=0, max_size=1, open=False) as pool:
        app.state.pool = pool
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
            answer = await client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "database": "unreachable"}


async def test_the_docs_load_their_assets_from_the_api_itself() -> None:
    """Offline (a city hall's network, an air-gapped server) a CDN's Swagger UI is a blank page."""
    app = create_app("postgresql://nobody@127.0.0.1:1/none")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
        for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
            html = (await client.get(page)).text
            assert f'/static-offline-docs/{asset}"' in html
            assert "cdn." not in html
            served = await client.get(f"/static-offline-docs/{asset}")
            assert served.status_code == 200
            assert len(served.content) > 100_000


async def test_every_answer_carries_the_security_headers_and_only_the_docs_allow_inline_script() -> None:
    app = create_app("postgresql://nobody@127.0.0.1:1/none")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
        for path in ("/openapi.json", "/ui/masuk", "/no-such-page"):
            headers = (await client.get(path)).headers
            assert "script-src 'self';" in headers["content-security-policy"], path
            assert "frame-ancestors 'none'" in headers["content-security-policy"], path
            assert headers["x-content-type-options"] == "nosniff", path
            assert headers["referrer-policy"] == "no-referrer", path
            assert headers["x-frame-options"] == "DENY", path
        docs = (await client.get("/docs")).headers["content-security-policy"]
        assert "script-src 'self' 'unsafe-inline'" in docs
        assert "frame-ancestors 'none'" in docs
