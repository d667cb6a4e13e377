"""compose.yaml and the Dockerfile (Docker is not available here, so they are checked by reading)."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from psycopg import conninfo
from typer.testing import CliRunner

from services.cli import app
from services.settings import Settings
from services.supervisor import Service

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def jejak_commands() -> list[tuple[str, list[str]]]:
    return [
        (name, service["command"])
        for name, service in compose()["services"].items()
        if service.get("command", [None])[0] == "jejak"
    ]


def test_every_jejak_service_is_in_compose() -> None:
    commands = {" ".join(command) for _, command in jejak_commands()}
    assert commands == {
        "jejak nats-config --out /var/lib/jejak/nats/nats.conf --store-dir /data --listen 0.0.0.0:4222",
        "jejak provision",
        "jejak run ingest",
        "jejak run relay",
        "jejak run projections",
        "jejak run checkpoints",
        "jejak run api",
    }


@pytest.mark.parametrize(("service", "command"), jejak_commands())
def test_each_command_compose_names_exists_with_valid_arguments(service: str, command: list[str]) -> None:
    result = CliRunner().invoke(app, [command[1], "--help"])
    assert result.exit_code == 0, f"{service}: jejak has no command {command[1]!r}: {result.output}"
    if command[1] == "run":
        assert set(command[2:]) <= {s.value for s in Service}, f"{service}: unknown service in {command}"


def test_servers_have_health_checks_and_services_wait_for_them() -> None:
    services = compose()["services"]
    assert "healthcheck" in services["nats"]
    assert "healthcheck" in services["postgres"]
    assert services["provision"]["depends_on"]["nats"]["condition"] == "service_healthy"
    assert services["nats"]["depends_on"]["nats-config"]["condition"] == "service_completed_successfully"
    for name, _ in jejak_commands():
        if name not in {"provision", "nats-config"}:
            assert services[name]["depends_on"]["provision"]["condition"] == "service_completed_successfully"


def test_compose_sets_only_settings_that_exist() -> None:
    known = {f"JEJAK_{field.upper()}" for field in Settings.model_fields}
    for service in compose()["services"].values():
        names = {k for k in service.get("environment", {}) if k.startswith("JEJAK_")}
        assert names <= known


def test_the_image_contains_every_package() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("contracts", "domain", "projections", "services"):
        assert f"COPY {package} ./{package}" in dockerfile
    assert "chown jejak:jejak /var/lib/jejak/nats" in dockerfile  # a new logins volume takes this owner
    assert "/var/lib/jejak/audit-keys" in dockerfile  # and so does the signing-key volume


def test_the_store_owner_provisions_and_the_services_only_append() -> None:
    services = compose()["services"]
    owner = services["provision"]["environment"]["JEJAK_OWNER_DATABASE_URL"]
    assert owner.startswith(f"postgresql://{services['postgres']['environment']['POSTGRES_USER']}:")
    for name, _ in jejak_commands():
        if name not in {"provision", "nats-config"}:
            assert "JEJAK_OWNER_DATABASE_URL" not in services[name]["environment"], name
    keys_at = services["provision"]["environment"]["JEJAK_AUDIT_KEY_DIR"]
    assert mounted(services["provision"], "audit-keys") == (keys_at, False)  # the first key is made here
    assert mounted(services["checkpoints"], "audit-keys") == (keys_at, True)


def test_each_service_container_holds_only_its_own_database_login() -> None:
    """A compromised container reaches the database as its own service and nothing more (services.database_roles);
    provisioning, the one container with every login, makes each role with the password it is given here."""
    services = compose()["services"]
    given = services["provision"]["environment"]
    for service in Service:
        name = service.value
        environment = services[name]["environment"]
        passwords = {
            key: conninfo.conninfo_to_dict(value).get("password")
            for key, value in environment.items()
            if key.endswith("DATABASE_URL")
        }
        own = f"JEJAK_{name.upper()}_DATABASE_URL"
        assert {key for key, password in passwords.items() if password} == {own}, name
        assert conninfo.conninfo_to_dict(environment[own])["user"] == f"jejak_{name}"
        assert environment[own] == given[own], f"{name}: provisioning makes its role with this password"
    assert conninfo.conninfo_to_dict(given["JEJAK_DATABASE_URL"]).get("password"), "the operator's login"


def mounted(service: dict[str, Any], volume: str) -> tuple[str, bool]:
    """Where ``service`` mounts the named ``volume``, and whether read-only."""
    [(target, mode)] = [
        (parts[1], parts[2:] == ["ro"]) for parts in (v.split(":") for v in service["volumes"]) if parts[0] == volume
    ]
    return target, mode


def test_nats_reads_the_config_nats_config_writes_and_services_read_the_logins() -> None:
    services = compose()["services"]
    command = services["nats-config"]["command"]
    written = Path(command[command.index("--out") + 1])
    generated_in, _ = mounted(services["nats-config"], "nats-auth")
    assert written.parent == Path(generated_in)
    read_from, read_only = mounted(services["nats"], "nats-auth")
    assert read_only
    assert services["nats"]["command"] == ["-c", str(Path(read_from) / written.name)]
    assert mounted(services["nats"], "nats-data")[0] == command[command.index("--store-dir") + 1]
    for name, _ in jejak_commands():
        if name != "nats-config":
            logins = Path(services[name]["environment"]["JEJAK_NATS_CREDENTIALS_FILE"])
            assert mounted(services[name], "nats-auth") == (str(logins.parent), True), name
            assert logins == written.with_name("credentials.json")


def test_nats_config_runs_as_compose_runs_it(tmp_path: Path) -> None:
    command = compose()["services"]["nats-config"]["command"]
    out = tmp_path / "nats.conf"
    arguments = [str(out) if argument.endswith("nats.conf") else argument for argument in command[1:]]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert 'store_dir: "/data"' in out.read_text()
    assert "listen: 0.0.0.0:4222" in out.read_text()  # the other containers reach it
    assert "http: 127.0.0.1:8222" in out.read_text()  # the monitor has no login: never beyond the container
    assert (tmp_path / "credentials.json").exists()


def test_nats_config_binds_to_loopback_unless_told_otherwise(tmp_path: Path) -> None:
    out = tmp_path / "nats.conf"
    result = CliRunner().invoke(app, ["nats-config", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "listen: 127.0.0.1:4222" in out.read_text()
    assert "http: 127.0.0.1:8222" in out.read_text()
