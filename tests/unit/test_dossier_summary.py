"""JP per year in a dossier: the year an activity ended, split classroom / not and by type."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from projections.dossier import period_end
from services.api.csv_output import content_disposition
from services.api.dossier import TimelineEntry, jp_per_year


def training(ended: date, jp: float, classroom: bool, kind: str) -> TimelineEntry:
    details: dict[str, Any] = {"recognised_jp": jp, "classroom": classroom, "competency_type": kind}
    return TimelineEntry(
        position=1, kind="training-completed", happened_on=ended, occurred_at=None,
        recorded_at=datetime.now(UTC), source="lan-ri", event_id="e", details=details,
    )  # fmt: skip


def test_jp_are_summed_per_year_and_split() -> None:
    entries = [
        training(date(2025, 12, 30), 12, True, "teknis"),
        training(date(2026, 1, 5), 4, False, "manajerial"),
        training(date(2026, 6, 1), 16.5, True, "teknis"),
    ]
    [y2025, y2026] = jp_per_year(entries, Decimal(20))
    assert (y2025.year, y2025.recognised_jp, y2025.meets_target) == (2025, Decimal(12), False)
    assert (y2026.recognised_jp, y2026.classroom_jp, y2026.non_classroom_jp) == (
        Decimal("20.5"),
        Decimal("16.5"),
        Decimal(4),
    )
    assert y2026.by_competency_type == {"manajerial": 4, "teknis": Decimal("16.5")}
    assert y2026.meets_target


def test_evaluation_periods_end_on_their_last_day() -> None:
    assert period_end(2026, "Q1") == date(2026, 3, 31)
    assert period_end(2024, "M02") == date(2024, 2, 29)
    assert period_end(2026, "annual") == date(2026, 12, 31)


def test_a_csv_file_name_with_any_unit_code_fits_in_a_header() -> None:
    header = content_disposition("jp-Dinas Ké\u010e-2026.csv")
    header.encode("latin-1")  # what the server must be able to send
    assert 'filename="jp-Dinas_K__-2026.csv"' in header
    assert "filename*=UTF-8''jp-Dinas%20K%C3%A9%C4%8E-2026.csv" in header
