"""The local platform's process management, tested on a tiny stand-in server and on real MLflow."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from mlplatform import services
from mlplatform.config import Settings, load_settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def home(tmp_path: Path) -> Settings:
    return load_settings(
        {
            "MLPLATFORM_HOME": str(tmp_path),
            "MLFLOW_PORT": str(_free_port()),
            "FEAST_PORT": str(_free_port()),
        }
    )


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch, home: Settings) -> Iterator[Settings]:
    """Replace the service table with one small HTTP server, so lifecycle tests take a second."""

    def spec(settings: Settings) -> services.ServiceSpec:
        port = settings.mlflow_port
        command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
        return services.ServiceSpec("web", port, "/", command, settings.platform_dir / "web")

    monkeypatch.setattr(services, "SERVICES", {"web": spec})
    yield home
    services.down(home)


def test_up_twice_is_a_no_op(stand_in: Settings) -> None:
    first = services.up(stand_in)[0]
    second = services.up(stand_in)[0]
    assert first.is_healthy
    assert second.pid == first.pid


def test_status_reports_url_and_log(stand_in: Settings) -> None:
    assert services.platform_status(stand_in)[0].state == "stopped"
    services.up(stand_in)
    status = services.platform_status(stand_in)[0]
    assert status.state == "healthy"
    assert status.url.startswith("http://127.0.0.1:")
    assert status.log_file == stand_in.platform_dir / "logs" / "web.log"


def test_a_killed_service_is_detected_and_restarted(stand_in: Settings) -> None:
    pid = services.up(stand_in)[0].pid
    os.kill(pid, signal.SIGKILL)
    psutil.Process(pid).wait(5) if psutil.pid_exists(pid) else None
    assert services.service_status("web", stand_in).state == "stopped"
    assert not (stand_in.platform_dir / "run" / "web.json").exists(), "stale pid file not removed"
    restarted = services.up(stand_in)[0]
    assert restarted.is_healthy
    assert restarted.pid != pid


def test_a_reused_pid_is_not_taken_for_the_service(stand_in: Settings) -> None:
    run_dir = stand_in.platform_dir / "run"
    run_dir.mkdir(parents=True)
    # Our own pid is alive but was not started by `up`: its create time does not match.
    record = {"pid": os.getpid(), "create_time": time.time() + 1000, "url": "", "command": []}
    (run_dir / "web.json").write_text(json.dumps(record))
    assert services.service_status("web", stand_in).state == "stopped"
    assert services.stop_service("web", stand_in) is False
    assert psutil.pid_exists(os.getpid())


def test_down_stops_only_what_up_started(stand_in: Settings) -> None:
    services.up(stand_in)
    assert services.down(stand_in) == {"web": True}
    assert services.down(stand_in) == {"web": False}
    assert services.platform_status(stand_in)[0].state == "stopped"


def test_a_taken_port_gives_a_clear_error(stand_in: Settings) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", stand_in.mlflow_port))
        blocker.listen()
        with pytest.raises(services.ServiceError, match="is taken by a program"):
            services.up(stand_in)


def test_a_service_that_dies_at_start_reports_its_log(
    monkeypatch: pytest.MonkeyPatch, home: Settings
) -> None:
    def spec(settings: Settings) -> services.ServiceSpec:
        command = [sys.executable, "-c", "import sys; print('boom: bad flag'); sys.exit(3)"]
        return services.ServiceSpec(
            "bad", settings.mlflow_port, "/", command, settings.platform_dir / "bad"
        )

    monkeypatch.setattr(services, "SERVICES", {"bad": spec})
    with pytest.raises(services.ServiceError, match="boom: bad flag"):
        services.up(home)
    assert not (home.platform_dir / "run" / "bad.json").exists()


def test_require_says_how_to_start(home: Settings) -> None:
    with pytest.raises(services.ServiceNotRunningError, match="make platform-up"):
        services.require("mlflow", home)


def test_cluster_mode_does_not_start_local_services(tmp_path: Path) -> None:
    settings = load_settings({"MLPLATFORM_HOME": str(tmp_path), "MLPLATFORM_MODE": "cluster"})
    with pytest.raises(services.ServiceError, match="make cluster-up"):
        services.up(settings)


@pytest.mark.services
@pytest.mark.slow
def test_real_mlflow_starts_answers_and_stops(home: Settings) -> None:
    try:
        status = services.start_service("mlflow", home)
        assert status.is_healthy
        assert services.require("mlflow", home) == home.mlflow_tracking_uri
        assert (home.platform_dir / "mlflow" / "mlflow.db").exists()
    finally:
        assert services.stop_service("mlflow", home) is True
    assert not services.is_answering(home.mlflow_tracking_uri + "/health")


def test_up_starts_mlflow_and_the_feature_server_before_the_model_services() -> None:
    models = [service.name for service in services.MODEL_SERVICES]
    assert "recommender" in models
    assert list(services.SERVICES) == ["mlflow", "feast", *models, "prometheus"]
    assert services.service_names("platform") == ["mlflow", "feast"]
    assert services.service_names("models") == models
    assert services.service_names("monitoring") == ["prometheus"]
    with pytest.raises(services.ServiceError, match="not a group"):
        services.service_names("everything")


def test_a_model_service_runs_its_module_against_this_homes_platform(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RECOMMENDER_PORT", "8777")
    settings = load_settings({"MLPLATFORM_HOME": str(tmp_path), "MLFLOW_PORT": "5777",
                              "FEAST_PORT": "6777"})  # fmt: skip
    spec = services.SERVICES["recommender"](settings)
    assert spec.command == [sys.executable, "-m", "mlplatform.recommender.service"]
    assert (spec.url, spec.health_path, spec.ready_path) == (
        "http://127.0.0.1:8777",
        "/health",
        "/ready",
    )
    assert spec.port_variable == "RECOMMENDER_PORT" and spec.requires == ("mlflow",)
    assert spec.env["MLPLATFORM_HOME"] == str(tmp_path)
    assert spec.env["MLFLOW_TRACKING_URI"] == "http://127.0.0.1:5777"
    assert (spec.env["FEAST_PORT"], spec.env["RECOMMENDER_PORT"]) == ("6777", "8777")
    assert "movie-recommender" in spec.when_not_ready and "/admin/reload" in spec.when_not_ready
    assert spec.state_dir == tmp_path / ".platform" / "recommender"


def test_feast_spec_serves_the_repo_on_loopback(tmp_path: Path) -> None:
    settings = load_settings({"MLPLATFORM_HOME": str(tmp_path), "FEAST_PORT": "6777"})
    spec = services.feast_spec(settings)
    assert spec.url == "http://127.0.0.1:6777"
    assert spec.health_path == "/health"
    command = " ".join(spec.command)
    assert "serve --host 127.0.0.1 --port 6777" in command
    assert f"--chdir {tmp_path}" in command  # relative paths in feature_store.yaml: the home
    assert (services.FEAST_REPO / "feature_store.yaml").is_file()
    assert spec.prepare is not None
    assert spec.env["XDG_RUNTIME_DIR"].startswith(str(tmp_path))


def test_a_failed_preparation_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, home: Settings
) -> None:
    def fail(settings: Settings) -> None:
        raise RuntimeError("no MovieLens: run `make data`")

    def spec(settings: Settings) -> services.ServiceSpec:
        command = [sys.executable, "-m", "http.server", str(settings.mlflow_port)]
        return services.ServiceSpec(
            "prep", settings.mlflow_port, "/", command, settings.platform_dir / "prep", prepare=fail
        )

    monkeypatch.setattr(services, "SERVICES", {"prep": spec})
    with pytest.raises(services.ServiceError, match=r"could not be prepared.*make data"):
        services.up(home)
    assert services.service_status("prep", home).state == "stopped"


def test_a_taken_feast_port_names_feast_port(
    monkeypatch: pytest.MonkeyPatch, home: Settings
) -> None:
    monkeypatch.setattr(services, "SERVICES", {"feast": services.feast_spec})
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", home.feast_port))
        blocker.listen()
        with pytest.raises(services.ServiceError, match="export FEAST_PORT="):
            services.up(home)


def test_status_follows_the_port_a_service_was_started_on(stand_in: Settings) -> None:
    started = services.up(stand_in)[0]
    moved = load_settings({"MLPLATFORM_HOME": str(stand_in.home), "MLFLOW_PORT": str(_free_port())})
    status = services.service_status("web", moved)
    assert status.state == "healthy"
    assert status.url == started.url != services.SERVICES["web"](moved).url
