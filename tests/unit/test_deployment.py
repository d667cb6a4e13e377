"""compose.yaml and the Dockerfile (Docker is not available here, so they are checked by reading)."""

from pathlib import Path
from typing import Any

import pytest
import yaml
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
        "jejak provision",
        "jejak run ingest",
        "jejak run relay",
        "jejak run projections",
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
    for name, _ in jejak_commands():
        if name != "provision":
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
    assert (ROOT / "deploy" / "nats.conf").exists()
