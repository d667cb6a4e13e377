"""Deployable processes: ingest, relay, projection worker, API, the embedded runtime and the CLI."""
