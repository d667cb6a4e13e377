"""The policy file: read from TOML, checked, versioned."""

import pytest

from domain.policy import Policy, bundled_policy


def test_the_bundled_policy_has_a_version_and_the_20_jp_target() -> None:
    policy = bundled_policy()
    assert policy.version == "2026.1"
    assert policy.jp_target["PNS"] == 20
    assert policy.karya_satya_years == {"201": 10, "202": 20, "203": 30}


def test_a_matrix_that_is_not_3_by_3_is_refused() -> None:
    text = (
        "version = 'x'\neffective_from = 2026-01-01\n[competency]\njp_target = {}\nminutes_per_jp = 45\n"
        "[competency.conversion]\ndefault = { rule = 'hours' }\n[performance]\npredikat_matrix = [[1, 2], [2, 2]]\n"
        "[rewards]\nkarya_satya_years = {}\nkarya_satya_disqualifying_levels = []\nperformance_reward_codes = []\n"
        "performance_reward_min_predikat = 2\n"
    )
    with pytest.raises(ValueError, match="3 rows of 3"):
        Policy.from_toml(text)
