"""What every record of the demo city reads: the policy, the calendar, the years, and who heads what."""

from dataclasses import dataclass
from datetime import date

from domain.policy import Policy
from services.demo.people import Person
from services.demo.timeline import Calendar


@dataclass(frozen=True)
class CityContext:
    """The city's rules, time and chain of command."""

    policy: Policy
    calendar: Calendar
    years: range
    heads: dict[str, str]
    """Unit code -> the NIP of its head."""
    secretary: str
    """The Sekretaris Daerah's NIP: superior and appraiser of every head."""
    unit_ratings: dict[tuple[str, int], str]
    """(unit code, year) -> the unit's predikat that year."""

    def superior(self, person: Person, day: date) -> str | None:
        """The head of the person's unit on ``day``; for heads the Sekretaris Daerah, who has no ASN superior."""
        if person.is_head:
            return None if person.nip == self.secretary else self.secretary
        return self.heads[person.posting_on(day).unit.code]
