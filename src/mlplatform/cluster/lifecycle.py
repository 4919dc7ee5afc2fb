"""Create, fill, inspect and delete the course's kind cluster (the cluster mode).

`up` follows the upstream install paths in order (`plan_up` lists the steps so a learner can read
them before anything runs): prerequisite checks, `kind create cluster`, KFP's cluster-scoped
resources, wait for its CRD, KFP itself, our credentials Secret, our services, wait for readiness.
Every command runs with `check=True`; a failure becomes a `ClusterError` with one line that says what
failed. Every kubectl call names the kind context, so another cluster is never touched.
"""

from __future__ import annotations

import json
import logging
import secrets
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mlplatform.cluster import checks
from mlplatform.cluster.config import (
    KFP_CRD,
    KFP_NAMESPACE,
    NAMESPACE,
    SECRET_KEYS,
    SECRET_NAME,
    UIS,
    ClusterConfig,
    ClusterPaths,
)

log = logging.getLogger(__name__)
Runner = Callable[..., subprocess.CompletedProcess]


class ClusterError(RuntimeError):
    """A cluster command failed; the message is one line that says what to do."""


@dataclass(frozen=True)
class Step:
    """One step of `cluster up`: what it is for, and the command it runs."""

    purpose: str
    command: list[str]
    stdin: str | None = None
    timeout: int = 600


def run(
    command: Sequence[str],
    stdin: str | None = None,
    timeout: int = 600,
    runner: Runner = subprocess.run,
) -> str:
    """Run a command with check=True and return its stdout.

    Raises:
        ClusterError: the program is missing, timed out, or exited non-zero (its last stderr line).
    """
    try:
        result = runner(
            list(command), input=stdin, capture_output=True, text=True, check=True, timeout=timeout
        )
    except FileNotFoundError:
        raise ClusterError(
            f"{command[0]} is not installed: run `make cluster-check` to see what is missing."
        ) from None
    except subprocess.TimeoutExpired:
        raise ClusterError(f"`{' '.join(command)}` took longer than {timeout} s.") from None
    except subprocess.CalledProcessError as error:
        lines = (error.stderr or error.stdout or "").strip().splitlines()
        reason = lines[-1] if lines else f"exit code {error.returncode}"
        raise ClusterError(f"`{' '.join(command[:4])} ...` failed: {reason}") from None
    return result.stdout


def kubectl(config: ClusterConfig, *args: str) -> list[str]:
    """A kubectl command line bound to this cluster's context."""
    return ["kubectl", "--context", config.context, *args]


def cluster_exists(config: ClusterConfig, runner: Runner = subprocess.run) -> bool:
    """True when kind already has a cluster of this name."""
    return config.name in run(["kind", "get", "clusters"], runner=runner).split()


def run_checks(
    config: ClusterConfig,
    include_ports: bool = True,
    ports_free: Callable[[int], bool] | None = None,
) -> list[checks.CheckResult]:
    """Every prerequisite check (ports only before the cluster exists: then kind holds them)."""
    cluster_version = config.node_image.split(":")[1].split("@")[0]
    results = [
        checks.check_docker(),
        checks.check_kind(config.kind_version),
        checks.check_kubectl(cluster_version),
        checks.check_inotify(),
        checks.check_arch(),
    ]
    if include_ports:
        results.append(
            checks.check_ports([ui.host_port for ui in UIS], ports_free or checks.is_port_free)
        )
    return results


def generate_credentials() -> dict[str, str]:
    """Fresh random values for every key of the Secret (URL-safe, so they fit in a URI)."""
    return {key: secrets.token_urlsafe(24) for key in SECRET_KEYS}


def secret_manifest(values: dict[str, str]) -> str:
    """The namespace and the Secret as JSON for `kubectl apply -f -` (kept in memory only)."""
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": SECRET_NAME, "namespace": NAMESPACE},
        "type": "Opaque",
        "stringData": values,
    }
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": [namespace, secret]})


def plan_up(config: ClusterConfig, paths: ClusterPaths, timeout: int = 900) -> list[Step]:
    """The commands `up` runs after the checks, in order (the Secret's values stay hidden)."""
    wait = f"--timeout={timeout}s"
    return [
        Step("create the kind cluster (skipped if it exists)",
             ["kind", "create", "cluster", "--config", str(paths.kind_config), "--wait", "120s"]),
        Step("install KFP's CRDs and cluster roles",
             kubectl(config, "apply", "-k", str(paths.kfp_cluster_scoped))),
        Step("wait until the KFP CRD is Established",
             kubectl(config, "wait", "--for", "condition=established", "--timeout=60s", KFP_CRD)),
        Step("install KFP (platform-agnostic) and its NodePorts",
             kubectl(config, "apply", "-k", str(paths.kfp)), timeout=900),
        Step("create the Secret with random credentials (skipped if it exists)",
             kubectl(config, "apply", "-f", "-"), stdin="<generated in memory>"),
        Step("install our services (MLflow, Postgres, MinIO, Feast, Redis)",
             kubectl(config, "apply", "-k", str(paths.overlay))),
        Step("wait for our services",
             kubectl(config, "wait", "deployment", "--all", "-n", NAMESPACE,
                     "--for", "condition=Available", wait), timeout=timeout + 30),
        Step("wait for the bucket Job",
             kubectl(config, "wait", "job/minio-buckets", "-n", NAMESPACE,
                     "--for", "condition=Complete", wait), timeout=timeout + 30),
        Step("wait for KFP",
             kubectl(config, "wait", "deployment", "--all", "-n", KFP_NAMESPACE,
                     "--for", "condition=Available", wait), timeout=timeout + 30),
    ]  # fmt: skip


def secret_exists(config: ClusterConfig, runner: Runner = subprocess.run) -> bool:
    """True when the credentials Secret is already in the cluster (never regenerate it)."""
    result = runner(
        kubectl(config, "get", "secret", SECRET_NAME, "-n", NAMESPACE, "-o", "name"),
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    return result.returncode == 0


def up(
    config: ClusterConfig,
    paths: ClusterPaths,
    timeout: int = 900,
    runner: Runner = subprocess.run,
    report: Callable[[str], None] = log.info,
) -> list[str]:
    """Create the cluster and install everything; a second call only re-applies and waits.

    Returns:
        The URLs of the UIs on the host.

    Raises:
        ClusterError: a prerequisite is missing or a step failed; the message says which.
    """
    exists = cluster_exists(config, runner)
    failed = [r for r in run_checks(config, include_ports=not exists) if not r.passed]
    if failed:
        raise ClusterError("; ".join(f"{r.name}: {r.detail} -> {r.fix}" for r in failed))
    for step in plan_up(config, paths, timeout):
        if (step.command[0] == "kind" and exists) or (step.stdin and secret_exists(config, runner)):
            report(f"skip: {step.purpose}")
            continue
        report(f"step: {step.purpose}")
        stdin = secret_manifest(generate_credentials()) if step.stdin else None
        run(step.command, stdin=stdin, timeout=step.timeout, runner=runner)
    return [f"{ui.name:<22} {ui.url}" for ui in UIS]


def down(config: ClusterConfig, runner: Runner = subprocess.run) -> bool:
    """Delete the cluster; returns False if there was none."""
    if not cluster_exists(config, runner):
        return False
    run(["kind", "delete", "cluster", "--name", config.name], runner=runner)
    return True


@dataclass(frozen=True)
class PodStatus:
    """One pod as `status` reports it."""

    namespace: str
    name: str
    phase: str
    ready: str
    restarts: int
    is_ready: bool
    last_logs: str = ""


def parse_pods(pod_list: dict[str, Any]) -> list[PodStatus]:
    """Turn `kubectl get pods -o json` into PodStatus rows (a finished Job pod counts as ready)."""
    pods = []
    for item in pod_list.get("items", []):
        statuses = item.get("status", {}).get("containerStatuses") or []
        phase = item.get("status", {}).get("phase", "Unknown")
        ready = sum(bool(s.get("ready")) for s in statuses)
        pods.append(
            PodStatus(
                namespace=item["metadata"]["namespace"],
                name=item["metadata"]["name"],
                phase=phase,
                ready=f"{ready}/{len(statuses)}",
                restarts=sum(int(s.get("restartCount", 0)) for s in statuses),
                is_ready=phase == "Succeeded" or (phase == "Running" and ready == len(statuses)),
            )
        )
    return pods


def pods(config: ClusterConfig, runner: Runner = subprocess.run) -> list[PodStatus]:
    """Every pod in every namespace."""
    return parse_pods(
        json.loads(run(kubectl(config, "get", "pods", "-A", "-o", "json"), runner=runner))
    )


def status(
    config: ClusterConfig, lines: int = 5, runner: Runner = subprocess.run
) -> list[PodStatus]:
    """The pods that are not ready, each with its last log lines."""
    unready = []
    for pod in pods(config, runner):
        if pod.is_ready:
            continue
        try:
            text = run(
                kubectl(config, "logs", pod.name, "-n", pod.namespace, "--all-containers",
                        f"--tail={lines}"), runner=runner,
            )  # fmt: skip
        except ClusterError as error:  # a pod that never started has no logs: say so
            text = str(error)
        unready.append(PodStatus(**{**pod.__dict__, "last_logs": text.strip()}))
    return unready


def image_tag(folder: Path, version: str) -> str:
    """The tag an image folder builds: `mlplatform-<folder>:<package version>`, never `latest`."""
    return f"mlplatform-{folder.name}:{version}"


def images(
    config: ClusterConfig, paths: ClusterPaths, version: str, runner: Runner = subprocess.run
) -> list[str]:
    """Build every `platform/images/*/Dockerfile` (context: the project root) and load it into kind."""
    built = []
    for dockerfile in sorted(paths.images.glob("*/Dockerfile")):
        tag = image_tag(dockerfile.parent, version)
        run(["docker", "build", "-t", tag, "-f", str(dockerfile), str(paths.home)], timeout=3600,
            runner=runner)  # fmt: skip
        run(
            ["kind", "load", "docker-image", tag, "--name", config.name],
            timeout=1800,
            runner=runner,
        )
        built.append(tag)
    if not built:
        raise ClusterError(f"no Dockerfile under {paths.images}/*/: nothing to build.")
    return built


# The model services of overlays/kind-services and the port each serves on.
MODEL_SERVICES = {"recommender-service": 8101, "ocr-service": 8102}


def plan_deploy(
    config: ClusterConfig, paths: ClusterPaths, wait_for: Sequence[str], timeout: int = 600
) -> list[Step]:
    """The commands `deploy` runs: apply the model services, then wait for the named ones."""
    unknown = sorted(set(wait_for) - set(MODEL_SERVICES))
    if unknown:
        raise ClusterError(f"no model service {unknown}; choose from {sorted(MODEL_SERVICES)}.")
    steps = [Step("install the model services (Deployments, Services, autoscalers)",
                  kubectl(config, "apply", "-k", str(paths.services_overlay)))]  # fmt: skip
    for name in wait_for:
        steps.append(
            Step(
                f"wait until {name} is ready (its champion loaded from the registry)",
                kubectl(config, "rollout", "status", f"deployment/{name}", "-n", NAMESPACE,
                        f"--timeout={timeout}s"),
                timeout=timeout + 30,
            )
        )  # fmt: skip
    return steps


def deploy(
    config: ClusterConfig,
    paths: ClusterPaths,
    wait_for: Sequence[str] = ("recommender-service",),
    timeout: int = 600,
    runner: Runner = subprocess.run,
    report: Callable[[str], None] = log.info,
) -> list[str]:
    """Deploy the model services into the running cluster and wait for `wait_for`.

    Run it after `images` (the images must be in kind) and once a champion is registered (a
    service is ready only with its model loaded).

    Returns:
        The `kubectl port-forward` command that reaches each waited-for service from the host.

    Raises:
        ClusterError: there is no cluster, or a step failed (a service not ready in time).
    """
    if not cluster_exists(config, runner):
        raise ClusterError(f"there is no cluster {config.name}: create it with `make cluster-up`.")
    for step in plan_deploy(config, paths, wait_for, timeout):
        report(f"step: {step.purpose}")
        run(step.command, timeout=step.timeout, runner=runner)
    return [
        " ".join(kubectl(config, "-n", NAMESPACE, "port-forward", f"svc/{name}",
                         f"{MODEL_SERVICES[name]}:{MODEL_SERVICES[name]}"))
        for name in wait_for
    ]  # fmt: skip


def plan_table(config: ClusterConfig, paths: ClusterPaths, timeout: int = 900) -> pd.DataFrame:
    """`plan_up` as a table, with paths relative to the project root (what chapter 03 shows)."""
    home = str(paths.home) + "/"
    return pd.DataFrame(
        [
            {"step": i, "purpose": s.purpose, "command": " ".join(s.command).replace(home, "")}
            for i, s in enumerate(plan_up(config, paths, timeout), start=1)
        ]
    )


def pods_table(config: ClusterConfig, runner: Runner = subprocess.run) -> pd.DataFrame:
    """Every pod of the live cluster: namespace, name, phase, ready containers, restarts."""
    rows = [
        {k: v for k, v in pod.__dict__.items() if k != "last_logs"} for pod in pods(config, runner)
    ]
    return pd.DataFrame(rows)
