"""Load tests of the model services with locust: fixed concurrency, bounded in time and count.

`run_level` runs one locustfile headless at one concurrency (as many simulated users as the level
says, each sending its next request as soon as the answer arrives) for at most `seconds` and
`max_requests`, in a subprocess: locust monkey-patches the standard library with gevent when it
is imported, which must not happen in a notebook or in the CLI. The locustfile calls
`record_requests()`, which writes every request's latency (exact, not locust's rounded histogram)
to the file the runner names; `LevelResult` turns them into p50/p95/p99, throughput and errors.

`run_loadtest` (behind `mlplatform loadtest` and `make loadtest`) does this for each model service
that has a locustfile in `benchmarks/load/<service>.py`, after checking that the service is up and
ready: a service without a champion is refused with what to do, not measured.

Environment read by the locustfiles (set by the runner): `LOADTEST_RECORD` (where to write the
latencies), `LOADTEST_MAX_REQUESTS` (stop after this many), and for the recommender's
`LOADTEST_USER_IDS` (comma-separated MovieLens user ids to ask for; default every user).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mlplatform import services
from mlplatform.config import Settings, load_settings
from mlplatform.health import ServiceError

LEVELS = (1, 10, 50)
LOCUSTFILES = Path("benchmarks") / "load"  # under the project home: <service>.py


class LoadTestError(ServiceError):
    """A load test could not run (services not ready, locust failed); the message says why."""


@dataclass(frozen=True)
class LevelResult:
    """What one concurrency level measured."""

    users: int
    requests: int
    failures: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    throughput_rps: float  # successful requests per second

    @classmethod
    def from_record(cls, users: int, record: Mapping[str, Any]) -> LevelResult:
        """Summarise a `record_requests` file's content."""
        times = np.asarray(record["ok_ms"], dtype=float)
        seconds = max(float(record["ended"]) - float(record["started"]), 1e-9)
        p50, p95, p99 = np.percentile(times, [50, 95, 99]) if len(times) else (np.nan,) * 3
        return cls(
            users=users,
            requests=len(times) + int(record["failures"]),
            failures=int(record["failures"]),
            seconds=round(seconds, 2),
            p50_ms=round(float(p50), 2),
            p95_ms=round(float(p95), 2),
            p99_ms=round(float(p99), 2),
            throughput_rps=round(len(times) / seconds, 1),
        )

    def row(self, prefix: str = "") -> dict[str, Any]:
        """The result as flat keys (`<prefix>c<users>_<field>`), for a benchmark JSON."""
        return {f"{prefix}c{self.users}_{key}": value for key, value in asdict(self).items()}


def record_requests() -> None:
    """Called at the top of a locustfile: record each request's latency, stop at the count limit.

    Writes `{"ok_ms": [...], "failures": n, "started": t, "ended": t}` to `$LOADTEST_RECORD` when
    locust quits; the clock starts at the first request (not while users are being spawned).
    """
    import gevent  # only inside the locust process, which has patched the standard library
    from locust import events

    path = os.environ.get("LOADTEST_RECORD")
    limit = int(os.environ.get("LOADTEST_MAX_REQUESTS", "0") or 0)
    state: dict[str, Any] = {"ok_ms": [], "failures": 0, "started": None, "ended": None}
    runner: dict[str, Any] = {}

    @events.init.add_listener
    def on_init(environment: Any, **_: Any) -> None:
        runner["environment"] = environment

    @events.request.add_listener
    def on_request(response_time: float, exception: Exception | None, **_: Any) -> None:
        now = time.time()
        if state["started"] is None:
            state["started"] = now - response_time / 1000
        state["ended"] = now
        if exception is None:
            state["ok_ms"].append(response_time)
        else:
            state["failures"] += 1
        if limit and len(state["ok_ms"]) + state["failures"] == limit:
            # From its own greenlet: quitting stops the users, this one among them.
            gevent.spawn(runner["environment"].runner.quit)

    @events.quitting.add_listener
    def on_quit(**_: Any) -> None:
        if path:
            state["started"] = state["started"] or time.time()
            state["ended"] = state["ended"] or state["started"]
            Path(path).write_text(json.dumps(state))


def run_level(
    locustfile: Path,
    host: str,
    users: int,
    seconds: float,
    max_requests: int,
    env: Mapping[str, str] | None = None,
) -> LevelResult:
    """Run `locustfile` headless against `host` with `users` at once; stop at the first bound.

    Raises:
        LoadTestError: locust exited with an error or recorded nothing (its output is quoted).
    """
    with tempfile.TemporaryDirectory(prefix="loadtest-") as folder:
        record = Path(folder) / "record.json"
        command = [
            sys.executable, "-m", "locust", "-f", str(locustfile), "--headless",
            "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds:g}s",
            "--host", host, "--only-summary", "--stop-timeout", "5",
            "--exit-code-on-error", "0", "--loglevel", "WARNING",
        ]  # fmt: skip
        environment = {**os.environ, **(env or {}), "LOADTEST_RECORD": str(record),
                       "LOADTEST_MAX_REQUESTS": str(max_requests)}  # fmt: skip
        try:
            done = subprocess.run(
                command, env=environment, capture_output=True, text=True, timeout=seconds + 120
            )
        except subprocess.TimeoutExpired as error:
            raise LoadTestError(f"locust did not stop within {seconds + 120:g} s") from error
        if done.returncode != 0 or not record.exists():
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise LoadTestError(
                f"locust failed on {locustfile.name} (exit {done.returncode}):\n{tail}"
            )
        return LevelResult.from_record(users, json.loads(record.read_text()))


def run_levels(
    locustfile: Path,
    host: str,
    levels: Iterable[int] = LEVELS,
    seconds: float = 20,
    max_requests: int = 20_000,
    env: Mapping[str, str] | None = None,
) -> list[LevelResult]:
    """`run_level` at each concurrency in turn."""
    return [run_level(locustfile, host, users, seconds, max_requests, env) for users in levels]


def ready_services(settings: Settings, only: str | None = None) -> list[services.ServiceStatus]:
    """The model services to load, each up and ready.

    Raises:
        LoadTestError: one is not running, or not ready; the message says what to do.
    """
    statuses = services.platform_status(settings, only="models")
    if only is not None:
        statuses = [s for s in statuses if s.name == only]
        if not statuses:
            names = ", ".join(services.service_names("models"))
            raise LoadTestError(f"{only!r} is not a model service; choose one of: {names}.")
    problems = []
    for status in statuses:
        if not status.is_healthy:
            problems.append(f"{status.name} is {status.state} at {status.url}: start the model "
                            "services with `make platform-up` (or `make serve`).")  # fmt: skip
        elif status.ready is False:
            problems.append(f"{status.name} is up but not ready: {status.not_ready}")
    if problems:
        raise LoadTestError("cannot load-test yet.\n" + "\n".join(problems))
    return statuses


def run_loadtest(
    settings: Settings | None = None,
    levels: Iterable[int] = LEVELS,
    seconds: float = 20,
    max_requests: int = 20_000,
    only: str | None = None,
) -> dict[str, list[LevelResult]]:
    """Load every ready model service that has a locustfile; results by service.

    Raises:
        LoadTestError: a service is not up or not ready, or has no locustfile, or locust failed.
    """
    settings = settings or load_settings()
    results = {}
    for status in ready_services(settings, only):
        locustfile = settings.home / LOCUSTFILES / f"{status.name}.py"
        if not locustfile.is_file():
            raise LoadTestError(f"{status.name} has no locustfile: write {locustfile}.")
        results[status.name] = run_levels(locustfile, status.url, levels, seconds, max_requests)
    return results
