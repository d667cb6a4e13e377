"""Competency development: recognised JP by the policy's rule, dates, lengths, certificates."""

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from contracts.inbound import TrainingCompletedV1
from domain.errors import RuleViolation
from domain.policy import bundled_policy
from tests.builders import encode, origin, registered, training, training_completed

POLICY = bundled_policy()


def jp(kind: str, **length: object) -> Decimal:
    fields = {"hours": None, "days": None, "scale": "national", "stated": None, **length}
    return POLICY.recognised_jp(kind, **fields)  # type: ignore[arg-type]


def test_structured_training_counts_its_stated_jp() -> None:
    assert jp("3", stated=Decimal(40), hours=Decimal(30)) == 40
    with pytest.raises(RuleViolation, match="give stated_jp"):
        jp("3", hours=Decimal(30))


def test_seminars_and_workshops_count_per_day_by_scale() -> None:
    assert jp("9", days=Decimal(1)) == 4
    assert jp("9", days=Decimal(1), scale="international") == 6
    assert jp("4", days=Decimal(2)) == 10
    assert jp("4", days=Decimal(1), scale="international") == 7
    with pytest.raises(RuleViolation, match="give days"):
        jp("9", hours=Decimal(8))


def test_other_kinds_count_hours_in_45_minute_lessons_rounded_down_to_half() -> None:
    assert jp("16", hours=Decimal(9)) == 12
    assert jp("16", hours=Decimal(10)) == 13
    assert jp("16", hours=Decimal("1.2")) == Decimal("1.5")
    with pytest.raises(RuleViolation, match="give hours"):
        jp("16", days=Decimal(2))


def test_a_completion_records_jp_and_the_policy_that_recognised_it() -> None:
    servant = registered()
    servant.complete_training(POLICY, origin(), **training(training_kind="9", days=Decimal(1), stated_jp=None))
    event = servant.collect_events()[-1]
    assert event.recognised_jp == 4  # type: ignore[attr-defined]
    assert event.policy_version == "2026.1"  # type: ignore[attr-defined]
    assert servant.recognised_jp_total == 4


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"end_date": date(2026, 3, 9)}, "end-before-start"),
        ({"hours": Decimal(0)}, "hours-not-positive"),
        ({"days": Decimal(-1)}, "days-not-positive"),
        ({"start_date": date(1970, 1, 1), "end_date": date(1970, 1, 2)}, "before-employment"),
    ],
)
def test_a_completion_that_breaks_a_rule_is_refused(changes: dict[str, object], rule: str) -> None:
    servant = registered()
    with pytest.raises(RuleViolation) as caught:
        servant.complete_training(POLICY, origin(), **training(**changes))
    assert caught.value.rule == rule
    assert servant.trainings_completed == 0


def test_a_one_day_activity_is_fine() -> None:
    servant = registered()
    servant.complete_training(POLICY, origin(), **training(end_date=date(2026, 3, 10)))
    assert servant.trainings_completed == 1


def test_a_certificate_number_counts_once_per_employee() -> None:
    servant = registered()
    servant.complete_training(POLICY, origin(), **training(certificate_number="CERT-1"))
    servant.complete_training(POLICY, origin(), **training(certificate_number="CERT-2"))
    with pytest.raises(RuleViolation, match="certificate 'CERT-1' is already recorded"):
        servant.complete_training(POLICY, origin(), **training(certificate_number="CERT-1"))
    other = registered()
    other.complete_training(POLICY, origin(), **training(certificate_number="CERT-1"))


@pytest.mark.parametrize(
    ("override", "says"),
    [
        ({"classroom": False}, "classroom=False disagrees with training kind 3"),
        ({"training_kind": "10", "host_agency": None}, "names its host_agency"),
        ({"hours": None, "days": None}, "give the length"),
    ],
)
def test_the_contract_checks_what_the_fields_say_together(override: dict[str, object], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        TrainingCompletedV1.model_validate_json(encode(training_completed(**override)))


def test_a_magang_with_its_host_agency_is_valid() -> None:
    body = training_completed(training_kind="10", host_agency="Dinas Kominfo Kota Padang", stated_jp=None)
    assert TrainingCompletedV1.model_validate_json(encode(body)).host_agency == "Dinas Kominfo Kota Padang"


def test_a_competency_assessment_is_recorded_within_employment() -> None:
    servant = registered()
    assessment = {
        "assessment_id": "A-1", "competency_code": "12", "target_level": 3, "achieved_level": 2,
        "method": "assessment-centre", "assessed_on": date(2026, 2, 10),
    }  # fmt: skip
    servant.assess_competency(origin(), **assessment)
    assert type(servant.collect_events()[-1]).__name__ == "CompetencyAssessed"
    with pytest.raises(RuleViolation, match="before the start of employment"):
        servant.assess_competency(origin(), **{**assessment, "assessed_on": date(1970, 1, 1)})
