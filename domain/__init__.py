"""The civil-service domain: aggregates with their rules and the application that saves them.

No I/O library and no wire format is imported here; services translate contracts into the
plain commands defined in this package.
"""
