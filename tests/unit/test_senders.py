"""The sender map: who may publish what, and a map that cannot be used is refused when loaded."""

from pathlib import Path

import pytest

from contracts.inbound import INBOUND_CONTRACTS
from services.senders import ANNOUNCED_EVENT_TYPES, SenderMapError, load_senders, parse_senders
from services.settings import Settings

BUNDLED = load_senders()


def test_the_bundled_map_names_the_city_s_senders() -> None:
    assert BUNDLED.names == (
        "bkpsdm-sawahlunto",
        "bpsdm-sumbar",
        "ekinerja-sawahlunto",
        "lan-ri",
        "lapor",
        "lms-sawahlunto",
        "pengaduan-sawahlunto",
    )
    assert BUNDLED.by_source["lapor"].name == "SP4N-LAPOR!"


@pytest.mark.parametrize(
    ("source", "event_type", "allowed"),
    [
        ("bkpsdm-sawahlunto", "employee-registered", True),
        ("bkpsdm-sawahlunto", "personal-data-erased", True),
        ("bkpsdm-sawahlunto", "performance-evaluated", False),
        ("bkpsdm-sawahlunto", "complaint-closed", True),  # the steward may take any channel's complaint on
        ("bkpsdm-sawahlunto", "complaint-received", False),
        ("ekinerja-sawahlunto", "evaluation-corrected", True),
        ("lan-ri", "training-completed", True),
        ("lan-ri", "employee-registered", False),
        ("pengaduan-sawahlunto", "dialogue-forum-held", True),
        ("unknown-source", "training-completed", False),
    ],
)
def test_allows(source: str, event_type: str, allowed: bool) -> None:
    assert BUNDLED.allows(source, event_type) is allowed


def test_every_event_type_with_a_contract_has_a_sender() -> None:
    sent = {event_type for sender in BUNDLED.by_source.values() for event_type in sender.events}
    assert {event_type for event_type, _ in INBOUND_CONTRACTS} <= sent


def test_a_refusal_lists_what_the_source_may_send() -> None:
    assert BUNDLED.refusal("lan-ri", "training-completed") is None
    assert BUNDLED.refusal("ekinerja-sawahlunto", "training-completed") == (
        "source 'ekinerja-sawahlunto' may not publish training-completed; "
        "allowed: evaluation-corrected, performance-evaluated, performance-plan-set"
    )
    assert BUNDLED.refusal("x", "training-completed") == "unknown source 'x': not in the sender map"


def test_only_the_city_s_bkpsdm_is_a_steward_of_the_complaint_channels() -> None:
    assert BUNDLED.stewards == frozenset({"bkpsdm-sawahlunto"})
    assert BUNDLED.by_source["bkpsdm-sawahlunto"].steward
    assert not BUNDLED.by_source["lapor"].steward


def test_a_sender_is_a_steward_only_when_its_entry_says_so() -> None:
    senders = parse_senders(
        '[senders.ppid]\nname = "PPID"\nevents = ["personal-data-erased"]\nsteward = true\n'
        '[senders.lapor]\nname = "LAPOR"\nevents = ["complaint-closed"]\nsteward = false\n'
        '[senders.mpp]\nname = "MPP"\nevents = ["complaint-closed"]\n'
    )
    assert senders.stewards == frozenset({"ppid"})


def test_announced_complaint_types_may_be_listed_before_their_contracts() -> None:
    senders = parse_senders('[senders.lapor]\nname = "LAPOR"\nevents = ["complaint-closed"]\n')
    assert "complaint-closed" in ANNOUNCED_EVENT_TYPES
    assert senders.allows("lapor", "complaint-closed")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("senders = [", "not valid TOML"),
        ('[senders.LAN]\nname = "x"\nevents = ["training-completed"]', "senders.LAN: a source must be lowercase"),
        ('[senders.lan--ri]\nname = "x"\nevents = ["training-completed"]', "senders.lan--ri: a source must be"),
        ('[senders.lan-ri]\nname = "x"\nevents = ["training-started"]', "unknown event type(s) training-started"),
        ('[senders.lan-ri]\nname = "x"\nevents = []', "`events` must be a non-empty list"),
        ('[senders.lan-ri]\nname = ""\nevents = ["training-completed"]', "`name` must be a non-empty string"),
        (
            '[senders.lan-ri]\nevents = ["training-completed"]',
            "needs `name` and `events` and may have `steward`, found ['events']",
        ),
        (
            '[senders.lan-ri]\nname = "x"\nevents = ["training-completed"]\nevent = ["x"]',
            "needs `name` and `events` and may have `steward`, found ['event', 'events', 'name']",
        ),
        (
            '[senders.lan-ri]\nname = "x"\nevents = ["training-completed"]\nstewards = true',
            "needs `name` and `events` and may have `steward`, found ['events', 'name', 'stewards']",
        ),
        (
            '[senders.lan-ri]\nname = "x"\nevents = ["training-completed"]\nsteward = "yes"',
            "`steward` must be true or false",
        ),
        (
            '[senders.lan-ri]\nname = "x"\nevents = ["training-completed", "training-completed"]',
            "lists an event type twice",
        ),
        ('[sender.lan-ri]\nname = "x"\nevents = ["training-completed"]', "expected only [senders.<source>] tables"),
        ("[senders]", "no senders"),
    ],
)
def test_a_map_that_cannot_be_used_is_refused_naming_the_entry(text: str, message: str) -> None:
    with pytest.raises(SenderMapError, match=r"^test\.toml: ") as refused:
        parse_senders(text, "test.toml")
    assert message in str(refused.value)


def test_jejak_senders_file_replaces_the_bundled_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "senders.toml"
    own.write_text('[senders.bkd-padang]\nname = "BKD Kota Padang"\nevents = ["employee-registered"]\n')
    monkeypatch.setenv("JEJAK_SENDERS_FILE", str(own))
    senders = load_senders(Settings().senders_file)
    assert senders.names == ("bkd-padang",)
    assert not senders.allows("bkpsdm-sawahlunto", "employee-registered")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SenderMapError, match=r"nowhere\.toml: cannot be read"):
        load_senders(tmp_path / "nowhere.toml")
