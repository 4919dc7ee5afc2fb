"""Recognise the processes of a local service, whatever state its pid file is in, and stop them.

A service's processes are the one `up` started (a session leader, named in the pid file), everything
in its session, and every process that carries the service's marker in its environment: the marker
is set when the service starts and every child inherits it, so a worker whose parent was killed
(an orphan, reparented to init, still answering on the port) is still recognised as ours.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import psutil

MARKER_VARIABLE = "MLPLATFORM_SERVICE"
_GONE = (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied, ProcessLookupError)


def marker(name: str, platform_dir: Path) -> str:
    """The value of MARKER_VARIABLE for one service of one platform home."""
    return f"{name}@{platform_dir.resolve()}"


def live_process(record: dict) -> psutil.Process | None:
    """The process a pid record names, if it still runs and is the same process (not a reused pid)."""
    try:
        proc = psutil.Process(record["pid"])
        if abs(proc.create_time() - record["create_time"]) > 1.0:
            return None
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc
    except (*_GONE, KeyError, TypeError):
        return None


def _carries(proc: psutil.Process, value: str) -> bool:
    try:
        return (
            proc.status() != psutil.STATUS_ZOMBIE and proc.environ().get(MARKER_VARIABLE) == value
        )
    except _GONE:
        return False


def marked_processes(value: str) -> list[psutil.Process]:
    """Every live process whose environment carries the marker `value`, by pid."""
    return sorted((p for p in psutil.process_iter() if _carries(p, value)), key=lambda p: p.pid)


def service_processes(value: str, leader: psutil.Process | None) -> list[psutil.Process]:
    """The recorded leader, its descendants and every marked process (each once)."""
    found = {p.pid: p for p in marked_processes(value)}
    if leader is not None:
        with contextlib.suppress(*_GONE):
            found.update({p.pid: p for p in [leader, *leader.children(recursive=True)]})
    return sorted(found.values(), key=lambda p: p.pid)


def listening_port(procs: list[psutil.Process]) -> int | None:
    """A TCP port one of `procs` listens on (the service's), or None."""
    for proc in procs:
        with contextlib.suppress(*_GONE):
            for conn in proc.net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN:
                    return conn.laddr.port
    return None


def session_leader(procs: list[psutil.Process]) -> psutil.Process | None:
    """The one process among `procs` that leads its own session (what `up` started), if any."""
    leaders = []
    for proc in procs:
        with contextlib.suppress(*_GONE, OSError):
            if os.getsid(proc.pid) == proc.pid:
                leaders.append(proc)
    return leaders[0] if len(leaders) == 1 else None


def stop_processes(procs: list[psutil.Process], timeout: float) -> None:
    """SIGTERM each process (and its group, when it leads one), then SIGKILL what is left."""
    for proc in procs:
        with contextlib.suppress(*_GONE, OSError):
            if os.getpgid(proc.pid) == proc.pid:
                os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(*_GONE):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    for leftover in alive:
        with contextlib.suppress(*_GONE):
            leftover.kill()
    psutil.wait_procs(alive, timeout=5)
