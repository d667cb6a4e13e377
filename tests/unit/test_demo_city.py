"""The demo city: deterministic, sized as asked, and every event accepted by the contracts and the rules."""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from contracts.inbound import INBOUND_CONTRACTS, contract_for
from domain.errors import RuleViolation
from domain.policy import Policy, bundled_policy
from domain.records import Recorded, Records, Submission
from services.cli import app
from services.demo.city import City, Publication, generate_city
from services.demo.publisher import dependency_keys
from services.ingest.commands import execute
from services.personal_data import InMemoryKeyVault
from services.senders import load_senders


@pytest.fixture(scope="module")
def city() -> City:
    """Small enough for a unit test; seed 33 gives it every event type, even a (rare) annulled penalty.

    Its today is fixed, so the city does not change with the date the tests run on.
    """
    return generate_city(seed=33, employees=60, years=3, last_year=2026, today=date(2026, 11, 30))


@pytest.fixture
def records() -> Iterator[Records]:
    app = Records(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


def test_the_same_seed_gives_the_same_city_and_another_seed_another() -> None:
    first, again = generate_city(seed=11, employees=30, years=2), generate_city(seed=11, employees=30, years=2)
    other = generate_city(seed=12, employees=30, years=2)

    assert first.events == again.events
    assert first.employees == again.employees
    assert [e.body for e in other.events] != [e.body for e in first.events]
    assert {e.nip for e in other.employees} != {e.nip for e in first.employees}


def test_the_city_grows_with_its_employees_and_its_years() -> None:
    small, more_people = generate_city(employees=40, years=2), generate_city(employees=120, years=2)
    longer = generate_city(employees=40, years=4)

    assert small.counts()["employee-registered"] == len(small.employees) == 40
    assert more_people.counts()["employee-registered"] == 120
    assert len(more_people.events) > 2.5 * len(small.events)
    assert len(longer.events) > 1.7 * len(small.events)
    assert (longer.first_year, longer.last_year) == (2023, 2026)


def test_every_body_satisfies_its_contract_and_every_sender_may_send_it(city: City) -> None:
    senders = load_senders(None)
    for publication in city.events:
        contract = contract_for(publication.event_type, 1)
        assert contract is not None
        assert contract.model_validate(publication.body).source == publication.source
        assert senders.allows(publication.source, publication.event_type), publication


def test_every_event_type_occurs(city: City) -> None:
    missing = {event_type for event_type, _ in INBOUND_CONTRACTS} - set(city.counts())
    assert not missing, f"{missing}: after a change to the generator, pick a seed whose small city has them all"


def test_ids_are_unique_and_events_happen_in_order_during_office_hours(city: City) -> None:
    ids = [publication.event_id for publication in city.events]
    moments = [datetime.fromisoformat(publication.body["occurred_at"]) for publication in city.events]

    assert ids == [f"demo-33-{n:08d}" for n in range(1, len(ids) + 1)]
    assert moments == sorted(moments)
    assert {moment.utcoffset() for moment in moments} == {timedelta(hours=7)}
    assert all(time(8) <= moment.time() < time(18) and moment.weekday() < 5 for moment in moments)
    assert max(moments).date().isoformat() <= "2026-12-31"


def test_the_whole_city_passes_the_rules_when_replayed_in_order(city: City, records: Records) -> None:
    vault, refused = InMemoryKeyVault(), []
    for sequence, publication in enumerate(city.events, start=1):
        contract = contract_for(publication.event_type, 1)
        assert contract is not None
        event = contract.model_validate(publication.body)
        content = hashlib.sha256(event.model_dump_json().encode()).hexdigest()
        submission = Submission(event.source, event.event_id, event.event_type, sequence, content)
        try:
            outcome = execute(records, vault, event, submission)
        except RuleViolation as violation:
            refused.append((publication.event_type, violation.rule, violation.message))
            continue
        assert isinstance(outcome, Recorded)

    assert refused == []


def test_a_city_of_sawahlunto_size_looks_like_one() -> None:
    """About 15 % PPPK, two thirds reach 20 JP in a year, mostly Baik, most complaints closed."""
    city = generate_city(seed=3, employees=600, years=2, last_year=2025)
    policy = bundled_policy()
    registered = {e.body["employee_nip"]: e.body for e in city.events if e.event_type == "employee-registered"}
    serving = [nip for nip, body in registered.items() if body["start_date"] < "2025-01-01"]
    jp: defaultdict[str, Decimal] = defaultdict(Decimal)
    for event in city.events:
        if event.event_type == "training-completed" and event.body["end_date"].startswith("2025"):
            jp[event.body["employee_nip"]] += recognised_jp(policy, event.body)
    annual = Counter(
        e.body["predikat"]
        for e in city.events
        if e.event_type == "performance-evaluated" and e.body["period"] == "annual"
    )
    counts = city.counts()

    assert 0.10 <= sum(e.asn_kind == "PPPK" for e in city.employees) / len(city.employees) <= 0.20
    assert 0.55 <= sum(jp[nip] >= 20 for nip in serving) / len(serving) <= 0.80
    assert annual[2] / sum(annual.values()) > 0.75
    assert annual[1] > 0
    assert annual[3] + annual[4] + annual[5] > 0
    assert counts["complaint-closed"] / counts["complaint-received"] > 0.75


def recognised_jp(policy: Policy, body: dict[str, Any]) -> Decimal:
    def amount(name: str) -> Decimal | None:
        return None if name not in body else Decimal(str(body[name]))

    return policy.recognised_jp(
        body["training_kind"],
        hours=amount("hours"),
        days=amount("days"),
        scale=body.get("scale", "national"),
        stated=amount("stated_jp"),
    )


def test_an_event_depends_on_everything_it_names() -> None:
    received = Publication(
        "pengaduan-sawahlunto",
        "complaint-received",
        {"complaint_id": "SWL-FDW-2026-00001", "forum_id": "FDW-KEC-TALAWI-2026-1", "named_employee_nip": "1985",
         "complainant": {"reference": "SWL-W000001"}},
    )  # fmt: skip
    erased = Publication(
        "pengaduan-sawahlunto",
        "personal-data-erased",
        {"subject_source": "pengaduan-sawahlunto", "subject_reference": "SWL-W000001"},
    )

    assert dependency_keys(received) == [
        "employee:1985",
        "complaint_id:SWL-FDW-2026-00001",
        "forum_id:FDW-KEC-TALAWI-2026-1",
        "person:pengaduan-sawahlunto/SWL-W000001",
    ]
    assert dependency_keys(erased) == ["person:pengaduan-sawahlunto/SWL-W000001"]


def test_jejak_demo_stats_counts_the_events_without_publishing() -> None:
    result = CliRunner().invoke(app, ["demo", "stats", "--employees", "20", "--years", "1", "--seed", "5"])

    assert result.exit_code == 0, result.output
    assert "employee-registered" in result.output
    assert f"{len(generate_city(seed=5, employees=20, years=1).events):,}" in result.output


def test_nothing_in_the_city_happens_after_its_today() -> None:
    """Ingest refuses facts from the future, so the demo stops at its own today."""
    today = date(2026, 6, 30)
    city = generate_city(seed=9, employees=40, years=2, last_year=2026, today=today)
    latest = max(
        value[:10]
        for event in city.events
        for value in _strings(event.body)
        if len(value) >= 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit()
    )
    assert "2026-06" <= latest <= today.isoformat()


def test_a_city_wholly_after_its_today_is_refused() -> None:
    with pytest.raises(ValueError, match="after its today"):
        generate_city(employees=5, years=1, last_year=2031, today=date(2026, 12, 2))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []
