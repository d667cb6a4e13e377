"""Who reads what: bearer tokens by role, against the running API (401, 403, 404, 422, never 200 with an error)."""

import uuid
from typing import Any

import httpx
import psycopg
import pytest

from services import tokens
from services.tokens import Role
from tests.builders import BKPSDM, subject, training_completed, unique_nip
from tests.conftest import Stack
from tests.e2e.conftest import ClientAs, bearer, new_token
from tests.e2e.process import JejakProcess
from tests.e2e.publishing import publish_to, registered_nip
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


def unit_code() -> str:
    return f"U-{uuid.uuid4().hex[:8]}"


async def placed_nip(stack: Stack, unit: str) -> str:
    """BKPSDM registers an employee and places them in ``unit``."""
    nip = await registered_nip(stack)
    placement = {
        "event_id": f"test-{uuid.uuid4()}", "occurred_at": "2026-01-02T09:00:00+07:00", "source": BKPSDM,
        "employee_nip": nip, "unit_code": unit, "unit_name": f"Unit {unit}", "position": "Analis Kebijakan",
        "position_kind": "fungsional", "decree_number": "800/12/BKPSDM", "decree_date": "2026-01-02",
        "effective_date": "2026-01-02",
    }  # fmt: skip
    await publish_to(stack, placement, subject("placement-changed", BKPSDM))
    return nip


async def trained(stack: Stack, nip: str) -> str:
    await publish_to(stack, training_completed(employee_nip=nip))
    return nip


async def shown(client: httpx.AsyncClient, path: str) -> httpx.Response:
    """The 200 answer to ``path``, once the read models have caught up (a wait, then a failure, otherwise)."""

    async def answered() -> httpx.Response | None:
        response = await client.get(path)
        return response if response.status_code == 200 else None

    return await eventually(answered, what=f"200 for {path}")


def competency(nip: str) -> str:
    return f"/employees/{nip}/competency"


async def test_without_a_live_token_everything_but_health_and_docs_is_401(
    stack: Stack, services: JejakProcess, api_as: ClientAs
) -> None:
    anonymous = await api_as(None)
    revoked = await new_token(stack.database_url, Role.BKPSDM)
    async with await psycopg.AsyncConnection.connect(stack.database_url) as conn, conn.cursor() as cur:
        await tokens.revoke(cur, tokens.parse_token(revoked)[0])
    token_id, _ = tokens.parse_token(await new_token(stack.database_url, Role.AUDITOR))
    wrong = tokens.format_token(token_id, "x" * 43)
    for path in (
        competency(unique_nip()), competency("12345"), "/rejections", "/rejections?limit=0", "/rejections/summary",
        "/status/streams",
    ):  # fmt: skip
        missing = await anonymous.get(path)
        assert missing.status_code == 401, path
        assert missing.headers["WWW-Authenticate"] == "Bearer"
        for token in (revoked, wrong, "not-a-token"):
            refused = await anonymous.get(path, headers=bearer(token))
            assert refused.status_code == 401, (path, token)
            assert refused.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
            assert "revoked" in refused.json()["detail"]
    assert (await anonymous.get("/rejections", headers={"Authorization": f"Basic {revoked}"})).status_code == 401
    for open_path in ("/healthz", "/docs", "/openapi.json"):
        assert (await anonymous.get(open_path)).status_code == 200, open_path


async def test_a_token_in_use_is_refused_as_soon_as_it_is_revoked(
    stack: Stack, services: JejakProcess, api_as: ClientAs
) -> None:
    """The API keeps the holders of live tokens; a revocation's notification must make it forget at once."""
    token = await new_token(stack.database_url, Role.BKPSDM)
    client = await api_as(None)
    for _ in range(3):  # checked once, then kept
        assert (await client.get("/rejections?limit=1", headers=bearer(token))).status_code == 200
    async with await psycopg.AsyncConnection.connect(stack.database_url) as conn, conn.cursor() as cur:
        await tokens.revoke(cur, tokens.parse_token(token)[0])

    async def refused() -> httpx.Response | None:
        answer = await client.get("/rejections?limit=1", headers=bearer(token))
        return answer if answer.status_code == 401 else None

    assert "revoked" in (await eventually(refused, within=2, what="401 after the revocation")).json()["detail"]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.BKPSDM])
async def test_auditor_and_bkpsdm_read_every_employee_and_the_rejections(
    stack: Stack, api_as: ClientAs, role: Role
) -> None:
    placed = await trained(stack, await placed_nip(stack, unit_code()))
    never_placed = await trained(stack, await registered_nip(stack))
    reader = await api_as(role)

    await shown(reader, competency(placed))
    await shown(reader, competency(never_placed))
    assert (await reader.get("/rejections", params={"limit": 1})).status_code == 200
    assert (await reader.get(competency(unique_nip()))).status_code == 404
    malformed = await reader.get(competency("12345"))
    assert malformed.status_code == 422
    assert "18 digits" in malformed.json()["detail"]


async def test_an_opd_reads_the_employees_of_its_own_unit_only(stack: Stack, api_as: ClientAs) -> None:
    mine, theirs = unit_code(), unit_code()
    elsewhere = await trained(stack, await placed_nip(stack, theirs))
    unplaced = await trained(stack, await registered_nip(stack))
    own = await trained(stack, await placed_nip(stack, mine))  # last: the read models apply in order
    opd = await api_as(Role.OPD, mine)

    await shown(opd, competency(own))  # so the directory has applied every placement before it
    for other in (elsewhere, unplaced):
        refused = await opd.get(competency(other))
        assert refused.status_code == 403
        assert theirs not in refused.text, "a refusal must not tell where the employee works"
    for overseen in ("/rejections", "/rejections/summary", "/status/streams"):
        assert (await opd.get(overseen)).status_code == 403, overseen
    assert (await opd.get(competency(unique_nip()))).status_code == 404
    assert (await opd.get(competency("12345"))).status_code == 422
    assert (await (await api_as(Role.OPD, theirs)).get(competency(elsewhere))).status_code == 200


async def test_public_reads_no_employee_and_no_rejections(stack: Stack, api_as: ClientAs) -> None:
    known = await trained(stack, await registered_nip(stack))
    public = await api_as(Role.PUBLIC)
    await shown(await api_as(Role.BKPSDM), competency(known))

    for path in (
        competency(known),
        competency(unique_nip()),
        competency("12345"),
        "/rejections",
        "/rejections?limit=0",
        "/rejections/summary",
        "/status/streams",
    ):
        refused = await public.get(path)
        assert refused.status_code == 403, path  # the same for every NIP: public learns none exists
        assert refused.json()["detail"].startswith("role public may not read this")


async def test_openapi_declares_the_bearer_scheme_and_the_refusals(api_as: ClientAs) -> None:
    document: dict[str, Any] = (await (await api_as(None)).get("/openapi.json")).json()
    [(name, scheme)] = document["components"]["securitySchemes"].items()
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    paths = document["paths"]
    assert "security" not in paths["/healthz"]["get"]
    for path, statuses in ((competency("{nip}"), {"401", "403", "404", "422"}), ("/rejections", {"401", "403", "422"})):
        operation = paths[path]["get"]
        assert operation["security"] == [{name: []}]
        assert statuses <= set(operation["responses"]), path
    assert "WWW-Authenticate" in paths["/rejections"]["get"]["responses"]["401"]["headers"]
