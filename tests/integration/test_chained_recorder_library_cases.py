"""The library's own recorder test cases, run against our chained recorder on the real PostgreSQL.

``ChainedApplicationRecorder`` subclasses eventsourcing's ``PostgresApplicationRecorder`` (it adds
the hash chain and takes the table lock through a function), so it must still pass every case
the library holds its recorders to, concurrency included; after each case the chain it left
behind must verify.
"""

from typing import ClassVar
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.tests.persistence import ApplicationRecorderTestCase, NonInterleavingNotificationIDsBaseCase
from psycopg import conninfo, sql

from services.audit.offline import GENESIS, ChainWalker, Row
from services.event_store import ChainedApplicationRecorder
from tests.conftest import Stack

pytestmark = pytest.mark.integration

TABLE = "stored_events"


class _OnAFreshDatabase:
    """Each case gets a fresh database (the library's cases assume an empty table)."""

    admin_url: ClassVar[str]
    owner_url: ClassVar[str]
    services_role: ClassVar[str]
    as_services: ClassVar[bool] = False
    """Write as the services' append-only role (the lock taken through the SECURITY DEFINER function)."""
    database: str
    datastore: PostgresDatastore
    services_datastore: PostgresDatastore | None = None

    def setUp(self) -> None:
        self.database = f"recorder_{uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))
        parts = conninfo.conninfo_to_dict(self.owner_url)
        self.datastore = PostgresDatastore(
            dbname=self.database,
            host=str(parts["host"]),
            port=str(parts["port"]),
            user=str(parts["user"]),
            password=str(parts.get("password") or ""),
            pool_size=12,
            max_overflow=4,
        )

    def tearDown(self) -> None:
        try:
            assert_chain_verifies(self.datastore)
        finally:
            if self.services_datastore is not None:
                self.services_datastore.close()
            self.datastore.close()
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(self.database)))

    def create_recorder(self) -> ChainedApplicationRecorder:
        recorder = ChainedApplicationRecorder(self.datastore, events_table_name=TABLE)
        recorder.create_table()
        if not self.as_services:
            return recorder
        with self.datastore.transaction(commit=True) as curs:
            role = sql.Identifier(self.services_role)
            curs.execute(
                sql.SQL("GRANT SELECT, INSERT (originator_id, originator_version, topic, state) ON {} TO {}").format(
                    sql.Identifier(TABLE), role
                )
            )
            curs.execute(
                sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(sql.Identifier(f"{TABLE}_notification_id_seq"), role)
            )
            curs.execute(sql.SQL("GRANT EXECUTE ON FUNCTION {}() TO {}").format(sql.Identifier(f"{TABLE}_lock"), role))
        if self.services_datastore is None:
            parts = conninfo.conninfo_to_dict(self.owner_url)
            self.services_datastore = PostgresDatastore(
                dbname=self.database,
                host=str(parts["host"]),
                port=str(parts["port"]),
                user=self.services_role,
                password="",
                pool_size=12,
                max_overflow=4,
            )
        return ChainedApplicationRecorder(self.services_datastore, events_table_name=TABLE)


def assert_chain_verifies(datastore: PostgresDatastore) -> None:
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            sql.SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state, prev_hash, hash "
                "FROM {} ORDER BY notification_id"
            ).format(sql.Identifier(TABLE))
        )
        rows = curs.fetchall()
    walker = ChainWalker(GENESIS)
    for row in rows:
        walker.feed(
            Row(
                position=row["notification_id"],
                prev_hash=bytes(row["prev_hash"]),
                hash=bytes(row["hash"]),
                aggregate_id=row["originator_id"],
                version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
        )
    report = walker.finish()
    assert report.ok, report.problems


class TestChainedApplicationRecorder(_OnAFreshDatabase, ApplicationRecorderTestCase[ChainedApplicationRecorder]):
    pass


class TestChainedRecorderNonInterleaving(_OnAFreshDatabase, NonInterleavingNotificationIDsBaseCase):
    pass


class TestChainedApplicationRecorderAsTheServicesRole(
    _OnAFreshDatabase, ApplicationRecorderTestCase[ChainedApplicationRecorder]
):
    as_services = True


class TestChainedRecorderNonInterleavingAsTheServicesRole(_OnAFreshDatabase, NonInterleavingNotificationIDsBaseCase):
    as_services = True


@pytest.fixture(autouse=True, scope="module")
def _servers(stack: Stack) -> None:
    if stack.servers is None or stack.servers.admin_database_url is None:
        pytest.skip("needs the embedded servers (creates databases)")
    _OnAFreshDatabase.admin_url = stack.servers.admin_database_url
    _OnAFreshDatabase.owner_url = stack.owner_database_url
    _OnAFreshDatabase.services_role = str(conninfo.conninfo_to_dict(stack.database_url)["user"])


def test_the_insert_path_without_a_table_lock_is_refused() -> None:
    datastore = PostgresDatastore(
        dbname="unused", host="127.0.0.1", port="1", user="u", password="", enable_db_functions=True
    )
    with pytest.raises(ValueError, match="POSTGRES_ENABLE_DB_FUNCTIONS"):
        ChainedApplicationRecorder(datastore, events_table_name=TABLE)
