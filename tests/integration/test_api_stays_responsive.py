"""A heavy report does not hold the API: /healthz and /metrics answer while it is being counted."""

import asyncio
import time
from typing import Any

import httpx
import pytest

from services.api import complaints_routes, performance_routes, standing_routes
from services.api.app import create_app
from services.tokens import Role
from tests.conftest import Stack
from tests.e2e.conftest import bearer, new_token

pytestmark = pytest.mark.integration


HEAVY = [
    (complaints_routes, "units_of", "/reports/complaints"),
    (performance_routes, "completeness", "/reports/evaluation-completeness"),
    (standing_routes, "eligibilities", "/reports/reward-eligibility"),
    (standing_routes, "weak_follow_ups", "/reports/weak-performers"),
    (standing_routes, "cases_out", "/reports/discipline"),
]
"""Each report's counting over a whole city (or province), and the route that runs it."""


@pytest.mark.parametrize(("module", "counting_of", "path"), HEAVY, ids=[path for _, _, path in HEAVY])
async def test_health_and_metrics_answer_while_a_heavy_report_is_counted(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, module: Any, counting_of: str, path: str
) -> None:
    counting, done = asyncio.Event(), []
    real = getattr(module, counting_of)
    loop = asyncio.get_running_loop()

    def slow(*args: Any) -> Any:
        loop.call_soon_threadsafe(counting.set)
        time.sleep(2)  # a province's worth of rows, measured against its clock
        return real(*args)

    monkeypatch.setattr(module, counting_of, slow)
    app = create_app(stack.login("api"))
    token = await new_token(stack.database_url, Role.BKPSDM)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api", headers=bearer(token)) as client:

            async def ask(path: str) -> int:
                answer = await client.get(path)
                done.append(path)
                return answer.status_code

            report = asyncio.create_task(ask(path))
            await asyncio.wait_for(counting.wait(), timeout=30)
            assert await ask("/healthz") == 200
            assert await ask("/metrics") == 200
            assert await report == 200
    assert done == ["/healthz", "/metrics", path]
