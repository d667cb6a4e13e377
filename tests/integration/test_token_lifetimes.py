"""Tokens expire, can be rotated, and show when they were last used: on the real PostgreSQL and API."""

import asyncio
import functools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from services import tokens
from services.cli import app as cli
from services.database import provision_schema
from services.tokens import Role, TokenError
from tests.conftest import Stack
from tests.e2e.conftest import bearer
from tests.integration.conftest import client_at
from tests.integration.test_token_store import in_store
from tests.waiting import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
async def api(api_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_at(api_app, "192.0.2.30") as client:
        yield client


def set_expiry(stack: Stack, token_id: str, when: str) -> None:
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        conn.execute(f"UPDATE api_token SET expires_at = {when} WHERE token_id = %s", (token_id,))  # noqa: S608


async def jejak(*args: str, env: dict[str, str]) -> Any:
    """The CLI in a thread of its own (it runs its own event loop)."""
    return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=env)


async def listed(stack: Stack) -> dict[str, dict[str, Any]]:
    result = await jejak("tokens", "list", "--json", env={"JEJAK_DATABASE_URL": stack.database_url})
    assert result.exit_code == 0, result.output
    return {row["token_id"]: row for row in map(json.loads, result.stdout.splitlines())}


async def test_a_token_expires_after_its_lifetime_and_is_refused_then(stack: Stack, api: httpx.AsyncClient) -> None:
    issued = await in_store(stack, lambda cur: tokens.create(cur, Role.BKPSDM, lifetime=timedelta(days=30)))
    assert issued.record.expires_at is not None
    assert timedelta(days=29) < issued.record.expires_at - datetime.now(UTC) <= timedelta(days=30)
    assert (await api.get("/status", headers=bearer(issued.token))).status_code == 200  # now kept by the API

    set_expiry(stack, issued.record.token_id, "now() - interval '1 second'")  # as if 30 days passed

    async def refused() -> httpx.Response | None:
        answer = await api.get("/status", headers=bearer(issued.token))
        return answer if answer.status_code == 401 else None

    answer = await eventually(refused, what="the expired token refused")
    assert "expired" in answer.json()["detail"]
    assert await in_store(stack, lambda cur: tokens.verify(cur, issued.token)) is None


async def test_lifetimes_are_bounded(stack: Stack) -> None:
    async def create_living(cur: Any, lifetime: timedelta) -> tokens.IssuedToken:
        return await tokens.create(cur, Role.PUBLIC, lifetime=lifetime)

    for wrong in (timedelta(0), timedelta(days=3651)):
        with pytest.raises(TokenError, match="from 1 day to 3650 days"):
            await in_store(stack, functools.partial(create_living, lifetime=wrong))


async def test_the_list_shows_expiry_and_last_use(stack: Stack, api: httpx.AsyncClient) -> None:
    issued = await in_store(stack, lambda cur: tokens.create(cur, Role.AUDITOR, label="BPK"))
    token_id = issued.record.token_id
    assert (await listed(stack))[token_id]["last_used_at"] is None
    assert (await api.get("/status", headers=bearer(issued.token))).status_code == 200
    row = (await listed(stack))[token_id]
    assert row["last_used_at"] is not None
    assert row["expires_at"] is not None
    table = await jejak("tokens", "list", env={"JEJAK_DATABASE_URL": stack.database_url, "COLUMNS": "250"})
    assert "expires" in table.stdout
    assert "last used" in table.stdout


async def test_rotation_gives_the_same_reach_and_ends_the_old_token(stack: Stack, api: httpx.AsyncClient) -> None:
    old = await in_store(stack, lambda cur: tokens.create(cur, Role.OPD, "DINKES", "Kadinkes"))
    rotated = await in_store(stack, lambda cur: tokens.rotate(cur, old.record.token_id))
    assert rotated is not None
    ended, new = rotated
    assert (new.record.role, new.record.opd) == (Role.OPD, "DINKES")
    assert new.record.label == f"Kadinkes (rotated from {old.record.token_id})"
    assert await in_store(stack, lambda cur: tokens.verify(cur, old.token)) is None
    assert await in_store(stack, lambda cur: tokens.verify(cur, new.token)) is not None
    assert ended.expires_at is not None
    assert ended.expires_at <= datetime.now(UTC)
    assert (await api.get("/status", headers=bearer(old.token))).status_code == 401


async def test_a_rotation_with_grace_keeps_the_old_token_working_for_a_while(stack: Stack) -> None:
    old = await in_store(stack, lambda cur: tokens.create(cur, Role.PUBLIC, label="portal"))
    env = {"JEJAK_DATABASE_URL": stack.database_url}
    result = await jejak("tokens", "rotate", old.record.token_id, "--grace-hours", "24", env=env)
    assert result.exit_code == 0, result.output
    new_token = result.stdout.strip()
    assert await in_store(stack, lambda cur: tokens.verify(cur, old.token)) is not None  # still, for a day
    assert await in_store(stack, lambda cur: tokens.verify(cur, new_token)) is not None
    expires = (await listed(stack))[old.record.token_id]["expires_at"]
    assert datetime.fromisoformat(expires) - datetime.now(UTC) <= timedelta(hours=24)
    unknown = await jejak("tokens", "rotate", "000000000000", env=env)
    assert unknown.exit_code == 1


async def test_tokens_made_before_expiry_existed_get_the_default_lifetime(stack: Stack) -> None:
    issued = await in_store(stack, lambda cur: tokens.create(cur, Role.PUBLIC))
    set_expiry(stack, issued.record.token_id, "NULL")
    provision_schema(stack.database_url, stack.owner_database_url)
    found = await in_store(stack, lambda cur: tokens.verify(cur, issued.token))
    assert found is not None
    assert found.expires_at is not None
    assert found.expires_at - datetime.now(UTC) > tokens.DEFAULT_LIFETIME - timedelta(minutes=5)
