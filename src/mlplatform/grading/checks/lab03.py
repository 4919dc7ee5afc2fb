"""Public checks for lab 03, Kubernetes manifests that follow the platform's rules."""

from __future__ import annotations

from typing import Any

from mlplatform.cluster.manifest_checks import find_problems, split_image
from mlplatform.grading.public import Check, CheckFailed, Namespace, answer

# The manifest lab 03 asks the learner to repair (q2); the lab shows it as `broken`.
BROKEN_NAME = "recommender"
BROKEN_IMAGE_REPO = "mlplatform-runtime"


def _container(manifest: dict[str, Any]) -> dict[str, Any]:
    try:
        return manifest["spec"]["template"]["spec"]["containers"][0]
    except (KeyError, IndexError, TypeError):
        raise CheckFailed("no container at spec.template.spec.containers[0].") from None


def _must_pass_the_checker(manifest: Any, what: str) -> None:
    if not isinstance(manifest, dict):
        raise CheckFailed(f"{what} should be a dict, not {type(manifest).__name__}.")
    problems = find_problems([manifest])
    if problems:
        listed = "; ".join(str(p) for p in problems[:4])
        raise CheckFailed(
            f"the checker still finds {len(problems)} problem(s) in {what}: {listed}."
        )


def _check_make_deployment(ns: Namespace) -> None:
    make_deployment = answer(ns, "make_deployment")
    manifest = make_deployment("api", "ghcr.io/acme/api:1.4.2", 8080)
    _must_pass_the_checker(manifest, "make_deployment('api', 'ghcr.io/acme/api:1.4.2', 8080)")
    if manifest.get("kind") != "Deployment" or manifest["metadata"].get("name") != "api":
        raise CheckFailed("expected a Deployment named 'api' (metadata.name).")
    container = _container(manifest)
    if container.get("image") != "ghcr.io/acme/api:1.4.2":
        raise CheckFailed(
            f"the container runs {container.get('image')!r}, not the image passed in."
        )
    if 8080 not in [p.get("containerPort") for p in container.get("ports", [])]:
        raise CheckFailed("the container does not declare containerPort 8080.")
    selector = manifest["spec"]["selector"].get("matchLabels", {})
    labels = manifest["spec"]["template"].get("metadata", {}).get("labels", {})
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        raise CheckFailed(
            "spec.selector.matchLabels must match the pod template's labels, or the Deployment "
            "manages no pods (Kubernetes rejects it)."
        )


def _check_fixed(ns: Namespace) -> None:
    fixed = answer(ns, "fixed")
    _must_pass_the_checker(fixed, "fixed")
    if fixed.get("metadata", {}).get("name") != BROKEN_NAME:
        raise CheckFailed(f"keep the Deployment's name {BROKEN_NAME!r}.")
    container = _container(fixed)
    repo, _, _ = split_image(container.get("image", ""))
    if repo != BROKEN_IMAGE_REPO:
        raise CheckFailed(f"keep the image {BROKEN_IMAGE_REPO}; pin its tag instead of `latest`.")
    token = [e for e in container.get("env", []) if e.get("name") == "API_TOKEN"]
    if not token or "secretKeyRef" not in token[0].get("valueFrom", {}):
        raise CheckFailed(
            "the service still needs API_TOKEN: read it from a Secret with valueFrom.secretKeyRef "
            "instead of deleting it."
        )


def _toy_objects() -> list[dict[str, Any]]:
    def workload(kind: str, cpu: str, memory: str, replicas: int | None) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "c", "resources": {"requests": {"cpu": cpu, "memory": memory}}}
                    ]
                }
            }
        }
        if replicas is not None:
            spec["replicas"] = replicas
        return {"kind": kind, "metadata": {"name": kind.lower()}, "spec": spec}

    return [
        workload("Deployment", "250m", "256Mi", 2),
        workload("Job", "1", "1Gi", None),
        {"kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}},
    ]


def _check_requests_of(ns: Namespace) -> None:
    requests_of = answer(ns, "requests_of")
    got = requests_of(_toy_objects())
    if not isinstance(got, dict) or set(got) != {"cpu_millicores", "memory_mib"}:
        raise CheckFailed("return a dict with exactly the keys 'cpu_millicores' and 'memory_mib'.")
    expected = {"cpu_millicores": 1500.0, "memory_mib": 1536.0}
    for key, value in expected.items():
        if abs(float(got[key]) - value) > 1e-6:
            raise CheckFailed(
                f"for a Deployment of 2 x (250m, 256Mi) and a Job of (1, 1Gi), {key} should be "
                f"{value:g}; you returned {got[key]}."
            )


CHECKS = [
    Check(
        "q1",
        3,
        (
            "chapter 03's Deployment: a container needs what Kubernetes uses to schedule it, to "
            "know it is alive and ready, and to route to it; find_problems lists what is still "
            "missing."
        ),
        _check_make_deployment,
    ),
    Check(
        "q2",
        3,
        (
            "run find_problems on your fixed manifest and fix what it reports, one problem at a "
            "time, without removing what the service needs (chapter 03 shows where a secret "
            "belongs)."
        ),
        _check_fixed,
    ),
    Check(
        "q3",
        3,
        (
            "a workload's pods each request what their containers request, and a workload runs as"
            " many pods as it has replicas; some kinds keep their pod template deeper than "
            "others."
        ),
        _check_requests_of,
    ),
]
