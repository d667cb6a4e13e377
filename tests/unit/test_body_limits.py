"""The bounds on a submission's raw bytes: exact on valid JSON, cheap on ordinary bodies."""

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from contracts.limits import BodyLimits, breach_of
from tests.builders import encode, training_completed

LIMITS = BodyLimits(max_bytes=100_000, max_depth=4, max_string_bytes=40, max_items=5)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=60),
    lambda children: st.lists(children, max_size=8) | st.dictionaries(st.text(max_size=60), children, max_size=8),
    max_leaves=40,
)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


def longest_string(value: Any) -> int:
    """Bytes of the longest string as ``json.dumps`` writes it, quotes excluded."""
    if isinstance(value, str):
        return len(json.dumps(value).encode()) - 2
    if isinstance(value, list):
        return max((longest_string(v) for v in value), default=0)
    if isinstance(value, dict):
        return max((max(longest_string(k), longest_string(v)) for k, v in value.items()), default=0)
    return 0


def most_items(value: Any) -> int:
    if isinstance(value, list):
        return max([len(value), *(most_items(v) for v in value)])
    if isinstance(value, dict):
        return max([len(value), *(most_items(v) for v in value.values())])
    return 0


@given(json_values)
def test_a_body_is_refused_exactly_when_it_breaks_a_bound(value: Any) -> None:
    body = json.dumps(value).encode()
    breaks = depth(value) > 4 or longest_string(value) > 40 or most_items(value) > 5
    assert (breach_of(body, LIMITS) is not None) == breaks


def test_an_ordinary_submission_is_within_the_default_bounds() -> None:
    assert breach_of(encode(training_completed()), BodyLimits()) is None


def test_each_bound_is_named() -> None:
    assert breach_of(b"[" * 5, LIMITS).code == "too-deep"  # type: ignore[union-attr]
    assert breach_of(b'["' + b"x" * 41 + b'"]', LIMITS).code == "string-too-long"  # type: ignore[union-attr]
    assert breach_of(b"[1,2,3,4,5,6]", LIMITS).code == "too-many-items"  # type: ignore[union-attr]
    assert breach_of(b" " * 100_001, LIMITS).code == "too-large"  # type: ignore[union-attr]


def test_brackets_and_commas_inside_strings_do_not_count() -> None:
    body = json.dumps({"title": "[[[[[[,,,,,,{{{{"}).encode()
    assert breach_of(body, BodyLimits(max_depth=2, max_items=3, max_string_bytes=100)) is None


def test_an_escaped_quote_does_not_end_a_string() -> None:
    body = json.dumps({"a": 'x" [[[[[[ "y'}).encode()
    assert breach_of(body, BodyLimits(max_depth=2, max_string_bytes=100)) is None
