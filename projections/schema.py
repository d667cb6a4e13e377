"""Tables of the read models and of their positions, created by the provisioning step."""

from typing import Any

from psycopg import Connection, sql

from projections.competency import COMPETENCY_TABLES
from projections.complaints import COMPLAINT_TABLES
from projections.compliance import DOSSIER_ENTRY_BY_KIND
from projections.directory import DIRECTORY_TABLES
from projections.dossier import DOSSIER_TABLES
from projections.performance import PERFORMANCE_TABLES
from projections.rejections import REJECTION_TABLES
from projections.standing import STANDING_TABLES
from projections.tracking import TRACKING_TABLE

ALL_TABLES: tuple[sql.SQL, ...] = (
    TRACKING_TABLE,
    *COMPETENCY_TABLES,
    *DIRECTORY_TABLES,
    *DOSSIER_TABLES,
    DOSSIER_ENTRY_BY_KIND,
    *PERFORMANCE_TABLES,
    *COMPLAINT_TABLES,
    *STANDING_TABLES,
    *REJECTION_TABLES,
)


def create_read_models(conn: Connection[Any]) -> None:
    """Idempotent: every statement is ``IF NOT EXISTS``."""
    with conn.transaction():
        for statement in ALL_TABLES:
            conn.execute(statement)
