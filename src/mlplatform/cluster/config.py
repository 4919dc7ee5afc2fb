"""Where the cluster mode's configuration lives, and the few names the code needs from it.

Versions are pinned once, in `platform/kind/versions.env` (kind, kubectl, KFP) and
`platform/kind/cluster.yaml` (cluster name, node image by tag and digest, port mappings). This module
reads them; nothing here runs a command.

| file | holds |
|---|---|
| `platform/kind/cluster.yaml` | kind config: cluster name, node image, NodePorts published on 127.0.0.1 |
| `platform/kind/versions.env` | `KIND_VERSION`, `KUBECTL_VERSION`, `KFP_VERSION` |
| `platform/k8s/kfp/cluster-scoped` | KFP CRDs and cluster roles (upstream, pinned tag) |
| `platform/k8s/kfp` | KFP `env/platform-agnostic` (upstream, pinned tag) + our NodePorts |
| `platform/k8s/overlays/kind` | our services (MLflow, Postgres, MinIO, Feast, Redis) in `mlplatform` |
| `platform/k8s/overlays/kind-services` | the model services (recommender, OCR) with autoscalers, same namespace |
| `platform/k8s/overlays/kind-monitoring` | Prometheus scraping them, with the SLO rules (`base/monitoring/slo-rules.yaml`) |
| `platform/images/*` | our own images, built and loaded with `mlplatform cluster images` |
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

NAMESPACE = "mlplatform"
KFP_NAMESPACE = "kubeflow"
SECRET_NAME = "platform-credentials"
# Keys of the Secret that `cluster up` fills with random values (see cluster.generate_credentials).
SECRET_KEYS = ("postgres-password", "minio-root-user", "minio-root-password", "redis-password")
KFP_CRD = "crd/applications.app.k8s.io"


@dataclass(frozen=True)
class UI:
    """A web UI or API the cluster publishes on the host."""

    name: str
    node_port: int
    host_port: int
    path: str = "/"

    @property
    def url(self) -> str:
        """Where a browser or client reaches it."""
        return f"http://127.0.0.1:{self.host_port}{self.path}"


# The host side of platform/kind/cluster.yaml's extraPortMappings; a test keeps the two in step.
UIS = (
    UI("KFP UI", 30300, 8080),
    UI("KFP API", 30888, 8888, "/apis/v2beta1/healthz"),
    UI("MLflow", 30500, 5000),
    UI("Feast feature server", 30566, 6566, "/health"),
    UI("MinIO S3 API", 30900, 9000),
    UI("MinIO console", 30901, 9001),
)


@dataclass(frozen=True)
class ClusterPaths:
    """The cluster mode's files, relative to the project root `home`."""

    home: Path

    @property
    def kind_config(self) -> Path:
        """The kind cluster definition."""
        return self.home / "platform" / "kind" / "cluster.yaml"

    @property
    def versions_file(self) -> Path:
        """Pinned tool versions."""
        return self.home / "platform" / "kind" / "versions.env"

    @property
    def k8s(self) -> Path:
        """Kustomize bases and overlays."""
        return self.home / "platform" / "k8s"

    @property
    def kfp_cluster_scoped(self) -> Path:
        """KFP step 1: CRDs and cluster roles."""
        return self.k8s / "kfp" / "cluster-scoped"

    @property
    def kfp(self) -> Path:
        """KFP step 2: the platform-agnostic install and its NodePorts."""
        return self.k8s / "kfp"

    @property
    def overlay(self) -> Path:
        """Our services on kind."""
        return self.k8s / "overlays" / "kind"

    @property
    def services_overlay(self) -> Path:
        """The model services on kind, deployed once a champion exists (`cluster deploy`)."""
        return self.k8s / "overlays" / "kind-services"

    @property
    def monitoring_overlay(self) -> Path:
        """Prometheus on kind, scraping the model services, with the SLO rules."""
        return self.k8s / "overlays" / "kind-monitoring"

    @property
    def images(self) -> Path:
        """One folder per image, each with a Dockerfile."""
        return self.home / "platform" / "images"

    def local_kustomizations(self) -> list[Path]:
        """Every base and overlay that renders offline (everything but the upstream KFP parts)."""
        folders = sorted(p.parent for p in self.k8s.rglob("kustomization.yaml"))
        return [f for f in folders if self.k8s / "kfp" not in (f, *f.parents)]


def read_env_file(path: Path) -> dict[str, str]:
    """Parse `KEY=VALUE` lines, ignoring blank lines and `#` comments."""
    values = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{path}, line {number}: expected KEY=VALUE, found {raw!r}.")
        values[key.strip()] = value.strip()
    return values


def read_yaml(path: Path) -> dict[str, Any]:
    """Load a single-document YAML file as a dict."""
    return yaml.safe_load(path.read_text())


@dataclass(frozen=True)
class ClusterConfig:
    """What the commands need to know about the cluster, read from the pinned files."""

    name: str
    node_image: str
    kind_version: str
    kubectl_version: str
    kfp_version: str

    @property
    def context(self) -> str:
        """The kubectl context kind writes for this cluster."""
        return f"kind-{self.name}"


def load_cluster_config(paths: ClusterPaths) -> ClusterConfig:
    """Read the cluster name and node image from the kind config, and the tool versions."""
    kind = read_yaml(paths.kind_config)
    versions = read_env_file(paths.versions_file)
    return ClusterConfig(
        name=kind["name"],
        node_image=kind["nodes"][0]["image"],
        kind_version=versions["KIND_VERSION"],
        kubectl_version=versions["KUBECTL_VERSION"],
        kfp_version=versions["KFP_VERSION"],
    )
