"""Done-when of the catalogue: every event type, published by its allowed sender with plain
nats-py (logged in as that sender), is stored; none is refused."""

from typing import Any

import psycopg
import pytest
from nats.js import JetStreamContext

from contracts.inbound import INBOUND_CONTRACTS
from domain.identity import receipt_id
from services.senders import load_senders
from tests.builders import envelope, event_id, start_date_of, subject, training_completed, unique_nip
from tests.conftest import Stack
from tests.e2e.publishing import publish_to, registered_nip
from tests.streams import inbox_settled, rejections_of
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

BKPSDM, EKINERJA, PROVIDER, CHANNEL = "bkpsdm-sawahlunto", "ekinerja-sawahlunto", "bpsdm-sumbar", "pengaduan-sawahlunto"


def story(nip: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(sender, event type, fields): one employee's and one complaint's life, in a valid order."""
    tenth = start_date_of(nip).replace(year=start_date_of(nip).year + 10).isoformat()
    appraiser, tracking, case = unique_nip(), f"P-{event_id()}", f"CASE-{event_id()}"
    return [
        (BKPSDM, "placement-changed", {"employee_nip": nip, "unit_code": "DINKES", "unit_name": "Dinas Kesehatan",
            "position": "Analis Kebijakan", "position_kind": "fungsional", "superior_nip": appraiser,
            "decree_number": "800/12/BKPSDM", "decree_date": "2026-01-02", "effective_date": "2026-01-02"}),
        (EKINERJA, "performance-plan-set", {"employee_nip": nip, "year": 2025, "period_kind": "quarterly",
            "appraiser_nip": appraiser}),
        (EKINERJA, "performance-evaluated", {"employee_nip": nip, "evaluation_id": f"{nip}-2025", "year": 2025,
            "period": "annual", "work_result": 2, "behaviour": 3, "predikat": 4, "appraiser_nip": appraiser}),
        (EKINERJA, "evaluation-corrected", {"employee_nip": nip, "evaluation_id": f"{nip}-2025b",
            "supersedes": f"{nip}-2025", "work_result": 1, "behaviour": 2, "predikat": 2, "appraiser_nip": appraiser,
            "reason": "keberatan dikabulkan"}),
        (BKPSDM, "organisation-performance-rated", {"unit_code": f"U-{event_id()}", "unit_name": "Dinas Kesehatan",
            "year": 2025, "predikat": "baik"}),
        (PROVIDER, "training-completed", {k: v for k, v in training_completed(employee_nip=nip).items()
            if k not in {"event_id", "occurred_at", "source"}}),
        (BKPSDM, "competency-assessed", {"employee_nip": nip, "assessment_id": f"A-{nip}", "competency_code": "1",
            "target_level": 3, "achieved_level": 3, "method": "assessment-centre", "assessed_on": "2026-02-10"}),
        (BKPSDM, "reward-proposed", {"employee_nip": nip, "proposal_id": f"RP-{nip}", "reward_code": "306",
            "basis_evaluation_ids": [f"{nip}-2025b"], "proposed_on": "2026-02-01"}),
        (BKPSDM, "reward-granted", {"employee_nip": nip, "reward_code": "306", "basis_evaluation_ids": [f"{nip}-2025b"],
            "proposal_id": f"RP-{nip}", "decree_number": "SK-306", "decree_date": "2026-03-01"}),
        (BKPSDM, "reward-granted", {"employee_nip": nip, "reward_code": "201", "decree_number": "SK-201",
            "decree_date": max(tenth, "2026-03-02")}),
        (BKPSDM, "disciplinary-case-opened", {"employee_nip": nip, "case_id": case, "opened_on": "2026-04-01",
            "allegation": "tidak masuk kerja tanpa keterangan"}),
        (BKPSDM, "penalty-imposed", {"employee_nip": nip, "case_id": case, "penalty_code": "2",
            "decree_number": "SK-HD-1", "decree_date": "2026-04-20", "starts_on": "2026-04-20"}),
        (BKPSDM, "penalty-annulled", {"employee_nip": nip, "case_id": case, "annulled_on": "2026-05-20",
            "reason": "banding administratif dikabulkan", "decree_number": "SK-HD-2"}),
        (CHANNEL, "dialogue-forum-held", {"forum_id": f"F-{tracking}", "unit_code": "DINKES", "held_on": "2026-03-30",
            "participants": 40, "issues": ["antrean puskesmas"], "commitments": ["pendaftaran daring"]}),
        (CHANNEL, "complaint-received", {"complaint_id": tracking, "channel": "dialogue-forum",
            "forum_id": f"F-{tracking}", "classification": "aspiration", "category": "light",
            "complainant": {"reference": f"warga-{tracking}"}, "target_unit_code": "DINKES",
            "named_employee_nip": nip, "summary": "Antrean panjang", "received_on": "2026-03-30"}),
        (CHANNEL, "complaint-verified", {"complaint_id": tracking, "outcome": "verified", "verified_on": "2026-03-31"}),
        (CHANNEL, "complaint-disposed", {"complaint_id": tracking, "unit_code": "DINKES", "disposed_on": "2026-04-01"}),
        (CHANNEL, "complaint-followed-up", {"complaint_id": tracking, "unit_code": "DINKES",
            "action": "jam layanan diperpanjang", "followed_up_on": "2026-04-06"}),
        (CHANNEL, "complaint-closed", {"complaint_id": tracking, "resolution": "selesai", "closed_on": "2026-04-08",
            "satisfaction": 5}),
        (CHANNEL, "personal-data-erased", {"subject_source": CHANNEL, "subject_reference": f"warga-{tracking}",
            "reason": "permintaan warga", "requested_by": "PPID Kota Sawahlunto"}),
    ]  # fmt: skip


async def test_every_event_type_is_accepted_from_its_sender(
    stack: Stack, services: object, js: JetStreamContext, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    nip = await registered_nip(stack, unique_nip(born_before=1990))  # ten years of service by now: Karya Satya 10
    senders = load_senders(stack.settings.senders_file)
    sent: list[dict[str, Any]] = []
    for source, event_type, fields in story(nip):
        assert senders.allows(source, event_type), f"{source} may not send {event_type}"
        body = envelope(source, **fields)
        await publish_to(stack, body, subject(event_type, source))
        sent.append(body)
    assert {"employee-registered"} | {event_type for _, event_type, _ in story(nip)} == {
        event_type for event_type, _ in INBOUND_CONTRACTS
    }

    await eventually(lambda: inbox_settled(js), what="every submission processed")
    refused = {body["event_id"]: await rejections_of(js, body["event_id"]) for body in sent}
    assert {k: [r.reason for r in v] for k, v in refused.items() if v} == {}
    ids = [receipt_id(body["source"], body["event_id"]) for body in sent]
    stored = db.execute("SELECT count(DISTINCT originator_id) FROM jejak_events WHERE originator_id = ANY(%s)", (ids,))
    assert stored.fetchone() == (len(sent),)
