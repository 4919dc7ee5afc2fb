"""The CLI: help with examples, one-line failures with exit code 1."""

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlplatform.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.mark.parametrize(
    "command", ["up", "down", "status", "loadtest", "data", "labs", "execute", "clean", "grade"]
)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_status_fails_when_nothing_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLPLATFORM_HOME", str(tmp_path))
    monkeypatch.setenv("MLFLOW_PORT", str(_free_port()))
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1
    assert "stopped" in result.output and "make platform-up" in result.output


def test_labs_check_fails_on_a_stale_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    shutil.copytree(ROOT / "labs", tmp_path / "labs")
    monkeypatch.setenv("MLPLATFORM_HOME", str(tmp_path))
    assert list((tmp_path / "labs").glob("*.ipynb")), "no committed labs to test with"
    assert runner.invoke(app, ["labs", "--check"]).exit_code == 0
    for lab in (tmp_path / "labs").glob("*.ipynb"):
        lab.write_text(lab.read_text().replace("NotImplementedError", "NotImplemented"))
    result = runner.invoke(app, ["labs", "--check"])
    assert result.exit_code == 1
    assert "stale: labs/" in result.output


def test_errors_are_one_line_with_exit_code_1(tmp_path: Path) -> None:
    env = {"MLPLATFORM_HOME": str(tmp_path), "MLPLATFORM_MODE": "bogus", "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-m", "mlplatform", "status"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "error: MLPLATFORM_MODE='bogus' is not a mode; use 'local' or 'cluster'."
    )


def test_status_shows_readiness_apart_from_health_and_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from mlplatform import services

    log = tmp_path / "x.log"
    statuses = [
        services.ServiceStatus("mlflow", "healthy", "http://127.0.0.1:1", 11, log),
        services.ServiceStatus("recommender", "healthy", "http://127.0.0.1:2", 12, log,
                               ready=False, not_ready="model: not loaded. To do: register one"),
    ]  # fmt: skip
    monkeypatch.setattr(services, "platform_status", lambda: statuses)
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, "healthy but not ready is up"
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["mlflow", "healthy", "-"]
    assert lines[1].split()[:4] == ["recommender", "healthy", "not", "ready"]
    assert "recommender is up but not ready: model: not loaded. To do: register one" in lines[2]


def test_up_refuses_an_unknown_group() -> None:
    result = runner.invoke(app, ["up", "--only", "everything"])
    assert result.exit_code != 0
