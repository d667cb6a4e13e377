"""Auditor routes: one employee's dossier as it stood, rebuilt from the event store, and what changed between two dates.

Only the ``auditor`` role reads them (an auditor replays history; BKPSDM reads the live reports).
Dates mean what ``services.audit.as_of`` says: a plain date is the end of that day in WIB (UTC+7). The
dossier includes the complaints naming the employee, found and read as ``services.audit.history`` says.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from psycopg import IsolationLevel

from services.api.auth import Caller, allowed, responses
from services.api.common import NipPath, policy, valid_number
from services.api.dependencies import Pool
from services.audit.as_of import AsOfDossierOut, Axis, DossierDiffOut, View, diff, moment, views_between
from services.audit.history import History, read_history
from services.tokens import Role

router = APIRouter(prefix="/audit", tags=["audit"])

Auditor = Annotated[Caller, Depends(allowed(Role.AUDITOR))]
MOMENT = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$"
_WHAT = "YYYY-MM-DD (the end of that day in WIB, UTC+7) or an ISO date-time with its UTC offset"
AsOf = Annotated[
    str, Query(pattern=MOMENT, description=f"What had happened by then (occurred_at): {_WHAT}", examples=["2026-03-31"])
]
AsKnownOn = Annotated[
    str | None,
    Query(pattern=MOMENT, description=f"What the store knew then (recorded_at): {_WHAT}; default: now"),
]
From = Annotated[str, Query(alias="from", pattern=MOMENT, description=f"The earlier view: {_WHAT}")]
To = Annotated[str, Query(pattern=MOMENT, description=f"The later view: {_WHAT}")]
AxisQuery = Annotated[
    Axis,
    Query(
        description="occurred: as_of moves, known now; recorded: as_known_on moves, no as_of bound; both: the "
        "record as shown on each date"
    ),
]


def _moment(name: str, text: str) -> datetime:
    try:
        return moment(text)
    except (ValueError, OverflowError) as error:
        raise HTTPException(status_code=422, detail=f"{name}: {error}") from None


async def _history(pool: Pool, nip: str) -> History:
    """The employee's stored events, those of the complaints naming them and the store position, from one
    snapshot; 404 when the store has none."""
    async with pool.connection() as conn:
        await conn.set_isolation_level(IsolationLevel.REPEATABLE_READ)
        async with conn.transaction(), conn.cursor() as cur:
            history = await read_history(cur, nip)
    if not history.facts:
        raise HTTPException(status_code=404, detail=f"no employee with NIP {nip} in the event store")
    return history


@router.get("/employees/{nip}/dossier", response_model=AsOfDossierOut, responses=responses(401, 403, 404, 422))
async def dossier_as_of(
    nip: NipPath, pool: Pool, _: Auditor, as_of: AsOf, as_known_on: AsKnownOn = None
) -> AsOfDossierOut:
    """One employee's dossier as it stood: happened by as_of, as the store knew it on as_known_on (auditor)."""
    valid_number(nip)
    view = View(_moment("as_of", as_of), _moment("as_known_on", as_known_on) if as_known_on else None)
    history = await _history(pool, nip)
    found = history.dossier(view, policy())
    if found is None:
        known = f", as known on {as_known_on}" if as_known_on else ""
        raise HTTPException(status_code=404, detail=f"NIP {nip} had no record yet as of {as_of}{known}")
    return found


@router.get("/employees/{nip}/dossier-diff", response_model=DossierDiffOut, responses=responses(401, 403, 404, 422))
async def dossier_diff(
    nip: NipPath, pool: Pool, _: Auditor, from_: From, to: To, axis: AxisQuery = Axis.OCCURRED
) -> DossierDiffOut:
    """What changed in one employee's dossier between two dates, on the chosen time axis (auditor)."""
    valid_number(nip)
    views = views_between(axis, _moment("from", from_), _moment("to", to))
    history = await _history(pool, nip)
    before, after = (history.dossier(view, policy()) for view in views)
    if before is None and after is None:
        raise HTTPException(status_code=404, detail=f"NIP {nip} had no record yet in either view")
    return diff(axis, views, before, after, history.position, policy())
