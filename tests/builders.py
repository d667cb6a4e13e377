"""Valid events and identifiers, so each test states only what matters to it."""

import json
import random
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from contracts.streams import inbox_subject
from domain.civil_servant import TrainingCompletion
from domain.records import Submission

SOURCE = "bpsdm-sumbar"
_random = random.Random()  # unique per run: tests share servers, never ids


def unique_nip() -> str:
    """A valid NIP no other test in this run uses (random birth date and sequence)."""
    born = date(1960 + _random.randrange(40), 1 + _random.randrange(12), 1 + _random.randrange(28))
    start_month, gender, serial = 1 + _random.randrange(12), 1 + _random.randrange(2), _random.randrange(1000)
    return f"{born:%Y%m%d}{born.year + 22:04d}{start_month:02d}{gender}{serial:03d}"


def event_id() -> str:
    return f"test-{uuid.uuid4()}"


def training_completed(**overrides: Any) -> dict[str, Any]:
    """The JSON body of a valid TrainingCompletedV1; pass fields to change, ``None`` to drop one."""
    body: dict[str, Any] = {
        "event_id": event_id(),
        "occurred_at": "2026-03-14T09:00:00+07:00",
        "source": SOURCE,
        "employee_nip": unique_nip(),
        "training_kind": "3",
        "title": "Pelatihan Literasi Digital untuk Pelayanan Publik",
        "provider": "BPSDM Provinsi Sumatera Barat",
        "start_date": "2026-03-10",
        "end_date": "2026-03-13",
        "hours": 24,
        "recognised_jp": 24,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


TRAINING_SUBJECT = inbox_subject(SOURCE, "training-completed", 1)


def completion(nip: str, **changes: object) -> TrainingCompletion:
    """A valid domain command; ``changes`` replace fields."""
    base = TrainingCompletion(
        nip=nip,
        source="bpsdm-sumbar",
        event_id=event_id(),
        occurred_at=datetime(2026, 3, 14, 2, 0, tzinfo=UTC),
        training_kind="3",
        title="Pelatihan Literasi Digital",
        provider="BPSDM Sumbar",
        start_date=date(2026, 3, 10),
        end_date=date(2026, 3, 13),
        hours=Decimal(24),
        recognised_jp=Decimal(24),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def submission_for(c: TrainingCompletion, content: str = "a" * 64) -> Submission:
    """Where ``c`` came from: INBOX #7, with a fixed content fingerprint unless given."""
    return Submission(c.source, c.event_id, "training-completed", 7, content)
