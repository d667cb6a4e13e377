"""The report API: read models over HTTP, each answer stamped with its store position."""
