"""NIP structure: what is accepted and what each refusal says."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.identifiers import check_nip


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
