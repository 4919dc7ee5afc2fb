"""A throwaway platform home, so that committed chapter outputs are what a learner starting fresh sees.

`make chapters` executes the chapters against an empty `.platform/` (no runs, no registered models,
no Feast registry) with MLflow and Feast on free ports of their own, and deletes it afterwards. The
throwaway home is a temporary folder whose entries are symbolic links to the project's (data/,
.cache/, platform/, chapters/, ...), except `.platform/`, which is new: the data is shared, not
regenerated, and a learner's running platform (its folder and its ports) is not touched.

Outputs are scrubbed so that they read as on a learner's machine: the throwaway folder becomes `.`
and its ports the default ones (see `replacements`).
"""

from __future__ import annotations

import logging
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mlplatform import services
from mlplatform.config import LOCALHOST, ServingSettings, Settings, load_settings
from mlplatform.notebooks import environment

log = logging.getLogger(__name__)

PLATFORM_FOLDER = ".platform"
# What a learner's outputs show: the default ports, the model services' included (`up` starts them).
DEFAULT_PORTS = {"MLFLOW_PORT": 5000, "FEAST_PORT": 6566, "PROMETHEUS_PORT": 9090,
                 **ServingSettings().ports}  # fmt: skip


@dataclass(frozen=True)
class FreshPlatform:
    """A running throwaway platform: its settings and how to make its outputs read as a learner's."""

    settings: Settings
    replacements: dict[str, str]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        return int(sock.getsockname()[1])


def shadow_home(project: Path, folder: Path) -> Path:
    """Fill `folder` with links to every entry of `project` except `.platform/`; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in project.iterdir():
        if entry.name != PLATFORM_FOLDER:
            (folder / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    return folder.resolve()


def replacements(home: Path, ports: dict[str, int]) -> dict[str, str]:
    """Map the throwaway home and ports to what a learner's run prints (longest strings first)."""
    mapping = {str(home / PLATFORM_FOLDER): f"./{PLATFORM_FOLDER}", str(home): "."}
    for variable, port in ports.items():
        for host in (LOCALHOST, "localhost"):
            mapping[f"{host}:{port}"] = f"{host}:{DEFAULT_PORTS[variable]}"
    return mapping


@contextmanager
def fresh_platform(project: Path) -> Iterator[FreshPlatform]:
    """Start the platform (MLflow, Feast, model services, Prometheus) on an empty folder; clean up.

    Everything run inside the block (notebook kernels inherit the environment) sees the throwaway
    home through `MLPLATFORM_HOME` and the port variables (`MLFLOW_PORT`, `FEAST_PORT`,
    `RECOMMENDER_PORT`, ...). The model services start without a champion (not ready) and load one
    when a chapter registers it.

    Raises:
        ServiceError: a service did not start; the message names its log.
    """
    root = Path(tempfile.mkdtemp(prefix="mlplatform-fresh-"))
    try:
        home = shadow_home(project, root / "home")
        ports = {variable: free_port() for variable in DEFAULT_PORTS}
        env = {"MLPLATFORM_HOME": str(home), "MLPLATFORM_MODE": "local"}
        env |= {variable: str(port) for variable, port in ports.items()}
        # The learner's MLFLOW_TRACKING_URI would point the chapters at their own server.
        with environment(env, unset=("MLFLOW_TRACKING_URI",)):
            settings = load_settings()
            log.info("Fresh platform in %s (MLflow %s)", home, settings.mlflow_tracking_uri)
            try:
                services.up(settings)
                yield FreshPlatform(settings, replacements(home, ports))
            finally:
                services.down(settings)
    finally:
        shutil.rmtree(root, ignore_errors=True)
