"""The pid files of the local services, the lock around starting and stopping, and what runs now.

A pid file (`.platform/run/<name>.json`) names the process `up` started: pid, create time (a reused
pid is not mistaken for it), URL, command line and the service's marker. It is written atomically;
one that cannot be read is removed with a warning, and the marker still finds the processes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

from mlplatform import service_processes as procs
from mlplatform.config import Settings

log = logging.getLogger(__name__)


def run_dir(settings: Settings) -> Path:
    """Where the pid files and locks live."""
    return settings.platform_dir / "run"


def pid_file(settings: Settings, name: str) -> Path:
    """The pid file of one service."""
    return run_dir(settings) / f"{name}.json"


def marker(settings: Settings, name: str) -> str:
    """The environment marker every process of this service carries."""
    return procs.marker(name, settings.platform_dir)


def read_record(settings: Settings, name: str) -> dict | None:
    """The pid record, or None when there is none; an unreadable one is removed."""
    path = pid_file(settings, name)
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        record = None
    if not isinstance(record, dict):
        log.warning("Removing unreadable pid file %s", path)
        path.unlink(missing_ok=True)
        return None
    return record


def write_record(
    settings: Settings, name: str, proc: psutil.Process, url: str, healthy: bool = False
) -> None:
    """Record `proc` as the service's leader, in one rename (a reader never sees half a file).

    `healthy` records that it answered once: from then on, not answering means broken, not starting.
    """
    record = {"pid": proc.pid, "create_time": proc.create_time(), "url": url,
              "command": proc.cmdline(), "marker": marker(settings, name),
              "healthy_at": time.time() if healthy else None}  # fmt: skip
    path = pid_file(settings, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_suffix(".json.tmp")
    staged.write_text(json.dumps(record, indent=1))
    os.replace(staged, path)


@contextlib.contextmanager
def service_lock(settings: Settings, name: str) -> Iterator[None]:
    """One start or stop of a service at a time (two `up`s at once could start it twice)."""
    run_dir(settings).mkdir(parents=True, exist_ok=True)
    with (run_dir(settings) / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@dataclass(frozen=True)
class Observed:
    """What runs of one service: its record, the recorded leader if alive, all its processes."""

    record: dict | None
    leader: psutil.Process | None
    processes: list[psutil.Process]


def observe(settings: Settings, name: str) -> Observed:
    """Look at the pid file and at the processes carrying the service's marker."""
    record = read_record(settings, name)
    leader = procs.live_process(record) if record else None
    return Observed(record, leader, procs.service_processes(marker(settings, name), leader))


def adopt(settings: Settings, name: str, url: str) -> bool:
    """Record a healthy service whose pid file was lost, if its session leader still runs."""
    leader = procs.session_leader(observe(settings, name).processes)
    if leader is None:
        return False
    write_record(settings, name, leader, url, healthy=True)
    log.warning("%s: its pid file was missing or unreadable; the running service (pid %s) is "
                "tracked again", name, leader.pid)  # fmt: skip
    return True
