"""Evaluation completeness per employee: missing and late periods, and appraisers who are not the superior.

Expected periods follow the year's plan (quarterly: Q1-Q4, monthly: M01-M12, always the annual
one). A period counts as missing only once its due date (period end + the policy's due days)
has passed on the report's clock; an evaluation recorded after its due date is late.
"""

from collections import defaultdict
from datetime import date, timedelta

from pydantic import BaseModel, Field

from domain.policy import Policy
from projections.completeness import EvaluationInForce, PlannedEmployee
from projections.dossier import period_end

EXPECTED = {
    "quarterly": [f"Q{q}" for q in range(1, 5)],
    "monthly": [f"M{m:02d}" for m in range(1, 13)],
}


class EmployeeCompleteness(BaseModel):
    nip: str
    name: str
    unit_code: str | None
    period_kind: str
    missing: list[str] = Field(description="Periods past their due date with no evaluation in force.")
    late: list[str] = Field(description="Periods evaluated after their due date.")
    appraised_by_other_than_superior: list[str]
    self_appraised: list[str] = Field(description="Always empty: the rules refuse such evaluations.")


def completeness(
    year: int, plans: list[PlannedEmployee], evaluations: list[EvaluationInForce], as_of: date, policy: Policy
) -> list[EmployeeCompleteness]:
    by_employee: dict[object, list[EvaluationInForce]] = defaultdict(list)
    for evaluation in evaluations:
        by_employee[evaluation.employee_id].append(evaluation)
    grace = timedelta(days=policy.evaluation_due_days)
    report = []
    for plan in plans:
        done = {e.period: e for e in by_employee[plan.employee_id]}
        expected = [*EXPECTED.get(plan.period_kind, []), "annual"]
        report.append(
            EmployeeCompleteness(
                nip=plan.nip,
                name=plan.name,
                unit_code=plan.unit_code,
                period_kind=plan.period_kind,
                missing=[p for p in expected if p not in done and period_end(year, p) + grace < as_of],
                late=[p for p, e in done.items() if e.recorded_on > period_end(year, p) + grace],
                appraised_by_other_than_superior=[
                    p for p, e in done.items() if e.superior_nip is not None and e.appraiser_nip != e.superior_nip
                ],
                self_appraised=[p for p, e in done.items() if e.appraiser_nip == plan.nip],
            )
        )
    return report
