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
