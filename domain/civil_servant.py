"""CivilServant: the record of one ASN (civil servant), opened by registration, with its rules.

Each public method checks the rules, then triggers one event; an event's ``apply`` only changes
state. Every event carries its ``provenance`` (sender, sender's event id, when it happened,
evidence). The stored class path (``domain.civil_servant:CivilServant.*``) is each event's
identity: never move or rename it; evolve with ``class_version`` and upcasters.
"""

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any, Self, cast
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from eventsourcing.domain import Snapshot as LibrarySnapshot
from eventsourcing.utils import get_topic

from domain import discipline, performance
from domain.discipline import Penalty
from domain.employment import Employment, check_number_matches, check_period, check_within_employment
from domain.errors import RuleViolation
from domain.identity import civil_servant_id
from domain.performance import Evaluation
from domain.policy import Policy, Scale
from domain.provenance import Provenance
from domain.rewards import check_reward

_NOT_SNAPSHOTTED = frozenset({"_id", "_version", "_pending_events"})
"""Kept beside the snapshot's state (id, version) or not state at all (pending events)."""


class CivilServant(Aggregate):
    """One civil servant's record, keyed by NIP or NI PPPK (never reused)."""

    class Snapshot(LibrarySnapshot):
        """The record's state at one version, so a record read cold replays only the events after it.

        The library's snapshot keeps ``vars(record)`` as is; ours holds sets, an int-keyed dict and
        dataclasses, which JSON would refuse or change (``{2024: …}`` comes back as ``{"2024": …}``).
        ``take`` writes them as lists and plain dicts, ``mutate`` reads them back. A field added to
        the record later needs its line here and a ``class_version`` with an upcaster for the
        snapshots stored before it (``upcast_v1_v2`` on CivilServant, as the library expects).
        """

        @classmethod
        def take(cls, aggregate: Any) -> Self:
            state = {key: value for key, value in vars(aggregate).items() if key not in _NOT_SNAPSHOTTED}
            state["certificates"] = sorted(aggregate.certificates)
            state["cases"] = sorted(aggregate.cases)
            state["rewards_granted"] = sorted(aggregate.rewards_granted)
            state["proposals"] = sorted(aggregate.proposals)
            state["plans"] = [[year, appraiser] for year, appraiser in sorted(aggregate.plans.items())]
            state["evaluations"] = [asdict(evaluation) for evaluation in aggregate.evaluations.values()]
            state["penalties"] = [asdict(penalty) for penalty in aggregate.penalties.values()]
            class_version = getattr(type(aggregate), "class_version", 1)
            if class_version > 1:
                state["class_version"] = class_version
            return cls(
                originator_id=aggregate.id,
                originator_version=aggregate.version,
                timestamp=cls.create_timestamp(),
                topic=get_topic(type(aggregate)),
                state=state,
            )

        def mutate(self, _: None) -> "CivilServant":
            record = cast("CivilServant", super().mutate(None))
            state = record.__dict__
            for name in ("certificates", "cases", "rewards_granted", "proposals"):
                state[name] = set(state[name])
            state["plans"] = {int(year): appraiser for year, appraiser in state["plans"]}
            state["evaluations"] = {e["evaluation_id"]: Evaluation(**e) for e in state["evaluations"]}
            state["penalties"] = {p["case_id"]: Penalty(**p) for p in state["penalties"]}
            return record

    class Fact(Aggregate.Event):
        """Base of every event after registration: where the fact came from."""

        provenance: Provenance

    class PlacementChanged(Fact):
        unit_code: str
        unit_name: str
        position: str
        position_kind: str
        superior_nip: str | None
        decree_number: str
        decree_date: date
        effective_date: date

        def apply(self, aggregate: "CivilServant") -> None:
            aggregate.unit_code = self.unit_code

    class TrainingCompleted(Fact):
        nip: str
        training_kind: str
        classroom: bool
        competency_type: str
        title: str
        provider: str
        host_agency: str | None
        start_date: date
        end_date: date
        hours: Decimal | None
        days: Decimal | None
        scale: str
        stated_jp: Decimal | None
        recognised_jp: Decimal
        policy_version: str
        certificate_number: str | None

        def apply(self, aggregate: "CivilServant") -> None:
            aggregate.trainings_completed += 1
            aggregate.recognised_jp_total += self.recognised_jp
            if self.certificate_number is not None:
                aggregate.certificates.add(self.certificate_number)

    class CompetencyAssessed(Fact):
        assessment_id: str
        competency_code: str
        target_level: int
        achieved_level: int
        method: str
        assessed_on: date

        def apply(self, aggregate: "CivilServant") -> None:
            pass

    class PerformancePlanSet(Fact):
        year: int
        period_kind: str
        appraiser_nip: str
        appraiser_superior_nip: str | None

        def apply(self, aggregate: "CivilServant") -> None:
            aggregate.plans[self.year] = self.appraiser_nip

    class PerformanceEvaluated(Fact):
        evaluation_id: str
        year: int
        period: str
        work_result: int
        behaviour: int
        predikat: int
        appraiser_nip: str
        policy_version: str

        def apply(self, aggregate: "CivilServant") -> None:
            aggregate.evaluations[self.evaluation_id] = Evaluation(
                self.evaluation_id, self.year, self.period, self.predikat
            )

    class EvaluationCorrected(PerformanceEvaluated):
        supersedes: str
        reason: str

        def apply(self, aggregate: "CivilServant") -> None:
            aggregate.evaluations[self.supersedes].superseded_by = self.evaluation_id
            super().apply(aggregate)

    class RewardProposed(Fact):
        proposal_id: str
        reward_code: str
        basis_evaluation_ids: list[str]
        proposed_on: date

        def apply(self, aggregate: "CivilServant") -> None:
            aggregate.proposals.add(self.proposal_id)

    class RewardGranted(Fact):
        reward_code: str
        basis_evaluation_ids: list[str]
        proposal_id: str | None
        decree_number: str
        decree_date: date
        policy_version: str

        def apply(self, aggregate: "CivilServant") -> None:
            aggregate.rewards_granted.add(self.reward_code)

    class DisciplinaryCaseOpened(Fact):
        case_id: str
        opened_on: date
        allegation: str
        complaint_id: str | None

        def apply(self, aggregate: "CivilServant") -> None:
            aggregate.cases.add(self.case_id)

    class PenaltyImposed(Fact):
        case_id: str
        penalty_code: str
        level: str
        decree_number: str
        decree_date: date
        starts_on: date
        ends_on: date | None

        def apply(self, aggregate: "CivilServant") -> None:
            aggregate.penalties[self.case_id] = Penalty(
                self.case_id, self.penalty_code, self.level, self.starts_on, self.ends_on
            )

    class PenaltyAnnulled(Fact):
        case_id: str
        annulled_on: date
        reason: str
        decree_number: str

        def apply(self, aggregate: "CivilServant") -> None:
            aggregate.penalties[self.case_id].annulled = True

    @staticmethod
    def create_id(nip: str, **_: Any) -> UUID:
        return civil_servant_id(nip)

    @classmethod
    def register(cls, nip: str, employment: Employment, provenance: Provenance) -> "CivilServant":
        """Open the record; the facts must agree with what the number encodes."""
        check_number_matches(nip, employment)
        return cls(nip=nip, provenance=provenance, **vars(employment))

    @event("Registered")
    def __init__(
        self,
        nip: str,
        asn_kind: str,
        name: str,
        birth_date: date,
        gender: str,
        start_date: date,
        employee_type: str,
        rank: str | None,
        status: str,
        provenance: Provenance,
    ) -> None:
        self.nip = nip
        self.asn_kind = asn_kind
        self.start_date = start_date
        self.unit_code: str | None = None
        self.trainings_completed = 0
        self.recognised_jp_total = Decimal(0)
        self.certificates: set[str] = set()
        self.evaluations: dict[str, Evaluation] = {}
        self.plans: dict[int, str] = {}
        self.cases: set[str] = set()
        self.penalties: dict[str, Penalty] = {}
        self.rewards_granted: set[str] = set()
        self.proposals: set[str] = set()

    def change_placement(self, provenance: Provenance, **fields: Any) -> None:
        check_within_employment(self.start_date, fields["effective_date"], "effective_date")
        if fields["superior_nip"] == self.nip:
            raise RuleViolation("self-superior", "a civil servant cannot be their own superior (atasan)")
        self.trigger_event(self.PlacementChanged, provenance=provenance, **fields)

    def complete_training(self, policy: Policy, provenance: Provenance, **fields: Any) -> None:
        """Record a competency-development activity with the JP the policy recognises for it."""
        check_period(fields["start_date"], fields["end_date"])
        check_within_employment(self.start_date, fields["start_date"], "start_date")
        for unit in ("hours", "days"):
            if fields[unit] is not None and fields[unit] <= 0:
                raise RuleViolation(f"{unit}-not-positive", f"{unit} must be more than 0, got {fields[unit]}")
        certificate = fields["certificate_number"]
        if certificate is not None and certificate in self.certificates:
            raise RuleViolation(
                "certificate-reused", f"certificate {certificate!r} is already recorded for this employee"
            )
        scale: Scale = fields["scale"]
        jp = policy.recognised_jp(
            fields["training_kind"],
            hours=fields["hours"],
            days=fields["days"],
            scale=scale,
            stated=fields["stated_jp"],
        )
        self.trigger_event(
            self.TrainingCompleted, provenance=provenance, nip=self.nip, recognised_jp=jp,
            policy_version=policy.version, **fields,
        )  # fmt: skip

    def assess_competency(self, provenance: Provenance, **fields: Any) -> None:
        check_within_employment(self.start_date, fields["assessed_on"], "assessed_on")
        self.trigger_event(self.CompetencyAssessed, provenance=provenance, **fields)

    def set_performance_plan(self, provenance: Provenance, **fields: Any) -> None:
        performance.check_not_self_appraised(self.nip, fields["appraiser_nip"])
        check_within_employment(self.start_date, date(fields["year"], 12, 31), "plan year")
        self.trigger_event(self.PerformancePlanSet, provenance=provenance, **fields)

    def evaluate_performance(self, policy: Policy, provenance: Provenance, **fields: Any) -> None:
        """One evaluation per period, with the predikat the policy's matrix gives."""
        performance.check_period_name(fields["period"])
        performance.check_rating(policy, self.nip, self.evaluations, fields)
        performance.check_period_free(self.evaluations, fields["year"], fields["period"])
        check_within_employment(self.start_date, date(fields["year"], 12, 31), "evaluation year")
        self.trigger_event(self.PerformanceEvaluated, provenance=provenance, policy_version=policy.version, **fields)

    def correct_evaluation(self, policy: Policy, provenance: Provenance, **fields: Any) -> None:
        """Replace an evaluation in force, for a stated reason (e.g. an upheld objection)."""
        performance.check_rating(policy, self.nip, self.evaluations, fields)
        replaced = performance.correctable(self.evaluations, fields["supersedes"])
        self.trigger_event(
            self.EvaluationCorrected, provenance=provenance, year=replaced.year, period=replaced.period,
            policy_version=policy.version, **fields,
        )  # fmt: skip

    def propose_reward(self, provenance: Provenance, **fields: Any) -> None:
        if fields["proposal_id"] in self.proposals:
            raise RuleViolation("proposal-exists", f"reward proposal {fields['proposal_id']!r} is already recorded")
        unknown = [e for e in fields["basis_evaluation_ids"] if e not in self.evaluations]
        if unknown:
            raise RuleViolation("basis-unknown", f"basis evaluation(s) {', '.join(unknown)} not in this record")
        self.trigger_event(self.RewardProposed, provenance=provenance, **fields)

    def grant_reward(self, policy: Policy, provenance: Provenance, **fields: Any) -> None:
        """Grant a reward that satisfies its family's rule on the decree (SK) date."""
        check_within_employment(self.start_date, fields["decree_date"], "decree_date")
        check_reward(
            policy, fields["reward_code"], basis=fields["basis_evaluation_ids"], decided_on=fields["decree_date"],
            start_date=self.start_date, evaluations=self.evaluations, penalties=self.penalties.values(),
            granted=self.rewards_granted,
        )  # fmt: skip
        self.trigger_event(self.RewardGranted, provenance=provenance, policy_version=policy.version, **fields)

    def open_disciplinary_case(self, provenance: Provenance, **fields: Any) -> None:
        discipline.check_case_new(self.cases, fields["case_id"])
        check_within_employment(self.start_date, fields["opened_on"], "opened_on")
        self.trigger_event(self.DisciplinaryCaseOpened, provenance=provenance, **fields)

    def impose_penalty(self, provenance: Provenance, **fields: Any) -> None:
        discipline.check_case_open(self.cases, self.penalties, fields["case_id"])
        discipline.check_penalty_dates(fields["starts_on"], fields["ends_on"])
        self.trigger_event(self.PenaltyImposed, provenance=provenance, **fields)

    def annul_penalty(self, provenance: Provenance, **fields: Any) -> None:
        discipline.annullable(self.penalties, fields["case_id"])
        self.trigger_event(self.PenaltyAnnulled, provenance=provenance, **fields)
