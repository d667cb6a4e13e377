"""The answer cache's generations: nothing kept before a change is served after it."""

from services.api.answer_cache import AnswerCache, Kept


def kept(body: bytes = b"{}") -> Kept:
    return Kept(body, "application/json")


def test_an_answer_is_served_until_a_read_model_changes() -> None:
    cache = AnswerCache()
    cache.set_live(True)
    cache.put(("q",), cache.generation, kept(b"old"))
    found = cache.get(("q",))
    assert found is not None
    assert found.body == b"old"
    cache.changed()
    assert cache.get(("q",)) is None


def test_an_answer_built_across_a_change_is_not_kept() -> None:
    """Filed under the generation read before it was built: a change meanwhile makes it unservable."""
    cache = AnswerCache()
    cache.set_live(True)
    before = cache.generation
    cache.changed()  # notified while the answer was being built
    cache.put(("q",), before, kept())
    assert cache.get(("q",)) is None
    assert len(cache) == 0


def test_nothing_is_served_or_kept_while_changes_are_not_followed() -> None:
    cache = AnswerCache()
    cache.put(("q",), cache.generation, kept())
    assert cache.get(("q",)) is None
    cache.set_live(True)
    cache.put(("q",), cache.generation, kept())
    cache.set_live(False)  # the listening connection was lost: notifications may be missed
    assert cache.get(("q",)) is None
    cache.set_live(True)
    assert cache.get(("q",)) is None  # and what was kept before is gone


def test_the_least_recently_used_answer_goes_first() -> None:
    cache = AnswerCache(max_entries=2)
    cache.set_live(True)
    for name in ("a", "b"):
        cache.put((name,), cache.generation, kept())
    assert cache.get(("a",)) is not None  # a is now the most recently used
    cache.put(("c",), cache.generation, kept())
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) is not None
    assert cache.get(("c",)) is not None
