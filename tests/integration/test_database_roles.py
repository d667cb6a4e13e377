"""Each service's database login may do its job and is refused everything else, on the real server.

The hostile insider here holds one service's password (a compromised container, a curious
operator): every statement below is what they would try, run as that login.
"""

import psycopg
import pytest

from services.database_roles import PARKED_LISTED_COLUMNS
from tests.conftest import Stack

pytestmark = pytest.mark.integration

APPEND = (
    "INSERT INTO jejak_events (originator_id, originator_version, topic, state) "
    "VALUES (gen_random_uuid(), 1, 'forged', '\\x00')"
)
READ_KEYS = "SELECT key FROM personal_keys LIMIT 1"
PROMOTE = "UPDATE api_token SET role = 'auditor'"
MINT = (
    "INSERT INTO api_token (token_id, secret_sha256, role, label, expires_at) "
    "VALUES ('forged', sha256('forged'), 'auditor', 'forged', now() + interval '1 day')"
)
READ_TOKENS = "SELECT token_id FROM api_token LIMIT 1"
PARKED_BYTES = "SELECT original FROM parked_submission LIMIT 1"
CHANGE_READ_MODEL = "DELETE FROM employee"
WRITE_POSITION = "UPDATE projection_position SET position = 0 WHERE projection = 'nosuch'"
SIGN = "SELECT public.jejak_store_checkpoint(0, '\\x00', 'now', 'k', '\\x00')"

REFUSED = [
    ("api", APPEND), ("api", READ_KEYS), ("api", PROMOTE), ("api", MINT), ("api", PARKED_BYTES),
    ("api", CHANGE_READ_MODEL), ("api", SIGN),
    ("projections", APPEND), ("projections", READ_KEYS), ("projections", READ_TOKENS), ("projections", SIGN),
    ("relay", APPEND), ("relay", READ_KEYS), ("relay", CHANGE_READ_MODEL), ("relay", READ_TOKENS),
    ("checkpoints", APPEND), ("checkpoints", READ_KEYS), ("checkpoints", READ_TOKENS),
    ("checkpoints", CHANGE_READ_MODEL),
    ("ingest", READ_TOKENS), ("ingest", CHANGE_READ_MODEL), ("ingest", SIGN), ("ingest", PROMOTE),
    ("operator", APPEND), ("operator", READ_KEYS),
]  # fmt: skip
ALLOWED = [
    ("api", "SELECT count(*) FROM employee"),
    ("api", "UPDATE api_token SET last_used_at = now() WHERE token_id = 'nosuch'"),
    ("api", f"SELECT {', '.join(PARKED_LISTED_COLUMNS)} FROM parked_submission"),  # noqa: S608 (our names)
    ("api", "SELECT count(*) FROM jejak_events"),
    ("projections", CHANGE_READ_MODEL),
    ("projections", WRITE_POSITION),
    ("relay", "SELECT count(*) FROM jejak_events"),
    ("checkpoints", "SELECT count(*) FROM jejak_checkpoints"),
    ("ingest", READ_KEYS),
    ("ingest", "SELECT count(*) FROM parked_submission"),
    ("operator", MINT),
    ("operator", PARKED_BYTES),
    ("operator", "SELECT count(*) FROM jejak_events"),
]


def login_of(stack: Stack, who: str) -> str:
    return stack.database_url if who == "operator" else stack.login(who)


@pytest.fixture(autouse=True)
def _separate_roles(stack: Stack) -> None:
    if stack.servers is None:
        pytest.skip("servers given by JEJAK_*_URL: their roles are the operator's to make")


@pytest.mark.parametrize(("who", "statement"), REFUSED)
def test_a_login_is_refused_what_is_not_its_job(stack: Stack, who: str, statement: str) -> None:
    with psycopg.connect(login_of(stack, who)) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


@pytest.mark.parametrize(("who", "statement"), ALLOWED)
def test_a_login_may_do_its_job(stack: Stack, who: str, statement: str) -> None:
    with psycopg.connect(login_of(stack, who)) as conn:
        conn.execute(statement)
        conn.rollback()  # nothing of it is kept


def test_each_service_logs_in_as_its_own_role(stack: Stack) -> None:
    roles = set()
    for service in ("ingest", "relay", "projections", "checkpoints", "api"):
        with psycopg.connect(stack.login(service)) as conn:
            row = conn.execute("SELECT current_user").fetchone()
            assert row is not None
            roles.add(str(row[0]))
    assert roles == {f"jejak_{service}" for service in ("ingest", "relay", "projections", "checkpoints", "api")}
