"""What every report route shares: the policy, the clock, parameters, scoping, stamps, snapshots."""

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated, Any, TypeVar

from fastapi import HTTPException, Path, Query
from psycopg import AsyncCursor, IsolationLevel
from psycopg_pool import AsyncConnectionPool
from pydantic import AfterValidator

from contracts.identifiers import check_employee_number
from domain.policy import Policy, bundled_policy
from projections.tracking import position_of
from services.api.auth import Caller
from services.api.csv_output import Format
from services.tokens import Role

POLICY = bundled_policy()

NipPath = Annotated[str, Path(description="NIP or NI PPPK, 18 digits", examples=["198503122010011002"])]
Year = Annotated[int, Query(ge=2000, le=2100, description="Calendar year; default: the current one")]
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
"""No control characters (PostgreSQL text cannot hold NUL; no unit code has any)."""
UnitCode = Annotated[str, Path(min_length=1, max_length=128, pattern=PRINTABLE, description="Unit (OPD) code")]
UnitFilter = Annotated[str | None, Query(min_length=1, max_length=128, pattern=PRINTABLE, description="Only this unit")]
EARLIEST_DAY = date(2000, 1, 1)
DAYS_AHEAD = 366
"""How far past today a report may be asked as of: a year, to plan ahead; beyond it nothing is known."""


def _reportable_day(day: date | None) -> date | None:
    latest = today() + timedelta(days=DAYS_AHEAD)
    if day is not None and not EARLIEST_DAY <= day <= latest:
        raise ValueError(f"a report's day lies from {EARLIEST_DAY.isoformat()} to {latest.isoformat()} (a year ahead)")
    return day


AsOf = Annotated[
    date | None,
    Query(description="Measure up to this day, from 2000-01-01 to a year after today; default: today"),
    AfterValidator(_reportable_day),
]
FormatQuery = Annotated[Format | None, Query(alias="format", description="json (default) or csv")]
Period = Annotated[
    str, Query(pattern=r"^(annual|Q[1-4]|M(0[1-9]|1[0-2]))$", description="annual (default), Q1-Q4 or M01-M12")
]
Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many rows")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Skip this many rows first")]


def policy() -> Policy:
    return POLICY


def valid_number(nip: str) -> str:
    try:
        return check_employee_number(nip)
    except ValueError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None


def stamp(position: int) -> dict[str, str]:
    """Where CSV figures come from, as response headers (a CSV body has no room for it)."""
    return {"Jejak-Position": str(position), "Jejak-Policy-Version": policy().version}


def scoped_unit(caller: Caller, unit: str | None) -> str | None:
    """An opd token sees its own unit only; asking for another is a 403."""
    if caller.role is not Role.OPD:
        return unit
    if unit is not None and unit != caller.opd:
        raise HTTPException(status_code=403, detail=f"this token reads unit {caller.opd} only")
    return caller.opd


def today() -> date:
    """Today in Indonesia's western time (UTC+7), the day the city's offices count."""
    return datetime.now(UTC).astimezone(timezone(timedelta(hours=7))).date()


def this_year() -> int:
    """The default report year: the current one in Indonesia's western time."""
    return today().year


T = TypeVar("T")


async def snapshot(
    pool: AsyncConnectionPool, projection: str, read: Callable[[AsyncCursor[Any]], Awaitable[T]]
) -> tuple[int, T]:
    """``read`` and the projection's position from one REPEATABLE READ snapshot, so they agree."""
    async with pool.connection() as conn:
        await conn.set_isolation_level(IsolationLevel.REPEATABLE_READ)
        async with conn.transaction(), conn.cursor() as cur:
            position = await position_of(cur, projection)
            return position, await read(cur)


def page(rows: list[T], sort: str | None, limit: int, offset: int) -> list[T]:
    """Sort by one field (``-field`` for descending), then take one page; stable for equal keys."""
    if sort:
        field = sort.removeprefix("-")
        rows = sorted(
            rows, key=lambda row: (getattr(row, field) is None, getattr(row, field)), reverse=sort.startswith("-")
        )
    return rows[offset : offset + limit]


def sort_query(*fields: str) -> Any:
    """A ``sort`` parameter that accepts ``field`` or ``-field`` for the given fields only (422 otherwise)."""
    names = "|".join(fields)
    return Query(pattern=rf"^-?({names})$", description=f"Sort by {', '.join(fields)}; prefix - for descending")
