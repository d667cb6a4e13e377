"""Which failures pass by themselves: the line between retrying for ever and parking a submission.

Transient: the database or NATS away or restarting, a lock or statement timeout, a pool with no
connection free, a deadlock or serialisation failure, another writer in the way. These are retried
until they pass and never turn into a rejection. Anything else that is not a rule (``RuleViolation``)
is a fault of Jejak's own: retried a few times, then parked (``services.ingest.parking``).
"""

import eventsourcing.persistence
import nats.errors
import psycopg

from domain.errors import ConcurrentChange

TRANSIENT: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,  # connection lost, admin shutdown, lock_timeout, deadlock, pool timeout
    psycopg.InterfaceError,
    eventsourcing.persistence.OperationalError,
    eventsourcing.persistence.InterfaceError,
    nats.errors.Error,  # no server, timeouts, a stream not (yet) there
    OSError,  # sockets; TimeoutError
    ConcurrentChange,
)


def is_transient(error: BaseException) -> bool:
    """True when retrying later may succeed without anyone changing code or input."""
    return isinstance(error, TRANSIENT)
