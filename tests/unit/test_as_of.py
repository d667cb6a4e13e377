"""The record as it stood: the two time axes, corrections recorded later, late reports, the diff, and the
complaints naming the employee (read from their own records, cut on the same two axes)."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from eventsourcing.persistence import Notification

from contracts.outbound import StoredEventEnvelope
from domain.complaint import Complaint
from domain.policy import bundled_policy
from services.audit.as_of import WIB, AsOfDossierOut, Axis, View, diff, moment, rebuild, views_between
from services.audit.history import History, decoder
from services.relay.translate import envelope_of
from tests.builders import origin, registered, training, unique_nip

POLICY = bundled_policy()
APPRAISER = unique_nip()


def wib(day: str, clock: str = "09:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}:00+07:00")


def story() -> list[StoredEventEnvelope]:
    """One employee, each fact with (when it happened, when Jejak stored it):

    - registered in 2025; the 2025 annual evaluation (Kurang) recorded 10 January 2026;
    - a 2025 training reported late: done 20 November 2025, recorded 1 February 2026;
    - the objection upheld on 15 February, the correction (Baik) recorded 1 March 2026;
    - a penalty imposed in April 2026, annulled on 20 May, the annulment recorded 1 June 2026.
    """
    servant = registered()
    rate = {"appraiser_nip": APPRAISER, "year": 2025}
    servant.evaluate_performance(
        POLICY, origin(), evaluation_id="E-2025", period="annual", work_result=2, behaviour=3, predikat=4, **rate
    )
    servant.complete_training(POLICY, origin(), **training(start_date=date(2025, 11, 17), end_date=date(2025, 11, 20)))
    fields = {"work_result": 1, "behaviour": 2, "predikat": 2, "appraiser_nip": APPRAISER, "reason": "keberatan"}
    servant.correct_evaluation(POLICY, origin(), evaluation_id="E-2025b", supersedes="E-2025", **fields)
    servant.open_disciplinary_case(
        origin(), case_id="C-1", opened_on=date(2026, 4, 1), allegation="absen", complaint_id=None
    )
    servant.impose_penalty(
        origin(), case_id="C-1", penalty_code="2", level="light", decree_number="SK-1", decree_date=date(2026, 4, 20),
        starts_on=date(2026, 4, 20), ends_on=None,
    )  # fmt: skip
    servant.annul_penalty(
        origin(), case_id="C-1", annulled_on=date(2026, 5, 20), reason="banding", decree_number="SK-2"
    )
    times = [
        (wib("2025-01-02"), wib("2025-01-02")),
        (wib("2026-01-10"), wib("2026-01-10")),
        (wib("2025-11-20"), wib("2026-02-01")),
        (wib("2026-02-15"), wib("2026-03-01")),
        (wib("2026-04-01"), wib("2026-04-01")),
        (wib("2026-04-20"), wib("2026-04-21")),
        (wib("2026-05-20"), wib("2026-06-01")),
    ]
    return [
        stored(position, event, *at)
        for position, (event, at) in enumerate(zip(servant.collect_events(), times, strict=True), 1)
    ]


def stored(position: int, event: object, occurred: datetime, recorded: datetime) -> StoredEventEnvelope:
    """Through the store's own mapper and the relay's translation, then dated as the story says."""
    records = decoder()
    row = records.mapper.to_stored_event(event)  # type: ignore[arg-type]
    fact = envelope_of(records, Notification(row.originator_id, row.originator_version, row.topic, row.state, position))
    assert fact.provenance is not None
    provenance = fact.provenance.model_copy(update={"occurred_at": occurred})
    return fact.model_copy(update={"recorded_at": recorded, "provenance": provenance})


def view(as_of: str | None, as_known_on: str | None = None) -> AsOfDossierOut:
    found = rebuild(
        story(), View(moment(as_of) if as_of else None, moment(as_known_on) if as_known_on else None), POLICY, 99
    )
    assert found is not None
    return found


def in_force(found: AsOfDossierOut) -> list[tuple[str, int]]:
    return [(e.details["evaluation_id"], e.details["predikat"]) for e in found.evaluations_in_force]


def test_a_date_means_the_end_of_that_day_in_sawahlunto() -> None:
    assert moment("2026-03-01") == datetime(2026, 3, 1, 23, 59, 59, 999999, WIB)
    assert moment("2026-03-01") == datetime(2026, 3, 1, 16, 59, 59, 999999, UTC)
    assert moment("2026-03-01T10:00:00Z") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    for wrong, why in (("2026-02-30", "neither a date"), ("2026-03-01T10:00", "no UTC offset"), ("kemarin", "neither")):
        with pytest.raises(ValueError, match=why):
            moment(wrong)


def test_the_as_of_day_includes_its_last_minute_in_wib_and_not_the_next_day() -> None:
    facts = story()
    late_evening = facts[1].model_copy(update={"provenance": facts[1].provenance.model_copy(  # type: ignore[union-attr]
        update={"occurred_at": wib("2026-01-10", "23:59")})})  # fmt: skip
    next_morning = facts[1].model_copy(update={"provenance": facts[1].provenance.model_copy(  # type: ignore[union-attr]
        update={"occurred_at": wib("2026-01-11", "00:00")})})  # fmt: skip
    that_day = View(moment("2026-01-10"))
    assert that_day.shows(late_evening)
    assert not that_day.shows(next_morning)  # 2026-01-10T17:00Z: still the 10th in UTC, the 11th in Sawahlunto


def test_a_correction_recorded_after_as_known_on_is_not_applied_but_named() -> None:
    found = view("2026-12-31", as_known_on="2026-02-20")

    assert in_force(found) == [("E-2025", 4)]  # Kurang stood: the store did not know the correction yet
    [original] = [e for e in found.timeline if e.kind == "performance-evaluated"]
    assert original.corrected_by is not None
    assert (original.corrected_by.applied, original.corrected_by.reason) == (False, "keberatan")
    assert original.corrected_by.recorded_at == wib("2026-03-01")
    assert "evaluation-corrected" not in [e.kind for e in found.timeline]
    assert found.recorded_later == 4  # the correction and the three discipline facts


def test_a_correction_recorded_before_as_known_on_is_applied() -> None:
    found = view("2026-12-31", as_known_on="2026-03-01")

    assert in_force(found) == [("E-2025b", 2)]  # Baik, after the upheld objection
    [original] = [e for e in found.timeline if e.kind == "performance-evaluated"]
    assert original.corrected_by is not None
    assert original.corrected_by.applied


def test_as_of_before_the_correction_happened_the_original_stands_even_when_known_now() -> None:
    found = view("2026-02-14")

    assert in_force(found) == [("E-2025", 4)]
    [original] = found.evaluations_in_force
    assert original.corrected_by is not None
    assert not original.corrected_by.applied  # corrected later: shown, not applied
    assert found.happened_later == 4  # the correction and the three discipline facts
    assert found.recorded_later == 0


def test_a_training_reported_late_counts_only_once_the_store_knew_it() -> None:
    then = view("2025-12-31", as_known_on="2025-12-31")
    now = view("2025-12-31")

    assert then.jp_per_year == []
    assert then.recorded_later == 1
    [year] = now.jp_per_year
    assert (year.year, year.recognised_jp, year.target_jp, year.meets_target) == (2025, Decimal(24), Decimal(20), True)
    [late] = [e for e in now.timeline if e.kind == "training-completed"]
    assert (late.occurred_at, late.recorded_at) == (wib("2025-11-20"), wib("2026-02-01"))


def test_a_penalty_is_annulled_only_in_views_that_hold_the_annulment() -> None:
    before = view("2026-05-31", as_known_on="2026-05-31")
    after = view("2026-06-01")

    [imposed] = before.penalties
    assert imposed.corrected_by is not None
    assert not imposed.corrected_by.applied
    [annulled] = after.penalties
    assert annulled.corrected_by is not None
    assert annulled.corrected_by.applied


def test_before_registration_there_is_no_record() -> None:
    assert rebuild(story(), View(moment("2024-12-31")), POLICY, 99) is None


def test_the_view_states_its_cut_offs_and_position() -> None:
    found = view("2026-01-10", as_known_on="2026-01-10")

    assert (found.as_of, found.as_known_on, found.position) == (moment("2026-01-10"), moment("2026-01-10"), 99)
    assert [e.kind for e in found.timeline] == ["registered", "performance-evaluated"]
    assert found.policy_version == POLICY.version


def test_the_diff_on_the_recorded_axis_shows_the_correction_taking_effect() -> None:
    views = views_between(Axis.RECORDED, moment("2026-02-20"), moment("2026-03-05"))
    before, after = (rebuild(story(), v, POLICY, 99) for v in views)

    changed = diff(Axis.RECORDED, views, before, after, 99, POLICY)

    assert [e.kind for e in changed.added] == ["evaluation-corrected"]
    assert changed.removed == []
    [correction] = changed.corrections
    assert correction.kind == "performance-evaluated"
    assert correction.before is not None
    assert correction.after is not None
    assert (correction.before.applied, correction.after.applied) == (False, True)
    assert (changed.from_as_of, changed.from_as_known_on) == (None, moment("2026-02-20"))


def test_the_diff_on_both_axes_shows_late_jp_and_a_record_that_did_not_exist_yet() -> None:
    views = views_between(Axis.BOTH, moment("2024-12-31"), moment("2026-02-02"))
    before, after = (rebuild(story(), v, POLICY, 99) for v in views)

    changed = diff(Axis.BOTH, views, before, after, 99, POLICY)

    assert (changed.recorded_in_from, changed.recorded_in_to) == (False, True)
    assert [e.kind for e in changed.added] == ["registered", "training-completed", "performance-evaluated"]
    [jp] = changed.jp_per_year
    assert (jp.year, jp.before, jp.after, jp.meets_target_before, jp.meets_target_after) == (
        2025,
        Decimal(0),
        Decimal(24),
        False,
        True,
    )
    assert changed.placement_before is None


def test_views_between_moves_the_chosen_axis() -> None:
    start, end = moment("2026-01-01"), moment("2026-02-01")
    assert views_between(Axis.OCCURRED, start, end) == (View(start), View(end))
    assert views_between(Axis.RECORDED, start, end) == (View(None, start), View(None, end))
    assert views_between(Axis.BOTH, start, end) == (View(start, start), View(end, end))
    with pytest.raises(ValueError, match="neither view"):
        diff(Axis.BOTH, (View(start), View(end)), None, None, 1, POLICY)


# Complaints naming the employee ---------------------------------------------------------------

COMPLAINANT = "Pelapor Rahasia"
PERSON = uuid.uuid4()


def complaint(tracking: str, nip: str, received_on: date) -> Complaint:
    return Complaint(
        complaint_id=tracking, channel="lapor", classification="complaint", category="normative", confidential=True,
        complainant_person_id=PERSON, complainant_sealed=f"sealed:{COMPLAINANT}", target_unit_code="DPUPR",
        named_employee_nip=nip, summary=f"Pungutan liar, kata {COMPLAINANT}", received_on=received_on,
        forum_id=None, provenance=origin("lapor"),
    )  # fmt: skip


def positioned(*facts: tuple[object, datetime, datetime]) -> list[StoredEventEnvelope]:
    """Each (event, occurred, recorded) stored in the order the store recorded them."""
    ordered = sorted(facts, key=lambda fact: fact[2])
    return [stored(position, event, occurred, recorded) for position, (event, occurred, recorded) in
            enumerate(ordered, 1)]  # fmt: skip


def complaints_story() -> History:
    """One employee and three complaints, each fact with (when it happened, when Jejak stored it):

    - LAPOR-1 names them: received 6 April 2026, verified 7 April; disposed to DPUPR on 8 April and followed
      up on 10 April, both recorded only on 20 and 21 April; closed 4 May. A case opened 15 April cites it.
    - LAPOR-2 names them: received 9 May, recorded 10 May; archived at verification on 12 May.
    - LAPOR-3 names someone else: never in this dossier.
    """
    servant = registered()
    nip = servant.nip
    servant.open_disciplinary_case(
        origin(), case_id="C-7", opened_on=date(2026, 4, 15), allegation="pungutan liar", complaint_id="LAPOR-1"
    )
    first = complaint("LAPOR-1", nip, date(2026, 4, 6))
    first.verify(origin("lapor"), outcome="verified", verified_on=date(2026, 4, 7), note=f"{COMPLAINANT} dihubungi")
    first.dispose(origin("lapor"), unit_code="DPUPR", disposed_on=date(2026, 4, 8))
    first.follow_up(origin("lapor"), unit_code="DPUPR", action="audit internal", followed_up_on=date(2026, 4, 10))
    first.close(origin("lapor"), resolution="selesai", closed_on=date(2026, 5, 4), satisfaction=4)
    second = complaint("LAPOR-2", nip, date(2026, 5, 9))
    second.verify(origin("lapor"), outcome="archived", verified_on=date(2026, 5, 12), note=None)
    other = complaint("LAPOR-3", unique_nip(), date(2026, 4, 6))
    registration, case = servant.collect_events()
    received, verified, disposed, followed_up, closed = first.collect_events()
    facts = positioned(
        (registration, wib("2025-01-02"), wib("2025-01-02")),
        (case, wib("2026-04-15"), wib("2026-04-15")),
        (received, wib("2026-04-06"), wib("2026-04-06", "10:00")),
        (verified, wib("2026-04-07"), wib("2026-04-07")),
        (disposed, wib("2026-04-08"), wib("2026-04-20")),
        (followed_up, wib("2026-04-10"), wib("2026-04-21")),
        (closed, wib("2026-05-04"), wib("2026-05-04")),
        *zip(second.collect_events(), (wib("2026-05-09"), wib("2026-05-12")), (wib("2026-05-10"), wib("2026-05-12")),
             strict=True),
        (other.collect_events()[0], wib("2026-04-06"), wib("2026-04-06", "11:00")),
    )  # fmt: skip
    mine = [fact for fact in facts if fact.aggregate_type == "civil-servant"]
    return History(mine, 99, [fact for fact in facts if fact.aggregate_type == "complaint"])


def as_it_stood(history: History, as_of: str, as_known_on: str | None = None) -> AsOfDossierOut:
    found = history.dossier(View(moment(as_of), moment(as_known_on) if as_known_on else None), POLICY)
    assert found is not None
    return found


def test_a_complaint_is_in_the_dossier_only_from_when_its_receipt_is_in_both_cut_offs() -> None:
    history = complaints_story()

    assert as_it_stood(history, "2026-04-05").complaints == []  # not received yet
    assert as_it_stood(history, "2026-12-31", as_known_on="2026-04-06").complaints[0].complaint_id == "LAPOR-1"
    assert [c.complaint_id for c in as_it_stood(history, "2026-12-31", as_known_on="2026-05-09").complaints] == [
        "LAPOR-1"  # LAPOR-2 happened on 9 May but the store learned of it on the 10th
    ]
    later = as_it_stood(history, "2026-12-31", as_known_on="2026-05-10")
    assert [(c.complaint_id, c.state) for c in later.complaints] == [("LAPOR-1", "closed"), ("LAPOR-2", "received")]
    assert [e.kind for e in later.timeline if e.details.get("complaint_id") == "LAPOR-2"] == ["complaint-named"]


def test_a_disposition_recorded_later_is_hidden_before_as_known_on_and_shown_after() -> None:
    history = complaints_story()

    then = as_it_stood(history, "2026-04-30", as_known_on="2026-04-19")
    now = as_it_stood(history, "2026-04-30")

    [stood] = then.complaints
    assert (stood.state, stood.verified_on, stood.disposed_to, stood.followed_up_on) == (
        "verified", date(2026, 4, 7), None, []
    )  # fmt: skip
    assert stood.disciplinary_cases == ["C-7"]  # the case was recorded on 15 April
    assert then.recorded_later == 2  # the disposition and the follow-up
    assert "complaint-disposed" not in [e.kind for e in then.timeline]
    [known] = now.complaints
    assert (known.state, known.disposed_to, known.disposed_on, known.followed_up_on, known.closed_on) == (
        "followed-up", "DPUPR", date(2026, 4, 8), [date(2026, 4, 10)], None
    )  # fmt: skip
    assert now.happened_later == 3  # the closing on 4 May, LAPOR-2's receipt and verification
    assert [e.kind for e in now.timeline] == [
        "registered", "complaint-named", "complaint-verified", "complaint-disposed", "complaint-followed-up",
        "disciplinary-case-opened",
    ]  # fmt: skip
    assert {e.details["complaint_id"] for e in now.timeline if e.kind.startswith("complaint-")} == {"LAPOR-1"}


def test_a_case_not_yet_opened_is_not_linked_and_an_archived_complaint_ended_at_verification() -> None:
    history = complaints_story()

    before_the_case = as_it_stood(history, "2026-04-14")
    at_the_end = as_it_stood(history, "2026-12-31")

    assert [c.disciplinary_cases for c in before_the_case.complaints] == [[]]
    [_, archived] = at_the_end.complaints
    assert (archived.complaint_id, archived.state, archived.verification_outcome) == (
        "LAPOR-2", "ended-at-verification", "archived"
    )  # fmt: skip


def test_no_complainant_and_no_free_text_appear_and_a_complaint_naming_someone_else_is_left_out() -> None:
    found = as_it_stood(complaints_story(), "2026-12-31").model_dump_json()

    for secret in (COMPLAINANT, str(PERSON), "sealed:", "complainant", "Pungutan liar", "audit internal", "selesai"):
        assert secret not in found, secret
    assert "LAPOR-1" in found
    assert "LAPOR-3" not in found


def test_the_diff_shows_a_complaint_whose_state_the_store_learned_later() -> None:
    history = complaints_story()
    views = views_between(Axis.RECORDED, moment("2026-04-19"), moment("2026-04-21"))
    before, after = (history.dossier(v, POLICY) for v in views)

    changed = diff(Axis.RECORDED, views, before, after, 99, POLICY)

    assert [e.kind for e in changed.added] == ["complaint-disposed", "complaint-followed-up"]
    [moved] = changed.complaints
    assert moved.before is not None
    assert moved.after is not None
    assert (moved.complaint_id, moved.before.state, moved.after.state) == ("LAPOR-1", "verified", "followed-up")
    in_may = views_between(Axis.OCCURRED, moment("2026-05-01"), moment("2026-05-31"))
    start, end = (history.dossier(v, POLICY) for v in in_may)
    may = diff(Axis.OCCURRED, in_may, start, end, 99, POLICY)
    assert [(c.complaint_id, c.before is None, c.after.state if c.after else None) for c in may.complaints] == [
        ("LAPOR-1", False, "closed"),
        ("LAPOR-2", True, "ended-at-verification"),  # received in May: not in the 1 May view at all
    ]


def test_a_complaint_is_kept_only_when_its_stored_receipt_names_the_employee() -> None:
    """The reader finds complaints through a read model, an index; a wrong entry there must not put another
    employee's complaint in this dossier: the stored receipt decides."""
    history = complaints_story()
    someone_elses = [fact for fact in history.complaints if fact.data.get("complaint_id") == "LAPOR-3"]
    wrongly_indexed = History(history.facts, 99, someone_elses)

    found = as_it_stood(wrongly_indexed, "2026-12-31")

    assert [fact.event_type for fact in someone_elses] == ["received"]
    assert found.complaints == []
    assert [e.kind for e in found.timeline] == ["registered", "disciplinary-case-opened"]
