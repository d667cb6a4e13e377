"""Ingest: INBOX -> contract -> domain -> event store, or REJECTED with a reason."""
