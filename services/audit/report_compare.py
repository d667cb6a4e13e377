"""Is a rebuilt report the one the API gave? Canonical JSON, its SHA-256, and the first differences.

Both sides are parsed JSON, so key order and whitespace never count as a difference; numbers are
compared by value (``24`` and ``24.0`` are one number in JSON), but ``true`` is never ``1``. The
digest follows the same rule, so two reports the comparison calls identical have one digest.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

SHOWN = 10
"""How many differences a reader is shown; the rest are counted."""


@dataclass(frozen=True)
class Difference:
    """One place where the saved report and the rebuilt one disagree."""

    path: str
    """Where, e.g. ``units[0].median_jp``; ``$`` is the whole report."""
    saved: str
    rebuilt: str

    def __str__(self) -> str:
        return f"{self.path}: saved {self.saved}, rebuilt {self.rebuilt}"


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8, integral numbers without a fraction: one text per report."""
    return json.dumps(_normalised(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(value: Any) -> str:
    """SHA-256 of the canonical JSON, hex: what two parties compare without exchanging reports."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def differences(saved: Any, rebuilt: Any, path: str = "$") -> list[Difference]:
    """Every difference, in document order: keys of a saved object first, then keys only the rebuilt one has."""
    if _is_number(saved) and _is_number(rebuilt):
        return [] if saved == rebuilt else [Difference(path, _show(saved), _show(rebuilt))]
    if type(saved) is not type(rebuilt):
        return [Difference(path, _show(saved), _show(rebuilt))]
    if isinstance(saved, dict):
        return _object_differences(saved, rebuilt, path)
    if isinstance(saved, list):
        return _list_differences(saved, rebuilt, path)
    return [] if saved == rebuilt else [Difference(path, _show(saved), _show(rebuilt))]


def _object_differences(saved: dict[str, Any], rebuilt: dict[str, Any], path: str) -> list[Difference]:
    found: list[Difference] = []
    for key in [*saved, *(key for key in rebuilt if key not in saved)]:
        where = f"{path}.{key}" if path != "$" else key
        if key not in rebuilt:
            found.append(Difference(where, _show(saved[key]), "(absent)"))
        elif key not in saved:
            found.append(Difference(where, "(absent)", _show(rebuilt[key])))
        else:
            found.extend(differences(saved[key], rebuilt[key], where))
    return found


def _list_differences(saved: list[Any], rebuilt: list[Any], path: str) -> list[Difference]:
    found: list[Difference] = []
    if len(saved) != len(rebuilt):
        found.append(Difference(f"{path} (length)", f"{len(saved)} items", f"{len(rebuilt)} items"))
    for index in range(max(len(saved), len(rebuilt))):
        where = f"{path}[{index}]"
        if index >= len(rebuilt):
            found.append(Difference(where, _show(saved[index]), "(absent)"))
        elif index >= len(saved):
            found.append(Difference(where, "(absent)", _show(rebuilt[index])))
        else:
            found.extend(differences(saved[index], rebuilt[index], where))
    return found


def describe(found: list[Difference], shown: int = SHOWN) -> str:
    """The first ``shown`` differences, one a line, and how many more there are."""
    lines = [f"  {difference}" for difference in found[:shown]]
    if len(found) > shown:
        lines.append(f"  … and {len(found) - shown} more")
    return "\n".join(lines)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _normalised(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    return value


def _show(value: Any, width: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= width else text[: width - 1] + "…"
