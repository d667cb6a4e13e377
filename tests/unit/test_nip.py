"""NIP structure: what is accepted and what each refusal says."""

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.identifiers import check_employee_number, check_nip


@given(
    born=st.dates(min_value=date(1940, 1, 1), max_value=date(2005, 12, 31)),
    years_later=st.integers(min_value=18, max_value=40),
    month=st.integers(min_value=1, max_value=12),
    gender=st.sampled_from("12"),
    serial=st.integers(min_value=0, max_value=999),
)
def test_every_well_formed_nip_is_accepted(born: date, years_later: int, month: int, gender: str, serial: int) -> None:
    value = f"{born:%Y%m%d}{born.year + years_later:04d}{month:02d}{gender}{serial:03d}"
    assert check_nip(value) == value


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("19850312201001100", "exactly 18 digits"),
        ("1985031220100110021", "exactly 18 digits"),
        ("19850312201001100A", "exactly 18 digits"),
        ("198502302010011002", "real birth date"),
        ("198503122010131002", "civil-service start"),
        ("198503121984011002", "after the birth date"),
        ("198503122010013002", "gender"),
    ],
)
def test_malformed_nip_is_refused_with_the_part_that_is_wrong(value: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        check_nip(value)


NIP = "198503122010011002"


@pytest.mark.parametrize(
    "zero",
    [0x0660, 0x06F0, 0xFF10, 0x0966],
    ids=["arabic-indic", "extended-arabic-indic", "fullwidth", "devanagari"],
)
def test_a_nip_written_in_other_digits_is_refused(zero: int) -> None:
    """``str.isdigit`` accepts these and ``int`` reads them: the record would be keyed by a number that
    is not the one printed on the decree."""
    digits = "".join(chr(zero + digit) for digit in range(10))
    lookalike = NIP.translate(str.maketrans("0123456789", digits))
    for check in (check_nip, check_employee_number):
        with pytest.raises(ValueError, match="ASCII digits 0-9"):
            check(lookalike)


@given(
    position=st.integers(min_value=0, max_value=17),
    other=st.characters(categories=["Nd"], min_codepoint=0x80),
)
def test_one_non_ascii_digit_anywhere_is_enough_to_refuse_a_nip(position: int, other: str) -> None:
    zero = ord(other) - unicodedata.digit(other)  # every script's digits 0-9 are consecutive code points
    same_value = chr(zero + int(NIP[position]))
    lookalike = NIP[:position] + same_value + NIP[position + 1 :]
    for check in (check_nip, check_employee_number):
        with pytest.raises(ValueError, match="ASCII digits 0-9"):
            check(lookalike)
