"""OrganisationUnit: an OPD (organisasi perangkat daerah) and the yearly rating of its performance.

Employee predikat distributions are compared with the unit's own predikat in reports; a deviation
is flagged there, never rejected here.
"""

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.identity import organisation_unit_id
from domain.provenance import Provenance

ORGANISATION_PREDIKAT = ("istimewa", "baik", "butuh-perbaikan", "kurang", "sangat-kurang")


class OrganisationUnit(Aggregate):
    """A unit keyed by its code, opened by the first fact recorded about it."""

    class PerformanceRated(Aggregate.Event):
        provenance: Provenance
        year: int
        predikat: str
        unit_name: str

        def apply(self, aggregate: "OrganisationUnit") -> None:
            aggregate.ratings[self.year] = self.predikat

    @staticmethod
    def create_id(unit_code: str) -> UUID:
        return organisation_unit_id(unit_code)

    @event("Opened")
    def __init__(self, unit_code: str) -> None:
        self.unit_code = unit_code
        self.ratings: dict[int, str] = {}

    def rate_performance(self, provenance: Provenance, **fields: Any) -> None:
        """One organisation predikat per unit per year."""
        if fields["predikat"] not in ORGANISATION_PREDIKAT:
            raise RuleViolation(
                "organisation-predikat-invalid", f"unknown organisation predikat {fields['predikat']!r}"
            )
        if fields["year"] in self.ratings:
            raise RuleViolation(
                "unit-year-already-rated",
                f"unit {self.unit_code} is already rated {self.ratings[fields['year']]} for {fields['year']}",
            )
        self.trigger_event(self.PerformanceRated, provenance=provenance, **fields)
