"""No facts from the future: what a sender reports must have happened by the time Jejak receives it.

The store is append-only, so a training "completed" in 2030 or an evaluation dated next month would
count in every report for good. Every moment and date in a submission is compared with when INBOX
received it, plus the policy's tolerance (clocks differ; a date is a whole day, in any time zone).
"""

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone

from domain.errors import RuleViolation

EARLIEST_ZONE = timezone(timedelta(hours=14))
"""A calendar date has begun somewhere once it has begun at UTC+14 (Kiribati): the most lenient reading."""


def check_not_after_receipt(
    moments: Mapping[str, date | datetime], received_at: datetime, tolerance: timedelta
) -> None:
    """Raise ``future-fact`` naming the first field dated after ``received_at`` plus ``tolerance``."""
    latest = received_at + tolerance
    latest_day = latest.astimezone(EARLIEST_ZONE).date()
    for field, value in moments.items():
        if value > latest if isinstance(value, datetime) else value > latest_day:
            raise RuleViolation(
                "future-fact",
                f"{field} is {value.isoformat()}, later than when Jejak received it "
                f"({received_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC) plus the policy's tolerance of "
                f"{_hours(tolerance)}: a fact is reported once it has happened",
            )


def _hours(tolerance: timedelta) -> str:
    hours = tolerance.total_seconds() / 3600
    return f"{hours:g} hour" + ("" if hours == 1 else "s")
