"""Official SIASN code lists shipped with the contracts, each read once on first use."""

import json
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def _entries(name: str) -> list[dict[str, Any]]:
    raw = files("contracts").joinpath(f"reference/{name}.json").read_text(encoding="utf-8")
    entries: list[dict[str, Any]] = json.loads(raw)
    return entries


def code_list(name: str, label: str = "nama") -> dict[str, str]:
    """SIASN list ``name``: code -> official label."""
    return {entry["id"]: entry[label] for entry in _entries(name)}


def training_kinds() -> dict[str, str]:
    """``jenisDiklat``: training kind code -> official name (codes "1" to "25")."""
    return code_list("jenisDiklat", label="jenis")


CLASSROOM_KINDS = frozenset(str(code) for code in range(1, 14))
"""jenisDiklat 1-13 are classroom (klasikal) learning, magang included; 14-25 are not."""

MAGANG = "10"


def penalty_levels() -> dict[str, str]:
    """``jenisHukuman``: penalty code -> level R light, S medium, B heavy (PP 94/2021)."""
    return code_list("jenisHukuman", label="jenisTingkatHukumanId")


def checker(name: str, what: str, label: str = "nama") -> Callable[[str], str]:
    """A validator that accepts only codes of list ``name`` and says where the list comes from."""

    def check(code: str) -> str:
        known = code_list(name, label)
        if code not in known:
            raise ValueError(f"unknown {what} {code!r}: use a SIASN {name} code")
        return code

    return check


def check_training_kind(code: str) -> str:
    """Raise ValueError naming the valid range when ``code`` is not a SIASN training kind."""
    if code not in training_kinds():
        raise ValueError(
            f"unknown training kind {code!r}: use a SIASN jenisDiklat code from 1 to {len(training_kinds())}"
        )
    return code
