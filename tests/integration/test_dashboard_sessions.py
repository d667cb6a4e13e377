"""The dashboard's sessions are the server's: the cookie names one, sign-out ends it, forms carry a CSRF token."""

import re

import httpx
import pytest
from fastapi import FastAPI

from services import tokens
from services.tokens import Role
from services.web.session import COOKIE, Sessions
from tests.conftest import Stack
from tests.e2e.conftest import new_token
from tests.integration.conftest import client_at

pytestmark = pytest.mark.integration


@pytest.fixture
def app(api_app: FastAPI) -> FastAPI:
    return api_app


def browser(app: FastAPI) -> httpx.AsyncClient:
    return client_at(app, "192.0.2.40", "http://dashboard")


async def signed_in(client: httpx.AsyncClient, token: str) -> str:
    """Sign in with ``token``; the CSRF token the pages' forms carry."""
    answer = await client.post("/ui/masuk", data={"token": token, "next": "/ui/sistem"})
    assert answer.status_code == 303
    page = await client.get("/ui/sistem")
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found[1]


async def test_the_cookie_names_a_session_and_never_carries_the_token(app: FastAPI, stack: Stack) -> None:
    token = await new_token(stack.database_url, Role.BKPSDM)
    async with browser(app) as client:
        await signed_in(client, token)
        cookie = client.cookies[COOKIE]
    _, secret = tokens.parse_token(token)  # (a secret may itself hold "_")
    assert secret not in cookie
    assert token not in cookie


async def test_after_sign_out_the_old_cookie_opens_nothing(app: FastAPI, stack: Stack) -> None:
    token = await new_token(stack.database_url, Role.BKPSDM)
    async with browser(app) as client:
        csrf = await signed_in(client, token)
        kept = client.cookies[COOKIE]
        out = await client.post("/ui/keluar", data={"csrf": csrf})
        assert out.status_code == 303
    async with browser(app) as replay:  # someone who copied the cookie before the sign-out
        replay.cookies.set(COOKIE, kept)
        answer = await replay.get("/ui/sistem")
    assert answer.status_code in {303, 307}
    assert "/ui/masuk" in answer.headers["location"]


async def test_forms_without_the_session_s_csrf_token_are_refused(app: FastAPI, stack: Stack) -> None:
    token = await new_token(stack.database_url, Role.AUDITOR)
    async with browser(app) as client:
        csrf = await signed_in(client, token)
        forged = await client.post("/ui/audit/verifikasi")  # as another site's form would send it
        assert forged.status_code == 403
        wrong = await client.post("/ui/audit/verifikasi", data={"csrf": "not-" + csrf})
        assert wrong.status_code == 403
        forced_out = await client.post("/ui/keluar")
        assert forced_out.status_code == 403
        assert (await client.get("/ui/sistem")).status_code == 200  # still signed in
        started = await client.post("/ui/audit/verifikasi", data={"csrf": csrf})
        assert started.status_code == 303


def test_a_session_ends_after_its_idle_time_and_after_its_lifetime() -> None:
    sessions = Sessions(lifetime=8 * 3600, idle=1800)
    idle = sessions.begin("jejak_x_y", now=0)
    assert sessions.get(idle, now=1799) is not None
    assert sessions.get(idle, now=1799 + 1800) is None  # half an hour without a page
    busy = sessions.begin("jejak_x_y", now=0)
    for minute in range(1, 8 * 60, 20):
        assert sessions.get(busy, now=minute * 60) is not None
    assert sessions.get(busy, now=8 * 3600) is None  # a working day, however busy
    assert sessions.get("never-made", now=0) is None
