"""A generated city through the real pipeline, the API serving the dashboard, and Debian's Chromium driving it.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium`` (Debian's package,
which ``make test`` installs when it is missing). Screenshots go to ``test-artifacts/screenshots``
(or ``$JEJAK_TEST_ARTIFACTS/screenshots``).
"""

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import nats
import pytest
from playwright.async_api import Browser, Page, async_playwright

from services.demo.city import City, generate_city
from services.demo.publisher import publish_city
from services.tokens import Role
from tests.conftest import TEST_SETTINGS, Stack
from tests.e2e.conftest import bearer, new_token, services_on_own_servers, settled
from tests.e2e.process import JejakProcess
from tests.waiting import eventually

YEAR = 2026
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("JEJAK_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts"))


def chromium_path() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
    return found


@dataclass(frozen=True)
class Dashboard:
    """Where the dashboard runs, on which city, and the store's database for making tokens."""

    url: str
    city: City
    database_url: str
    sender_url: Callable[[str], str]
    key_dir: Path
    """Where the services' signing keys are: the auditor's copy of the public key comes from here."""

    async def token(self, role: Role, opd: str | None = None) -> str:
        return await new_token(self.database_url, role, opd)

    async def api(self, role: Role, opd: str | None = None) -> httpx.AsyncClient:
        """An API client holding a new token of ``role``: what the page must agree with."""
        return httpx.AsyncClient(base_url=self.url, headers=bearer(await self.token(role, opd)), timeout=30)


@pytest.fixture(scope="package")
def city() -> City:
    return generate_city(seed=7, employees=60, years=3, last_year=YEAR)


@pytest.fixture(scope="package")
def city_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, JejakProcess]]:
    with services_on_own_servers(TEST_SETTINGS, tmp_path_factory.mktemp("dashboard")) as running:
        yield running


@pytest.fixture(scope="package")
async def dashboard(city: City, city_services: tuple[Stack, JejakProcess]) -> Dashboard:
    """The city published as its senders would, ingested and projected."""
    stack, services = city_services
    await publish_city(city, stack.sender_url, concurrency=64)
    connection = await nats.connect(stack.nats_url)
    js = connection.jetstream()
    try:
        await eventually(lambda: settled(js), within=120, what="the city ingested and projected")
        await asyncio.sleep(0.3)  # the relay may still hold the last notifications
        await eventually(lambda: settled(js), within=30, what="the last notifications projected")
    finally:
        await connection.close()
    return Dashboard(services.api, city, stack.database_url, stack.sender_url, stack.settings.signing_key_dir())


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    opened = await context.new_page()
    try:
        yield opened
    finally:
        await context.close()


async def sign_in(page: Page, dashboard: Dashboard, role: Role, opd: str | None = None, path: str = "/ui/") -> str:
    """Open ``path``, get sent to the sign-in form, sign in with a new token of ``role``; the token."""
    token = await dashboard.token(role, opd)
    await page.goto(dashboard.url + path)
    await page.get_by_label("Token akses").fill(token)
    await page.get_by_role("button", name="Masuk").click()
    await page.wait_for_load_state()
    return token


async def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Into the test artefacts (the README's pictures are copies of ``overview`` and ``dossier-top``)."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path


__all__ = ["Dashboard", "Role", "screenshot", "sign_in"]
