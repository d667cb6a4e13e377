"""The live dossier names a complaint's state as the domain does (projections may not import the domain)."""

from domain.complaint import ENDING_OUTCOMES
from projections.dossier import VERIFICATION_ENDINGS, complaint_state_after


def test_the_dossier_s_verification_endings_are_the_domain_s() -> None:
    assert VERIFICATION_ENDINGS == ENDING_OUTCOMES


def test_each_step_leaves_the_state_the_domain_would() -> None:
    assert complaint_state_after("verified", {"outcome": "verified"}) == "verified"
    assert complaint_state_after("verified", {"outcome": "archived"}) == "ended-at-verification"
    assert complaint_state_after("verified", {"outcome": "not-our-authority"}) == "ended-at-verification"
    assert complaint_state_after("verified", {"outcome": "postponed"}) is None  # still waiting for verification
    assert complaint_state_after("closed", {"closed_on": "2026-05-01"}) == "closed"
