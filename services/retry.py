"""Back-off for messages that failed for a reason that may pass (a database restart, a lock)."""


def backoff_seconds(deliveries: int, ceiling: float) -> float:
    """1, 2, 4, ... seconds by delivery count, capped: retried for ever, never dropped."""
    return float(min(2 ** max(deliveries - 1, 0), ceiling))
