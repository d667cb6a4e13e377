"""Reports as CSV too: a spreadsheet is how most of BKPSDM reads a list."""

import csv
import io
import re
from collections.abc import Sequence
from typing import Literal
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

Format = Literal["json", "csv"]


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


def csv_response(
    rows: Sequence[BaseModel], row_type: type[BaseModel], filename: str, stamp: dict[str, str]
) -> Response:
    """One header line, one line per row; where the figures come from goes in response headers."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row_type.model_fields), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row.model_dump(mode="json"))
    headers = {"Content-Disposition": content_disposition(filename), **stamp}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
