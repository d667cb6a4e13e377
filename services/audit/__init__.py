"""Audit: the hash chain over the event store, signed checkpoints, verification, the record as it stood, export."""
