"""Stored-event transcodings the library lacks: calendar dates are common in civil-service facts."""

from datetime import date

from eventsourcing.persistence import Transcoding


class DateAsISO(Transcoding):
    """``date`` <-> ``YYYY-MM-DD``."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)
