"""A cell a departmental system filled with a formula reaches an officer's spreadsheet as text."""

import csv
import io

import pytest
from pydantic import BaseModel

from services.api.csv_output import csv_response, spreadsheet_safe


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://evil.example","klik")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"]
)
def test_text_that_starts_like_a_formula_is_neutralised(text: str) -> None:
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["Dinas Kesehatan", "DINKES", "", 12, -3, 2.5, None, True])
def test_everything_else_is_unchanged(value: object) -> None:
    assert spreadsheet_safe(value) == value


class Row(BaseModel):
    unit_code: str
    nested: dict[str, str]
    codes: list[str]
    jp: float


def test_every_cell_of_a_report_csv_is_safe_nested_and_listed_ones_too() -> None:
    row = Row(unit_code="=cmd|' /C calc'!A0", nested={"name": "@SUM(1)"}, codes=["-1", "x"], jp=-1.5)
    body = csv_response([row], Row, "r.csv", {}).body
    [cells] = list(csv.DictReader(io.StringIO(bytes(body).decode())))
    assert cells == {"unit_code": "'=cmd|' /C calc'!A0", "nested.name": "'@SUM(1)", "codes": "'-1 x", "jp": "-1.5"}
