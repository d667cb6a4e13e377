"""The dashboard in a real browser, on a generated city: sign-in per role, the numbers equal the API's, an OPD
head stays in their unit, the auditor's as-of picker changes the dossier, and the pages are accessible."""

import csv
import importlib.util
import re
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from services.audit.keys import public_keys
from services.audit.offline import describe, verify_bundle
from services.tokens import Role, parse_token
from services.web.views import PREDIKAT_NAMES
from tests.browser.conftest import YEAR, Dashboard, screenshot, sign_in
from tests.builders import training_completed
from tests.e2e.publishing import publish_to
from tests.waiting import eventually

pytestmark = pytest.mark.browser


def busiest_nip(dashboard: Dashboard) -> str:
    counted = Counter(str(e.body["employee_nip"]) for e in dashboard.city.events if "employee_nip" in e.body)
    return counted.most_common(1)[0][0]


async def cells(page: Page, table: str, key: str) -> dict[str, dict[str, str]]:
    """``{row key: {data-field: text}}`` of a table, read from the page as a user sees it."""
    found: dict[str, dict[str, str]] = await page.eval_on_selector_all(
        f"#{table} tbody tr",
        f"""rows => Object.fromEntries(rows.map(r => [r.dataset.{key}, Object.fromEntries(
            [...r.querySelectorAll('[data-field]')].map(c => [c.dataset.field, c.innerText.trim()]))]))""",
    )
    return found


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.BKPSDM, Role.PUBLIC])
async def test_each_role_signs_in_and_sees_the_city_overview(page: Page, dashboard: Dashboard, role: Role) -> None:
    await sign_in(page, dashboard, role)
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Ikhtisar kota {YEAR}")
    await expect(page.get_by_text("Masuk sebagai")).to_be_visible()
    cookie = next(c for c in await page.context.cookies() if c["name"] == "jejak_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert 0 < cookie["expires"] - time.time() <= 8 * 3600 + 60


async def test_signing_out_ends_the_session_so_a_copied_cookie_opens_nothing(
    page: Page, dashboard: Dashboard, browser: Browser
) -> None:
    token = await sign_in(page, dashboard, Role.BKPSDM)
    cookie = next(c for c in await page.context.cookies() if c["name"] == "jejak_session")
    assert parse_token(token)[1] not in cookie["value"]  # the cookie names a session, not the token
    await page.get_by_role("button", name="Keluar").click()
    await page.wait_for_load_state()
    assert "/ui/masuk" in page.url
    elsewhere = await browser.new_context()
    try:
        copied: Any = {key: cookie[key] for key in ("name", "value", "domain", "path")}
        await elsewhere.add_cookies([copied])  # copied before the sign-out
        other = await elsewhere.new_page()
        await other.goto(dashboard.url + "/ui/")
        assert "/ui/masuk" in other.url
    finally:
        await elsewhere.close()


async def test_an_opd_head_lands_on_their_own_unit(page: Page, dashboard: Dashboard) -> None:
    unit = dashboard.city.employees[0].unit_code
    await sign_in(page, dashboard, Role.OPD, unit)
    assert page.url.endswith(f"/ui/opd/{unit}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Unit kerja {unit}")


async def test_a_wrong_token_is_refused_with_a_reason_and_no_session(page: Page, dashboard: Dashboard) -> None:
    await page.goto(dashboard.url + "/ui/")
    assert "/ui/masuk" in page.url
    await page.get_by_label("Token akses").fill("jejak_nothere_wrongsecret")
    await page.get_by_role("button", name="Masuk").click()
    await expect(page.get_by_role("alert")).to_have_text("Token tidak dikenal, salah, atau sudah dicabut.")
    assert not [c for c in await page.context.cookies() if c["name"] == "jejak_session"]


async def test_the_overview_shows_the_apis_numbers_and_draws_its_charts(page: Page, dashboard: Dashboard) -> None:
    await sign_in(page, dashboard, Role.BKPSDM)
    async with await dashboard.api(Role.BKPSDM) as api:
        jp = (await api.get("/reports/jp-compliance", params={"year": YEAR})).json()
        complaints = (await api.get("/reports/complaints", params={"year": YEAR})).json()
        distribution = (await api.get("/reports/predikat-distribution", params={"year": YEAR})).json()
        rewards = (await api.get("/reports/rewards-granted", params={"year": YEAR})).json()
    shown = await cells(page, "jp-table", "unit")
    assert set(shown) == {unit["unit_code"] for unit in jp["units"]}
    for unit in jp["units"]:
        row = shown[unit["unit_code"]]
        assert int(row["employees"]) == unit["employees"]
        assert int(row["meeting_target"]) == unit["meeting_target"]
        assert row["share_meeting_target"] == f"{unit['share_meeting_target'] * 100:.1f}%"
        assert int(row["without_jp"]) == unit["without_jp"]
    shown = await cells(page, "complaints-table", "unit")
    assert set(shown) == {unit["unit_code"] for unit in complaints["units"]}
    for unit in complaints["units"]:
        assert int(shown[unit["unit_code"]]["received"]) == unit["received"]
        assert int(shown[unit["unit_code"]]["breaches"]) == sum(unit["sla_breaches"].values())
    shown = await cells(page, "predikat-table", "unit")
    for unit in distribution["units"]:
        for share in unit["predikat"]:
            assert int(shown[unit["unit_code"]][f"predikat-{share['predikat']}"]) == share["employees"]
    shown = await cells(page, "rewards-table", "unit")
    assert {unit: int(row["rewards"]) for unit, row in shown.items()} == {
        unit["unit_code"]: unit["granted"] for unit in rewards["units"] if unit["unit_code"]
    }
    assert shown, "the generated city grants rewards in its last year"
    for chart in ("chart-jp", "chart-predikat", "chart-complaints"):
        await expect(page.locator(f"canvas[data-chart={chart}]")).to_have_attribute("data-drawn", re.compile(r"^\d+$"))
    await screenshot(page, "overview")


async def test_a_unit_page_lists_its_staff_as_the_api_does_filters_sorts_and_downloads_what_it_shows(
    page: Page, dashboard: Dashboard, tmp_path: Path
) -> None:
    unit = dashboard.city.employees[0].unit_code
    await sign_in(page, dashboard, Role.BKPSDM, path=f"/ui/opd/{unit}")
    async with await dashboard.api(Role.BKPSDM) as api:
        staff = (await api.get(f"/reports/jp-compliance/{unit}/staff", params={"year": YEAR, "limit": 1000})).json()
        standing = (
            await api.get("/reports/reward-eligibility", params={"year": YEAR, "opd": unit, "limit": 1000})
        ).json()
    shown = await cells(page, "staff-table", "nip")
    assert {nip: float(row["jp"]) for nip, row in shown.items()} == {s["nip"]: s["jp"] for s in staff["staff"]}
    for employee in standing["employees"]:
        predikat = employee["last_predikat"]
        expected = "—" if predikat is None else f"{PREDIKAT_NAMES[predikat]} ({employee['last_predikat_year']})"
        assert shown[employee["nip"]]["predikat"] == expected
    assert any(employee["last_predikat"] for employee in standing["employees"])

    await page.get_by_label("Hanya yang di bawah target").check()
    await page.get_by_role("button", name="Tampilkan").click()
    below = {s["nip"] for s in staff["staff"] if not s["meets_target"]}
    assert set(await cells(page, "staff-table", "nip")) == below

    await page.get_by_role("link", name="Urutkan menurut JP").click()
    jps = [float(row["jp"]) for row in (await cells(page, "staff-table", "nip")).values()]
    assert jps == sorted(jps)
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Unduh CSV (yang ditampilkan)").click()
    download = await waiting.value
    saved = tmp_path / "staff.csv"
    await download.save_as(saved)
    with saved.open() as text:
        listed = [row["nip"] for row in csv.DictReader(text)]
    assert listed == list(await cells(page, "staff-table", "nip"))
    await screenshot(page, "opd")


async def test_an_opd_head_cannot_reach_another_units_pages_or_people(page: Page, dashboard: Dashboard) -> None:
    units = sorted({e.unit_code for e in dashboard.city.employees})
    own, other = units[0], units[1]
    stranger = next(e.nip for e in dashboard.city.employees if e.unit_code == other)
    await sign_in(page, dashboard, Role.OPD, own)
    for path in (f"/ui/opd/{other}", f"/ui/opd/{other}/pegawai.csv", f"/ui/pegawai/{stranger}"):
        answer = await page.goto(dashboard.url + path)
        assert answer is not None
        assert answer.status == 403, path
    await expect(page.get_by_role("heading", level=1)).to_have_text("Tidak dapat ditampilkan (403)")


async def test_the_dossier_shows_the_apis_jp_per_year_and_the_auditor_can_see_it_as_of_a_date(
    page: Page, dashboard: Dashboard
) -> None:
    nip = busiest_nip(dashboard)
    await sign_in(page, dashboard, Role.AUDITOR, path=f"/ui/pegawai/{nip}")
    async with await dashboard.api(Role.AUDITOR) as api:
        live: dict[str, Any] = (await api.get(f"/employees/{nip}/dossier")).json()
        first_year = f"{YEAR - 2}-12-31"
        then: dict[str, Any] = (await api.get(f"/audit/employees/{nip}/dossier", params={"as_of": first_year})).json()
    years = await cells(page, "jp-years", "year")
    assert {int(y): float(row["jp"]) for y, row in years.items()} == {
        y["year"]: float(y["recognised_jp"]) for y in live["jp_per_year"]
    }
    assert await page.locator("#timeline tbody tr").count() == len(live["timeline"])
    await expect(page.locator("canvas[data-chart=chart-jp-years]")).to_have_attribute("data-drawn", "2")
    await screenshot(page, "dossier")
    await screenshot(page, "dossier-top", full_page=False)

    await page.get_by_label("Tampilkan rekam jejak per tanggal").fill(first_year)
    await page.get_by_role("button", name="Tampilkan").click()
    await expect(page.locator("#as-of-note")).to_contain_text(first_year)
    assert len(then["timeline"]) < len(live["timeline"])
    assert await page.locator("#timeline tbody tr").count() == len(then["timeline"])
    await screenshot(page, "dossier-as-of")


async def test_the_as_of_picker_is_the_auditors_only(page: Page, dashboard: Dashboard) -> None:
    nip = busiest_nip(dashboard)
    await sign_in(page, dashboard, Role.BKPSDM, path=f"/ui/pegawai/{nip}?as_of={YEAR - 2}-12-31")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Rekam jejak")
    assert await page.locator("#as-of-form").count() == 0
    assert await page.locator("#as-of-note").count() == 0  # the live dossier, not the past one


async def test_english_is_a_switch_away(page: Page, dashboard: Dashboard) -> None:
    await sign_in(page, dashboard, Role.BKPSDM)
    await page.get_by_role("link", name="EN", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"City overview {YEAR}")
    assert await page.get_attribute("html", "lang") == "en"


async def test_sign_in_works_from_the_keyboard_alone(page: Page, dashboard: Dashboard) -> None:
    token = await dashboard.token(Role.BKPSDM)
    await page.goto(dashboard.url + "/ui/")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "skip"  # the skip link comes first
    for _ in range(10):
        if await page.evaluate("document.activeElement.id") == "token":
            break
        await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "token"
    await page.keyboard.type(token)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Ikhtisar kota {YEAR}")


AXE = Path(str(importlib.util.find_spec("axe_playwright_python").origin)).parent / "axe.min.js"  # type: ignore[union-attr]


async def violations(page: Page) -> list[str]:
    """axe-core's WCAG 2 A/AA findings on the page (labels, contrast, names, landmarks...), one line each."""
    await page.evaluate(AXE.read_text())
    found = await page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in found["violations"]]


async def test_every_page_passes_axe_with_no_violation(page: Page, dashboard: Dashboard) -> None:
    await page.goto(dashboard.url + "/ui/masuk")
    assert await violations(page) == [], "sign-in"
    nip, unit = busiest_nip(dashboard), dashboard.city.employees[0].unit_code
    await sign_in(page, dashboard, Role.AUDITOR)
    for path in (
        "/ui/",
        "/ui/opd",
        f"/ui/opd/{unit}",
        f"/ui/pegawai/{nip}",
        f"/ui/pegawai/{nip}?as_of={YEAR - 1}-06-30",
    ):
        await page.goto(dashboard.url + path)
        assert await violations(page) == [], path


async def test_the_tables_and_filters_work_without_javascript(browser: Browser, dashboard: Dashboard) -> None:
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    try:
        unit = dashboard.city.employees[0].unit_code
        await sign_in(page, dashboard, Role.BKPSDM, path=f"/ui/opd/{unit}")
        everyone = await page.locator("#staff-table tbody tr").count()
        await page.get_by_label("Hanya yang di bawah target").check()
        await page.get_by_role("button", name="Tampilkan").click()
        below = await page.locator("#staff-table tbody tr").count()
        assert 0 < below <= everyone
        await page.goto(dashboard.url + "/ui/")
        assert await page.locator("#jp-table tbody tr").count() > 0
        assert await page.locator("canvas[data-drawn]").count() == 0  # no charts, the same numbers in the tables
    finally:
        await context.close()


async def test_a_phone_sized_screen_shows_every_page_without_sideways_scrolling(
    page: Page, dashboard: Dashboard
) -> None:
    await page.set_viewport_size({"width": 390, "height": 844})
    await sign_in(page, dashboard, Role.AUDITOR)
    nip, unit = busiest_nip(dashboard), dashboard.city.employees[0].unit_code
    for path in ("/ui/", f"/ui/opd/{unit}", f"/ui/pegawai/{nip}", "/ui/pengaduan", "/ui/sistem", "/ui/audit"):
        await page.goto(dashboard.url + path)
        overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, path  # wide tables scroll inside their own box
    await page.goto(dashboard.url + "/ui/")
    await screenshot(page, "overview-phone")


async def test_the_complaints_board_shows_the_apis_stages_ages_and_breaches_and_never_a_complainant(
    page: Page, dashboard: Dashboard
) -> None:
    await sign_in(page, dashboard, Role.BKPSDM, path="/ui/pengaduan")
    async with await dashboard.api(Role.BKPSDM) as api:
        complaints = (await api.get("/reports/complaints", params={"year": YEAR})).json()
    shown = await cells(page, "board", "unit")
    assert set(shown) == {unit["unit_code"] for unit in complaints["units"]}
    for unit in complaints["units"]:
        row = shown[unit["unit_code"]]
        assert {stage: int(row[f"stage-{stage}"]) for stage in unit["open_by_stage"]} == unit["open_by_stage"]
        assert {age: int(row[f"age-{age}"]) for age in unit["open_backlog_by_age"]} == unit["open_backlog_by_age"]
        assert {k: int(row[f"breach-{k}"].split()[0]) for k in unit["sla_breaches"]} == unit["sla_breaches"]
    breached = sum(sum(unit["sla_breaches"].values()) > 0 for unit in complaints["units"])
    assert await page.locator("#board tbody tr:has(td.breach)").count() == breached
    text = await page.inner_text("body")
    for event in dashboard.city.events:
        who = event.body.get("complainant") if event.event_type == "complaint-received" else None
        for secret in (who or {}).values():
            assert not secret or str(secret) not in text, "a complainant's reference or contact is on the board"
    await expect(page.locator("canvas[data-chart=chart-stages]")).to_have_attribute("data-drawn", "4")
    await screenshot(page, "complaints")


async def test_the_system_page_shows_lag_rejections_per_sender_and_the_streams(
    page: Page, dashboard: Dashboard
) -> None:
    refused = training_completed(training_kind="77")
    await publish_to(dashboard, refused)
    async with await dashboard.api(Role.BKPSDM) as api:

        async def counted() -> dict[str, Any] | None:
            summary: dict[str, Any] = (await api.get("/rejections/summary")).json()
            return summary if summary["total"] > 0 else None

        summary = await eventually(counted, what="the refusal counted")
        status = (await api.get("/status")).json()
    await sign_in(page, dashboard, Role.BKPSDM, path="/ui/sistem")
    projections = await cells(page, "projections", "projection")
    assert set(projections) == {p["name"] for p in status["projections"]}
    per_source = await page.eval_on_selector_all(
        "#rejections-per-source tbody tr", "rows => rows.map(r => [r.dataset.source, r.dataset.code, "
        "Number(r.querySelector('[data-field=rejections]').innerText)])",
    )  # fmt: skip
    assert per_source == [[row["source"] or "", row["code"], row["rejections"]] for row in summary["senders"]]
    assert refused["event_id"] in await page.inner_text("#latest-rejections")
    streams = await page.eval_on_selector_all("#streams tbody tr", "rows => rows.map(r => r.dataset.stream)")
    assert {"INBOX", "EVENTS", "REJECTED", "AUDIT", "SUBMIT-lan-ri"} <= set(streams)
    intact = status["chain_extends_audit_checkpoint"]
    assert intact is not False
    shown = await page.get_attribute("#chain", "data-intact")
    assert shown == ("unknown" if intact is None else "true")
    await screenshot(page, "system")


async def test_the_audit_page_runs_a_verification_and_hands_out_a_bundle_that_verifies_offline(
    page: Page, dashboard: Dashboard, tmp_path: Path
) -> None:
    await sign_in(page, dashboard, Role.AUDITOR, path="/ui/audit")
    await page.get_by_role("button", name="Jalankan verifikasi").click()
    await expect(page.locator("#last-verification")).to_contain_text("TERVERIFIKASI", timeout=60_000)
    lines = await page.inner_text("#last-verification pre")
    assert "events checked:" in lines
    assert "snapshots:" in lines
    await expect(page.locator("#checkpoints tbody tr").first).to_contain_text("sah")
    await screenshot(page, "audit")

    async with page.expect_download() as waiting:
        await page.get_by_role("button", name="Unduh ZIP").click()
    archive = tmp_path / "bundle.zip"
    await (await waiting.value).save_as(archive)
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(tmp_path)
    report = verify_bundle(tmp_path / "jejak-bundle", public_keys(dashboard.key_dir))  # the auditor's copy
    assert report.ok, describe(report)
    assert report.rows > 0


async def test_only_an_auditor_may_use_the_audit_page(page: Page, dashboard: Dashboard) -> None:
    await sign_in(page, dashboard, Role.BKPSDM)
    assert await page.get_by_role("link", name="Audit").count() == 0
    for path in ("/ui/audit", "/ui/audit/bundel", "/ui/audit/kemajuan"):
        answer = await page.goto(dashboard.url + path)
        assert answer is not None
        assert answer.status == 403, path


async def test_every_page_runs_under_its_content_security_policy(page: Page, dashboard: Dashboard) -> None:
    """No inline script, no framing, no sniffing, no referrer: and the pages still draw their charts."""
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    answer = await page.goto(dashboard.url + "/ui/masuk")
    assert answer is not None
    headers = answer.headers
    assert "script-src 'self';" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert (headers["x-content-type-options"], headers["referrer-policy"]) == ("nosniff", "no-referrer")
    nip = busiest_nip(dashboard)
    await sign_in(page, dashboard, Role.AUDITOR)
    for path in ("/ui/", "/ui/opd", f"/ui/pegawai/{nip}", "/ui/pengaduan", "/ui/sistem", "/ui/audit"):
        answer = await page.goto(dashboard.url + path)
        assert answer is not None
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], path
    await page.goto(dashboard.url + "/ui/")
    await expect(page.locator("canvas").first).to_be_visible()  # the charts' scripts ran
    assert refused == []
