"""The platform keeps track of its processes through faults (issue 15, section 2).

Each fault an operator can cause: kill the process `up` started (its worker is left answering on the
port), kill the worker, kill both, corrupt or delete the pid file. After each, `status` must tell the
truth, `up` must recover, `down` must leave nothing of ours running, and MLflow must keep its runs.
Every test uses a throwaway MLPLATFORM_HOME and free ports: a learner's platform is never touched.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from mlplatform import service_processes, services
from mlplatform.config import Settings, load_settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _settings(home: Path) -> Settings:
    return load_settings({"MLPLATFORM_HOME": str(home), "MLFLOW_PORT": str(_free_port()),
                          "FEAST_PORT": str(_free_port())})  # fmt: skip


def _ours(settings: Settings, name: str) -> list[psutil.Process]:
    return service_processes.marked_processes(service_processes.marker(name, settings.platform_dir))


def _worker(settings: Settings, name: str) -> psutil.Process:
    """The leader's child that holds the service's port (MLflow also runs job-runner children)."""
    leader = psutil.Process(services.service_status(name, settings).pid)
    for child in leader.children(recursive=True):
        if service_processes.listening_port([child]) is not None:
            return child
    raise AssertionError("no worker process holds the port")


def _kill(*victims: psutil.Process) -> None:
    for proc in victims:
        proc.send_signal(signal.SIGKILL)
    psutil.wait_procs(victims, timeout=10)


def kill_parent(settings: Settings, name: str) -> None:
    _kill(psutil.Process(services.service_status(name, settings).pid))


def kill_worker(settings: Settings, name: str) -> None:
    _kill(_worker(settings, name))


def kill_both(settings: Settings, name: str) -> None:
    worker = _worker(settings, name)
    _kill(psutil.Process(services.service_status(name, settings).pid), worker)


def corrupt_pid_file(settings: Settings, name: str) -> None:
    (settings.platform_dir / "run" / f"{name}.json").write_bytes(b'{"pid": 12\x00\xff')


def delete_pid_file(settings: Settings, name: str) -> None:
    (settings.platform_dir / "run" / f"{name}.json").unlink()


FAULTS: dict[str, Callable[[Settings, str], None]] = {
    "kill-parent": kill_parent,
    "kill-worker": kill_worker,
    "kill-both": kill_both,
    "corrupt-pid-file": corrupt_pid_file,
    "delete-pid-file": delete_pid_file,
}
# What `status` must say right after each fault (before any `up`).
STATE_AFTER = {"kill-parent": ("healthy", False), "kill-worker": ("stopped", False),
               "kill-both": ("stopped", False), "corrupt-pid-file": ("healthy", False),
               "delete-pid-file": ("healthy", False)}  # fmt: skip


@pytest.fixture
def parent_and_worker(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Settings]:
    """A stand-in shaped like `mlflow server`: a parent that runs one HTTP worker and waits for it."""
    settings = _settings(tmp_path)

    def spec(s: Settings) -> services.ServiceSpec:
        worker = [sys.executable, "-m", "http.server", str(s.mlflow_port), "--bind", "127.0.0.1"]
        parent = [
            sys.executable,
            "-c",
            f"import subprocess, sys; sys.exit(subprocess.call({worker!r}))",
        ]
        return services.ServiceSpec("web", s.mlflow_port, "/", parent, s.platform_dir / "web")

    monkeypatch.setattr(services, "SERVICES", {"web": spec})
    yield settings
    services.down(settings)
    for proc in _ours(settings, "web"):
        proc.kill()


def _until_worker(settings: Settings, name: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(AssertionError):
            _worker(settings, name)
            return
        time.sleep(0.1)
    raise AssertionError("the worker never started")


@pytest.mark.parametrize("fault", list(FAULTS))
def test_status_up_and_down_are_right_after_each_fault(parent_and_worker, fault) -> None:
    settings = parent_and_worker
    first = services.up(settings)[0]
    assert (first.state, first.tracked) == ("healthy", True)
    _until_worker(settings, "web")
    FAULTS[fault](settings, "web")
    time.sleep(0.5)  # let a parent notice its worker's death
    status = services.service_status("web", settings)
    assert (status.state, status.tracked) == STATE_AFTER[fault]
    recovered = services.up(settings)[0]
    assert (recovered.state, recovered.tracked) == ("healthy", True)
    assert services.up(settings)[0].pid == recovered.pid, "a second up must be a no-op"
    if fault.endswith("pid-file"):
        assert recovered.pid == first.pid, "a healthy service that lost its pid file is adopted"
    assert services.down(settings) == {"web": True}
    assert _ours(settings, "web") == []
    assert services.service_status("web", settings).state == "stopped"
    assert not services.is_answering(recovered.url + "/")


@pytest.mark.parametrize("fault", ["corrupt-pid-file", "delete-pid-file", "kill-parent"])
def test_down_stops_what_the_pid_file_no_longer_names(parent_and_worker, fault) -> None:
    settings = parent_and_worker
    services.up(settings)
    _until_worker(settings, "web")
    FAULTS[fault](settings, "web")
    assert services.down(settings) == {"web": True}
    assert _ours(settings, "web") == []


def test_a_program_that_is_not_ours_on_the_port_is_still_refused(parent_and_worker) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", parent_and_worker.mlflow_port))
        blocker.listen()
        assert services.service_status("web", parent_and_worker).state == "stopped"
        with pytest.raises(services.ServiceError, match="is taken by a program"):
            services.up(parent_and_worker)


@pytest.fixture(scope="module")
def real_mlflow(tmp_path_factory) -> Iterator[tuple[Settings, str]]:
    """The real MLflow server in a throwaway home, with one run logged before any fault."""
    import mlflow

    settings = _settings(tmp_path_factory.mktemp("mlflow-home"))
    services.start_service("mlflow", settings)
    client = mlflow.MlflowClient(settings.mlflow_tracking_uri)
    experiment = client.create_experiment("faults")
    run = client.create_run(experiment)
    client.log_metric(run.info.run_id, "rmse", 0.93)
    client.set_terminated(run.info.run_id)
    yield settings, run.info.run_id
    services.stop_service("mlflow", settings)
    for proc in _ours(settings, "mlflow"):
        proc.kill()


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.parametrize("fault", list(FAULTS))
def test_real_mlflow_recovers_from_each_fault_without_losing_runs(real_mlflow, fault) -> None:
    import mlflow

    settings, run_id = real_mlflow
    assert services.start_service("mlflow", settings).is_healthy
    _until_worker(settings, "mlflow")
    FAULTS[fault](settings, "mlflow")
    time.sleep(1)
    # Unlike the stand-in, `mlflow server` stays up when its uvicorn worker dies, and its job-runner
    # children outlive a kill of both: broken (ours, not answering), not stopped.
    expected = "unhealthy" if fault in ("kill-worker", "kill-both") else STATE_AFTER[fault][0]
    assert services.service_status("mlflow", settings).state == expected
    recovered = services.start_service("mlflow", settings)
    assert (recovered.state, recovered.tracked) == ("healthy", True)
    client = mlflow.MlflowClient(settings.mlflow_tracking_uri)
    assert client.get_run(run_id).data.metrics["rmse"] == pytest.approx(0.93)
    assert len(_ours(settings, "mlflow")) >= 2, "parent and uvicorn worker, both ours"


def test_a_parent_that_outlives_its_worker_is_unhealthy_and_restarted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Like `mlflow server`: the parent keeps running when its worker dies, and nothing answers."""
    settings = _settings(tmp_path)

    def spec(s: Settings) -> services.ServiceSpec:
        worker = [sys.executable, "-m", "http.server", str(s.mlflow_port), "--bind", "127.0.0.1"]
        parent = [sys.executable, "-c", f"import subprocess, time; subprocess.Popen({worker!r}); "
                  "time.sleep(3600)"]  # fmt: skip
        return services.ServiceSpec("web", s.mlflow_port, "/", parent, s.platform_dir / "web")

    monkeypatch.setattr(services, "SERVICES", {"web": spec})
    try:
        first = services.up(settings)[0]
        _until_worker(settings, "web")
        kill_worker(settings, "web")
        status = services.service_status("web", settings)
        assert (status.state, status.tracked) == ("unhealthy", True), "young, but it answered once"
        recovered = services.up(settings)[0]
        assert recovered.is_healthy and recovered.pid != first.pid
    finally:
        services.down(settings)
    assert _ours(settings, "web") == []


# A stand-in shaped like a model service (`mlplatform.serving.create_app`): /health always answers;
# /ready is 503 naming the failing checks until a champion "is registered" (a file exists).
MODEL_SERVER = """
import http.server, json, os, sys
port, champion, broken = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "broken"
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            code, body = 200, b'{"status": "alive"}'
        elif self.path == "/ready" and broken:
            code, body = 500, b"Internal Server Error"
        elif self.path == "/ready":
            ok = os.path.exists(champion)
            checks = {"model": "ok" if ok else "not loaded: LookupError: no alias 'champion'.",
                      "feature_server": "ok"}
            code, body = (200 if ok else 503), json.dumps({"ready": ok, "checks": checks}).encode()
        else:
            code, body = 404, b"{}"
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""


def _model_stand_in(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, broken: bool = False
) -> Path:
    """Replace the service table with a registry (http.server) and one model service; the file
    whose existence means "a champion is registered" is returned."""
    champion = settings.home / "champion-registered"
    script = settings.home / "model_server.py"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(MODEL_SERVER)
    model_port = _free_port()

    def registry(s: Settings) -> services.ServiceSpec:
        command = [sys.executable, "-m", "http.server", str(s.mlflow_port), "--bind", "127.0.0.1"]
        return services.ServiceSpec(
            "mlflow", s.mlflow_port, "/", command, s.platform_dir / "mlflow"
        )

    def model(s: Settings) -> services.ServiceSpec:
        command = [sys.executable, str(script), str(model_port), str(champion),
                   "broken" if broken else "fine"]  # fmt: skip
        return services.ServiceSpec(
            "model", model_port, "/health", command, s.platform_dir / "model",
            port_variable="RECOMMENDER_PORT", ready_path="/ready",
            when_not_ready="register one under champion", requires=("mlflow",),
        )  # fmt: skip

    monkeypatch.setattr(services, "SERVICES", {"mlflow": registry, "model": model})
    return champion


@pytest.fixture
def model_service(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[Settings, Path]]:
    settings = _settings(tmp_path)
    champion = _model_stand_in(monkeypatch, settings)
    yield settings, champion
    services.down(settings)
    for name in ("mlflow", "model"):
        for proc in _ours(settings, name):
            proc.kill()


def test_a_model_service_without_a_champion_is_up_but_not_ready_and_says_what_to_do(
    model_service,
) -> None:
    settings, champion = model_service
    registry, model = services.up(settings)
    assert registry.ready is None, "a service without a readiness route has no readiness"
    assert (model.state, model.tracked, model.ready) == ("healthy", True, False)
    assert "model: not loaded: LookupError: no alias 'champion'" in model.not_ready
    assert "feature_server" not in model.not_ready, "only the failing checks are named"
    assert model.not_ready.endswith("To do: register one under champion")
    champion.touch()
    now = services.service_status("model", settings)
    assert (now.ready, now.not_ready, now.pid) == (True, "", model.pid)
    assert services.up(settings)[1].pid == model.pid, "a second up is a no-op"


def test_a_model_service_that_answers_ready_with_a_500_is_not_ready(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = _settings(tmp_path)
    _model_stand_in(monkeypatch, settings, broken=True)
    try:
        model = services.up(settings)[1]
        assert (model.state, model.ready) == ("healthy", False)
        assert model.not_ready.startswith("HTTP 500. To do:")
    finally:
        services.down(settings)


def test_a_model_service_is_not_started_while_the_registry_is_down(model_service) -> None:
    settings, _ = model_service
    with pytest.raises(services.ServiceError, match=r"model needs mlflow.*make platform-up"):
        services.start_service("model", settings)
    assert services.service_status("model", settings).state == "stopped"
    assert _ours(settings, "model") == []


@pytest.mark.parametrize("fault", ["kill-parent", "corrupt-pid-file", "delete-pid-file"])
def test_a_model_service_recovers_from_each_fault_and_keeps_reporting_readiness(
    model_service, fault
) -> None:
    settings, champion = model_service
    first = services.up(settings)[1]
    FAULTS[fault](settings, "model")
    time.sleep(0.3)
    after = services.service_status("model", settings)
    # One process (no worker): killing it stops the service; a lost pid file leaves it answering.
    expected = ("stopped", False, None) if fault == "kill-parent" else ("healthy", False, False)
    assert (after.state, after.tracked, after.ready) == expected
    recovered = services.up(settings)[1]
    assert (recovered.state, recovered.tracked, recovered.ready) == ("healthy", True, False)
    assert (recovered.pid == first.pid) == fault.endswith("pid-file"), "adopted, or restarted"
    champion.touch()
    assert services.service_status("model", settings).ready is True
    assert services.down(settings) == {"mlflow": True, "model": True}
    assert _ours(settings, "model") == [] and _ours(settings, "mlflow") == []
