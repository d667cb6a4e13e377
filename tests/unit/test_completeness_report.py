"""Evaluation completeness against a clock: missing once due, late when recorded after the due date."""

import uuid
from datetime import date

from domain.policy import bundled_policy
from projections.completeness import EvaluationInForce, PlannedEmployee
from services.api.completeness_report import completeness

EMPLOYEE, SUPERIOR = uuid.uuid4(), "197801152005011003"
PLAN = PlannedEmployee(EMPLOYEE, "198503122010011002", "Rina", "DINKES", "quarterly")


def evaluated(period: str, on: date, appraiser: str = SUPERIOR) -> EvaluationInForce:
    return EvaluationInForce(EMPLOYEE, period, appraiser, SUPERIOR, on)


def test_missing_late_and_other_appraiser() -> None:
    evaluations = [
        evaluated("Q1", date(2026, 4, 10)),  # due 30 April: on time
        evaluated("Q2", date(2026, 8, 15)),  # due 30 July: late
        evaluated("Q3", date(2026, 10, 5), appraiser="198001012005011001"),  # not the superior
    ]
    [row] = completeness(2026, [PLAN], evaluations, date(2026, 12, 1), bundled_policy())
    assert row.missing == []  # Q4 and annual are not due until 30 January 2027
    assert row.late == ["Q2"]
    assert row.appraised_by_other_than_superior == ["Q3"]
    assert row.self_appraised == []

    [later] = completeness(2026, [PLAN], evaluations, date(2027, 2, 1), bundled_policy())
    assert later.missing == ["Q4", "annual"]
