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
