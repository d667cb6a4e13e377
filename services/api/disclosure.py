"""Public figures never identify a person: a unit whose figures are about too few is withheld.

A public token reads aggregates only, but a unit of one or two people (or a unit with one
complaint, or one reward) makes its "aggregate" a statement about someone recognisable. So for
the public role every report leaves out the units whose figures rest on fewer people, complaints
or rewards than the policy's ``[disclosure] public_minimum_cell`` (5), says how many it left
out, and computes no total from which they could be recovered. Other roles see every unit.
"""

from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel, Field

from services.api.auth import Caller
from services.tokens import Role

Unit = TypeVar("Unit")


class Withheld(BaseModel):
    """What a public report left out, and why."""

    withheld_units: int = Field(
        default=0, description="Units left out of this answer because their figures rest on too few (public role)."
    )
    withheld_below: int | None = Field(
        default=None, description="The least number of people (or cases) a unit's figures must rest on to be shown."
    )


def disclosed(
    caller: Caller, units: Sequence[Unit], base: Callable[[Unit], int], minimum: int
) -> tuple[list[Unit], Withheld]:
    """``units`` as ``caller`` may see them: for the public role, those whose ``base`` reaches ``minimum``."""
    if caller.role is not Role.PUBLIC:
        return list(units), Withheld()
    shown = [unit for unit in units if base(unit) >= minimum]
    return shown, Withheld(withheld_units=len(units) - len(shown), withheld_below=minimum)
