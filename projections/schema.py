"""Tables of the read models and of their positions, created by the provisioning step."""

from typing import Any

from psycopg import Connection

from projections.tracking import TRACKING_NOTIFY, TRACKING_TABLE
from projections.worker import PROJECTIONS


def create_read_models(conn: Connection[Any]) -> None:
    """Idempotent: every statement is ``IF NOT EXISTS``."""
    with conn.transaction():
        conn.execute(TRACKING_TABLE)
        for notify in TRACKING_NOTIFY:
            conn.execute(notify)
        for projection in PROJECTIONS:
            for statement in projection.ddl:
                conn.execute(statement)
