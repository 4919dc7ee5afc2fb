"""Fixtures shared by the unit tests: settings for a temporary home, in each platform mode."""

import os
import shutil
from pathlib import Path

import pytest

from mlplatform.config import Settings, load_settings


@pytest.fixture
def local(tmp_path: Path) -> Settings:
    return load_settings({"MLPLATFORM_HOME": str(tmp_path)})


@pytest.fixture
def cluster(tmp_path: Path) -> Settings:
    env = {
        "MLPLATFORM_HOME": str(tmp_path),
        "MLPLATFORM_MODE": "cluster",
        "KFP_HOST": "http://kfp:8888",
    }
    return load_settings(env)


def _system_binary(name: str) -> str:
    """The path of a binary from the `prometheus` system package; skip (fail in CI) without it."""
    from mlplatform.monitoring.prometheus_server import INSTALL_HINT

    found = shutil.which(name)
    if found:
        return found
    reason = f"{name} not found on PATH. {INSTALL_HINT}"
    if os.environ.get("CI") == "true":  # `make test` installs it in CI: its absence is a failure
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def promtool() -> str:
    return _system_binary("promtool")


@pytest.fixture
def prometheus_binary() -> str:
    return _system_binary("prometheus")
