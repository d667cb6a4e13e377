"""Time in the demo city: the policy's working days, and the moments at which events happen.

Every story (an employee's career, a complaint's handling, a forum) is a ``Timeline`` whose events
happen at strictly increasing moments during office hours in West Sumatra (WIB, +07:00). Sorting
all stories' events by that moment (ties by creation order) interleaves them as real life would
and never puts an event before one it depends on, since a dependent event is always created later
and happens later.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from domain.policy import Policy

WIB = timezone(timedelta(hours=7))
OFFICE_OPENS, OFFICE_CLOSES = time(8, 0), time(15, 30)


class Calendar:
    """Working days as the policy counts them: Monday to Friday without its holidays."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def is_working(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.policy.holidays

    def on_or_after(self, day: date) -> date:
        return day if self.is_working(day) else self.policy.working_days_after(day, 1)

    def after(self, day: date, working_days: int) -> date:
        """``working_days`` working days after ``day``; 0 is ``day`` itself (moved to a working day)."""
        return self.on_or_after(day) if working_days <= 0 else self.policy.working_days_after(day, working_days)

    def between(self, rng: random.Random, first: date, last: date) -> date:
        """A random working day from ``first`` to ``last`` (``first`` when the range is empty)."""
        span = (last - first).days
        day = self.on_or_after(first + timedelta(days=rng.randint(0, max(span, 0))))
        return day if day <= last or span <= 0 else self.on_or_after(first)


@dataclass(frozen=True)
class Step:
    """An event of a story before it has a moment: the day it happens, who sends it, its fields."""

    day: date
    source: str
    event_type: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class Timed:
    """A step with its moment; ``serial`` is the creation order, which breaks ties between stories."""

    at: datetime
    serial: int
    step: Step


@dataclass
class Stories:
    """Every timed event of the city, and the randomness and horizon they share."""

    rng: random.Random
    horizon: date
    """Nothing happens after this day: later steps of a story are not (yet) there."""
    timed: list[Timed] = field(default_factory=list)

    def timeline(self, after: datetime | None = None) -> "Timeline":
        return Timeline(self, after)


class Timeline:
    """One story's events, at strictly increasing moments; it ends at the first step past the horizon."""

    def __init__(self, stories: Stories, after: datetime | None = None) -> None:
        self.stories = stories
        self.last = after
        self.ended = False

    def add(self, step: Step) -> datetime | None:
        """The moment ``step`` happens, or None when the story has reached the horizon."""
        if self.ended or step.day > self.stories.horizon:
            self.ended = True
            return None
        rng = self.stories.rng
        opens, closes = (datetime.combine(step.day, moment, WIB) for moment in (OFFICE_OPENS, OFFICE_CLOSES))
        at = opens + timedelta(seconds=rng.randint(0, int((closes - opens).total_seconds())))
        if self.last is not None and at <= self.last:
            at = self.last + timedelta(seconds=rng.randint(60, 1200))
        self.last = at
        self.stories.timed.append(Timed(at, len(self.stories.timed), step))
        return at

    def add_all(self, steps: list[Step]) -> None:
        """Add a story's steps in the order of their days (stable, so same-day steps keep their order)."""
        for step in sorted(steps, key=lambda s: s.day):
            if self.add(step) is None:
                return
