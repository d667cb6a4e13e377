"""NIP: the 18-digit identification number of a civil servant (PNS), validated by its structure.

Layout: birth date ``YYYYMMDD`` + civil-service start (TMT CPNS) ``YYYYMM`` + gender digit
(1 male, 2 female) + a 3-digit sequence. The number is never reused, so it can key a record.
Its digits are ASCII 0-9 only: ``str.isdigit`` and ``int`` also take Arabic-Indic, fullwidth and
other scripts' digits, which would key a second record that reads like the first.
"""

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated

from pydantic import BeforeValidator, Field

_EIGHTEEN_DIGITS = re.compile(r"[0-9]{18}")
DIGITS_PATTERN = r"^[0-9]{18}$"


def check_nip(value: str) -> str:
    """Raise ValueError with a reason a sender can act on when ``value`` is not a plausible NIP."""
    if _EIGHTEEN_DIGITS.fullmatch(value) is None:
        raise ValueError("NIP must be exactly 18 digits (ASCII digits 0-9 only)")
    try:
        born = date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise ValueError(f"NIP digits 1-8 must be a real birth date YYYYMMDD, got {value[0:8]}") from None
    start_year, start_month = int(value[8:12]), int(value[12:14])
    if not 1 <= start_month <= 12:
        raise ValueError(f"NIP digits 9-14 must be a civil-service start YYYYMM, got {value[8:14]}")
    if (start_year, start_month) <= (born.year, born.month):
        raise ValueError("NIP civil-service start (digits 9-14) must come after the birth date")
    if value[14] not in "12":
        raise ValueError(f"NIP digit 15 is the gender: 1 or 2, got {value[14]}")
    return value


def check_employee_number(value: str) -> str:
    """NIP (PNS) or NI PPPK: the same length, birth date and gender digit; digits 9-12 or 9-14 differ.

    NI PPPK: birth date ``YYYYMMDD`` + appointment year ``YYYY`` + 2 digits + gender + sequence.
    """
    try:
        return check_nip(value)
    except ValueError as nip_error:
        if _EIGHTEEN_DIGITS.fullmatch(value) is None or value[14] not in "12":
            raise
        try:
            born = date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
        except ValueError:
            raise nip_error from None
        if int(value[8:12]) <= born.year:
            raise nip_error from None
        return value


def _text_only(check: Callable[[str], str]) -> Callable[[object], object]:
    """``check`` as a before-validator: it gives the refusal its reason before the pattern does."""

    def before(value: object) -> object:
        return check(value) if isinstance(value, str) else value

    return before


EmployeeNumber = Annotated[
    str,
    Field(
        min_length=18,
        max_length=18,
        pattern=DIGITS_PATTERN,
        description="NIP (PNS) or NI PPPK: 18 digits beginning with the birth date",
        examples=["198503122010011002"],
    ),
    BeforeValidator(_text_only(check_employee_number)),
]

Nip = Annotated[
    str,
    Field(
        min_length=18,
        max_length=18,
        pattern=DIGITS_PATTERN,
        description="NIP: 18 digits, birth date + TMT CPNS + gender + sequence",
        examples=["198503122010011002"],
    ),
    BeforeValidator(_text_only(check_nip)),
]
