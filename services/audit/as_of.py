"""The record as it stood: one employee's dossier rebuilt from the event store along two time axes.

Every fact has two times. ``occurred_at`` is when it happened, as its sender says (the event's
provenance); ``recorded_at`` is when Jejak stored it (the stored event's timestamp). A *view*
cuts both: ``as_of`` keeps what had happened by then, ``as_known_on`` what the store knew by then
(no bound: everything stored when the view is read). A correction (an evaluation corrected, a
penalty annulled) is applied only when the correction itself is in the view; one outside it is
still named on the entry it corrects, with ``applied`` false, so an auditor sees what changed later.

Complaints naming the employee live in their own records (``domain.complaint``), not the
employee's. Each of their events is cut like the employee's own: a complaint is in a view only
once its receipt, the event that names the employee, is in it; its state is what the verification,
disposition, follow-ups and closing in the view made of it, and a disciplinary case opened in the
view that cites it is linked. Who complained never appears: the events come through the relay's
translation, which drops the sealed complainant, and entries keep only structured fields (no
summary, note, action or resolution, whose free text could name the complainant), as the live
dossier does. Which complaints to read is decided in ``services.audit.history`` (a read model is
only its index; the content always comes from the store).

A DATE given by a person means the *end* of that day in Sawahlunto's time, WIB (UTC+7): the
view includes everything up to 23:59:59.999999+07:00. A date-time must carry its UTC offset and
is taken as that instant. Rebuilding is pure (``rebuild``, ``diff``); ``services.audit.history``
does the only I/O, one snapshot read that the CLI and the API share.
"""

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from contracts.outbound import JsonNumber, StoredEventEnvelope
from domain.complaint import ENDING_OUTCOMES
from domain.policy import Policy
from projections.dossier import COMPLAINT_DETAILS, happened_on
from services.api.dossier import DossierHead, Placement, TimelineEntry, jp_per_year

WIB = timezone(timedelta(hours=7), "WIB")
"""Western Indonesia Time, Sawahlunto's: the day a DATE names is a day there."""
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def moment(text: str) -> datetime:
    """``YYYY-MM-DD``: the end of that day in WIB; otherwise an ISO date-time with its UTC offset."""
    text = text.strip()
    try:
        if _DAY.match(text):
            return datetime.combine(date.fromisoformat(text), time.max, WIB)
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is neither a date (YYYY-MM-DD) nor an ISO date-time with a UTC offset") from None
    if at.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset: add +07:00 (WIB) or Z, or give a plain date")
    return at


@dataclass(frozen=True)
class View:
    """What a dossier shows: facts that happened by ``as_of`` and were stored by ``as_known_on`` (None: no bound)."""

    as_of: datetime | None
    as_known_on: datetime | None = None

    def happened(self, fact: StoredEventEnvelope) -> bool:
        return self.as_of is None or occurred_at(fact) <= self.as_of

    def known(self, fact: StoredEventEnvelope) -> bool:
        return self.as_known_on is None or fact.recorded_at <= self.as_known_on

    def shows(self, fact: StoredEventEnvelope) -> bool:
        return self.happened(fact) and self.known(fact)


def occurred_at(fact: StoredEventEnvelope) -> datetime:
    """When it happened; a fact Jejak made itself (no sender) happened when it was stored."""
    return fact.provenance.occurred_at if fact.provenance is not None else fact.recorded_at


class Correction(BaseModel):
    """The later fact that corrects an entry: an evaluation correction or a penalty's annulment."""

    position: int
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    reason: str | None
    applied: bool = Field(
        description="True when the correction is in this view; false when it happened after as_of or was "
        "recorded after as_known_on, so the entry stood uncorrected in the view."
    )


class AsOfEntry(TimelineEntry):
    corrected_by: Correction | None = None


class ComplaintAsOf(BaseModel):
    """A complaint naming the employee, as it stood in the view; who complained is never shown."""

    complaint_id: str
    channel: str
    classification: str
    category: str
    target_unit_code: str
    received_on: date
    named_at: int = Field(description="Store position of the receipt that named the employee.")
    state: str = Field(
        description="received, verified, ended-at-verification, disposed, followed-up or closed, from its steps in "
        "this view."
    )
    verified_on: date | None = Field(description="The latest verification in this view, whatever its outcome.")
    verification_outcome: str | None
    disposed_to: str | None
    disposed_on: date | None
    followed_up_on: list[date]
    closed_on: date | None
    disciplinary_cases: list[str] = Field(
        description="Cases opened against the employee in this view that cite this complaint."
    )


class AsOfDossierOut(DossierHead):
    """One employee's dossier as it stood in a view, shaped like the live dossier."""

    timeline: list[AsOfEntry]
    evaluations_in_force: list[AsOfEntry] = Field(description="Evaluations no correction in this view replaced.")
    rewards: list[AsOfEntry]
    penalties: list[AsOfEntry] = Field(description="Imposed penalties; an applied correction means annulled.")
    complaints: list[ComplaintAsOf] = Field(
        description="Complaints whose receipt naming the employee is in this view, each as it stood in it."
    )
    happened_later: int = Field(
        description="Facts known in this view that happened after as_of (the complaints' steps included)."
    )
    recorded_later: int = Field(
        description="Facts that happened by as_of but were recorded after as_known_on (the complaints' steps included)."
    )
    as_of: datetime | None
    as_known_on: datetime | None = Field(description="null: everything the store held at `position`.")
    position: int = Field(description="Store position (the newest event) the view was read at.")
    policy_version: str = Field(description="Policy whose JP targets the figures are compared with.")


_EVALUATIONS = {"performance-evaluated", "evaluation-corrected"}


def _corrected_key(fact: StoredEventEnvelope) -> tuple[str, str] | None:
    """What an entry is, for a correction to name it."""
    if fact.event_type in _EVALUATIONS:
        return "evaluation", str(fact.data["evaluation_id"])
    if fact.event_type == "penalty-imposed":
        return "case", str(fact.data["case_id"])
    return None


def _correcting_key(fact: StoredEventEnvelope) -> tuple[str, str] | None:
    """What a correction names: the evaluation it supersedes, the case whose penalty it annuls."""
    if fact.event_type == "evaluation-corrected":
        return "evaluation", str(fact.data["supersedes"])
    if fact.event_type == "penalty-annulled":
        return "case", str(fact.data["case_id"])
    return None


def _entry(fact: StoredEventEnvelope, correction: StoredEventEnvelope | None, view: View) -> AsOfEntry:
    origin = fact.provenance
    return AsOfEntry(
        position=fact.position, kind=fact.event_type, happened_on=happened_on(fact.event_type, fact.data),
        occurred_at=occurred_at(fact), recorded_at=fact.recorded_at, source=origin.source if origin else None,
        event_id=origin.event_id if origin else None, details=fact.data,
        corrected_by=None if correction is None else Correction(
            position=correction.position, kind=correction.event_type, occurred_at=occurred_at(correction),
            recorded_at=correction.recorded_at, reason=correction.data.get("reason"), applied=view.shows(correction),
        ),
    )  # fmt: skip


def _placement(timeline: list[AsOfEntry]) -> Placement:
    """The latest effective placement, as the live dossier keeps it (later position wins a tie)."""
    placed = [e for e in timeline if e.kind == "placement-changed"]
    if not placed:
        return Placement(
            unit_code=None, unit_name=None, position=None, position_kind=None, superior_nip=None, since=None
        )
    last = max(placed, key=lambda e: (e.happened_on, e.position)).details
    return Placement(
        unit_code=last["unit_code"], unit_name=last["unit_name"], position=last["position"],
        position_kind=last["position_kind"], superior_nip=last["superior_nip"], since=last["effective_date"],
    )  # fmt: skip


# Complaints naming the employee ------------------------------------------------------------------

COMPLAINT_DATE = {
    "received": "received_on",
    "verified": "verified_on",
    "disposed": "disposed_on",
    "followed-up": "followed_up_on",
    "closed": "closed_on",
}
"""Which field dates each step of a complaint on the timeline."""
STEP_DETAILS = COMPLAINT_DETAILS | {"outcome", "verified_on", "unit_code", "disposed_on", "followed_up_on", "closed_on"}
"""What an entry shows of a complaint's step: structured fields only, never who complained or free text."""


def _complaint_entry(fact: StoredEventEnvelope, complaint_id: str) -> AsOfEntry:
    """A complaint's step on the employee's timeline: ``complaint-named`` for the receipt, as the live dossier.

    Only the receipt carries the tracking number; every step is given it, so an entry says which complaint."""
    origin = fact.provenance
    return AsOfEntry(
        position=fact.position,
        kind="complaint-named" if fact.event_type == "received" else f"complaint-{fact.event_type}",
        happened_on=date.fromisoformat(fact.data[COMPLAINT_DATE[fact.event_type]]), occurred_at=occurred_at(fact),
        recorded_at=fact.recorded_at, source=origin.source if origin else None,
        event_id=origin.event_id if origin else None,
        details={"complaint_id": complaint_id, **{k: v for k, v in fact.data.items() if k in STEP_DETAILS}},
    )  # fmt: skip


def naming(complaints: Sequence[StoredEventEnvelope], nip: str) -> list[list[StoredEventEnvelope]]:
    """Each complaint's events in order, for the complaints whose stored receipt names ``nip``.

    The reader found them through an index; this is where the store's own content decides."""
    steps: dict[Any, list[StoredEventEnvelope]] = defaultdict(list)
    for fact in complaints:
        steps[fact.aggregate_id].append(fact)
    ordered = (sorted(facts, key=lambda f: f.aggregate_version) for facts in steps.values())
    return [f for f in ordered if f[0].event_type == "received" and f[0].data.get("named_employee_nip") == nip]


def _stood(steps: Sequence[StoredEventEnvelope], cases: Sequence[StoredEventEnvelope]) -> ComplaintAsOf:
    """Its state after the steps in the view, moved as ``domain.complaint`` moves it (an archived or
    not-our-authority verification ends it; a postponed one leaves it received), not as the live read model
    summarises it."""
    received = steps[0].data
    state, verified, disposed = "received", None, None
    for step in steps[1:]:
        if step.event_type == "verified":
            verified = step.data
            outcome = str(step.data["outcome"])
            state = "verified" if outcome == "verified" else ENDING_OUTCOMES.get(outcome, state)
        elif step.event_type == "disposed":
            state, disposed = "disposed", step.data
        elif step.event_type == "followed-up":
            state = "followed-up"
        elif step.event_type == "closed":
            state = "closed"
    closed = next((s.data["closed_on"] for s in steps if s.event_type == "closed"), None)
    return ComplaintAsOf(
        complaint_id=received["complaint_id"], channel=received["channel"], classification=received["classification"],
        category=received["category"], target_unit_code=received["target_unit_code"],
        received_on=received["received_on"], named_at=steps[0].position, state=state,
        verified_on=verified["verified_on"] if verified else None,
        verification_outcome=verified["outcome"] if verified else None,
        disposed_to=disposed["unit_code"] if disposed else None,
        disposed_on=disposed["disposed_on"] if disposed else None,
        followed_up_on=[s.data["followed_up_on"] for s in steps if s.event_type == "followed-up"], closed_on=closed,
        disciplinary_cases=[c.data["case_id"] for c in cases if c.data.get("complaint_id") == received["complaint_id"]],
    )  # fmt: skip


def rebuild(
    history: Sequence[StoredEventEnvelope], view: View, policy: Policy, position: int,
    complaints: Sequence[StoredEventEnvelope] = (),
) -> AsOfDossierOut | None:  # fmt: skip
    """The dossier in ``view`` from one employee's stored events and those of complaints (any: only those whose
    receipt names the employee are kept); None when the employee had no record in that view."""
    corrections = {key: fact for fact in history if (key := _correcting_key(fact)) is not None}
    shown = [fact for fact in history if view.shows(fact)]
    registration = next((fact.data for fact in shown if fact.event_type == "registered"), None)
    if registration is None:
        return None
    named = naming(complaints, registration["nip"])
    in_view = [[s for s in steps if view.shows(s)] for steps in named if view.shows(steps[0])]
    every = [*history, *(step for steps in named for step in steps)]
    timeline = sorted(
        [*(_entry(fact, corrections.get(key) if (key := _corrected_key(fact)) else None, view) for fact in shown),
         *(_complaint_entry(step, steps[0].data["complaint_id"]) for steps in in_view for step in steps)],
        key=lambda entry: (entry.happened_on, entry.position),
    )  # fmt: skip
    cases = [fact for fact in shown if fact.event_type == "disciplinary-case-opened"]
    asn_kind = str(registration["asn_kind"])
    return AsOfDossierOut(
        nip=registration["nip"], name=registration["name"], asn_kind=asn_kind, rank=registration["rank"],
        status=registration["status"], start_date=registration["start_date"], placement=_placement(timeline),
        jp_per_year=jp_per_year(list(timeline), policy.jp_target.get(asn_kind, Decimal(20))), timeline=timeline,
        evaluations_in_force=[
            e for e in timeline if e.kind in _EVALUATIONS and not (e.corrected_by and e.corrected_by.applied)
        ],
        rewards=[e for e in timeline if e.kind == "reward-granted"],
        penalties=[e for e in timeline if e.kind == "penalty-imposed"],
        complaints=sorted((_stood(steps, cases) for steps in in_view), key=lambda c: (c.received_on, c.complaint_id)),
        happened_later=sum(1 for f in every if view.known(f) and not view.happened(f)),
        recorded_later=sum(1 for f in every if view.happened(f) and not view.known(f)),
        as_of=view.as_of, as_known_on=view.as_known_on, position=position, policy_version=policy.version,
    )  # fmt: skip


class Axis(StrEnum):
    """Which time a diff moves: what happened, what the store knew, or both together."""

    OCCURRED = "occurred"
    RECORDED = "recorded"
    BOTH = "both"


def views_between(axis: Axis, start: datetime, end: datetime) -> tuple[View, View]:
    """``occurred``: as_of start vs end, known now; ``recorded``: known on start vs end, no as_of bound;
    ``both``: the record as it was shown on each day (both axes at the same moment)."""
    if axis is Axis.OCCURRED:
        return View(start), View(end)
    if axis is Axis.RECORDED:
        return View(None, start), View(None, end)
    return View(start, start), View(end, end)


class EntryChange(BaseModel):
    """An entry in both views whose correction was applied in one and not the other."""

    position: int
    kind: str
    happened_on: date
    before: Correction | None
    after: Correction | None


class JpChange(BaseModel):
    year: int
    before: JsonNumber
    after: JsonNumber
    target_jp: JsonNumber
    meets_target_before: bool
    meets_target_after: bool


class ComplaintChange(BaseModel):
    """A complaint as it stood in each view; null: not (yet) in that view."""

    complaint_id: str
    before: ComplaintAsOf | None
    after: ComplaintAsOf | None


class DossierDiffOut(BaseModel):
    """What changed in one employee's dossier from the ``from`` view to the ``to`` view."""

    nip: str
    axis: Axis
    from_as_of: datetime | None
    from_as_known_on: datetime | None
    to_as_of: datetime | None
    to_as_known_on: datetime | None
    recorded_in_from: bool = Field(description="False: the employee had no record yet in the from view.")
    recorded_in_to: bool = Field(description="False: the employee had no record yet in the to view.")
    added: list[AsOfEntry] = Field(description="Entries in the to view only.")
    removed: list[AsOfEntry] = Field(description="Entries in the from view only.")
    corrections: list[EntryChange] = Field(description="Entries whose correction took effect, or ceased to.")
    jp_per_year: list[JpChange] = Field(description="Years whose recognised JP differs.")
    placement_before: Placement | None
    placement_after: Placement | None
    complaints: list[ComplaintChange] = Field(
        description="Complaints naming the employee that entered or left the view, or whose state moved."
    )
    position: int = Field(description="Store position (the newest event) both views were read at.")
    policy_version: str


def _complaint_changes(before: AsOfDossierOut | None, after: AsOfDossierOut | None) -> list[ComplaintChange]:
    old = {c.complaint_id: c for c in before.complaints} if before else {}
    new = {c.complaint_id: c for c in after.complaints} if after else {}
    return [
        ComplaintChange(complaint_id=key, before=old.get(key), after=new.get(key))
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    ]


def _applied(entry: AsOfEntry) -> bool:
    return entry.corrected_by is not None and entry.corrected_by.applied


def _jp_changes(before: AsOfDossierOut | None, after: AsOfDossierOut | None) -> list[JpChange]:
    old = {y.year: y for y in before.jp_per_year} if before else {}
    new = {y.year: y for y in after.jp_per_year} if after else {}
    changes = []
    for year, either in sorted({**old, **new}.items()):
        was, now, target = old.get(year), new.get(year), either.target_jp
        jp_was = was.recognised_jp if was else Decimal(0)
        jp_now = now.recognised_jp if now else Decimal(0)
        if jp_was != jp_now:
            changes.append(
                JpChange(year=year, before=jp_was, after=jp_now, target_jp=target, meets_target_before=jp_was >= target,
                         meets_target_after=jp_now >= target)
            )  # fmt: skip
    return changes


def diff(
    axis: Axis, views: tuple[View, View], before: AsOfDossierOut | None, after: AsOfDossierOut | None, position: int,
    policy: Policy,
) -> DossierDiffOut:  # fmt: skip
    """Entries added and removed, corrections that took effect (or not yet), JP, placement and complaints that moved."""
    either = after or before
    if either is None:
        raise ValueError("neither view holds a record: nothing to compare")
    old = {entry.position: entry for entry in before.timeline} if before else {}
    new = {entry.position: entry for entry in after.timeline} if after else {}
    return DossierDiffOut(
        nip=either.nip, axis=axis, from_as_of=views[0].as_of, from_as_known_on=views[0].as_known_on,
        to_as_of=views[1].as_of, to_as_known_on=views[1].as_known_on, recorded_in_from=before is not None,
        recorded_in_to=after is not None,
        added=[e for p, e in new.items() if p not in old], removed=[e for p, e in old.items() if p not in new],
        corrections=[
            EntryChange(position=p, kind=e.kind, happened_on=e.happened_on, before=old[p].corrected_by,
                        after=e.corrected_by)
            for p, e in new.items() if p in old and _applied(old[p]) != _applied(e)
        ],
        jp_per_year=_jp_changes(before, after),
        placement_before=before.placement if before else None, placement_after=after.placement if after else None,
        complaints=_complaint_changes(before, after), position=position, policy_version=policy.version,
    )  # fmt: skip
