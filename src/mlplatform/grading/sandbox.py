"""Where a submission runs: a bubblewrap sandbox (Linux), or, only when asked, the bare host.

The sandbox (`bwrap`, Debian package `bubblewrap`) gives each submission its own PID, network, IPC
and user namespaces: every process it starts dies with it (PID 1 of its namespace is bubblewrap), it
has no network but its own loopback, and it runs as uid 65534 without capabilities. It sees a file
system made of read-only system directories, the interpreter and the environment (read-only), the
course's package, data and platform files (read-only), and one scratch folder of its own (writable:
its home, working folder and /tmp). Nothing else of the course's home is mounted: not solutions/, not
the submissions folder, not the gradebook or the stored results.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SANDBOX_UID = 65534  # `nobody` on Debian and macOS
# What of the course's home a submission may read: the package, the data and the platform files.
SHARED_FROM_HOME = ("src", "data", "datasets", "platform", "templates", "pyproject.toml")
# The parts of /etc a Python process and matplotlib need; /etc as a whole holds secrets (shadow).
SHARED_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "fonts", "alternatives")
SYSTEM_DIRS = ("/usr", "/bin", "/lib", "/lib64", "/sbin", "/opt")
UNSAFE_REASON = (
    "graded WITHOUT a sandbox (--unsafe-no-sandbox): the submission could reach the host"
)


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or does not work here; the message says what to do."""


@dataclass(frozen=True)
class Scratch:
    """The one folder a submission may write, laid out as its home, working folder and /tmp."""

    root: Path

    @property
    def home(self) -> Path:
        """The learner's $HOME."""
        return self.root / "home"

    @property
    def work(self) -> Path:
        """The working folder: the submission notebook is copied here."""
        return self.root / "work"

    @property
    def tmp(self) -> Path:
        """Mounted on /tmp inside the sandbox."""
        return self.root / "tmp"

    @property
    def course(self) -> Path:
        """Mounted on the course's home, so writes there land here and are thrown away."""
        return self.root / "course"

    def create(self) -> None:
        """Make the folders, and the passwd/group files that name the sandbox's user."""
        for folder in (self.home, self.work, self.tmp, self.course, self.root / "etc"):
            folder.mkdir(parents=True, exist_ok=True)
        (self.root / "etc" / "passwd").write_text(
            f"learner:x:{SANDBOX_UID}:{SANDBOX_UID}:learner:{self.home}:/bin/sh\n"
        )
        (self.root / "etc" / "group").write_text(f"learner:x:{SANDBOX_UID}:\n")
        (self.root / "etc" / "hosts").write_text("127.0.0.1 localhost\n")


def _ro(path: Path | str) -> list[str]:
    return ["--ro-bind-try", str(path), str(path)]


def _system_mounts() -> list[str]:
    args: list[str] = []
    for name in SYSTEM_DIRS:
        path = Path(name)
        if path.is_symlink():  # merged /usr: /bin -> usr/bin
            args += ["--symlink", os.readlink(path), name]
        elif path.exists():
            args += _ro(path)
    for name in SHARED_ETC:
        args += _ro(Path("/etc") / name)
    return args


def _python_mounts() -> list[str]:
    """The interpreter and the environment, read-only, at their own paths."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(sys.prefix)}
    roots.add(Path(sys.executable).resolve().parent.parent)
    return [arg for root in sorted(roots) for arg in _ro(root)]


def bwrap_command(
    command: list[str], scratch: Scratch, course_home: Path, network: bool
) -> list[str]:
    """The bubblewrap command line that runs `command` inside the sandbox.

    Mount order matters: the scratch's course folder is mounted on the home first, then the shared
    parts of the home and the environment on top of it (read-only).
    """
    bwrap = shutil.which("bwrap") or "bwrap"
    args = [bwrap, "--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID),
            "--gid", str(SANDBOX_UID), "--die-with-parent", "--new-session",
            "--cap-drop", "ALL", "--hostname", "sandbox"]  # fmt: skip
    if network:
        args.append("--share-net")
    args += _system_mounts()
    for name in ("passwd", "group", "hosts"):
        args += ["--ro-bind", str(scratch.root / "etc" / name), f"/etc/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev", "--bind", str(scratch.tmp), "/tmp"]
    args += ["--bind", str(scratch.course), str(course_home)]
    args += [arg for name in SHARED_FROM_HOME for arg in _ro(course_home / name)]
    args += _python_mounts()
    for folder in (scratch.home, scratch.work):
        args += ["--bind", str(folder), str(folder)]
    return [*args, "--chdir", str(scratch.work), "--", *command]


def check_sandbox(course_home: Path) -> None:
    """Run the interpreter once inside the sandbox.

    Raises:
        SandboxUnavailable: bwrap is not installed, or cannot create its namespaces here.
    """
    if shutil.which("bwrap") is None:
        raise SandboxUnavailable(
            "bubblewrap (`bwrap`) is not installed, so submissions cannot be sandboxed. On Debian or "
            "Ubuntu run `make system-packages` (or `sudo apt-get install bubblewrap`); elsewhere "
            "(macOS) pass --unsafe-no-sandbox to grade on the bare host, at your own risk."
        )
    with tempfile.TemporaryDirectory(prefix="mlplatform-sandbox-probe-") as folder:
        scratch = Scratch(Path(folder))
        scratch.create()
        probe = [sys.executable, "-c", "import mlplatform.grading.runner"]
        done = subprocess.run(bwrap_command(probe, scratch, course_home, network=False),
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SandboxUnavailable(
            f"bubblewrap is installed but cannot run a submission here ({last}). Unprivileged "
            "user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone=1); or pass "
            "--unsafe-no-sandbox to grade on the bare host, at your own risk."
        )
