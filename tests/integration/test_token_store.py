"""The token store on the real PostgreSQL: create, verify, revoke, list; only a hash is kept."""

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
from psycopg import AsyncConnection, AsyncCursor
from typer.testing import CliRunner

from services import tokens
from services.cli import app
from services.tokens import Role
from tests.conftest import Stack

pytestmark = pytest.mark.integration
T = TypeVar("T")


async def in_store(stack: Stack, work: Callable[[AsyncCursor[Any]], Awaitable[T]]) -> T:
    """``work`` in one transaction of the session's database."""
    async with await AsyncConnection.connect(stack.database_url) as conn, conn.cursor() as cur:
        return await work(cur)


async def test_a_created_token_verifies_until_it_is_revoked(stack: Stack) -> None:
    issued = await in_store(stack, lambda cur: tokens.create(cur, Role.OPD, "DINKES", "Kadinkes"))
    token_id, secret = tokens.parse_token(issued.token)
    assert token_id == issued.record.token_id

    found = await in_store(stack, lambda cur: tokens.verify(cur, issued.token))
    assert found is not None
    assert found == issued.record
    assert (found.role, found.opd, found.label, found.revoked_at) == (Role.OPD, "DINKES", "Kadinkes", None)

    async def wrong_ones(cur: AsyncCursor[Any]) -> list[tokens.TokenRecord | None]:
        wrong = (tokens.format_token(token_id, "x" * len(secret)), issued.token + "x", "jejak_x_y", "")
        return [await tokens.verify(cur, token) for token in wrong]

    assert await in_store(stack, wrong_ones) == [None] * 4

    revoked = await in_store(stack, lambda cur: tokens.revoke(cur, token_id))
    assert revoked is not None
    assert revoked.revoked_at is not None
    assert await in_store(stack, lambda cur: tokens.verify(cur, issued.token)) is None
    again = await in_store(stack, lambda cur: tokens.revoke(cur, token_id))
    assert again is not None
    assert again.revoked_at == revoked.revoked_at, "revoking again keeps the first time"
    assert await in_store(stack, lambda cur: tokens.revoke(cur, "000000000000")) is None


async def test_only_the_hash_of_the_secret_is_stored(stack: Stack) -> None:
    issued = await in_store(stack, lambda cur: tokens.create(cur, Role.AUDITOR, label="BPK"))
    _, secret = tokens.parse_token(issued.token)

    async def stored(cur: AsyncCursor[Any]) -> tuple[Any, ...] | None:
        await cur.execute("SELECT * FROM api_token WHERE token_id = %s", (issued.record.token_id,))
        return await cur.fetchone()

    row = await in_store(stack, stored)
    assert row is not None
    assert bytes(row[1]) == hashlib.sha256(secret.encode()).digest()
    assert not any(secret in str(value) for value in row)


async def test_the_list_shows_every_token_and_no_secret(stack: Stack) -> None:
    live = await in_store(stack, lambda cur: tokens.create(cur, Role.PUBLIC, label="portal"))
    gone = await in_store(stack, lambda cur: tokens.create(cur, Role.BKPSDM))
    await in_store(stack, lambda cur: tokens.revoke(cur, gone.record.token_id))

    listed = {record.token_id: record for record in await in_store(stack, tokens.list_tokens)}
    assert listed[live.record.token_id] == live.record
    assert listed[gone.record.token_id].revoked_at is not None
    assert not any(hasattr(record, "secret") or hasattr(record, "token") for record in listed.values())


async def test_the_table_refuses_an_opd_token_without_a_unit(stack: Stack) -> None:
    async def insert(cur: AsyncCursor[Any]) -> None:
        await cur.execute(
            "INSERT INTO api_token (token_id, secret_sha256, role) VALUES ('ffffffffffff', %s, 'opd')",
            (hashlib.sha256(b"x").digest(),),
        )

    with pytest.raises(psycopg.errors.CheckViolation):
        await in_store(stack, insert)


async def test_the_cli_creates_lists_and_revokes_on_the_database_it_is_given(stack: Stack, tmp_path: Path) -> None:
    env = {"JEJAK_DATABASE_URL": stack.database_url, "JEJAK_HOME": str(tmp_path), "JEJAK_API_PORT": "8123"}

    def jejak(*arguments: str) -> Any:
        return CliRunner().invoke(app, ["tokens", *arguments], env=env)

    created = await asyncio.to_thread(jejak, "create", "--role", "opd", "--opd", "RSUD", "--label", "Direktur RSUD")
    assert created.exit_code == 0, created.output
    token = created.stdout.splitlines()[0]
    token_id, _ = tokens.parse_token(token)
    assert f"curl -H 'Authorization: Bearer {token}' 'http://127.0.0.1:8123/employees/<NIP>/competency'" in (
        created.stderr
    )
    verified = await in_store(stack, lambda cur: tokens.verify(cur, token))
    assert verified is not None
    assert verified.opd == "RSUD"

    listed = await asyncio.to_thread(jejak, "list", "--json")
    [mine] = [row for row in map(json.loads, listed.stdout.splitlines()) if row["token_id"] == token_id]
    assert (mine["role"], mine["opd"], mine["label"], mine["revoked_at"]) == ("opd", "RSUD", "Direktur RSUD", None)
    assert token.split("_", 2)[2] not in listed.output

    revoked = await asyncio.to_thread(jejak, "revoke", token_id)
    assert revoked.exit_code == 0, revoked.output
    assert f"token {token_id} (role opd) is revoked since" in revoked.stdout
    assert await in_store(stack, lambda cur: tokens.verify(cur, token)) is None
    unknown = await asyncio.to_thread(jejak, "revoke", "000000000000")
    assert unknown.exit_code == 1
    assert "no token with id '000000000000'" in unknown.output
