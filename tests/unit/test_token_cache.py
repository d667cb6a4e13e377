"""Kept token holders: served only while listening, only for the generation they were checked in."""

from services.api.auth import Caller
from services.api.token_cache import TokenCache
from services.tokens import Role

AUDITOR = Caller("a1", Role.AUDITOR)


def test_a_holder_is_served_only_while_the_cache_listens() -> None:
    kept = TokenCache()
    kept.keep("jejak_t", kept.generation, AUDITOR)
    assert kept.holder("jejak_t") is None  # not listening: nothing kept
    kept.set_live(True)
    kept.keep("jejak_t", kept.generation, AUDITOR)
    assert kept.holder("jejak_t") == AUDITOR
    assert kept.holder("jejak_other") is None
    kept.set_live(False)
    assert kept.holder("jejak_t") is None
    kept.set_live(True)
    assert kept.holder("jejak_t") is None  # what was kept before the connection dropped is gone


def test_a_change_while_checking_keeps_the_holder_out() -> None:
    kept = TokenCache()
    kept.set_live(True)
    checked_at = kept.generation
    kept.changed()  # a revocation committed while the token was being checked
    kept.keep("jejak_t", checked_at, AUDITOR)
    assert kept.holder("jejak_t") is None
    assert len(kept) == 0


def test_any_change_forgets_every_holder() -> None:
    kept = TokenCache()
    kept.set_live(True)
    kept.keep("jejak_a", kept.generation, AUDITOR)
    kept.keep("jejak_b", kept.generation, Caller("b1", Role.OPD, "DISDIKBUD"))
    kept.changed()
    assert kept.holder("jejak_a") is None
    assert kept.holder("jejak_b") is None


def test_the_least_recently_used_holder_goes_first() -> None:
    kept = TokenCache(max_entries=2)
    kept.set_live(True)
    for token in ("jejak_a", "jejak_b"):
        kept.keep(token, kept.generation, AUDITOR)
    assert kept.holder("jejak_a") == AUDITOR
    kept.keep("jejak_c", kept.generation, AUDITOR)
    assert kept.holder("jejak_b") is None
    assert kept.holder("jejak_a") == AUDITOR
    assert kept.holder("jejak_c") == AUDITOR
