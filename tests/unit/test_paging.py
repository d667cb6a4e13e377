"""Sorting and paging of report lists."""

from dataclasses import dataclass
from datetime import date

from services.api.common import page


@dataclass(frozen=True)
class Row:
    nip: str
    due: date | None


ROWS = [Row("3", date(2026, 5, 1)), Row("1", None), Row("2", date(2026, 1, 1))]


def test_sorted_ascending_with_blanks_last_then_paged() -> None:
    assert [r.nip for r in page(ROWS, "due", 10, 0)] == ["2", "3", "1"]
    assert [r.nip for r in page(ROWS, "nip", 2, 1)] == ["2", "3"]


def test_descending_and_unsorted() -> None:
    assert [r.nip for r in page(ROWS, "-nip", 10, 0)] == ["3", "2", "1"]
    assert [r.nip for r in page(ROWS, None, 1, 2)] == ["2"]
