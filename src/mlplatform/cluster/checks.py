"""Prerequisite checks for the cluster mode: what is missing, and how to get it.

Each check returns a `CheckResult` whose `detail` says what was found and whose `fix` says exactly
what to type or which install page to open. The commands and files are passed in (defaults: the real
ones) so the tests can fake every outcome.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Level = Literal["ok", "warn", "fail"]
Runner = Callable[..., subprocess.CompletedProcess]
Which = Callable[[str], str | None]

DOCKER_INSTALL = "https://docs.docker.com/engine/install/"
KIND_INSTALL = "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
KUBECTL_INSTALL = "https://kubernetes.io/docs/tasks/tools/"
KIND_KNOWN_ISSUES = (
    "https://kind.sigs.k8s.io/docs/user/known-issues/#pod-errors-due-to-too-many-open-files"
)
INOTIFY_MINIMUMS = {"max_user_watches": 524288, "max_user_instances": 512}
# KFP images published for amd64 only, as of KFP 2.17.0 (cluster-notes.md, section 1.4).
AMD64_ONLY_IMAGES = ("kfp-metadata-writer", "ml_metadata_store_server:1.14.0")


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one prerequisite check."""

    name: str
    level: Level
    detail: str
    fix: str = ""

    @property
    def passed(self) -> bool:
        """True unless the check failed (a warning passes)."""
        return self.level != "fail"

    def __str__(self) -> str:
        text = f"[{self.level}] {self.name}: {self.detail}"
        return f"{text}\n       fix: {self.fix}" if self.fix else text


def parse_version(text: str) -> tuple[int, ...] | None:
    """The first `vX.Y.Z` (or `X.Y.Z`) in `text`, as a tuple of ints."""
    match = re.search(r"v?(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(g) for g in match.groups()) if match else None


def _output(run: Runner, command: list[str]) -> subprocess.CompletedProcess:
    return run(command, capture_output=True, text=True, timeout=30, check=False)


def check_docker(which: Which = shutil.which, run: Runner = subprocess.run) -> CheckResult:
    """Docker is installed and its daemon answers `docker info`."""
    if which("docker") is None:
        return CheckResult(
            "docker", "fail", "docker is not installed", f"install it: {DOCKER_INSTALL}"
        )
    result = _output(run, ["docker", "info", "--format", "{{.ServerVersion}}"])
    if result.returncode != 0:
        return CheckResult(
            "docker",
            "fail",
            "docker is installed but its daemon is not running (`docker info` failed)",
            "start Docker Desktop, or on Linux `sudo systemctl start docker`",
        )
    return CheckResult("docker", "ok", f"daemon running, server {result.stdout.strip()}")


def check_kind(
    minimum: str, which: Which = shutil.which, run: Runner = subprocess.run
) -> CheckResult:
    """Check that kind is installed, at version `minimum` (e.g. v0.32.0) or newer."""
    fix = f"install kind {minimum}: {KIND_INSTALL}"
    if which("kind") is None:
        return CheckResult("kind", "fail", "kind is not installed", fix)
    found = parse_version(_output(run, ["kind", "version"]).stdout)
    wanted = parse_version(minimum)
    if found is None:
        return CheckResult("kind", "fail", "`kind version` printed no version", fix)
    shown = "v" + ".".join(map(str, found))
    if wanted and found < wanted:
        return CheckResult(
            "kind", "fail", f"kind {shown} is older than {minimum}, which the node image needs", fix
        )
    return CheckResult("kind", "ok", f"kind {shown}")


def check_kubectl(
    cluster_version: str, which: Which = shutil.which, run: Runner = subprocess.run
) -> CheckResult:
    """Check that kubectl is installed, within one minor version of the cluster (Kubernetes' skew policy)."""
    fix = f"install kubectl {cluster_version}: {KUBECTL_INSTALL}"
    if which("kubectl") is None:
        return CheckResult("kubectl", "fail", "kubectl is not installed", fix)
    result = _output(run, ["kubectl", "version", "--client", "-o", "json"])
    try:
        client = json.loads(result.stdout)["clientVersion"]["gitVersion"]
    except (ValueError, KeyError):
        return CheckResult("kubectl", "fail", "`kubectl version --client` printed no version", fix)
    found, wanted = parse_version(client), parse_version(cluster_version)
    if found and wanted and abs(found[1] - wanted[1]) > 1:
        return CheckResult(
            "kubectl",
            "fail",
            f"kubectl {client} is more than one minor version from the cluster's {cluster_version}",
            fix,
        )
    return CheckResult("kubectl", "ok", f"kubectl {client}")


def check_inotify(proc: Path = Path("/proc")) -> CheckResult:
    """The inotify limits are high enough for the many watchers a KFP cluster starts."""
    folder = proc / "sys" / "fs" / "inotify"
    if not folder.is_dir():
        return CheckResult(
            "inotify", "ok", "no /proc/sys/fs/inotify (not Linux): Docker Desktop's VM sets them"
        )
    low = {}
    for name, minimum in INOTIFY_MINIMUMS.items():
        value = int((folder / name).read_text().strip())
        if value < minimum:
            low[name] = (value, minimum)
    if not low:
        return CheckResult("inotify", "ok", "max_user_watches and max_user_instances are enough")
    found = ", ".join(f"{k}={v} (needs {m})" for k, (v, m) in low.items())
    command = "sudo sysctl " + " ".join(f"fs.inotify.{k}={m}" for k, (_, m) in low.items())
    return CheckResult(
        "inotify",
        "fail",
        f"{found}: pods crash with 'too many open files' ({KIND_KNOWN_ISSUES})",
        f"{command}   (persist the same lines in /etc/sysctl.d/99-kind.conf)",
    )


def check_arch(machine: str | None = None) -> CheckResult:
    """amd64 runs everything; arm64 runs all but two KFP images, which need emulation."""
    arch = (machine or platform.machine()).lower()
    if arch in ("x86_64", "amd64"):
        return CheckResult("architecture", "ok", "amd64: every image runs natively")
    if arch in ("arm64", "aarch64"):
        return CheckResult(
            "architecture",
            "warn",
            f"arm64: KFP 2.17.0's {' and '.join(AMD64_ONLY_IMAGES)} are amd64-only, so the "
            "metadata pods fail or run emulated; pipelines still run",
            "on Apple Silicon enable Rosetta for amd64 images in Docker Desktop's settings",
        )
    return CheckResult(
        "architecture", "fail", f"{arch}: the platform's images exist for amd64 and arm64 only"
    )


def is_port_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def check_ports(ports: Iterable[int], is_free: Callable[[int], bool] = is_port_free) -> CheckResult:
    """The host ports the cluster publishes are free (the local platform's MLflow uses 5000)."""
    busy = [port for port in ports if not is_free(port)]
    if not busy:
        return CheckResult("host ports", "ok", "all free")
    return CheckResult(
        "host ports",
        "fail",
        f"127.0.0.1 port(s) {', '.join(map(str, busy))} already in use",
        "stop what uses them: `make platform-down` stops the local MLflow on 5000",
    )
