"""``jejak audit verify`` against the store: read every row in notification order and check it alone.

Nothing here trusts the services: rows are read straight from ``jejak_events`` (a read-only
transaction, server-side cursor), the chain is recomputed in Python with the auditor's copy of
the formula (``services.audit.offline``), and checkpoints are checked against public keys that
come from the auditor (``--public-key``) or from the key folder, never from the database.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import psycopg

from services.audit.checkpoints import ROW_COLUMNS, read_head, row_of, stored_checkpoints
from services.audit.copies import compare_copies, unique
from services.audit.offline import GENESIS, ChainWalker, Checkpoint, Problem, Report, Row, check_checkpoints

PAGE = 5000


def store_rows(conn: psycopg.Connection[Any], start: int = 0, end: int | None = None) -> Iterator[Row]:
    """Stored events in notification order (between ``start`` and ``end`` inclusive), as the chain sees them.

    A server-side cursor, so memory stays flat however long the history.
    """
    with conn.cursor(name=f"jejak_audit_rows_{start}") as cursor:
        cursor.itersize = PAGE
        cursor.execute(
            f"SELECT {ROW_COLUMNS} FROM public.jejak_events "  # noqa: S608 (a constant column list)
            "WHERE notification_id >= %s AND notification_id <= %s ORDER BY notification_id",
            (start, end if end is not None else 2**63 - 1),
        )
        for record in cursor:
            yield row_of(record)


def snapshot(conn: psycopg.Connection[Any]) -> None:
    """Read-only and REPEATABLE READ: every statement of the next transaction sees the same moment,
    so a store that is being written to still verifies (at READ COMMITTED the head, read first,
    would lag the rows streamed after it)."""
    conn.read_only = True
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ


def count_rows(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM public.jejak_events").fetchone()
    return 0 if row is None else int(row[0])


def verify_store(
    database_url: str,
    keys: dict[str, Any],
    *,
    extra_checkpoints: Iterable[Checkpoint] = (),
    copies: Mapping[str, Sequence[Checkpoint]] | None = None,
    on_row: Callable[[Row], None] = lambda _: None,
) -> Report:
    """Recompute the whole chain, check the head and every checkpoint (stored, given, and the ``copies``
    kept in other places, by place name), and compare the copies with the store's list."""
    with psycopg.connect(database_url) as conn:
        snapshot(conn)
        with conn.transaction():  # one snapshot: rows, head and checkpoints as of one moment
            stored = list(stored_checkpoints(conn))
            kept = [copy for place in (copies or {}).values() for copy in place]
            checkpoints = unique([*stored, *extra_checkpoints, *kept])
            head = read_head(conn)
            walker = ChainWalker(start_prev=GENESIS)
            walker.keep_hashes_at = {checkpoint.position for checkpoint in checkpoints} | {head.position}
            for row in store_rows(conn):
                walker.feed(row)
                on_row(row)
    report = walker.finish()
    check_head(walker, head.position, head.hash)
    check_checkpoints(walker, checkpoints, keys)
    report.problems.extend(compare_copies(stored, copies or {}))  # with no copies: the store's numbering
    if not keys:
        report.problems.append(Problem(0, "unknown-key", "no trusted public key: nothing vouches for this history"))
    return report


def check_head(walker: ChainWalker, position: int, head_hash: bytes) -> None:
    """The trigger's head must be the last row: otherwise rows were removed from the end (or added around it)."""
    report = walker.report
    if position == 0 and report.rows == 0:
        return
    if report.last_position != position:
        where = (report.last_position or 0) + 1 if (report.last_position or 0) < position else position
        report.problems.append(
            Problem(
                where,
                "missing" if (report.last_position or 0) < position else "inserted",
                f"the chain's head says the last event is at position {position}, the history ends at "
                f"{report.last_position}",
            )
        )
    elif walker.stored_hash_at(position) != head_hash:
        report.problems.append(
            Problem(position, "changed", f"the chain's head hash differs from the hash stored at position {position}")
        )
