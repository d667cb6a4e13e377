"""Codes and ids are what they look like: printable ASCII only. Text may be in any script, but no
field hides characters (bidi controls, zero-width and other invisible formatting)."""

from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from contracts.inbound import INBOUND_CONTRACTS, ComplaintReceivedV1, ComplaintVerifiedV1, PlacementChangedV1
from services.demo.city import generate_city
from tests.builders import encode, envelope, placement_changed

FREE_TEXT = {
    "name", "contact", "summary", "note", "action", "resolution", "reason", "requested_by", "allegation",
    "title", "provider", "host_agency", "unit_name", "position", "issues", "commitments",
}  # fmt: skip
"""Every field where a person writes words; every other string is a code, an id, a date or a choice."""

LOOK_ALIKES = {
    "D\u0406SDUKCAPIL": "U+0406 CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I",
    "SK-8\u041e0": "U+041E CYRILLIC CAPITAL LETTER O",
    "\u0391B-12": "U+0391 GREEK CAPITAL LETTER ALPHA",
    "\uff33\uff2b-1": "U+FF33 FULLWIDTH LATIN CAPITAL LETTER S",
    "LAPOR-\u0661": "U+0661 ARABIC-INDIC DIGIT ONE",
}
HIDDEN = {
    "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u200d": "ZERO WIDTH JOINER",
    "\u2060": "WORD JOINER",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
}
PRINTABLE_ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)


def verification(**fields: Any) -> ComplaintVerifiedV1:
    body = envelope("lapor", complaint_id="LAPOR-2026-000001", outcome="verified", verified_on="2026-04-07")
    return ComplaintVerifiedV1.model_validate_json(encode({**body, **fields}))


def reception(**fields: Any) -> ComplaintReceivedV1:
    body = envelope(
        "lapor", complaint_id="LAPOR-2026-000002", channel="lapor", classification="complaint", category="light",
        complainant={"reference": "akun-8812", "name": "Siti Aminah"}, target_unit_code="DISHUB",
        summary="Lampu jalan mati", received_on="2026-04-06",
    )  # fmt: skip
    return ComplaintReceivedV1.model_validate_json(encode({**body, **fields}))


@given(st.text(PRINTABLE_ASCII, min_size=1, max_size=128).filter(lambda s: s.strip() == s))
def test_every_printable_ascii_id_is_accepted(value: str) -> None:
    assert verification(complaint_id=value).complaint_id == value


@pytest.mark.parametrize(("value", "found"), LOOK_ALIKES.items())
def test_a_look_alike_letter_in_an_id_is_refused_saying_what_is_allowed(value: str, found: str) -> None:
    with pytest.raises(ValidationError) as refused:
        PlacementChangedV1.model_validate_json(encode(placement_changed(unit_code=value)))
    [error] = refused.value.errors()
    assert error["loc"] == ("unit_code",)
    assert "printable ASCII" in error["msg"]
    assert "letters A-Z a-z, digits 0-9" in error["msg"]
    assert found in error["msg"]


@given(
    before=st.text(PRINTABLE_ASCII, min_size=1, max_size=20).filter(lambda s: s.strip() == s),
    other=st.characters(min_codepoint=0x80, exclude_categories=["Cs"]),
    after=st.text(PRINTABLE_ASCII, min_size=1, max_size=20).filter(lambda s: s.strip() == s),
)
def test_any_character_beyond_ascii_is_refused_in_an_id(before: str, other: str, after: str) -> None:
    with pytest.raises(ValidationError, match="complaint_id"):
        verification(complaint_id=before + other + after)


def test_tabs_and_line_breaks_are_not_part_of_an_id() -> None:
    for value in ("SK\t1", "SK\n1"):
        with pytest.raises(ValidationError, match="printable ASCII"):
            verification(complaint_id=value)


@pytest.mark.parametrize(("char", "name"), HIDDEN.items())
def test_a_hidden_character_in_text_is_refused_naming_what_and_where(char: str, name: str) -> None:
    with pytest.raises(ValidationError) as refused:
        reception(complainant={"reference": "akun-8812", "name": f"Siti{char} Aminah"})
    assert f"complainant.name holds U+{ord(char):04X} {name} at character 5" in str(refused.value)


@pytest.mark.parametrize(("char", "name"), HIDDEN.items())
def test_a_hidden_character_is_refused_in_an_id_and_in_a_list_too(char: str, name: str) -> None:
    with pytest.raises(ValidationError, match=f"complaint_id holds U\\+{ord(char):04X} {name}"):
        verification(complaint_id=f"LAPOR{char}-1")
    forum = envelope(
        "lapor", forum_id="F-1", unit_code="DINKES", held_on="2026-03-30", participants=40,
        issues=["antrean puskesmas", f"jalan {char}rusak"],
    )  # fmt: skip
    with pytest.raises(ValidationError, match=f"issues.1 holds U\\+{ord(char):04X}"):
        INBOUND_CONTRACTS["dialogue-forum-held", 1].model_validate_json(encode(forum))


@given(
    st.text(st.characters(categories=["L", "M", "N", "P", "Zs"]), min_size=1, max_size=300).filter(
        lambda s: s.strip() != ""
    )
)
def test_names_and_text_may_be_written_in_any_script(name: str) -> None:
    complainant = reception(complainant={"reference": "akun-8812", "name": name}).complainant
    assert complainant is not None
    assert complainant.name == name.strip()


def test_a_bidi_override_in_a_summary_is_refused_although_the_text_reads_fine() -> None:
    """Shown on a dashboard, "\u202egnp.exe" reads "exe.png": the stored text is not what officers see."""
    with pytest.raises(ValidationError, match="summary holds U\\+202E RIGHT-TO-LEFT OVERRIDE"):
        reception(summary="lampiran \u202egnp.exe")


# Every field of every contract ----------------------------------------------------------------------

EXTRAS: dict[str, dict[str, Any]] = {
    "training-completed": {"certificate_number": "SERT-2026-1"},
    "complaint-received": {
        "complainant": {"reference": "akun-8812", "name": "Siti", "contact": "0812-555"},
        "named_employee_nip": "198503122010011002",
    },
    "complaint-verified": {"note": "lengkap"},
    "penalty-imposed": {"ends_on": "2027-01-01"},
    "reward-granted": {"basis_evaluation_ids": ["SKP-2024-annual-1"]},
}
"""Optional fields the demo city leaves out, so that every field is tried."""


@cache
def one_body_per_event_type() -> dict[str, dict[str, Any]]:
    """A valid body of every contract, from the demo city, with the envelope's optional fields set too."""
    bodies: dict[str, dict[str, Any]] = {}
    city = generate_city(seed=1, employees=60, years=3, last_year=2025)  # its years are past: it is complete
    for publication in city.events:
        bodies.setdefault(publication.event_type, publication.body)
    return {
        event_type: {
            **body,
            "correlation_id": "proses-2026-7",
            "causation_id": "demo-46-1",
            "evidence": [{"uri": "https://dms.sawahluntokota.go.id/sk/1.pdf", "sha256": "0" * 64}],
            **EXTRAS.get(event_type, {}),
        }
        for event_type, body in bodies.items()
    }


def strings_in(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings_in(item, (*path, index))


def replaced(body: Any, path: tuple[str | int, ...], value: str) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(body, dict):
        return {**body, str(head): replaced(body[head], rest, value)}
    items = list(body)
    items[int(head)] = replaced(items[int(head)], rest, value)
    return items


def with_look_alike(value: str) -> str:
    """``value`` with a Cyrillic letter after its first character: it looks the same on most screens."""
    return value[:1] + "\u0430" + value[1:]


def test_the_demo_city_gives_a_body_of_every_contract() -> None:
    assert {(event_type, 1) for event_type in one_body_per_event_type()} == set(INBOUND_CONTRACTS)


@pytest.mark.parametrize(("event_type", "version"), sorted(INBOUND_CONTRACTS))
def test_only_free_text_accepts_a_letter_beyond_ascii(event_type: str, version: int) -> None:
    contract = INBOUND_CONTRACTS[event_type, version]
    body = one_body_per_event_type()[event_type]
    contract.model_validate_json(encode(body))
    for path, value in strings_in(body):
        changed = replaced(body, path, with_look_alike(value))
        is_text = any(part in FREE_TEXT for part in path if isinstance(part, str))
        if is_text:
            contract.model_validate_json(encode(changed))
            continue
        with pytest.raises(ValidationError) as refused:
            contract.model_validate_json(encode(changed))
        where = ".".join(str(part) for part in path)
        assert any(".".join(map(str, e["loc"])).startswith(where) for e in refused.value.errors()), where


def test_a_refusal_says_where_in_the_id_the_character_is() -> None:
    with pytest.raises(ValidationError, match="U\\+0430 CYRILLIC SMALL LETTER A at character 2"):
        verification(complaint_id=with_look_alike("LAPOR-1"))
