"""A heavy report does not hold the API: /healthz and /metrics answer while it is being counted."""

import asyncio
import time
from typing import Any

import httpx
import pytest

from services.api import complaints_routes
from services.api.app import create_app
from services.tokens import Role
from tests.conftest import Stack
from tests.e2e.conftest import bearer, new_token

pytestmark = pytest.mark.integration


async def test_health_and_metrics_answer_while_the_complaints_report_is_counted(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting, done = asyncio.Event(), []
    real = complaints_routes.units_of
    loop = asyncio.get_running_loop()

    def slow(*args: Any) -> Any:
        loop.call_soon_threadsafe(counting.set)
        time.sleep(2)  # a city's worth of complaints, measured against its clock
        return real(*args)

    monkeypatch.setattr(complaints_routes, "units_of", slow)
    app = create_app(stack.database_url)
    token = await new_token(stack.database_url, Role.BKPSDM)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api", headers=bearer(token)) as client:

            async def ask(path: str) -> int:
                answer = await client.get(path)
                done.append(path)
                return answer.status_code

            report = asyncio.create_task(ask("/reports/complaints"))
            await asyncio.wait_for(counting.wait(), timeout=30)
            assert await ask("/healthz") == 200
            assert await ask("/metrics") == 200
            assert await report == 200
    assert done == ["/healthz", "/metrics", "/reports/complaints"]
