"""API tokens without a database: their text form, the role/unit rules, and who may read which unit."""

import hashlib
from pathlib import Path

import pytest
from fastapi import HTTPException
from typer.testing import CliRunner

from services.api.auth import Caller
from services.cli import app
from services.runtime.process import free_port
from services.tokens import Role, TokenError, check_scope, format_token, hash_secret, parse_token

SECRET = "Ab_-" * 10 + "xyz"  # 43 url-safe characters, as token_urlsafe(32) makes them


def test_a_token_shows_its_id_and_parses_back_even_with_underscores_in_the_secret() -> None:
    token = format_token("0123456789ab", SECRET)
    assert token.startswith("jejak_0123456789ab_")
    assert parse_token(token) == ("0123456789ab", SECRET)


@pytest.mark.parametrize(
    "text",
    [
        "",
        SECRET,
        f"jejak_0123456789ab_{SECRET[:-1]}",  # secret too short
        f"jejak_0123456789AB_{SECRET}",  # the id is lowercase hex
        f"jejak_0123456789a_{SECRET}",
        f"other_0123456789ab_{SECRET}",
        f"jejak_0123456789ab_{SECRET} ",
        f"jejak_0123456789ab_{SECRET}=",
    ],
)
def test_anything_else_is_not_a_token(text: str) -> None:
    with pytest.raises(TokenError, match="not a Jejak token"):
        parse_token(text)


def test_only_a_sha256_of_the_secret_is_kept() -> None:
    assert hash_secret(SECRET) == hashlib.sha256(SECRET.encode()).digest()
    assert len(hash_secret(SECRET)) == 32


def test_an_opd_token_names_its_unit_and_no_other_role_does() -> None:
    check_scope(Role.OPD, "DINKES")
    for role in (Role.AUDITOR, Role.BKPSDM, Role.PUBLIC):
        check_scope(role, None)
        with pytest.raises(TokenError, match="--opd applies to role opd only"):
            check_scope(role, "DINKES")
    with pytest.raises(TokenError, match="role opd needs --opd CODE"):
        check_scope(Role.OPD, None)
    for bad in ("", " DINKES", "x" * 129):
        with pytest.raises(TokenError, match="is not a unit code"):
            check_scope(Role.OPD, bad)


def test_auditor_and_bkpsdm_read_every_unit_opd_its_own_public_none() -> None:
    for role in (Role.AUDITOR, Role.BKPSDM):
        assert all(Caller("t", role).may_read_unit(unit) for unit in ("DINKES", "RSUD", None))
    opd = Caller("t", Role.OPD, "DINKES")
    assert opd.may_read_unit("DINKES")
    assert not opd.may_read_unit("RSUD")
    assert not opd.may_read_unit(None), "an employee never placed belongs to no OPD"
    assert not any(Caller("t", Role.PUBLIC).may_read_unit(unit) for unit in ("DINKES", None))


def test_a_role_outside_a_route_s_roles_is_403() -> None:
    Caller("t", Role.AUDITOR).require(Role.AUDITOR, Role.BKPSDM)
    with pytest.raises(HTTPException) as refused:
        Caller("t", Role.PUBLIC).require(Role.AUDITOR, Role.BKPSDM)
    assert refused.value.status_code == 403
    assert refused.value.detail == "role public may not read this; it is open to auditor, bkpsdm"


def nowhere(tmp_path: Path) -> dict[str, str]:
    """A database nobody listens on: a command that must fail before connecting proves it did."""
    return {"JEJAK_HOME": str(tmp_path), "JEJAK_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/jejak"}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--role", "opd"], "role opd needs --opd CODE"),
        (["--role", "bkpsdm", "--opd", "DINKES"], "--opd applies to role opd only"),
    ],
)
def test_tokens_create_explains_a_wrong_role_and_unit_before_connecting(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["tokens", "create", *arguments], env=nowhere(tmp_path))
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "cannot reach" not in result.output


def test_tokens_create_refuses_an_unknown_role(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["tokens", "create", "--role", "admin"], env=nowhere(tmp_path))
    assert result.exit_code == 2
    assert "auditor" in result.output


def test_tokens_commands_say_when_the_database_is_not_there(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["tokens", "list"], env=nowhere(tmp_path))
    assert result.exit_code == 1
    said = " ".join(result.output.split())  # as read, whatever the terminal's width
    assert "cannot reach the database at 127.0.0.1:" in said
    assert "is `jejak up` running?" in said
