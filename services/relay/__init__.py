"""Relay: the event store's notification log (the outbox) -> the EVENTS stream, in order, once."""
