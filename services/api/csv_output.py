"""Reports as CSV too: a spreadsheet is how most of BKPSDM reads a list.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or a
carriage return) as a formula: a unit code ``=HYPERLINK(...)`` sent by a departmental system would
become a live link in an officer's sheet. Every text cell Jejak writes goes through
``spreadsheet_safe``, which puts a ``'`` before such a first character (OWASP's advice); numbers
stay numbers.
"""

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

Format = Literal["json", "csv"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as a cell no spreadsheet reads as a formula: text beginning with a formula's first
    character gets a leading ``'``; everything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(cells: dict[str, Any]) -> dict[str, Any]:
    return {column: spreadsheet_safe(value) for column, value in cells.items()}


def wants_csv(request: Request, format_: Format | None) -> bool:
    """``?format=csv`` wins; otherwise an Accept header that names text/csv before JSON."""
    if format_ is not None:
        return format_ == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def content_disposition(filename: str) -> str:
    """An ASCII name for every client and the exact one (RFC 6266/5987): headers are latin-1 only."""
    plain = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted columns; lists of plain values one cell, space-separated."""
    if isinstance(value, dict):
        cells: dict[str, Any] = {}
        for key, item in value.items():
            cells |= flat(item, f"{prefix}{key}.")
        return cells
    if isinstance(value, list) and all(not isinstance(item, dict | list) for item in value):
        return {prefix.rstrip("."): " ".join(str(item) for item in value)}
    if isinstance(value, list):
        return {prefix.rstrip("."): json.dumps(value, ensure_ascii=False)}
    return {prefix.rstrip("."): value}


def csv_response(
    rows: Sequence[BaseModel], row_type: type[BaseModel], filename: str, stamp: dict[str, str]
) -> Response:
    """One header line (the model's fields, nested ones dotted), one line per row; where the
    figures come from goes in response headers."""
    flattened = [flat(row.model_dump(mode="json")) for row in rows]
    columns = list(dict.fromkeys([*row_type.model_fields, *(key for cells in flattened for key in cells)]))
    columns = [c for c in columns if any(c in cells for cells in flattened)] or list(row_type.model_fields)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for cells in flattened:
        writer.writerow(safe_row(cells))
    headers = {"Content-Disposition": content_disposition(filename), **stamp}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
