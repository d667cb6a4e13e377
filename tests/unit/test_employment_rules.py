"""Registration must agree with the number; facts cannot predate employment."""

from datetime import date

import pytest

from domain.civil_servant import CivilServant
from domain.employment import full_years_between
from domain.errors import RuleViolation
from domain.identity import civil_servant_id
from tests.builders import employment_of, origin, registered, start_date_of, unique_nip


def test_a_registration_that_matches_the_nip_opens_the_record() -> None:
    nip = unique_nip()
    servant = CivilServant.register(nip, employment_of(nip), origin())
    assert servant.id == civil_servant_id(nip)
    assert servant.start_date == start_date_of(nip)


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"birth_date": date(1950, 1, 1)}, "number-birth-date-mismatch"),
        ({"start_date": date(1949, 1, 1)}, "number-start-mismatch"),
        ({"rank": None}, "rank-missing"),
    ],
)
def test_a_registration_that_contradicts_the_nip_is_refused(changes: dict[str, object], rule: str) -> None:
    nip = unique_nip()
    with pytest.raises(RuleViolation) as caught:
        CivilServant.register(nip, employment_of(nip, **changes), origin())
    assert caught.value.rule == rule


def test_the_gender_must_be_the_nip_s() -> None:
    nip = unique_nip(gender=1)
    with pytest.raises(RuleViolation, match="gender F differs from the NIP's gender digit 1"):
        CivilServant.register(nip, employment_of(nip, gender="F"), origin())


def test_a_pppk_number_encodes_the_appointment_year() -> None:
    nip = "19900101" + "2022" + "21" + "2" + "005"
    pppk = employment_of(nip, asn_kind="PPPK", gender="F", start_date=date(2022, 4, 1), rank=None)
    assert CivilServant.register(nip, pppk, origin()).asn_kind == "PPPK"
    with pytest.raises(RuleViolation, match="appointment year 2022"):
        CivilServant.register(
            nip, employment_of(nip, asn_kind="PPPK", gender="F", start_date=date(2023, 1, 1)), origin()
        )


def test_a_placement_cannot_predate_employment_or_name_oneself_as_superior() -> None:
    servant = registered()
    placement = {
        "unit_code": "DINKES", "unit_name": "Dinas Kesehatan", "position": "Analis", "position_kind": "pelaksana",
        "superior_nip": None, "decree_number": "SK-1", "decree_date": date(2026, 1, 2),
        "effective_date": date(2026, 1, 2),
    }  # fmt: skip
    servant.change_placement(origin(), **placement)
    assert servant.unit_code == "DINKES"
    with pytest.raises(RuleViolation, match="before the start of employment"):
        servant.change_placement(origin(), **{**placement, "effective_date": date(1970, 1, 1)})
    with pytest.raises(RuleViolation, match="own superior"):
        servant.change_placement(origin(), **{**placement, "superior_nip": servant.nip})


@pytest.mark.parametrize(
    ("start", "on", "years"),
    [
        (date(2010, 3, 1), date(2020, 3, 1), 10),
        (date(2010, 3, 1), date(2020, 2, 28), 9),
        (date(2012, 2, 29), date(2022, 2, 28), 9),
    ],
)
def test_full_years_count_anniversaries(start: date, on: date, years: int) -> None:
    assert full_years_between(start, on) == years
