"""The dashboard's pages under ``/ui``: sign-in, city overview, an OPD's page, an employee's dossier.

Each page is rendered on the server from the report API's answers to the signed-in caller's
token (``api_client``), so the tables work without JavaScript; ``static/charts.js`` draws the
charts from the same numbers, embedded in the page as JSON.
"""

import asyncio
import csv
import hmac
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.background import BackgroundTask

from contracts.reference import code_list
from services import tokens
from services.api.auth import client_address, failed_attempts
from services.api.csv_output import spreadsheet_safe
from services.audit import verification_log
from services.audit.export import NothingToExport
from services.tokens import Role
from services.web import views
from services.web.api_client import ApiRefused, api_get
from services.web.audit_runs import Verifications, recent_checkpoints, zipped_bundle
from services.web.i18n import COOKIE as LANG_COOKIE
from services.web.i18n import LANGUAGES, Words, language_of
from services.web.session import COOKIE, SessionKeys, Sessions

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(prefix="/ui", include_in_schema=False)

RANKS = code_list("golonganPns")
STATUSES = code_list("kedudukanHukum")
YearQuery = Annotated[int | None, Query(ge=2000, le=2100)]


class SignInRequired(Exception):
    """No live session: the page answers with the sign-in form's address."""

    def __init__(self, next_path: str, *, expired: bool) -> None:
        super().__init__(next_path)
        self.next_path, self.expired = next_path, expired


@dataclass(frozen=True)
class Session:
    """The signed-in caller: the token the API is asked with, its role and, for an OPD head, the unit."""

    token: str
    token_id: str
    role: Role
    opd: str | None
    csrf: str = ""
    """What every form of this session carries back (``check_csrf``)."""
    session_id: str = ""

    @property
    def reads_every_unit(self) -> bool:
        return self.role in {Role.AUDITOR, Role.BKPSDM}


def _keys(request: Request) -> SessionKeys:
    keys: SessionKeys = request.app.state.web_keys
    return keys


def _sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.web_sessions
    return sessions


async def signed_in(request: Request) -> Session:
    """The caller of a live session whose token is still live (a revoked token ends the session at once)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    session_id = _keys(request).open(request.cookies.get(COOKIE))
    kept = _sessions(request).get(session_id)
    if session_id is None or kept is None:
        raise SignInRequired(here, expired=COOKIE in request.cookies)
    async with request.app.state.pool.connection() as conn, conn.cursor() as cur:
        found = await tokens.verify(cur, kept.token)
    if found is None:
        _sessions(request).end(session_id)
        raise SignInRequired(here, expired=True)
    return Session(kept.token, found.token_id, found.role, found.opd, kept.csrf, session_id)


def check_csrf(expected: str, sent: str | None) -> None:
    """403 unless a form carried its session's CSRF token (another site cannot read it to send it)."""
    if not sent or not hmac.compare_digest(sent, expected):
        raise ApiRefused(403, "this form did not come from your session: reload the page and try again")


SignedIn = Annotated[Session, Depends(signed_in)]


def words_for(request: Request) -> Words:
    """The page's words: ``?lang=`` when given, else the language cookie, else Indonesian."""
    return Words(language_of(request.cookies.get(LANG_COOKIE), request.query_params.get("lang")))


def render(request: Request, template: str, session: Session | None, status: int = 200, **context: Any) -> Response:
    words = words_for(request)
    lang = words.lang
    page = {"t": words, "lang": lang, "languages": LANGUAGES, "session": session, "here": request.url.path}
    return TEMPLATES.TemplateResponse(request, template, page | context, status_code=status)


def _local(path: str | None) -> str:
    """Only a path of the dashboard itself may be a redirect target (no open redirect)."""
    if path and path.startswith("/ui/") and not path.startswith("//"):
        return path
    return "/ui/"


@router.get("/masuk")
async def sign_in_form(request: Request, next: str | None = None, expired: bool = False) -> Response:  # noqa: A002
    return render(request, "signin.html", None, next=_local(next), message="signin.expired" if expired else None)


@router.post("/masuk")
async def sign_in(request: Request, token: Annotated[str, Form()], next: Annotated[str, Form()] = "/ui/") -> Response:  # noqa: A002
    attempts, address = failed_attempts(request), client_address(request)
    attempts.check(address)
    async with request.app.state.pool.connection() as conn, conn.cursor() as cur:
        found = await tokens.verify(cur, token.strip())
    if found is None:
        attempts.failed(address)
        return render(request, "signin.html", None, status=401, next=_local(next), message="signin.bad")
    target = _local(next)
    if target == "/ui/" and found.role is Role.OPD and found.opd:
        target = f"/ui/opd/{quote(found.opd, safe='')}"
    response = RedirectResponse(target, status_code=303)
    keys = _keys(request)
    session_id = _sessions(request).begin(token.strip())
    response.set_cookie(
        COOKIE, keys.seal(session_id), max_age=keys.lifetime, path="/ui", httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


@router.post("/keluar")
async def sign_out(request: Request, csrf: Annotated[str | None, Form()] = None) -> Response:
    """End the session on the server (its cookie then names nothing), and forget the cookie."""
    session_id = _keys(request).open(request.cookies.get(COOKIE))
    kept = _sessions(request).get(session_id)
    if kept is not None:  # an ended session's cookie is simply forgotten
        check_csrf(kept.csrf, csrf)
    _sessions(request).end(session_id)
    response = RedirectResponse("/ui/masuk", status_code=303)
    response.delete_cookie(COOKIE, path="/ui")
    return response


@router.get("/bahasa/{lang}")
async def choose_language(lang: str, next: str | None = None) -> Response:  # noqa: A002
    response = RedirectResponse(_local(next), status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/ui", samesite="lax")
    return response


@router.get("/")
async def overview(request: Request, session: SignedIn, year: YearQuery = None) -> Response:
    app, token = request.app, session.token
    jp = await api_get(app, token, "/reports/jp-compliance", {"year": year})
    year = int(jp["year"])
    distribution = await api_get(app, token, "/reports/predikat-distribution", {"year": year})
    complaints = await api_get(app, token, "/reports/complaints", {"year": year})
    rewards = await api_get(app, token, "/reports/rewards-granted", {"year": year})
    rows = views.overview_rows(jp, distribution, complaints, rewards)
    words = words_for(request)
    charts = views.overview_charts(rows, {"open": words("chart.open"), "breaches": words("chart.breaches")})
    reports = (jp, distribution, complaints, rewards)
    withheld = max(int(report.get("withheld_units") or 0) for report in reports)
    below = next((report["withheld_below"] for report in reports if report.get("withheld_below")), None)
    return render(
        request, "overview.html", session, year=year, rows=rows, charts=charts,
        predikat_names=views.PREDIKAT_NAMES, position=jp["position"], policy=jp["policy_version"],
        withheld=withheld, withheld_below=below,
    )  # fmt: skip


@router.get("/opd")
async def units(request: Request, session: SignedIn, year: YearQuery = None) -> Response:
    if session.role is Role.OPD and session.opd:
        return RedirectResponse(f"/ui/opd/{quote(session.opd, safe='')}", status_code=303)
    jp = await api_get(request.app, session.token, "/reports/jp-compliance", {"year": year})
    return render(request, "units.html", session, year=jp["year"], units=jp["units"])


@dataclass(frozen=True)
class StaffFilter:
    """What the unit page's form asks for: the page and its CSV take the same, so the CSV is what is shown."""

    year: int | None
    q: str | None
    below: bool
    sort: str | None


def staff_filter(
    year: YearQuery = None,
    q: Annotated[str | None, Query(max_length=64)] = None,
    below: bool = False,
    sort: Annotated[str | None, Query(max_length=12)] = None,
) -> StaffFilter:
    return StaffFilter(year, q, below, sort)


@dataclass(frozen=True)
class UnitStaff:
    """A unit's staff as the API answers them, filtered and sorted as asked, with the rest of the page."""

    year: int
    rows: list[views.StaffRow]
    total: int
    backlog: dict[str, int]
    position: int
    policy: str


async def unit_staff(
    request: Request, session: SignedIn, unit_code: str, wanted: Annotated[StaffFilter, Depends(staff_filter)]
) -> UnitStaff:
    app, token = request.app, session.token
    path = f"/reports/jp-compliance/{quote(unit_code, safe='')}/staff"
    staff = await api_get(app, token, path, {"year": wanted.year, "limit": 1000})
    year = int(staff["year"])
    eligibility = await api_get(
        app, token, "/reports/reward-eligibility", {"year": year, "opd": unit_code, "limit": 1000}
    )
    complaints = await api_get(app, token, "/reports/complaints", {"year": year, "opd": unit_code})
    rows = views.staff_rows(
        staff["staff"], eligibility["employees"], text=wanted.q, only_below=wanted.below, sort=wanted.sort
    )
    return UnitStaff(
        year, rows, staff["total"], views.backlog_of(complaints, unit_code), staff["position"], staff["policy_version"]
    )


UnitStaffDep = Annotated[UnitStaff, Depends(unit_staff)]
Filter = Annotated[StaffFilter, Depends(staff_filter)]


@router.get("/opd/{unit_code}")
async def unit_page(
    request: Request, session: SignedIn, unit_code: str, found: UnitStaffDep, wanted: Filter
) -> Response:
    return render(
        request, "opd.html", session, unit_code=unit_code, year=found.year, rows=found.rows, q=wanted.q or "",
        below=wanted.below, sort=wanted.sort or "", backlog=found.backlog, total=found.total, position=found.position,
        policy=found.policy,
    )  # fmt: skip


@router.get("/opd/{unit_code}/pegawai.csv")
async def unit_csv(unit_code: str, found: UnitStaffDep) -> Response:
    """Exactly the rows the page shows with these filters."""
    rows = found.rows
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["nip", "name", "asn_kind", "jp", "target", "meets_target", "last_predikat", "flags"])
    for row in rows:
        cells = [row.nip, row.name, row.asn_kind, row.jp, row.target, row.meets_target, row.predikat_name or "",
                 " ".join(row.flags)]  # fmt: skip
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    name = f"pegawai-{unit_code}-{found.year}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{quote(name)}"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/pegawai/{nip}")
async def dossier_page(
    request: Request,
    session: SignedIn,
    nip: str,
    as_of: Annotated[date | None, Query()] = None,
) -> Response:
    app, token = request.app, session.token
    if as_of is not None and session.role is Role.AUDITOR:
        found = await api_get(
            app, token, f"/audit/employees/{quote(nip, safe='')}/dossier", {"as_of": as_of.isoformat()}
        )
    else:
        found = await api_get(app, token, f"/employees/{quote(nip, safe='')}/dossier")
        as_of = None
    return render(
        request, "dossier.html", session, d=found, as_of=as_of, summary_of=views.summary_of,
        chart=views.jp_chart(found["jp_per_year"], words_for(request)("chart.target")),
        rank=views.named(found["rank"], RANKS), standing=views.named(found["status"], STATUSES),
        can_travel=session.role is Role.AUDITOR,
    )  # fmt: skip


@router.get("/pengaduan")
async def complaints_board(request: Request, session: SignedIn, year: YearQuery = None) -> Response:
    """Open complaints by stage and age per unit, SLA breaches, and the discipline cases they led to."""
    app, token = request.app, session.token
    complaints = await api_get(app, token, "/reports/complaints", {"year": year})
    year = int(complaints["year"])
    cases = None
    if session.role is not Role.PUBLIC:  # the discipline register names employees
        register = await api_get(app, token, "/reports/discipline", {"year": year, "limit": 1000})
        cases = [case for case in register["cases"] if case["complaint_id"]]
    return render(
        request, "complaints.html", session, year=year, units=complaints["units"], cases=cases,
        as_of=complaints["as_of"], stages=views.OPEN_STAGES,
        chart=views.stage_chart(complaints["units"], {s: words_for(request)(f"stage.{s}") for s in views.OPEN_STAGES}),
        position=complaints["position"], policy=complaints["policy_version"],
    )  # fmt: skip


@router.get("/sistem")
async def system_page(request: Request, session: SignedIn) -> Response:
    """Projection lag, refusals per sender with their reasons, parked submissions, and the streams and consumers."""
    app, token = request.app, session.token
    status = await api_get(app, token, "/status")
    summary = await api_get(app, token, "/rejections/summary")
    latest = await api_get(app, token, "/rejections", {"limit": 20})
    streams = await api_get(app, token, "/status/streams")
    parked = await api_get(app, token, "/parked")
    return render(
        request, "system.html", session, projections=status["projections"], senders=summary["senders"],
        rejected=summary["total"], latest=latest["rejections"], streams=streams, parked=parked["parked"],
        chain_intact=status.get("chain_extends_audit_checkpoint"),
    )  # fmt: skip


DAY_OR_EMPTY = r"^(\d{4}-\d{2}-\d{2})?$"
"""A date field of a form: left empty, the browser still sends the parameter."""


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise ApiRefused(422, f"not a date: {text!r} (YYYY-MM-DD)") from None


def _auditor(session: Session) -> None:
    if session.role is not Role.AUDITOR:
        raise ApiRefused(403, f"role {session.role} may not use the audit page; it is open to auditor")


@router.get("/audit")
async def audit_page(request: Request, session: SignedIn) -> Response:
    """The last verifications, one running now with its progress, the newest checkpoints, a bundle to download."""
    _auditor(session)
    runs: Verifications = request.app.state.verifications
    async with request.app.state.pool.connection() as conn, conn.cursor() as cur:
        done = await verification_log.latest(cur)
    checkpoints = await asyncio.to_thread(recent_checkpoints, runs.database_url, runs.key_dir)
    current = runs.current if runs.running else None
    return render(
        request, "audit.html", session, done=done, current=current, checkpoints=checkpoints,
        failed=runs.current.error if runs.current and not runs.running else None,
    )  # fmt: skip


@router.get("/audit/kemajuan")
async def verification_progress(request: Request, session: SignedIn) -> dict[str, Any]:
    """How far the running verification got (polled by static/progress.js; the page works without it)."""
    _auditor(session)
    runs: Verifications = request.app.state.verifications
    current = runs.current
    if current is None:
        return {"running": False}
    return {
        "running": runs.running, "step": current.step, "done": current.done, "total": current.total,
        "percent": current.percent, "error": current.error,
    }  # fmt: skip


@router.post("/audit/verifikasi")
async def start_verification(
    request: Request, session: SignedIn, csrf: Annotated[str | None, Form()] = None
) -> Response:
    _auditor(session)
    check_csrf(session.csrf, csrf)
    runs: Verifications = request.app.state.verifications
    runs.start(request.app.state.pool, requested_by=f"token {session.token_id}", nats=request.app.state.nats)
    return RedirectResponse("/ui/audit#verifikasi", status_code=303)


@router.get("/audit/bundel")
async def download_bundle(
    request: Request,
    session: SignedIn,
    dari: Annotated[str | None, Query(pattern=DAY_OR_EMPTY)] = None,
    sampai: Annotated[str | None, Query(pattern=DAY_OR_EMPTY)] = None,
) -> Response:
    """``jejak audit export``'s bundle of the events recorded in the chosen days (WIB), zipped."""
    _auditor(session)
    runs: Verifications = request.app.state.verifications
    first, last = _day(dari), _day(sampai)
    try:
        archive, exported, clean = await asyncio.to_thread(zipped_bundle, runs.database_url, runs.key_dir, first, last)
    except NothingToExport as nothing:
        raise ApiRefused(409, str(nothing)) from None
    name = f"jejak-bundle-{exported.first_position}-{exported.last_position}.zip"
    return FileResponse(archive, media_type="application/zip", filename=name, background=BackgroundTask(clean))


def install(app: FastAPI) -> None:
    """The pages, their static files, ``/`` leading to them, and how a refused page is shown."""
    app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=str(HERE / "static")), name="web-static")

    @app.get("/", include_in_schema=False)
    async def root() -> Response:
        return RedirectResponse("/ui/", status_code=307)

    @app.exception_handler(SignInRequired)
    async def to_sign_in(_: Request, needed: SignInRequired) -> Response:
        target = f"/ui/masuk?next={quote(needed.next_path, safe='')}" + ("&expired=1" if needed.expired else "")
        response = RedirectResponse(target, status_code=303)
        if needed.expired:
            response.delete_cookie(COOKIE, path="/ui")
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        """A page's malformed parameter is shown as a page; the API's stay JSON, as documented."""
        if not request.url.path.startswith("/ui/"):
            return await request_validation_exception_handler(request, error)
        fields = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in error.errors())
        return render(request, "error.html", None, status=422, status_code=422, detail=fields)

    @app.exception_handler(ApiRefused)
    async def refused(request: Request, error: ApiRefused) -> Response:
        return render(request, "error.html", None, status=error.status, status_code=error.status, detail=error.detail)
