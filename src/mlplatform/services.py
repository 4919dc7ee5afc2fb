"""Start, stop and check the embedded local platform's services.

Each service runs as a detached process (it survives a notebook kernel restart), binds 127.0.0.1,
and records what was started in a pid file under `.platform/run/`. `up` is idempotent, a pid file
left behind by a crash is detected and removed, and `down` stops only processes that `up` started.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import psutil
from tenacity import RetryError, retry, retry_if_result, stop_after_delay, wait_fixed

from mlplatform.config import FEAST_REPO, LOCALHOST, Settings, load_settings
from mlplatform.health import ServiceError, ServiceNotRunningError, is_answering

log = logging.getLogger(__name__)

State = Literal["healthy", "starting", "unhealthy", "stopped"]


@dataclass(frozen=True)
class ServiceSpec:
    """How to run one local service."""

    name: str
    port: int
    health_path: str
    command: list[str]
    state_dir: Path
    prepare: Callable[[Settings], None] | None = None  # run before the process starts
    port_variable: str = "MLFLOW_PORT"  # the setting that moves the port, named in errors
    env: dict[str, str] = field(default_factory=dict)  # added to the process's environment

    @property
    def url(self) -> str:
        """Base URL the service answers on."""
        return f"http://{LOCALHOST}:{self.port}"


@dataclass(frozen=True)
class ServiceStatus:
    """What `status` reports for one service."""

    name: str
    state: State
    url: str
    pid: int | None
    log_file: Path

    @property
    def is_healthy(self) -> bool:
        """True when the service answered its health check."""
        return self.state == "healthy"


def mlflow_spec(settings: Settings) -> ServiceSpec:
    """The MLflow tracking server: SQLite backend store, artifacts served from `.platform/`."""
    state_dir = settings.platform_dir / "mlflow"
    command = [
        sys.executable, "-m", "mlflow", "server",
        "--host", LOCALHOST,
        "--port", str(settings.mlflow_port),
        "--backend-store-uri", f"sqlite:///{state_dir / 'mlflow.db'}",
        "--artifacts-destination", str(state_dir / "artifacts"),
        "--serve-artifacts",
        "--workers", "1",
    ]  # fmt: skip
    return ServiceSpec("mlflow", settings.mlflow_port, "/health", command, state_dir)


def _prepare_feast(settings: Settings) -> None:
    from mlplatform import features  # imports feast: only when the feature server starts

    logfile = log_file(settings, "feast")
    logfile.parent.mkdir(parents=True, exist_ok=True)
    with logfile.open("a") as out, contextlib.redirect_stdout(out):  # Feast prints progress
        features.prepare(settings)


def feast_spec(settings: Settings) -> ServiceSpec:
    """The Feast feature server over the repo in `platform/feast/`, paths relative to the home."""
    command = [
        sys.executable, "-m", "feast.cli.cli",
        "--chdir", str(settings.home),
        "--feature-store-yaml", str(FEAST_REPO / "feature_store.yaml"),
        "serve",
        "--host", LOCALHOST,
        "--port", str(settings.feast_port),
        "--no-access-log",
    ]  # fmt: skip
    return ServiceSpec(
        "feast", settings.feast_port, "/health", command, settings.platform_dir / "feast",
        prepare=_prepare_feast, port_variable="FEAST_PORT",
        # gunicorn's control socket goes to $XDG_RUNTIME_DIR: one per home, not one per user
        env={"XDG_RUNTIME_DIR": str(settings.platform_dir / "feast")},
    )  # fmt: skip


SERVICES: dict[str, Callable[[Settings], ServiceSpec]] = {
    "mlflow": mlflow_spec,
    "feast": feast_spec,
}


def _run_dir(settings: Settings) -> Path:
    return settings.platform_dir / "run"


def _pid_file(settings: Settings, name: str) -> Path:
    return _run_dir(settings) / f"{name}.json"


def log_file(settings: Settings, name: str) -> Path:
    """Where a service writes its output."""
    return settings.platform_dir / "logs" / f"{name}.log"


def _read_record(settings: Settings, name: str) -> dict | None:
    path = _pid_file(settings, name)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        log.warning("Removing unreadable pid file %s", path)
        path.unlink(missing_ok=True)
        return None


def _live_process(record: dict) -> psutil.Process | None:
    """The process a pid record names, if it still runs and is the same process (not a reused pid)."""
    try:
        proc = psutil.Process(record["pid"])
        if abs(proc.create_time() - record["create_time"]) > 1.0:
            return None
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc
    except (psutil.NoSuchProcess, psutil.AccessDenied, KeyError):
        return None


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((LOCALHOST, port)) == 0


def service_status(name: str, settings: Settings | None = None) -> ServiceStatus:
    """Report one service; removes a stale pid file left by a crash."""
    settings = settings or load_settings()
    spec = SERVICES[name](settings)
    record = _read_record(settings, name)
    proc = _live_process(record) if record else None
    if record and proc is None:
        log.info("%s: removing stale pid file (process %s is gone)", name, record.get("pid"))
        _pid_file(settings, name).unlink(missing_ok=True)
    # A running service answers where it was started, even if the port settings changed since.
    url = record.get("url", spec.url) if proc else spec.url
    if proc is None:
        state: State = "stopped"
    elif is_answering(url + spec.health_path):
        state = "healthy"
    else:
        state = "starting" if time.time() - record["create_time"] < 120 else "unhealthy"
    return ServiceStatus(name, state, url, proc.pid if proc else None, log_file(settings, name))


def platform_status(settings: Settings | None = None) -> list[ServiceStatus]:
    """Report every local service."""
    settings = settings or load_settings()
    return [service_status(name, settings) for name in SERVICES]


def _wait_healthy(spec: ServiceSpec, proc: subprocess.Popen, timeout: float) -> bool:
    @retry(
        stop=stop_after_delay(timeout),
        wait=wait_fixed(0.5),
        retry=retry_if_result(lambda ok: ok is False),
    )
    def poll() -> bool | None:
        if proc.poll() is not None:
            return None  # died: stop polling
        return is_answering(spec.url + spec.health_path)

    try:
        return bool(poll())
    except RetryError:
        return False


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start_service(
    name: str, settings: Settings | None = None, timeout: float = 180
) -> ServiceStatus:
    """Start one service unless it already runs; wait until it is healthy.

    Raises:
        ServiceError: the port is taken by another program, or the service died or never got healthy.
    """
    settings = settings or load_settings()
    current = service_status(name, settings)
    if current.state != "stopped":
        return current
    spec = SERVICES[name](settings)
    if _port_in_use(spec.port):
        raise ServiceError(
            f"Port {spec.port} on {LOCALHOST} is taken by a program that `mlplatform up` did not start, "
            f"so {name} cannot start there. Stop that program, or choose another port, for example "
            f"`export {spec.port_variable}={spec.port + 1}` (and restart JupyterLab so notebooks see it)."
        )
    if spec.prepare is not None:
        try:
            spec.prepare(settings)
        except Exception as exc:  # any failure: reported with its message, chained for the trace
            raise ServiceError(f"{name} could not be prepared before starting: {exc}") from exc
    spec.state_dir.mkdir(parents=True, exist_ok=True)
    _run_dir(settings).mkdir(parents=True, exist_ok=True)
    logfile = log_file(settings, name)
    logfile.parent.mkdir(parents=True, exist_ok=True)
    with logfile.open("ab") as out:
        proc = subprocess.Popen(
            spec.command,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=spec.state_dir,
            start_new_session=True,  # own process group: survives the kernel, stopped as a group
            env={**os.environ, "PYTHONUNBUFFERED": "1", **spec.env},
        )
    record = {
        "pid": proc.pid,
        "create_time": psutil.Process(proc.pid).create_time(),
        "url": spec.url,
        "command": spec.command,
    }
    _pid_file(settings, name).write_text(json.dumps(record, indent=1))
    if not _wait_healthy(spec, proc, timeout):
        stop_service(name, settings)
        raise ServiceError(
            f"{name} did not become healthy at {spec.url} within {timeout:.0f} s. "
            f"Last lines of {logfile}:\n{_log_tail(logfile)}"
        )
    return service_status(name, settings)


def stop_service(name: str, settings: Settings | None = None, timeout: float = 15) -> bool:
    """Stop a service that `up` started. Returns False when it was not running."""
    settings = settings or load_settings()
    record = _read_record(settings, name)
    proc = _live_process(record) if record else None
    _pid_file(settings, name).unlink(missing_ok=True)
    if proc is None:
        return False
    group = [proc, *proc.children(recursive=True)]
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    _, alive = psutil.wait_procs(group, timeout=timeout)
    for leftover in alive:
        leftover.kill()
    return True


def up(settings: Settings | None = None) -> list[ServiceStatus]:
    """Start every local service (a no-op for those already running).

    Raises:
        ServiceError: in cluster mode, where the cluster's services are managed by `make cluster-up`.
    """
    settings = settings or load_settings()
    if settings.mode != "local":
        raise ServiceError(
            "MLPLATFORM_MODE=cluster: the services run in the kind cluster; use `make cluster-up`, "
            "or unset MLPLATFORM_MODE to use the embedded local platform."
        )
    return [start_service(name, settings) for name in SERVICES]


def down(settings: Settings | None = None) -> dict[str, bool]:
    """Stop every local service that `up` started; returns which ones were running."""
    settings = settings or load_settings()
    return {name: stop_service(name, settings) for name in SERVICES}


def require(name: str, settings: Settings | None = None) -> str:
    """Return the URL of a service that must be answering, or say how to start it.

    Raises:
        ServiceNotRunningError: the service does not answer its health check.
    """
    settings = settings or load_settings()
    spec = SERVICES[name](settings)
    url = settings.mlflow_tracking_uri if name == "mlflow" else spec.url
    if is_answering(url.rstrip("/") + spec.health_path):
        return url
    raise ServiceNotRunningError(
        f"{name} is not answering at {url}. Start the platform with `make platform-up` "
        f"and check it with `make platform-status`."
    )
