"""Valid events and identifiers, so each test states only what matters to it."""

import json
import random
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from contracts.streams import inbox_subject
from domain.civil_servant import CivilServant
from domain.employment import Employment
from domain.provenance import Provenance, provenance_of
from domain.records import Outcome, Records, Submission
from services.ingest.decode import Decoded, decode
from services.senders import load_senders

SOURCE = "bpsdm-sumbar"
BKPSDM = "bkpsdm-sawahlunto"
_random = random.Random()  # unique per run: tests share servers, never ids


def unique_nip(gender: int | None = None, born_before: int = 2000) -> str:
    """A valid NIP no other test in this run uses (random birth date from 1960 and sequence; start at 22)."""
    born = date(1960 + _random.randrange(born_before - 1960), 1 + _random.randrange(12), 1 + _random.randrange(28))
    start_month, serial = 1 + _random.randrange(12), _random.randrange(1000)
    return f"{born:%Y%m%d}{born.year + 22:04d}{start_month:02d}{gender or 1 + _random.randrange(2)}{serial:03d}"


def birth_date_of(nip: str) -> date:
    return date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))


def start_date_of(nip: str) -> date:
    """TMT CPNS encoded in a NIP (the first of the month)."""
    return date(int(nip[8:12]), int(nip[12:14]), 1)


def event_id() -> str:
    return f"test-{uuid.uuid4()}"


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


def subject(event_type: str, source: str = SOURCE) -> str:
    return inbox_subject(source, event_type, 1)


TRAINING_SUBJECT = subject("training-completed")


def envelope(source: str = SOURCE, **overrides: Any) -> dict[str, Any]:
    return {"event_id": event_id(), "occurred_at": "2026-03-14T09:00:00+07:00", "source": source, **overrides}


def _without_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def employee_registered(nip: str | None = None, **overrides: Any) -> dict[str, Any]:
    """The body of an EmployeeRegisteredV1 whose facts agree with the NIP."""
    nip = nip or unique_nip()
    body = envelope(
        BKPSDM,
        employee_nip=nip,
        asn_kind="PNS",
        name="Rina Marlina",
        birth_date=birth_date_of(nip).isoformat(),
        gender="M" if nip[14] == "1" else "F",
        start_date=start_date_of(nip).isoformat(),
        employee_type="15",
        rank="31",
        status="01",
    )
    return _without_none({**body, **overrides})


def placement_changed(nip: str | None = None, **overrides: Any) -> dict[str, Any]:
    """The body of a PlacementChangedV1: BKPSDM places the employee in a unit by decree."""
    body = envelope(
        BKPSDM,
        employee_nip=nip or unique_nip(),
        unit_code="DISDUKCAPIL",
        unit_name="Dinas Kependudukan dan Pencatatan Sipil",
        position="Analis Kependudukan",
        position_kind="fungsional",
        decree_number="821.2/004/BKPSDM/2026",
        decree_date="2026-01-02",
        effective_date="2026-01-02",
    )
    return _without_none({**body, **overrides})


def training_completed(**overrides: Any) -> dict[str, Any]:
    """The JSON body of a valid TrainingCompletedV1; pass fields to change, ``None`` to drop one."""
    body = envelope(
        employee_nip=unique_nip(),
        training_kind="3",
        classroom=True,
        competency_type="teknis",
        title="Pelatihan Literasi Digital untuk Pelayanan Publik",
        provider="BPSDM Provinsi Sumatera Barat",
        start_date="2026-03-10",
        end_date="2026-03-13",
        hours=24,
        stated_jp=24,
    )
    return _without_none({**body, **overrides})


# Domain-level builders ---------------------------------------------------------------------------


def origin(source: str = SOURCE) -> Provenance:
    return provenance_of(source, event_id(), datetime(2026, 3, 14, 2, 0, tzinfo=UTC))


def employment_of(nip: str, **changes: Any) -> Employment:
    """Facts that agree with ``nip`` (a PNS), except those given in ``changes``."""
    fields: dict[str, Any] = {
        "asn_kind": "PNS",
        "name": "Rina Marlina",
        "birth_date": birth_date_of(nip),
        "gender": "M" if nip[14] == "1" else "F",
        "employee_type": "15",
        "rank": "31",
        "status": "01",
        **changes,
    }
    if "start_date" not in fields:
        fields["start_date"] = start_date_of(nip)
    return Employment(**fields)


def registered(nip: str | None = None) -> CivilServant:
    nip = nip or unique_nip()
    return CivilServant.register(nip, employment_of(nip), origin(BKPSDM))


def training(**changes: Any) -> dict[str, Any]:
    """Arguments of ``CivilServant.complete_training`` for a valid activity."""
    fields: dict[str, Any] = {
        "training_kind": "3",
        "classroom": True,
        "competency_type": "teknis",
        "title": "Pelatihan Literasi Digital",
        "provider": "BPSDM Sumbar",
        "host_agency": None,
        "start_date": date(2026, 3, 10),
        "end_date": date(2026, 3, 13),
        "hours": Decimal(24),
        "days": None,
        "scale": "national",
        "stated_jp": Decimal(24),
        "certificate_number": None,
    }
    return {**fields, **changes}


def submission(event_type: str = "training-completed", content: str = "a" * 64, **changes: Any) -> Submission:
    """Where a command came from: INBOX #7, a fresh event id, a fixed content fingerprint."""
    fields: dict[str, Any] = {
        "source": SOURCE,
        "event_id": event_id(),
        "event_type": event_type,
        "inbox_sequence": 7,
        "content_sha256": content,
    }
    return Submission(**{**fields, **changes})


def register_in(records: Records, nip: str | None = None) -> str:
    nip = nip or unique_nip()
    records.register_employee(submission("employee-registered"), nip, employment_of(nip), origin(BKPSDM))
    return nip


def record_training(records: Records, nip: str, given: Submission | None = None, **changes: Any) -> Outcome:
    """Record one valid training for a registered ``nip``."""
    fields = training(**changes)
    return records.change_employee(
        given or submission(), nip, lambda servant, policy: servant.complete_training(policy, origin(), **fields)
    )


def decoded(body: dict[str, object]) -> Decoded:
    """A registration or training body as ingest's decoder reads it off INBOX."""
    event_type = "employee-registered" if "asn_kind" in body else "training-completed"
    result = decode(subject(event_type, str(body["source"])), encode(body), load_senders())
    assert isinstance(result, Decoded), result
    return result
