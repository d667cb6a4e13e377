"""NATS logins: passwords made once and kept private, a config nats-server accepts, `jejak nats-config`."""

import json
import stat
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from services.cli import app
from services.runtime.nats_auth import (
    ADMIN_USER,
    SERVICES_USER,
    accounts_config,
    adopt_global_account_store,
    ensure_credentials,
    redacted,
    sender_imports,
    users_for,
)
from services.runtime.nats_server import nats_server_binary
from services.senders import load_senders, parse_senders

SENDERS = load_senders()


def accepted_by_nats_server(config: Path) -> str:
    result = subprocess.run(
        [str(nats_server_binary()), "-t", "-c", str(config)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout + result.stderr


def test_passwords_are_made_once_kept_private_and_follow_the_sender_map(tmp_path: Path) -> None:
    path = tmp_path / "nats" / "credentials.json"
    first = ensure_credentials(path, users_for(SENDERS))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(first.passwords) == {SERVICES_USER, ADMIN_USER, *SENDERS.names}
    assert len(set(first.passwords.values())) == len(first.passwords)

    again = ensure_credentials(path, users_for(SENDERS))
    assert again.passwords == first.passwords

    fewer = parse_senders('[senders.lan-ri]\nname = "LAN"\nevents = ["training-completed"]\n')
    kept = ensure_credentials(path, [*users_for(fewer), "bkd-padang"])
    assert kept.password("lan-ri") == first.password("lan-ri")
    assert "bkpsdm-sawahlunto" not in kept.passwords
    assert kept.password("bkd-padang") not in first.passwords.values()
    assert json.loads(path.read_text())["users"] == dict(kept.passwords)


def test_a_sender_login_is_a_url_and_is_never_printed(tmp_path: Path) -> None:
    credentials = ensure_credentials(tmp_path / "credentials.json", users_for(SENDERS))
    url = credentials.url("nats://127.0.0.1:14222", "lan-ri")
    assert url == f"nats://lan-ri:{credentials.password('lan-ri')}@127.0.0.1:14222"
    assert redacted(url) == "nats://lan-ri:***@127.0.0.1:14222"
    assert redacted("nats://127.0.0.1:14222") == "nats://127.0.0.1:14222"


def test_a_sender_account_imports_only_its_own_subjects() -> None:
    assert sender_imports("lan-ri") == [
        ("service", "asn.submit.lan-ri.>", "asn.in.lan-ri.>"),  # into the sender's own stream SUBMIT-lan-ri
        ("stream", "asn.rejected.lan-ri.>", "asn.rejected.lan-ri.>"),
        (
            "service",
            "$JS.API.CONSUMER.MSG.NEXT.REJECTED.rejections-lan-ri",
            "$JS.API.CONSUMER.MSG.NEXT.REJECTED.rejections-lan-ri",
        ),
        ("service", "$JS.ACK.REJECTED.rejections-lan-ri.>", "$JS.ACK.REJECTED.rejections-lan-ri.>"),
    ]


def test_the_accounts_block_is_a_config_nats_server_accepts(tmp_path: Path) -> None:
    credentials = ensure_credentials(tmp_path / "credentials.json", users_for(SENDERS))
    block = accounts_config(SENDERS, credentials)
    config = tmp_path / "nats.conf"
    config.write_text(f"listen: 127.0.0.1:4222\njetstream {{ store_dir: {json.dumps(str(tmp_path))} }}\n{block}")
    assert "is valid" in accepted_by_nats_server(config)
    for source in SENDERS.names:
        assert f'accounts: ["{source}"]' in block  # each export is for its own sender only
    assert "$JS.API.CONSUMER.CREATE" not in block


def test_streams_kept_before_accounts_move_to_the_services_account(tmp_path: Path) -> None:
    (tmp_path / "jetstream" / "$G" / "streams" / "INBOX").mkdir(parents=True)
    assert adopt_global_account_store(tmp_path)
    assert (tmp_path / "jetstream" / "JEJAK" / "streams" / "INBOX").is_dir()
    assert not adopt_global_account_store(tmp_path)


def test_nats_config_writes_a_server_config_and_keeps_the_passwords(tmp_path: Path) -> None:
    out = tmp_path / "generated" / "nats.conf"
    runner = CliRunner()
    result = runner.invoke(app, ["nats-config", "--out", str(out), "--store-dir", str(tmp_path / "js")])
    assert result.exit_code == 0, result.output
    credentials = out.with_name("credentials.json")
    assert stat.S_IMODE(out.stat().st_mode) == stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert "listen: 127.0.0.1:4222" in out.read_text()  # loopback unless told otherwise
    assert "sync_interval: always" in out.read_text()
    accepted_by_nats_server(out)
    before = credentials.read_text()

    again = runner.invoke(app, ["nats-config", "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert credentials.read_text() == before


def test_nats_config_refuses_a_broken_sender_map(tmp_path: Path) -> None:
    broken = tmp_path / "senders.toml"
    broken.write_text('[senders.lan-ri]\nname = "LAN"\nevents = ["training-started"]\n')
    result = CliRunner().invoke(
        app, ["nats-config", "--out", str(tmp_path / "nats.conf")], env={"JEJAK_SENDERS_FILE": str(broken)}
    )
    assert result.exit_code == 1
    assert "unknown event type(s) training-started" in result.output
    assert not (tmp_path / "nats.conf").exists()
