"""Official SIASN code lists shipped with the contracts, read once on first use."""

import json
from functools import cache
from importlib.resources import files


@cache
def training_kinds() -> dict[str, str]:
    """SIASN ``jenisDiklat``: training kind code -> official name (codes "1" to "25")."""
    raw = files("contracts").joinpath("reference/jenisDiklat.json").read_text(encoding="utf-8")
    return {entry["id"]: entry["jenis"] for entry in json.loads(raw)}


def check_training_kind(code: str) -> str:
    """Raise ValueError naming the valid range when ``code`` is not a SIASN training kind."""
    if code not in training_kinds():
        raise ValueError(
            f"unknown training kind {code!r}: use a SIASN jenisDiklat code from 1 to {len(training_kinds())}"
        )
    return code
