"""Domain exceptions: each says which rule was broken, in words a sender can act on."""


class RuleViolation(Exception):
    """A submission breaks a civil-service rule; it is refused, not retried."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


class EventIdReused(RuleViolation):
    """A sender used one event id for two different events."""

    def __init__(self, source: str, event_id: str) -> None:
        super().__init__(
            "event-id-reused",
            f"event_id {event_id!r} from {source!r} was already recorded with different content; "
            "use a new event_id for a new event",
        )


class ConcurrentChange(Exception):
    """Another writer changed the same record at the same moment; the save may be retried."""
