"""``jejak up`` on an empty embedded store loads the demo city, so a newcomer's first dashboard has something in it.

Only on the embedded default (never on servers named by ``JEJAK_*_URL``, which hold real data or
none of ours), and only when the event store is empty; ``jejak up --no-demo`` skips it. The city
is published to INBOX as its senders would (the same path as ``jejak demo load``) while the
services run, and three sign-in tokens are made for it (auditor, BKPSDM and one OPD head),
printed once and kept in ``<home>/demo-tokens.txt`` (owner-only).
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from services import tokens
from services.demo.city import City, generate_city
from services.demo.publisher import PublishReport, publish_city
from services.runtime.embedded import ServerUrls
from services.tokens import Role

DEMO_SEED = 2026
DEMO_LAST_YEAR = 2026


def store_is_empty(database_url: str) -> bool:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT NOT EXISTS (SELECT 1 FROM public.jejak_events)").fetchone()
    return bool(row and row[0])


def demo_city(employees: int, years: int) -> City:
    """The seeded city (``JEJAK_DEMO_EMPLOYEES``, ``JEJAK_DEMO_YEARS``; 300 and 5 by default: a minute to ingest)."""
    return generate_city(seed=DEMO_SEED, employees=employees, years=years, last_year=DEMO_LAST_YEAR)


@dataclass(frozen=True)
class DemoTokens:
    """The sign-in tokens made for the demo city, by role, and the file that keeps them."""

    by_role: dict[str, str]
    opd: str
    kept_in: Path


async def make_demo_tokens(database_url: str, city: City, home: Path) -> DemoTokens:
    """An auditor's, a BKPSDM officer's and the head of the city's largest unit's token, kept owner-only."""
    units = [employee.unit_code for employee in city.employees]
    largest = max(sorted(set(units)), key=units.count)
    made: dict[str, str] = {}
    async with await psycopg.AsyncConnection.connect(database_url) as conn, conn.cursor() as cur:
        for role, opd in ((Role.AUDITOR, None), (Role.BKPSDM, None), (Role.OPD, largest)):
            issued = await tokens.create(cur, role, opd, label="demo city (jejak up)")
            made[role.value] = issued.token
    path = home / "demo-tokens.txt"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write("# Sign-in tokens for the demo city loaded by `jejak up` (revoke: jejak tokens revoke ID)\n")
        for name, token in made.items():
            out.write(f"{name}{' ' + largest if name == 'opd' else ''}: {token}\n")
    return DemoTokens(made, largest, path)


async def publish_demo(city: City, urls: ServerUrls, progress: Callable[[int], None] | None = None) -> PublishReport:
    """The city to INBOX, each event as its sender."""
    return await publish_city(city, urls.sender_url, concurrency=256, progress=progress)
