"""`mlplatform site ...`: help with examples, and a one-line reason when there is nothing to serve."""

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlplatform.cli import app
from mlplatform.site.server import make_server

runner = CliRunner()


@pytest.mark.parametrize("command", ["build", "serve"])
def test_site_commands_have_help_with_an_example(command: str) -> None:
    result = runner.invoke(app, ["site", command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


def test_serving_an_unbuilt_site_says_to_build_it(tmp_path: Path) -> None:
    env = {"MLPLATFORM_HOME": str(tmp_path), "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-m", "mlplatform", "site", "serve"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1
    assert "run `make site` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_server_binds_localhost_only(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>home</p>")
    server = make_server(tmp_path)
    try:
        assert server.server_address[0] == "127.0.0.1"
        assert server.server_port > 0
    finally:
        server.server_close()
