"""Rebuild a report from the event store as it stood at a position, with the API's own code.

The read models the report needs are replayed (``services.rebuild.replay``) into a scratch schema
of their own, up to the position, each tracked under its real name in a position table of that
schema. The report is then asked of the API application itself, in process, over connections
whose ``search_path`` is the scratch schema alone: the same route, queries, policy and
serialisation as the live answer, and a table the catalogue forgot is an error rather than a
silent read of the live one. The scratch schema is dropped however the run ends.
"""

import asyncio
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
from psycopg import AsyncConnection, sql
from psycopg_pool import AsyncConnectionPool

from domain.records import Records
from projections.tracking import TRACKING_TABLE
from projections.worker import BY_NAME
from services.api.app import create_app
from services.api.auth import Caller, caller_of
from services.api.dependencies import pool_of
from services.audit.report_compare import digest
from services.database import open_records
from services.rebuild import replay
from services.tokens import Role

SCRATCH_PREFIX = "reproduce_"
STATED = ("year", "as_of", "nip", "unit_code")
"""Parameters a report states in its own body, so a saved one can supply them."""


class CannotReproduce(ValueError):
    """An unknown report or parameter, a position the store has not reached, a saved file that is no report."""


@dataclass(frozen=True)
class ReportKind:
    """A report an auditor names: the API route that serves it and the read models it reads."""

    name: str
    path: str
    read_models: tuple[str, ...]


REPORTS = {
    kind.name: kind
    for kind in (
        ReportKind("jp-compliance", "/reports/jp-compliance", ("dossier",)),
        ReportKind("jp-compliance-staff", "/reports/jp-compliance/{unit_code}/staff", ("dossier",)),
        ReportKind("predikat-distribution", "/reports/predikat-distribution", ("performance",)),
        ReportKind("evaluation-completeness", "/reports/evaluation-completeness", ("performance",)),
        ReportKind("reward-eligibility", "/reports/reward-eligibility", ("standing",)),
        ReportKind("weak-performers", "/reports/weak-performers", ("standing",)),
        ReportKind("discipline", "/reports/discipline", ("standing",)),
        ReportKind("rewards-granted", "/reports/rewards-granted", ("standing",)),
        ReportKind("complaints", "/reports/complaints", ("complaints",)),
        # The employee routes check that the employee exists in the directory before reading.
        ReportKind("dossier", "/employees/{nip}/dossier", ("dossier", "directory")),
        ReportKind("competency", "/employees/{nip}/competency", ("competency", "directory")),
    )
}


@dataclass(frozen=True)
class Reproduced:
    """A report rebuilt from the store: its body as the API serialised it, and the digest of that."""

    report: str
    position: int
    body: dict[str, Any]
    digest: str
    events: int
    """Events replayed into the scratch read models."""


def report_named(name: str) -> ReportKind:
    kind = REPORTS.get(name)
    if kind is not None:
        return kind
    projection = BY_NAME.get(name)
    if projection is not None and not projection.from_store:
        raise CannotReproduce(
            f"{name} is built from the {projection.stream} stream, not from the event store, so it cannot be "
            "reproduced from the store"
        )
    raise CannotReproduce(f"no report {name!r}; there are {', '.join(REPORTS)}")


def accepted_parameters(kind: ReportKind) -> tuple[str, ...]:
    """The route's own parameters (path, then query), read from the API so the two never drift apart."""
    declared = _api_parameters().get(kind.path, ())
    ordered = [name for where, name in declared if where == "path"] + [n for w, n in declared if w == "query"]
    return tuple(name for name in ordered if name != "format")  # always JSON: a CSV body states no position


def parameters_stated_in(kind: ReportKind, saved: Mapping[str, Any]) -> dict[str, str]:
    """Of the parameters the report takes, those the saved body states (its year, clock, employee, unit)."""
    accepted = accepted_parameters(kind)
    return {name: str(saved[name]) for name in STATED if name in accepted and saved.get(name) is not None}


def load_saved(path: Path, position: int) -> dict[str, Any]:
    """A report response saved from the API; it must name the position it is compared at."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CannotReproduce(f"{path} is not a JSON report saved from the API: {error}") from None
    if not isinstance(saved, dict) or not isinstance(saved.get("position"), int):
        raise CannotReproduce(f"{path} is not a report response: it names no position")
    if saved["position"] != position:
        raise CannotReproduce(
            f"{path} was built from position {saved['position']}, not {position}: "
            f"reproduce it with --at {saved['position']}"
        )
    return saved


def reproduce(
    database_url: str,
    report: str,
    position: int,
    parameters: Mapping[str, str],
    progress: Callable[[int, int], None] | None = None,
) -> Reproduced:
    """Rebuild ``report`` with ``parameters`` from the store up to ``position`` (inclusive).

    Runs its own event loop (call it from a thread when one is running); the scratch schema is
    dropped before it returns or raises.
    """
    kind = report_named(report)
    path, query = _address(kind, parameters)
    if position < 1:
        raise CannotReproduce("a position is 1 or more: the store's first event is at 1")
    schema = f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:16]}"
    records = open_records(database_url)
    try:
        head = records.recorder.max_notification_id() or 0
        if position > head:
            raise CannotReproduce(f"position {position} is beyond the store's head: it has recorded up to {head}")
        events, body = asyncio.run(
            _rebuild_and_ask(records, database_url, schema, kind, position, path, query, progress)
        )
    finally:
        records.close()
        drop_scratch(database_url, schema)
    return Reproduced(kind.name, int(body["position"]), body, digest(body), events)


def drop_scratch(database_url: str, schema: str) -> None:
    """On its own connection, so it runs after an error or Ctrl-C ended the one that built it."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@cache
def _api_parameters() -> dict[str, tuple[tuple[str, str], ...]]:
    """(where, name) of each GET route's parameters, from the API's OpenAPI document."""
    paths: dict[str, dict[str, Any]] = create_app("").openapi()["paths"]
    return {
        path: tuple((p["in"], p["name"]) for p in item["get"].get("parameters", []))
        for path, item in paths.items()
        if "get" in item
    }


def _address(kind: ReportKind, parameters: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """The route's path with its path parameters filled in, and the rest as the query."""
    accepted = accepted_parameters(kind)
    unknown = sorted(set(parameters) - set(accepted))
    if unknown:
        takes = ", ".join(accepted) or "no parameters"
        raise CannotReproduce(f"{kind.name} takes no {', '.join(unknown)}; it takes {takes}")
    in_path = [name for name in accepted if "{" + name + "}" in kind.path]
    missing = [name for name in in_path if name not in parameters]
    if missing:
        raise CannotReproduce(f"{kind.name} needs {', '.join(missing)}")
    path = kind.path.format(**{name: quote(parameters[name], safe="") for name in in_path})  # a value stays one segment
    return path, {name: value for name, value in parameters.items() if name not in in_path}


async def _rebuild_and_ask(
    records: Records,
    database_url: str,
    schema: str,
    kind: ReportKind,
    position: int,
    path: str,
    query: dict[str, str],
    progress: Callable[[int, int], None] | None,
) -> tuple[int, dict[str, Any]]:
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        async with conn.transaction():
            await conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(schema)))
            await conn.execute(TRACKING_TABLE)
        targets = [(BY_NAME[name], name) for name in kind.read_models]
        events, reached = await replay(records, conn, (schema,), targets, stop=position, progress=progress)
    if reached != position:
        raise CannotReproduce(f"no event is stored at position {position}; the last one before it is {reached}")
    return events, await _ask_api(database_url, schema, path, query)


async def _ask_api(database_url: str, schema: str, path: str, query: dict[str, str]) -> dict[str, Any]:
    """The report from the API application in process, as an auditor, reading the scratch schema only."""
    app = create_app(database_url)  # its lifespan (the live pool, NATS) is never started here
    pool = AsyncConnectionPool(
        database_url, kwargs={"options": f"-c search_path={schema}"}, min_size=1, max_size=2, open=False
    )
    async with pool:
        app.dependency_overrides[pool_of] = lambda: pool
        app.dependency_overrides[caller_of] = lambda: Caller("audit-reproduce", Role.AUDITOR)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://jejak-reproduce") as client:
            response = await client.get(path, params=query, headers={"Accept": "application/json"})
    if response.status_code == 422:
        raise CannotReproduce(f"the API refuses these parameters: {_detail(response)}")
    if response.status_code != 200:
        raise CannotReproduce(f"the API answers {response.status_code} at this position: {_detail(response)}")
    body: dict[str, Any] = response.json()
    return body


def _detail(response: httpx.Response) -> str:
    try:
        return json.dumps(response.json().get("detail"), ensure_ascii=False)
    except (ValueError, AttributeError):
        return response.text
