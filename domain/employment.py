"""Identity and employment facts of a civil servant, and the rules that tie them to the number.

NIP (PNS): birth date YYYYMMDD + TMT CPNS YYYYMM + gender digit + 3-digit sequence.
NI PPPK (contract civil servants): birth date YYYYMMDD + appointment year YYYY + 2 digits +
gender digit + 3-digit sequence. The contracts check each number's shape; here the registered
facts must agree with what the number says.
"""

from dataclasses import dataclass
from datetime import date
from typing import Literal

from domain.errors import RuleViolation

AsnKind = Literal["PNS", "PPPK"]
Gender = Literal["M", "F"]
GENDER_DIGIT: dict[str, str] = {"M": "1", "F": "2"}


@dataclass(frozen=True)
class Employment:
    """What registration establishes about a civil servant."""

    asn_kind: AsnKind
    name: str
    birth_date: date
    gender: Gender
    start_date: date
    employee_type: str
    rank: str | None
    status: str


def check_number_matches(number: str, employment: Employment) -> None:
    """The registered birth date, gender and start must be the ones the number encodes."""
    if number[0:8] != employment.birth_date.strftime("%Y%m%d"):
        raise RuleViolation(
            "number-birth-date-mismatch",
            f"birth_date {employment.birth_date.isoformat()} differs from the NIP's {number[0:8]}",
        )
    if number[14] != GENDER_DIGIT[employment.gender]:
        raise RuleViolation(
            "number-gender-mismatch",
            f"gender {employment.gender} differs from the NIP's gender digit {number[14]}",
        )
    start = employment.start_date
    encoded, expected = (
        (number[8:14], f"{start:%Y%m}") if employment.asn_kind == "PNS" else (number[8:12], f"{start:%Y}")
    )
    if encoded != expected:
        what = "TMT CPNS (YYYYMM)" if employment.asn_kind == "PNS" else "appointment year"
        raise RuleViolation(
            "number-start-mismatch",
            f"start_date {start.isoformat()} differs from the number's {what} {encoded}",
        )
    if employment.start_date <= employment.birth_date:
        raise RuleViolation("start-before-birth", "start_date must come after birth_date")
    if employment.asn_kind == "PNS" and not employment.rank:
        raise RuleViolation("rank-missing", "a PNS has a rank (golongan/ruang): give rank")


def check_within_employment(start_date: date, when: date, what: str) -> None:
    """Facts about a civil servant cannot predate their employment (TMT)."""
    if when < start_date:
        raise RuleViolation(
            "before-employment",
            f"{what} {when.isoformat()} is before the start of employment {start_date.isoformat()}",
        )


def check_period(start: date, end: date) -> None:
    """An activity cannot end before it starts."""
    if end < start:
        raise RuleViolation("end-before-start", f"end_date {end.isoformat()} is before start_date {start.isoformat()}")


def full_years_between(start: date, on: date) -> int:
    """Whole years of service from ``start`` to ``on`` (anniversaries, 29 February counted on 1 March)."""
    years = on.year - start.year
    if (on.month, on.day) < (start.month, start.day):
        years -= 1
    return years
