"""Shared fixtures: the project's settings and, for tests that need it, the local platform.

The platform fixture starts MLflow only if it is not already running, under a file lock so that
xdist workers do not race, and the controlling process stops it at the end of the session only if
this session started it (a learner's running platform is left alone).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from filelock import FileLock

from mlplatform import services
from mlplatform.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]


SESSION_VARIABLE = "MLPLATFORM_TEST_SESSION"


def _marker(settings: Settings) -> Path:
    return settings.platform_dir / "started-by-tests"


def _session_id() -> str:
    """The id of this test session, shared by its xdist workers (they inherit the environment)."""
    return os.environ.setdefault(SESSION_VARIABLE, str(os.getpid()))


def pytest_configure(config: pytest.Config) -> None:
    # Set in the controlling process before xdist starts its workers, so they all carry it.
    _session_id()


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings({**os.environ, "MLPLATFORM_HOME": str(ROOT)})


def _ensure_platform(settings: Settings) -> Settings:
    settings.platform_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(settings.platform_dir / "tests.lock")):
        # MLflow and Feast only: tests that need a model service start their own against a test
        # champion, and a learner's services must not be started (or stopped) by a test run.
        before = services.platform_status(settings, only="platform")
        if not all(s.is_healthy for s in before):
            services.up(settings, only="platform")
            # Only what the tests started is theirs to stop: a service that was merely slow to
            # answer (starting, or busy) belongs to whoever started it.
            if any(s.state == "stopped" for s in before):
                _marker(settings).write_text(_session_id())
    return settings


@pytest.fixture(scope="session")
def platform(settings: Settings) -> Settings:
    return _ensure_platform(settings)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    # nbval's notebook items cannot request fixtures: when they are part of the run, the controlling
    # process starts the platform before any worker executes a cell.
    if session.config.getoption("nbval_lax", default=False) and not hasattr(
        session.config, "workerinput"
    ):
        _ensure_platform(load_settings({**os.environ, "MLPLATFORM_HOME": str(ROOT)}))


def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller cleans up
        return
    settings = load_settings({**os.environ, "MLPLATFORM_HOME": str(ROOT)})
    marker = _marker(settings)
    # Only the session that started the platform stops it: a second pytest run against the same
    # home (while `make test` runs) must not take the platform away from the first.
    if marker.exists() and marker.read_text().strip() == _session_id():
        services.down(settings, only="platform")
        marker.unlink(missing_ok=True)


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
