"""Render the platform's Kubernetes manifests and describe what is in them.

`render` runs `kubectl kustomize` (offline: only our own bases and overlays), `containers` walks the
pod templates inside any workload, and `summarise` / `total_requests` turn them into the tables a
platform engineer reads before applying anything. The rules the manifests must follow are in
`mlplatform.cluster.manifest_checks`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

Obj = dict[str, Any]
KUBECTL_INSTALL = "https://kubernetes.io/docs/tasks/tools/"
# Where each workload kind keeps its pod spec.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
# Kinds whose pods run to completion: probes make no sense there.
RUN_TO_COMPLETION = ("Job", "CronJob")


class ManifestError(RuntimeError):
    """Manifests could not be rendered or read; the message says why."""


@dataclass(frozen=True)
class Container:
    """One container (or init container) of a workload."""

    kind: str
    name: str
    namespace: str
    container: str
    spec: Obj
    init: bool = False
    replicas: int = 1

    @property
    def where(self) -> str:
        """How a problem report names it: `Deployment/mlflow, container mlflow`."""
        prefix = "init container" if self.init else "container"
        return f"{self.kind}/{self.name}, {prefix} {self.container}"


def load_yaml_documents(text: str) -> list[Obj]:
    """Parse a multi-document YAML string, skipping empty documents."""
    return [doc for doc in yaml.safe_load_all(text) if doc]


def render(folder: Path, kubectl: str = "kubectl") -> list[Obj]:
    """Render a kustomization folder with `kubectl kustomize` and return its objects.

    Raises:
        ManifestError: kubectl is missing, or kustomize failed (its last error line is quoted).
    """
    if shutil.which(kubectl) is None:
        raise ManifestError(f"kubectl is not installed: install it from {KUBECTL_INSTALL}")
    try:
        result = subprocess.run(
            [kubectl, "kustomize", str(folder)],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.CalledProcessError as error:
        reason = (error.stderr or "").strip().splitlines()
        raise ManifestError(
            f"`kubectl kustomize {folder}` failed: {reason[-1] if reason else error}"
        ) from None
    return load_yaml_documents(result.stdout)


def _dig(obj: Obj, path: tuple[str, ...]) -> Obj | None:
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj


def pod_spec(obj: Obj) -> Obj | None:
    """The pod spec inside a workload, or None for objects that run no pods."""
    path = POD_SPEC_PATHS.get(obj.get("kind", ""))
    return _dig(obj, path) if path else None


def containers(objects: list[Obj]) -> Iterator[Container]:
    """Every container and init container of every workload in `objects`."""
    for obj in objects:
        spec = pod_spec(obj)
        if spec is None:
            continue
        meta = obj.get("metadata", {})
        replicas = int(obj.get("spec", {}).get("replicas", 1) or 0)
        for key, init in (("initContainers", True), ("containers", False)):
            for item in spec.get(key) or []:
                yield Container(
                    kind=obj["kind"],
                    name=meta.get("name", "?"),
                    namespace=meta.get("namespace", ""),
                    container=item.get("name", "?"),
                    spec=item,
                    init=init,
                    replicas=replicas,
                )


_CPU = re.compile(r"^(\d+(?:\.\d+)?)(m?)$")
_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$")
_MEMORY_FACTOR = {
    None: 1 / 2**20,
    "Ki": 1 / 1024,
    "Mi": 1.0,
    "Gi": 1024.0,
    "Ti": 1024.0**2,
    "K": 1e3 / 2**20,
    "M": 1e6 / 2**20,
    "G": 1e9 / 2**20,
    "T": 1e12 / 2**20,
}


def cpu_millicores(quantity: str | int | float) -> float:
    """Turn a CPU quantity (`250m`, `1`, `0.5`) into millicores.

    Raises:
        ValueError: the quantity is not a CPU amount Kubernetes accepts.
    """
    match = _CPU.match(str(quantity).strip())
    if not match:
        raise ValueError(f"{quantity!r} is not a CPU quantity; write e.g. '250m' or '1'.")
    value = float(match.group(1))
    return value if match.group(2) else value * 1000


def memory_mib(quantity: str | int | float) -> float:
    """Turn a memory quantity (`256Mi`, `1Gi`, `500M`, bytes) into MiB.

    Raises:
        ValueError: the quantity is not a memory amount Kubernetes accepts.
    """
    match = _MEMORY.match(str(quantity).strip())
    if not match:
        raise ValueError(f"{quantity!r} is not a memory quantity; write e.g. '256Mi' or '1Gi'.")
    return float(match.group(1)) * _MEMORY_FACTOR[match.group(2)]


def summarise(objects: list[Obj]) -> pd.DataFrame:
    """One row per container: kind, name, image, requests and limits (as written)."""
    rows = []
    for item in containers(objects):
        resources = item.spec.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        rows.append(
            {
                "kind": item.kind,
                "name": item.name,
                "container": item.container + (" (init)" if item.init else ""),
                "image": item.spec.get("image", ""),
                "cpu request": requests.get("cpu", "-"),
                "memory request": requests.get("memory", "-"),
                "cpu limit": limits.get("cpu", "-"),
                "memory limit": limits.get("memory", "-"),
            }
        )
    return pd.DataFrame(rows)


def count_kinds(objects: list[Obj]) -> pd.Series:
    """How many objects of each kind, most common first."""
    return pd.Series([o["kind"] for o in objects], dtype="object").value_counts()


def total_requests(objects: list[Obj]) -> dict[str, float]:
    """What the scheduler must find free: CPU (millicores) and memory (MiB) requests, times replicas.

    Init containers are left out (they run before, not beside, the others) and Jobs count once.
    """
    cpu = memory = 0.0
    for item in containers(objects):
        if item.init:
            continue
        requests = (item.spec.get("resources") or {}).get("requests") or {}
        cpu += cpu_millicores(requests.get("cpu", "0")) * item.replicas
        memory += memory_mib(requests.get("memory", "0")) * item.replicas
    return {"cpu_millicores": cpu, "memory_mib": memory}
