"""Start the runner for one submission (in the sandbox, or bare when asked), stop it, read its events."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from mlplatform.grading.sandbox import Scratch, bwrap_command

# What of the grader's environment a submission inherits (no tokens, no credentials).
_KEPT_VARIABLES = ("PATH", "LANG", "LC_ALL", "MLFLOW_TRACKING_URI", "MLFLOW_PORT", "FEAST_PORT",
                   "MLPLATFORM_MODE")  # fmt: skip


def child_env(scratch: Scratch, course_home: Path, fast: bool) -> dict[str, str]:
    """The runner's environment: the course's settings, and a home and caches of its own."""
    env = {k: os.environ[k] for k in _KEPT_VARIABLES if k in os.environ}
    env.update(
        HOME=str(scratch.home),
        TMPDIR="/tmp",
        MLPLATFORM_HOME=str(course_home),
        MLPLATFORM_FAST="1" if fast else "0",
        JUPYTER_RUNTIME_DIR=str(scratch.home / ".runtime"),
        IPYTHONDIR=str(scratch.home / ".ipython"),
        MPLCONFIGDIR=str(scratch.home / ".matplotlib"),
        OMP_NUM_THREADS="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def start_runner(
    scratch: Scratch,
    course_home: Path,
    private: Path,
    *,
    sandboxed: bool,
    network: bool,
    fast: bool,
) -> subprocess.Popen:
    """Start `python -m mlplatform.grading.runner` for one submission, in its own session.

    Its stdout and stderr go to files in `private`, a folder outside the sandbox.

    Raises:
        OSError: the process cannot be started.
    """
    command = [sys.executable, "-m", "mlplatform.grading.runner"]
    env = child_env(scratch, course_home, fast)
    if sandboxed:
        command = bwrap_command(command, scratch, course_home, network=network)
    else:
        env["TMPDIR"] = str(scratch.tmp)
    with (private / "stdout").open("wb") as stdout, (private / "stderr").open("wb") as stderr:
        return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=stdout, stderr=stderr,
                                cwd=scratch.work, env=env, start_new_session=True)  # fmt: skip


def kill_group(proc: subprocess.Popen) -> None:
    """Kill the runner's session; in the sandbox, its PID namespace (every child) dies with it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def read_events(path: Path, nonce: str) -> list[dict]:
    """The runner's events: its stdout lines that start with this run's nonce."""
    events = []
    with path.open("rb") as handle:
        for raw in handle:
            line = raw.decode(errors="replace").strip()
            if line.startswith(nonce + " "):
                try:
                    events.append(json.loads(line[len(nonce) + 1 :]))
                except json.JSONDecodeError:
                    continue
    return events


def tail(path: Path, size: int = 600) -> str:
    """The last line the runner wrote to stderr, as a reason."""
    data = path.read_bytes()[-size:].decode(errors="replace").strip()
    last = data.splitlines()[-1] if data else "no output"
    return f"the grading process failed: {last}"
