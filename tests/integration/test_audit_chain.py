"""The hash chain on the real PostgreSQL: computed as rows are written, append-only, and every tampering located."""

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from nats.js.errors import NotFoundError
from psycopg import conninfo, sql
from typer.testing import CliRunner

from domain.records import SNAPSHOT_EVERY
from services.audit.checkpointer import Checkpointer
from services.audit.checkpoints import ChainRewritten, store_holds, take_checkpoint
from services.audit.copies import AUDIT_PLACE
from services.audit.keys import generate_key, public_keys
from services.audit.offline import GENESIS, Checkpoint, event_hash
from services.audit.snapshots import check_snapshots
from services.audit.verify import verify_store
from services.audit.witness import witness
from services.cli import app
from services.database import provision_schema
from services.database_urls import service_database_url
from services.store_roles import RoleError
from tests.builders import record_training, register_in
from tests.conftest import Stack
from tests.integration.audit_store import AuditStore, audit_store

pytestmark = pytest.mark.integration


@pytest.fixture
def store(stack: Stack, tmp_path: Path) -> Iterator[AuditStore]:
    with audit_store(stack, tmp_path) as fresh:
        fresh.fill()
        yield fresh


def test_each_row_carries_the_hash_the_auditors_formula_gives(store: AuditStore) -> None:
    with psycopg.connect(store.writer_url) as conn:
        rows = conn.execute(
            "SELECT notification_id, originator_id, originator_version, topic, state, prev_hash, hash "
            "FROM jejak_events ORDER BY notification_id"
        ).fetchall()
        head = conn.execute("SELECT position, hash FROM jejak_events_chain_head").fetchone()
    assert len(rows) == 3 * (2 + 2 * 2)  # per employee: registration + receipt, two trainings + receipts
    previous = GENESIS
    for position, aggregate_id, version, topic, state, prev_hash, stored in rows:
        assert bytes(prev_hash) == previous
        assert bytes(stored) == event_hash(previous, position, aggregate_id, version, topic, bytes(state))
        previous = bytes(stored)
    assert head == (rows[-1][0], previous)
    report = store.verify()
    assert report.ok, report.problems
    assert report.rows == len(rows)


def test_the_services_role_can_only_append(store: AuditStore) -> None:
    with psycopg.connect(store.writer_url, autocommit=True) as conn:
        for statement in (
            "UPDATE jejak_events SET topic = topic",
            "DELETE FROM jejak_events",
            "TRUNCATE jejak_events",
            "ALTER TABLE jejak_events DISABLE TRIGGER jejak_events_refuse_change",
            "UPDATE jejak_events_chain_head SET position = 0",
            "DELETE FROM jejak_checkpoints",
            "UPDATE jejak_snapshots SET state = state",  # the rules read them: only added, like events
            "DELETE FROM jejak_snapshots",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    register_in(store.records)  # and appending still works, table lock included
    assert store.verify().ok


def test_even_the_owner_is_refused_while_the_triggers_stand(store: AuditStore) -> None:
    store.checkpoint()
    with psycopg.connect(store.owner_url, autocommit=True) as conn:
        for statement in ("UPDATE jejak_events SET topic = topic", "DELETE FROM jejak_events", "TRUNCATE jejak_events"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute("DELETE FROM jejak_checkpoints")


def test_a_changed_byte_is_found_at_its_position(store: AuditStore) -> None:
    target = store.positions()[7]
    with store.superuser() as conn:
        conn.execute(
            "UPDATE jejak_events SET state = overlay(state placing '\\x21'::bytea from 20 for 1) "
            "WHERE notification_id = %s",
            (target,),
        )
    report = store.verify()
    assert not report.ok
    first = report.first_problem
    assert first is not None
    assert (first.position, first.kind) == (target, "changed")
    assert len(report.problems) == 1


def test_a_deleted_row_is_found_where_the_chain_breaks(store: AuditStore) -> None:
    positions = store.positions()
    with store.superuser() as conn:
        conn.execute("DELETE FROM jejak_events WHERE notification_id = %s", (positions[5],))
    report = store.verify()
    first = report.first_problem
    assert first is not None
    assert (first.position, first.kind) == (positions[6], "missing")


def test_two_swapped_rows_are_found_as_reordered(store: AuditStore) -> None:
    positions = store.positions()
    a, b = positions[3], positions[9]
    with store.superuser() as conn:
        conn.execute("UPDATE jejak_events SET notification_id = -1 WHERE notification_id = %s", (a,))
        conn.execute("UPDATE jejak_events SET notification_id = %s WHERE notification_id = %s", (a, b))
        conn.execute("UPDATE jejak_events SET notification_id = %s WHERE notification_id = -1", (b,))
    report = store.verify()
    first = report.first_problem
    assert first is not None
    assert (first.position, first.kind) == (a, "reordered")
    assert {(problem.position, problem.kind) for problem in report.problems} == {(a, "reordered"), (b, "reordered")}


def test_a_row_inserted_without_recomputing_the_chain_is_found(store: AuditStore) -> None:
    with psycopg.connect(store.owner_url, autocommit=True) as conn:  # a gap, as a rolled-back insert leaves one
        burnt = conn.execute("SELECT nextval('jejak_events_notification_id_seq')").fetchone()
    assert burnt is not None
    gap = int(burnt[0])
    store.fill(employees=1, trainings=1)
    with store.superuser() as conn:
        before = conn.execute(
            "SELECT hash FROM jejak_events WHERE notification_id < %s ORDER BY notification_id DESC LIMIT 1", (gap,)
        ).fetchone()
        source = conn.execute(
            "SELECT originator_id, originator_version, topic, state FROM jejak_events WHERE notification_id = 3"
        ).fetchone()
        assert before is not None
        assert source is not None
        aggregate_id, version, topic, state = source
        forged = event_hash(bytes(before[0]), gap, aggregate_id, int(version) + 1000, str(topic), bytes(state))
        conn.execute(  # chained onto the row before it, as an attacker would, but the next row is not rechained
            "INSERT INTO jejak_events (originator_id, originator_version, topic, state, notification_id, "
            "prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (aggregate_id, int(version) + 1000, topic, state, gap, bytes(before[0]), forged),
        )
    report = store.verify()
    assert [(problem.kind, problem.position) for problem in report.problems] == [("inserted", gap)]


def test_no_row_is_chained_out_of_position_order(store: AuditStore) -> None:
    positions = store.positions()
    insert = (
        "INSERT INTO jejak_events (originator_id, originator_version, topic, state, notification_id) "
        "SELECT originator_id, originator_version + 1000, topic, state, %s FROM jejak_events WHERE notification_id = %s"
    )
    # even the owner, while the triggers stand
    with (
        psycopg.connect(store.owner_url, autocommit=True) as conn,
        pytest.raises(psycopg.errors.RaiseException, match="appended in order"),
    ):
        conn.execute(insert, (positions[3], positions[0]))
    with psycopg.connect(store.writer_url, autocommit=True) as conn:  # the services cannot name a position
        for column in ("notification_id", "hash", "prev_hash"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(
                    f"INSERT INTO jejak_events (originator_id, originator_version, topic, state, {column}) "  # noqa: S608
                    "VALUES (gen_random_uuid(), 1, 't', ''::bytea, NULL)"
                )
    assert store.verify().ok


RAW_INSERT = (
    "INSERT INTO jejak_events (originator_id, originator_version, topic, state) "
    "SELECT gen_random_uuid(), 1, 'raw', convert_to(n::text, 'UTF8') FROM generate_series(1, %s) n"
)


def test_writers_that_skip_the_table_lock_are_serialised_by_the_chain_head(store: AuditStore) -> None:
    """No fork: a second writer waits for the first, then chains onto what the first stored."""
    finished = threading.Event()
    failures: list[BaseException] = []

    def second_writer() -> None:
        try:
            with psycopg.connect(store.writer_url, autocommit=True) as conn:
                conn.execute(RAW_INSERT, (2,))
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            failures.append(error)
        finished.set()

    with psycopg.connect(store.writer_url) as first:
        first.execute(RAW_INSERT, (3,))  # several rows in one statement
        first.execute(RAW_INSERT, (1,))  # and a second statement in the same transaction
        writer = threading.Thread(target=second_writer)
        writer.start()
        assert not finished.wait(1.0)  # held by the head row the first writer locked
        first.commit()
    writer.join()
    assert not failures
    report = store.verify()
    assert report.ok, report.problems
    assert report.rows == len(store.positions())


def test_a_writer_whose_snapshot_predates_another_commit_fails_instead_of_forking(store: AuditStore) -> None:
    with psycopg.connect(store.writer_url) as late:
        late.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        late.execute("SELECT count(*) FROM jejak_events")  # the snapshot is taken here
        with psycopg.connect(store.writer_url, autocommit=True) as early:
            early.execute(RAW_INSERT, (1,))
        with pytest.raises(psycopg.errors.SerializationFailure):
            late.execute(RAW_INSERT, (1,))
    assert store.verify().ok


def test_checkpoints_enter_only_through_the_function_and_only_on_the_chain(store: AuditStore) -> None:
    signed = store.checkpoint()
    call = "SELECT public.jejak_store_checkpoint(%s, %s, 'now', 'k', ''::bytea)"
    with psycopg.connect(store.writer_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO jejak_checkpoints (position, head_hash, signed_at, key_id, signature) "
                "VALUES (9223372036854775807, ''::bytea, 'now', 'k', ''::bytea)"
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # ingest appends events, it does not sign
            conn.execute(call, (signed.position, signed.hash))
    with psycopg.connect(service_database_url(store.services_url, "checkpoints"), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="not on the chain"):
            conn.execute(call, (9223372036854775807, signed.hash))
        with pytest.raises(psycopg.errors.RaiseException, match="not on the chain"):
            conn.execute(call, (signed.position, bytes(32)))


def test_a_junk_checkpoint_row_neither_stops_the_signing_nor_passes_verification(store: AuditStore) -> None:
    signed = store.checkpoint()
    junk = (
        "INSERT INTO jejak_checkpoints (position, head_hash, signed_at, key_id, signature) VALUES (%s, %s, %s, %s, %s)"
    )
    # malformed values would break every reader: refused even here
    with store.superuser() as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(junk, (1, signed.hash, "sekarang ✓", store.key.key_id, signed.signature))
    with store.superuser() as conn:  # well-formed, at a huge position, but not signed by the key
        conn.execute(junk, (9223372036854775807, bytes(32), signed.signed_at, store.key.key_id, bytes(64)))
    store.fill(employees=1, trainings=0)
    assert take_checkpoint(store.services_url, store.key, only_if_moved=True) is not None
    problems = store.verify().problems
    assert {problem.kind for problem in problems} == {"signature", "checkpoint"}
    # the refused insert above used up an id: the numbering shows the meddling too
    assert [p.detail for p in problems if p.kind == "checkpoint"] == [
        "checkpoint #2 is missing from the store: deleted, or refused after its number was taken"
    ]


def test_verify_sees_one_snapshot_while_events_are_being_written(store: AuditStore) -> None:
    stop = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        try:
            while not stop.is_set():
                register_in(store.records)
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            failures.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        reports = [store.verify() for _ in range(5)]
    finally:
        stop.set()
        writer.join()
    assert not failures
    assert all(report.ok for report in reports), [report.problems for report in reports if not report.ok]
    assert reports[-1].rows > reports[0].rows  # the writer really was writing meanwhile


def test_a_forged_row_with_a_recomputed_chain_is_caught_by_the_signed_checkpoint(store: AuditStore) -> None:
    before = store.checkpoint()
    store.fill(employees=2, trainings=1)
    after = store.checkpoint()
    positions = store.positions()
    forged_at = [p for p in positions if before.position < p < after.position][2] + 1
    with store.superuser() as conn:
        conn.execute(
            "UPDATE jejak_events SET notification_id = -notification_id WHERE notification_id >= %s", (forged_at,)
        )
        conn.execute("UPDATE jejak_events SET notification_id = 1 - notification_id WHERE notification_id < 0")
        conn.execute(
            "INSERT INTO jejak_events (originator_id, originator_version, topic, state, notification_id) "
            "SELECT originator_id, originator_version + 1000, topic, state, %s FROM jejak_events "
            "WHERE notification_id = %s",
            (forged_at, positions[0]),
        )
        recompute_chain(conn)
    report = store.verify()
    assert not report.ok
    kinds = {problem.kind for problem in report.problems}
    assert kinds == {"checkpoint"}, report.problems  # the chain itself is consistent again
    first = report.first_problem
    assert first is not None
    assert before.position < first.position <= forged_at <= after.position + 1
    assert f"and position {after.position}" in first.detail


def test_a_truncated_tail_is_caught_by_the_checkpoint_even_with_the_head_rewritten(store: AuditStore) -> None:
    signed = store.checkpoint()
    positions = store.positions()
    with store.superuser() as conn:
        conn.execute("DELETE FROM jejak_events WHERE notification_id > %s", (positions[-4],))
        conn.execute(
            "UPDATE jejak_events_chain_head SET position = %s, hash = (SELECT hash FROM jejak_events "
            "WHERE notification_id = %s)",
            (positions[-4], positions[-4]),
        )
    report = store.verify()
    first = report.first_problem
    assert first is not None
    assert (first.position, first.kind) == (positions[-4] + 1, "missing")
    assert str(signed.position) in first.detail


def test_a_truncated_tail_without_a_checkpoint_is_caught_by_the_head(store: AuditStore) -> None:
    positions = store.positions()
    with store.superuser() as conn:
        conn.execute("DELETE FROM jejak_events WHERE notification_id > %s", (positions[-3],))
    first = store.verify().first_problem
    assert first is not None
    assert (first.position, first.kind) == (positions[-3] + 1, "missing")


def test_an_earlier_checkpoint_file_proves_the_history_extends_it(store: AuditStore, tmp_path: Path) -> None:
    kept = Checkpoint.from_json(json.loads(json.dumps(store.checkpoint().to_json())))
    store.fill(employees=1)
    assert store.verify([kept]).ok
    with store.superuser() as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("DELETE FROM jejak_checkpoints")  # hide the stored copy: the auditor's file remains
        target = store.positions()[1]
        conn.execute(
            "UPDATE jejak_events SET state = overlay(state placing '\\x21'::bytea from 20 for 1) "
            "WHERE notification_id = %s",
            (target,),
        )
        recompute_chain(conn)
    assert store.verify().ok  # without the auditor's copy the rewrite is consistent
    report = store.verify([kept])
    assert [problem.kind for problem in report.problems] == ["checkpoint"]


def test_a_checkpoint_signed_by_another_key_is_refused(store: AuditStore, tmp_path: Path) -> None:
    stranger = generate_key(tmp_path / "stranger")
    take_checkpoint(store.services_url, stranger)
    report = store.verify()
    assert [problem.kind for problem in report.problems] == ["unknown-key"]


def test_the_verify_command_exits_0_only_when_everything_verifies(store: AuditStore, tmp_path: Path) -> None:
    store.checkpoint()
    env = {"JEJAK_DATABASE_URL": store.services_url, "JEJAK_AUDIT_KEY_DIR": str(store.key_dir)}
    runner = CliRunner()
    good = runner.invoke(app, ["audit", "verify", "--no-stream"], env=env)
    assert good.exit_code == 0, good.output
    assert "VERIFIED" in good.output
    key_file = tmp_path / "jejak.pem"
    exported = runner.invoke(app, ["audit", "public-key", "--out", str(key_file)], env=env)
    assert exported.exit_code == 0, exported.output
    target = store.positions()[2]
    with store.superuser() as conn:
        conn.execute(
            "UPDATE jejak_events SET topic = topic || 'x' WHERE notification_id = %s",
            (target,),
        )
    bad = runner.invoke(app, ["audit", "verify", "--no-stream", "--public-key", str(key_file)], env=env)
    assert bad.exit_code == 1
    assert f"PROBLEM at position {target} [changed]" in bad.output


def test_rotating_the_key_keeps_old_checkpoints_verifiable(store: AuditStore) -> None:
    old = store.checkpoint()
    env = {"JEJAK_DATABASE_URL": store.services_url, "JEJAK_AUDIT_KEY_DIR": str(store.key_dir)}
    rotated = CliRunner().invoke(app, ["audit", "keys", "rotate"], env=env)
    assert rotated.exit_code == 0, rotated.output
    new_id = (store.key_dir / "current").read_text().strip()
    assert new_id != old.key_id
    assert not (store.key_dir / f"signing-{old.key_id}.pem").exists()  # the old private key is destroyed
    assert (store.key_dir / f"public-{old.key_id}.pem").exists()  # its public key stays, for old checkpoints
    report = store.verify()
    assert report.ok, report.problems
    assert report.checkpoints_checked == 2
    listed = CliRunner().invoke(app, ["audit", "public-key", "--all"], env=env)
    assert f"# key {old.key_id}" in listed.output
    assert f"# key {new_id}" in listed.output
    generate_again = CliRunner().invoke(app, ["audit", "keys", "generate"], env=env)
    assert generate_again.exit_code == 1


class RecordingJetStream:
    """Stands in for the AUDIT stream here: these tests are about what is signed, not about delivery (see
    tests/e2e); like AUDIT, it keeps what was published whatever happens to the database."""

    def __init__(self) -> None:
        self.published: list[bytes] = []

    async def get_last_msg(self, stream: str, subject: str) -> object:
        if not self.published:
            raise NotFoundError
        return SimpleNamespace(data=self.published[-1], headers={})

    async def publish(self, subject: str, payload: bytes, **_: object) -> None:
        self.published.append(payload)


async def test_the_checkpoint_service_signs_with_a_key_rotated_in_while_it_runs(store: AuditStore) -> None:
    js = RecordingJetStream()
    service = Checkpointer(store.services_url, js, store.key_dir, interval_seconds=60)  # type: ignore[arg-type]
    await service.once()
    first = Checkpoint.from_json(json.loads(js.published[-1]))
    assert first.key_id == store.key.key_id
    rotated = generate_key(store.key_dir)
    store.fill(employees=1, trainings=0)
    await service.once()
    second = Checkpoint.from_json(json.loads(js.published[-1]))
    assert second.key_id == rotated.key_id
    assert second.position > first.position
    assert store.verify().ok


@pytest.mark.parametrize(
    ("power", "reason"),
    [
        ("ALTER ROLE {} SUPERUSER", "is a superuser"),
        ("ALTER ROLE {} CREATEROLE", "may create roles"),
        ("ALTER ROLE {} BYPASSRLS", "bypasses row security"),
        ("GRANT pg_write_all_data TO {}", "is a member of pg_write_all_data"),
        ("GRANT SET ON PARAMETER session_replication_role TO {}", "may set session_replication_role"),
        ("GRANT postgres TO {}", "is a member of postgres"),
    ],
)
def test_provisioning_refuses_a_services_role_that_grants_cannot_confine(stack: Stack, power: str, reason: str) -> None:
    if stack.servers is None or stack.servers.admin_database_url is None:
        pytest.skip("needs the embedded servers' superuser")
    role = f"too_strong_{uuid4().hex[:8]}"
    with psycopg.connect(stack.servers.admin_database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        conn.execute(sql.SQL(power).format(sql.Identifier(role)))
    try:
        services_url = conninfo.make_conninfo(stack.database_url, user=role)
        with pytest.raises(RoleError, match=reason):
            provision_schema(services_url, stack.owner_database_url)
    finally:
        with psycopg.connect(stack.servers.admin_database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_functions_planted_by_the_services_role_do_not_run_as_the_owner_when_provisioning(store: AuditStore) -> None:
    """CVE-2018-1058: the services may create objects in public; provisioning (as the owner) must not call them."""
    planted = "pwned_" + uuid4().hex[:8]
    body = (
        "LANGUAGE plpgsql AS $$ BEGIN IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) "  # noqa: S608
        f"THEN EXECUTE 'CREATE ROLE {planted} SUPERUSER'; END IF; RETURN %s; END $$"
    )
    with psycopg.connect(store.services_url, autocommit=True) as conn:  # the operator may create in public
        conn.execute(
            "CREATE FUNCTION public.pg_has_role(a text, b text, m text) RETURNS boolean "
            + body % "pg_catalog.pg_has_role(a::name, b::name, m)"
        )
        conn.execute(
            "CREATE FUNCTION public.convert_to(t text, e text) RETURNS bytea "
            + body % "pg_catalog.convert_to(t, e::name)"
        )
        conn.execute(
            "CREATE FUNCTION public.pg_get_userbyid(o oid) RETURNS name " + body % "pg_catalog.pg_get_userbyid(o)"
        )
    provision_schema(store.services_url, store.owner_url)  # as every `jejak up` does
    register_in(store.records)
    with psycopg.connect(store.owner_url) as conn:
        assert conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (planted,)).fetchone() is None
    assert store.verify().ok


def recompute_chain(conn: psycopg.Connection[Any]) -> None:
    """What an attacker with the database's superuser does after editing: make the chain consistent again."""
    rows = conn.execute(
        "SELECT notification_id, originator_id, originator_version, topic, state FROM jejak_events "
        "ORDER BY notification_id"
    ).fetchall()
    previous = GENESIS
    for position, aggregate_id, version, topic, state in rows:
        new = event_hash(previous, int(position), aggregate_id, int(version), str(topic), bytes(state))
        conn.execute(
            "UPDATE jejak_events SET prev_hash = %s, hash = %s WHERE notification_id = %s", (previous, new, position)
        )
        previous = new
    conn.execute("UPDATE jejak_events_chain_head SET position = %s, hash = %s", (rows[-1][0], previous))


def test_a_snapshot_that_disagrees_with_the_events_is_found(store: AuditStore) -> None:
    """The rules read snapshots; one the services' role adds with a false state is named by `jejak audit verify`."""
    nip = register_in(store.records)
    for _ in range(SNAPSHOT_EVERY + 10):
        record_training(store.records, nip)
    fine = check_snapshots(store.services_url)
    assert (fine.ok, fine.checked) == (True, 1)
    forged_at = SNAPSHOT_EVERY + 5  # an existing version, claimed to look as the record did at SNAPSHOT_EVERY
    with psycopg.connect(store.writer_url) as conn:  # what the services' role may do: add a row
        conn.execute(
            "INSERT INTO jejak_snapshots (originator_id, originator_version, topic, state) "
            "SELECT originator_id, %s, topic, state FROM jejak_snapshots WHERE originator_version = %s",
            (forged_at, SNAPSHOT_EVERY),
        )
    found = check_snapshots(store.services_url)
    assert found.checked == 2
    assert [(problem.version, problem.reason) for problem in found.problems] == [
        (forged_at, "differs from the events in _modified_on, recognised_jp_total, trainings_completed")
    ]
    env = {"JEJAK_DATABASE_URL": store.services_url, "JEJAK_AUDIT_KEY_DIR": str(store.key_dir)}
    result = CliRunner().invoke(app, ["audit", "verify", "--no-stream"], env=env)
    assert result.exit_code == 1, result.output
    assert "snapshots: 1 of 2 disagree with the events" in result.output


def stored_checkpoint_count(store: AuditStore) -> int:
    with psycopg.connect(store.writer_url) as conn:
        row = conn.execute("SELECT count(*) FROM jejak_checkpoints").fetchone()
    return int(row[0]) if row else 0


def rewrite_history(store: AuditStore, position: int, *, recompute: bool = True, forget: bool = True) -> None:
    """The review's forgery: one old event changed, the chain recomputed, the stored checkpoints deleted."""
    with store.superuser() as conn:
        if forget:
            conn.execute("DELETE FROM jejak_checkpoints")
        conn.execute(
            "UPDATE jejak_events SET state = overlay(state placing '\\x21'::bytea from 20 for 1) "
            "WHERE notification_id = %s",
            (position,),
        )
        if recompute:
            recompute_chain(conn)


async def test_the_checkpoint_service_refuses_to_sign_a_rewritten_history(store: AuditStore) -> None:
    """Edit, chain recomputed, stored checkpoints deleted: the copy on AUDIT still names the old hash."""
    audit = RecordingJetStream()
    service = Checkpointer(store.services_url, audit, store.key_dir, interval_seconds=60)  # type: ignore[arg-type]
    await service.once()
    signed = Checkpoint.from_json(json.loads(audit.published[-1]))
    store.fill(employees=1, trainings=1)
    rewrite_history(store, store.positions()[1])

    with pytest.raises(ChainRewritten, match=f"position {signed.position}"):
        await service.once()
    assert stored_checkpoint_count(store) == 0  # nothing signed the forged head
    assert len(audit.published) == 1
    assert not store.verify([signed]).ok  # and the auditor's verify, given that copy, fails


def test_a_head_that_does_not_link_to_the_last_checkpoint_is_not_signed(store: AuditStore) -> None:
    """An event after the last checkpoint changed without the chain recomputed: the new head is not signed."""
    store.checkpoint()
    store.fill(employees=1, trainings=1)
    rewrite_history(store, store.positions()[-2], recompute=False, forget=False)
    with pytest.raises(ChainRewritten, match="does not link"):
        take_checkpoint(store.services_url, store.key, only_if_moved=True)
    assert stored_checkpoint_count(store) == 1


def test_a_history_that_only_grew_is_signed(store: AuditStore) -> None:
    first = store.checkpoint()
    store.fill(employees=1, trainings=1)
    second = take_checkpoint(store.services_url, store.key, only_if_moved=True, kept_elsewhere=[first])
    assert second is not None
    assert second.position > first.position
    assert store.verify().ok


async def test_whether_the_store_still_holds_a_published_checkpoint_is_what_metrics_report(store: AuditStore) -> None:
    """/metrics' jejak_chain_extends_audit_checkpoint compares AUDIT's last checkpoint with the store so."""
    signed = store.checkpoint()
    async with await psycopg.AsyncConnection.connect(store.writer_url) as conn:
        assert await store_holds(conn, signed)
        rewrite_history(store, store.positions()[1])
        assert not await store_holds(conn, signed)


def test_checkpoints_kept_elsewhere_catch_a_rewrite_whose_stored_checkpoints_were_deleted(store: AuditStore) -> None:
    first = store.checkpoint()
    store.fill(employees=1, trainings=1)
    second = store.checkpoint()
    rewrite_history(store, store.positions()[1])
    assert store.verify().ok  # what is left in the store agrees with itself

    report = verify_store(store.services_url, public_keys(store.key_dir), copies={AUDIT_PLACE: [first, second]})
    details = [problem.detail for problem in report.problems]
    deleted = (
        f"checkpoint #{first.checkpoint_id} (position {first.position}, signed at {first.signed_at}) "
        "is kept in AUDIT but not in the store: it was deleted from the store"
    )
    assert deleted in details
    assert any(problem.kind == "checkpoint" and problem.position <= first.position for problem in report.problems)


def test_a_stored_checkpoint_changed_or_never_published_is_named(store: AuditStore) -> None:
    first, second = store.checkpoint(), store.checkpoint()
    with store.superuser() as conn:
        conn.execute("UPDATE jejak_checkpoints SET signed_at = %s WHERE checkpoint_id = %s",
                     ("2020-01-01T00:00:00.000000+00:00", second.checkpoint_id))  # fmt: skip
    report = verify_store(store.services_url, public_keys(store.key_dir), copies={AUDIT_PLACE: [second]})
    details = [problem.detail for problem in report.problems]
    assert f"checkpoint #{second.checkpoint_id} in the store differs from the copy kept in AUDIT" in details
    assert f"checkpoint #{first.checkpoint_id} is in the store but was never published on AUDIT" in details


def test_the_verify_command_reads_a_witness_folder(store: AuditStore, tmp_path: Path) -> None:
    folder = tmp_path / "witness"
    assert witness(folder, [store.checkpoint()]).written == 1
    env = {"JEJAK_DATABASE_URL": store.services_url, "JEJAK_AUDIT_KEY_DIR": str(store.key_dir)}
    runner = CliRunner()
    good = runner.invoke(app, ["audit", "verify", "--no-stream", "--checkpoint-dir", str(folder)], env=env)
    assert good.exit_code == 0, good.output
    said = " ".join(good.output.split())  # rich wraps long lines
    assert f"compared with the 1 checkpoint(s) kept in {folder}" in said
    assert "not compared with the checkpoints on the AUDIT stream" in said

    rewrite_history(store, store.positions()[1])
    bad = runner.invoke(app, ["audit", "verify", "--no-stream", "--checkpoint-dir", str(folder)], env=env)
    assert bad.exit_code == 1, bad.output
    assert "but not in the store: it was deleted from the store" in " ".join(bad.output.split())
