"""Every date and moment a submission states, by field path: what ``domain.chronology`` checks.

Ingest asks this of every submission, so each contract's fields that can hold a date (directly,
or through a nested model or a list) are found once per class from its annotations, and only
those fields are visited.
"""

from datetime import date, datetime
from functools import cache
from typing import Any, get_args

from pydantic import AwareDatetime, BaseModel, FutureDate, FutureDatetime, NaiveDatetime, PastDate, PastDatetime

DATED_TYPES: tuple[type, ...] = (date, AwareDatetime, NaiveDatetime, PastDate, FutureDate, PastDatetime, FutureDatetime)
"""A date or a moment: ``date`` (``datetime`` is one) and pydantic's constrained forms, which are not subclasses."""


def moments_in(event: BaseModel) -> dict[str, date | datetime]:
    """``{"start_date": date(...), "occurred_at": datetime(...), "evidence.0.signed_on": ...}``."""
    found: dict[str, date | datetime] = {}
    _collect(event, "", found)
    return found


def _collect(value: object, path: str, found: dict[str, date | datetime]) -> None:
    if isinstance(value, date):  # a datetime is a date too
        found[path] = value
    elif isinstance(value, BaseModel):
        for name in dated_fields(type(value)):
            _collect(getattr(value, name), f"{path}.{name}" if path else name, found)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _collect(item, f"{path}.{index}", found)


@cache
def dated_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` whose type can hold a date or a moment, nested ones included."""
    return tuple(name for name, info in model.model_fields.items() if _can_hold_dates(info.annotation))


def _can_hold_dates(annotation: Any) -> bool:
    if isinstance(annotation, type):
        if issubclass(annotation, DATED_TYPES):
            return True
        if issubclass(annotation, BaseModel):
            return bool(dated_fields(annotation))
        return False
    return any(_can_hold_dates(argument) for argument in get_args(annotation))  # unions, Annotated, list[...]
