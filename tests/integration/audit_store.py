"""A store of its own per audit test (a fresh database on the session's PostgreSQL), and a superuser to tamper.

Tampering needs the embedded server's superuser; each test gets its own database so a tampered
history never reaches another test.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from psycopg import conninfo, sql

from domain.records import Records
from services.audit.checkpoints import take_checkpoint
from services.audit.keys import SigningKey, generate_key, public_keys
from services.audit.offline import Checkpoint, Report
from services.audit.verify import verify_store
from services.database import create_database_if_missing, open_records, provision_schema
from services.database_urls import service_database_url
from tests.builders import record_training, register_in
from tests.conftest import Stack


def in_database(url: str, name: str) -> str:
    parts = conninfo.conninfo_to_dict(url)
    parts["dbname"] = name
    return conninfo.make_conninfo(**parts)  # type: ignore[arg-type]


@dataclass
class AuditStore:
    services_url: str
    """The operator's login: reads the store and signs checkpoints, appends nothing."""
    owner_url: str
    """The superuser: the one who can tamper."""
    records: Records
    key: SigningKey
    key_dir: Path

    @property
    def writer_url(self) -> str:
        """Ingest's login: the one that may append to the store (and nothing more there)."""
        return service_database_url(self.services_url, "ingest")

    def fill(self, employees: int = 3, trainings: int = 2) -> None:
        for _ in range(employees):
            nip = register_in(self.records)
            for _ in range(trainings):
                record_training(self.records, nip)

    def checkpoint(self) -> Checkpoint:
        signed = take_checkpoint(self.services_url, self.key)
        assert signed is not None
        return signed

    def verify(self, extra: list[Checkpoint] | None = None) -> Report:
        return verify_store(self.services_url, public_keys(self.key_dir), extra_checkpoints=extra or [])

    def positions(self) -> list[int]:
        with psycopg.connect(self.services_url) as conn:
            rows = conn.execute("SELECT notification_id FROM jejak_events ORDER BY notification_id").fetchall()
        return [int(row[0]) for row in rows]

    @contextmanager
    def superuser(self) -> Iterator[psycopg.Connection[Any]]:
        """A superuser session with ordinary triggers off, as an attacker with the server's keys would use."""
        with psycopg.connect(self.owner_url) as conn:
            conn.execute("SET session_replication_role = replica")
            yield conn


@contextmanager
def audit_store(stack: Stack, tmp_path: Path) -> Iterator[AuditStore]:
    if stack.servers is None or stack.servers.admin_database_url is None:
        pytest.skip("tampering needs the embedded servers' superuser")
    name = f"audit_{uuid4().hex[:12]}"
    create_database_if_missing(stack.servers.admin_database_url, name)
    services_url, owner_url = in_database(stack.database_url, name), in_database(stack.owner_database_url, name)
    provision_schema(services_url, owner_url)
    records = open_records(service_database_url(services_url, "ingest"))  # the one login that appends
    key_dir = tmp_path / "keys"
    try:
        yield AuditStore(services_url, owner_url, records, generate_key(key_dir), key_dir)
    finally:
        records.close()
        with psycopg.connect(stack.servers.admin_database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
