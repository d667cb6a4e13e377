"""Guessing tokens is bounded per client address, at the API and the dashboard's sign-in alike."""

import pytest
from fastapi import FastAPI

from services.api.attempts import DEFAULT_LIMIT
from services.tokens import Role
from tests.conftest import Stack
from tests.e2e.conftest import bearer, new_token
from tests.integration.conftest import client_at

pytestmark = pytest.mark.integration


@pytest.fixture
def app(api_app: FastAPI) -> FastAPI:
    return api_app


async def test_a_guesser_is_slowed_and_others_are_not(app: FastAPI, stack: Stack) -> None:
    good = await new_token(stack.database_url, Role.BKPSDM)
    async with client_at(app, "192.0.2.7") as guesser, client_at(app, "192.0.2.8") as officer:
        answers = [
            (await guesser.get("/status", headers=bearer(f"jejak_guess{n}_secret"))).status_code
            for n in range(DEFAULT_LIMIT + 5)
        ]
        assert answers == [401] * DEFAULT_LIMIT + [429] * 5
        held = await guesser.get("/status", headers=bearer(good))  # even a right token, while held
        assert held.status_code == 429
        assert int(held.headers["Retry-After"]) >= 1
        assert "too many failed sign-in attempts" in held.json()["detail"]
        assert (await officer.get("/status", headers=bearer(good))).status_code == 200


async def test_the_dashboard_sign_in_counts_the_same_way(app: FastAPI, stack: Stack) -> None:
    async with client_at(app, "192.0.2.9") as guesser:
        for n in range(DEFAULT_LIMIT):
            answer = await guesser.post("/ui/masuk", data={"token": f"jejak_guess{n}_secret", "next": "/ui/"})
            assert answer.status_code == 401
        answer = await guesser.post("/ui/masuk", data={"token": "jejak_more_secret", "next": "/ui/"})
        assert answer.status_code == 429
