"""Start, stop and check the embedded local platform's services.

Each service runs as a detached process in its own session (it survives a notebook kernel restart),
binds 127.0.0.1, and records what was started in a pid file under `.platform/run/`. Every process of
a service, its workers included, carries `MLPLATFORM_SERVICE=<name>@<platform dir>` in its
environment, so the platform recognises its own processes even when the pid file is gone or
corrupt, or when the process it started was killed and left an orphaned worker on the port.
`status` reports them, `up` adopts a healthy service it lost track of and restarts a broken one,
and `down` stops every process of the service and nothing else.

Three groups: the platform (MLflow, then the Feast feature server), the model services
(`MODEL_SERVICES`, one entry per project app, started as `python -m <module>`) and monitoring (a
Prometheus server that scrapes them, `mlplatform.monitoring.prometheus_server`). A model service is
up once `/health` answers; `/ready` (a champion loaded, the feature server reachable) is reported
beside it, because a fresh platform has no champion yet and that is not a failure to start.
Prometheus is a system binary: where it is not installed, `up` starts the rest and its status is
"missing", with the command that installs it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Literal

import httpx
import psutil
from tenacity import RetryError, retry, retry_if_result, stop_after_delay, wait_fixed

from mlplatform import service_processes as procs
from mlplatform import service_records as records
from mlplatform.config import (
    FEAST_REPO,
    LOCALHOST,
    Settings,
    load_serving_settings,
    load_settings,
)
from mlplatform.health import ServiceError, ServiceNotRunningError, is_answering
from mlplatform.monitoring import prometheus_server

log = logging.getLogger(__name__)

State = Literal["healthy", "starting", "unhealthy", "stopped", "missing"]
Group = Literal["platform", "models", "monitoring"]


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
    ready_path: str | None = None  # answers 200 when ready to serve (model services)
    when_not_ready: str = ""  # what to do while `ready_path` says no
    requires: tuple[str, ...] = ()  # services that must answer before this one starts
    missing: str = ""  # set when it cannot run here (its binary is not installed): how to fix it

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
    tracked: bool = True  # the pid file names the live process `up` started
    ready: bool | None = None  # None: the service has no readiness check, or is not healthy
    not_ready: str = ""  # why it is not ready (or, when "missing", not installed), and what to do

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


@dataclass(frozen=True)
class ModelService:
    """One model service that `up` runs: a project's FastAPI app, started as a module."""

    name: str
    module: str  # run as `python -m <module>`
    port_variable: str  # the setting that holds its port (see `config.ServingSettings.ports`)
    model: str  # the registered model it serves under the alias champion
    registered_by: str  # where a learner registers and promotes that model


MODEL_SERVICES: tuple[ModelService, ...] = (
    ModelService("recommender", "mlplatform.recommender.service", "RECOMMENDER_PORT", "movie-recommender", "chapter 05 or 12"),
    ModelService("ocr", "mlplatform.ocr.service", "OCR_PORT", "ocr-id-reader", "chapter 09"),
)  # fmt: skip


def model_service_spec(service: ModelService, settings: Settings) -> ServiceSpec:
    """How to run a model service against this platform home's MLflow and Feast.

    The process reads its settings from the environment, so the home, the registry and the
    feature server of `settings` are passed to it there (a notebook's settings may differ from
    the shell's). Its port comes from `load_serving_settings()` (`RECOMMENDER_PORT`, ...).
    """
    port = load_serving_settings().ports[service.port_variable]
    env = {
        "MLPLATFORM_HOME": str(settings.home),
        "MLPLATFORM_MODE": settings.mode,
        "MLFLOW_PORT": str(settings.mlflow_port),
        "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
        "FEAST_PORT": str(settings.feast_port),
        service.port_variable: str(port),
    }
    url = f"http://{LOCALHOST}:{port}"
    hint = (
        f"register a {service.model} version under the alias champion ({service.registered_by} "
        f"does), then `curl -X POST {url}/admin/reload` or wait for the next poll "
        "(MLPLATFORM_MODEL_POLL_SECONDS)"
    )
    return ServiceSpec(
        service.name, port, "/health", [sys.executable, "-m", service.module],
        settings.platform_dir / service.name, port_variable=service.port_variable, env=env,
        ready_path="/ready", when_not_ready=hint, requires=("mlflow",),
    )  # fmt: skip


def prometheus_spec(settings: Settings) -> ServiceSpec:
    """Prometheus scraping the model services, with the SLO rules; "missing" when not installed."""
    binary = prometheus_server.find_binary()
    return ServiceSpec(
        "prometheus", settings.prometheus_port, "/-/healthy",
        prometheus_server.command(settings, binary or prometheus_server.BINARY),
        prometheus_server.state_dir(settings),
        prepare=prometheus_server.write_config, port_variable="PROMETHEUS_PORT",
        missing="" if binary else prometheus_server.INSTALL_HINT,
    )  # fmt: skip


SERVICES: dict[str, Callable[[Settings], ServiceSpec]] = {
    "mlflow": mlflow_spec,
    "feast": feast_spec,
    **{service.name: partial(model_service_spec, service) for service in MODEL_SERVICES},
    "prometheus": prometheus_spec,
}
GROUPS: dict[Group, tuple[str, ...]] = {
    "platform": ("mlflow", "feast"),
    "models": tuple(service.name for service in MODEL_SERVICES),
    "monitoring": ("prometheus",),
}


def service_names(only: Group | None = None) -> list[str]:
    """The services `up` starts, in order: all of them, or one group.

    Raises:
        ServiceError: `only` is not a group.
    """
    if only is None:
        return list(SERVICES)
    if only not in GROUPS:
        raise ServiceError(f"--only {only!r} is not a group; use one of {', '.join(GROUPS)}.")
    return [name for name in SERVICES if name in GROUPS[only]]


def log_file(settings: Settings, name: str) -> Path:
    """Where a service writes its output."""
    return settings.platform_dir / "logs" / f"{name}.log"


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((LOCALHOST, port)) == 0


def _url_of(spec: ServiceSpec, seen: records.Observed) -> str:
    """Where the service answers: as recorded, else on the port its processes hold."""
    if seen.record and seen.record.get("url"):
        return seen.record["url"]
    port = procs.listening_port(seen.processes)
    return f"http://{LOCALHOST}:{port}" if port else spec.url


def service_status(name: str, settings: Settings | None = None) -> ServiceStatus:
    """Report one service, from its pid file and from the processes that carry its marker.

    A pid file whose processes are all gone is removed. Processes of the service that the pid file
    does not name (it was deleted or corrupted, or the leader was killed and left its worker) are
    reported with `tracked=False`; `up` adopts or restarts them, `down` stops them.
    """
    settings = settings or load_settings()
    spec = SERVICES[name](settings)
    seen = records.observe(settings, name)
    if seen.record and not seen.processes:
        log.info("%s: removing stale pid file (process %s is gone)", name, seen.record.get("pid"))
        records.pid_file(settings, name).unlink(missing_ok=True)
    url = _url_of(spec, seen)
    pid = seen.leader.pid if seen.leader else (seen.processes[0].pid if seen.processes else None)
    tracked = seen.leader is not None
    if not seen.processes:
        state: State = "missing" if spec.missing else "stopped"
    elif is_answering(url + spec.health_path):
        state = "healthy"
    elif (
        tracked
        and not seen.record.get("healthy_at")
        and time.time() - seen.leader.create_time() < 120
    ):
        state = "starting"  # never answered yet, and young
    else:
        state = "unhealthy"
    if seen.processes and not tracked:
        log.warning("%s: %d process(es) of ours run that the pid file does not name (pids %s)",
                    name, len(seen.processes), ", ".join(str(p.pid) for p in seen.processes))  # fmt: skip
    ready, not_ready = None, ""
    if state == "healthy" and spec.ready_path:
        ready, not_ready = _readiness(url + spec.ready_path, spec.when_not_ready)
    if state == "missing":
        not_ready = spec.missing
    return ServiceStatus(
        name, state, url, pid, log_file(settings, name), tracked, ready, not_ready
    )  # fmt: skip


def _readiness(url: str, what_to_do: str) -> tuple[bool, str]:
    """(ready, why not) from a `/ready` route that names its checks (`mlplatform.serving.app`).

    What to do about a missing model is added when the model check fails; the other checks'
    messages say themselves how to fix them (e.g. how to start the feature server).
    """
    try:
        answer = httpx.get(url, timeout=5)
    except httpx.HTTPError as error:
        return False, f"{url} did not answer ({type(error).__name__}). To do: {what_to_do}"
    if answer.status_code == 200:
        return True, ""
    try:
        checks = dict(answer.json().get("checks", {}))
    except (ValueError, AttributeError, TypeError):
        checks = {}
    failing = "; ".join(f"{k}: {str(v).rstrip('.')}" for k, v in checks.items() if v != "ok")
    if checks.get("model", "failing") == "ok":
        return False, failing
    return False, f"{failing or f'HTTP {answer.status_code}'}. To do: {what_to_do}"


def platform_status(
    settings: Settings | None = None, only: Group | None = None
) -> list[ServiceStatus]:
    """Report every local service, or those of one group."""
    settings = settings or load_settings()
    return [service_status(name, settings) for name in service_names(only)]


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


def _launch(name: str, spec: ServiceSpec, settings: Settings) -> subprocess.Popen:
    spec.state_dir.mkdir(parents=True, exist_ok=True)
    logfile = log_file(settings, name)
    logfile.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **spec.env,
           procs.MARKER_VARIABLE: records.marker(settings, name)}  # fmt: skip
    with logfile.open("ab") as out:
        proc = subprocess.Popen(
            spec.command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=spec.state_dir, env=env,
            start_new_session=True,  # own session: survives the kernel, stopped as a whole
        )  # fmt: skip
    records.write_record(settings, name, psutil.Process(proc.pid), spec.url)
    return proc


def start_service(
    name: str, settings: Settings | None = None, timeout: float = 180
) -> ServiceStatus:
    """Start one service unless it already runs; wait until it is healthy.

    A healthy service whose pid file was lost is adopted; one that is broken (unhealthy, or an
    orphaned worker whose parent was killed) is stopped and started again.

    Raises:
        ServiceError: the port is taken by another program, or the service died or never got healthy.
    """
    settings = settings or load_settings()
    with records.service_lock(settings, name):
        current = service_status(name, settings)
        if current.tracked and current.state in ("healthy", "starting"):
            return current
        if current.state == "missing":  # not installed: the rest of the platform runs without it
            log.warning("%s", current.not_ready)
            return current
        if current.state == "healthy" and records.adopt(settings, name, current.url):
            return service_status(name, settings)
        if current.state != "stopped":
            log.warning("%s is %s and not fully tracked: stopping what is left of it and starting "
                        "it again", name, current.state)  # fmt: skip
            _stop_locked(name, settings)
        return _start_locked(name, settings, timeout)


def _start_locked(name: str, settings: Settings, timeout: float) -> ServiceStatus:
    spec = SERVICES[name](settings)
    if _port_in_use(spec.port):
        raise ServiceError(
            f"Port {spec.port} on {LOCALHOST} is taken by a program that `mlplatform up` did not start, "
            f"so {name} cannot start there. Stop that program, or choose another port, for example "
            f"`export {spec.port_variable}={spec.port + 1}` (and restart JupyterLab so notebooks see it)."
        )
    for needed in spec.requires:
        needed_spec = SERVICES[needed](settings)
        if not is_answering(needed_spec.url + needed_spec.health_path):
            raise ServiceError(
                f"{name} needs {needed}, which is not answering at {needed_spec.url}: start the "
                "platform first with `make platform-up` (or `mlplatform up`)."
            )
    if spec.prepare is not None:
        try:
            spec.prepare(settings)
        except Exception as exc:  # any failure: reported with its message, chained for the trace
            raise ServiceError(f"{name} could not be prepared before starting: {exc}") from exc
    proc = _launch(name, spec, settings)
    if not _wait_healthy(spec, proc, timeout):
        _stop_locked(name, settings)
        logfile = log_file(settings, name)
        raise ServiceError(
            f"{name} did not become healthy at {spec.url} within {timeout:.0f} s. "
            f"Last lines of {logfile}:\n{_log_tail(logfile)}"
        )
    records.write_record(settings, name, psutil.Process(proc.pid), spec.url, healthy=True)
    return service_status(name, settings)


def stop_service(name: str, settings: Settings | None = None, timeout: float = 15) -> bool:
    """Stop every process of a service (tracked or orphaned). Returns False when none ran."""
    settings = settings or load_settings()
    with records.service_lock(settings, name):
        return _stop_locked(name, settings, timeout)


def _stop_locked(name: str, settings: Settings, timeout: float = 15) -> bool:
    seen = records.observe(settings, name)
    records.pid_file(settings, name).unlink(missing_ok=True)
    if not seen.processes:
        return False
    procs.stop_processes(seen.processes, timeout)
    return True


def up(settings: Settings | None = None, only: Group | None = None) -> list[ServiceStatus]:
    """Start every local service, or one group of them (a no-op for those already running).

    A model service counts as up when it answers `/health`; its status says whether it is ready.
    Prometheus, where its binary is not installed, is reported "missing" (with how to install it)
    and the rest still starts.

    Raises:
        ServiceError: in cluster mode, where the cluster's services are managed by `make cluster-up`;
            or a service could not start (the message says why and what to do).
    """
    settings = settings or load_settings()
    if settings.mode != "local":
        raise ServiceError(
            "MLPLATFORM_MODE=cluster: the services run in the kind cluster; use `make cluster-up`, "
            "or unset MLPLATFORM_MODE to use the embedded local platform."
        )
    return [start_service(name, settings) for name in service_names(only)]


def down(settings: Settings | None = None, only: Group | None = None) -> dict[str, bool]:
    """Stop the local services that `up` started (model services first); which ones were running."""
    settings = settings or load_settings()
    return {name: stop_service(name, settings) for name in reversed(service_names(only))}


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
        f"{name} is not answering at {url}. "
        + (spec.missing or "Start the platform with `make platform-up` and check it with "
           "`make platform-status`.")
    )  # fmt: skip
