"""The rules every manifest of the platform follows, as functions that list what breaks them.

Each check takes rendered objects (dicts) and returns a list of `Problem`s; an empty list means the
objects pass. `find_problems` runs them all. The tests feed both the real platform and deliberately
broken manifests through these functions, and chapter 03 shows them at work.

Rules:
- every image is pinned: a tag other than `latest`, or a digest;
- every container asks for CPU and memory (requests) and is capped (limits);
- every long-running container has a readiness and a liveness probe (Jobs and init containers run to
  completion, so they need none);
- no Secret carries data in the repository, and no env `value:`, argument or ConfigMap holds what
  looks like a password: secrets come from the Secret `cluster up` generates;
- every object validates against the Kubernetes schema (strict: unknown fields are errors);
- a HorizontalPodAutoscaler (autoscaling/v2) scales a workload that is in the same manifests, on
  CPU, between sane bounds, and that workload's containers request CPU (utilisation is measured
  against the request);
- containers of our own images (`mlplatform-*`, loaded into kind) run as a non-root user, never
  escalate privileges, and are not pulled (`imagePullPolicy` is not `Always`);
- remote kustomize bases are pinned to a release tag or a commit, never a branch;
- the kind node image is pinned by tag and digest, and ports are published on 127.0.0.1 only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import kubernetes_validate

from mlplatform.cluster.manifests import RUN_TO_COMPLETION, Obj, containers, pod_spec

# The schema version closest to the kind node image (v1.36.1) that kubernetes-validate ships.
KUBERNETES_VERSION = "1.36.0"
SECRET_NAME_PATTERN = re.compile(r"PASS|SECRET|TOKEN|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY", re.I)
# user:password@host in a URI, unless the password is a $(VAR) or ${VAR} reference.
URI_PASSWORD = re.compile(r"://[^:/@\s]+:(?!\$[({])[^@\s]+@")
# password=... / password: ... / requirepass ... with a literal value (not a variable reference).
LITERAL_PASSWORD = re.compile(
    r"(?:password|passwd|secret)[\"']?\s*[=:]\s*[\"']?(?!\$[({])[^\s\"',$]{3,}"
    r"|requirepass\s+(?!\$[({])\S{3,}",
    re.I,
)
PINNED_REF = re.compile(r"^(v?\d+\.\d+(\.\d+)?([-.+][\w.]+)?|[0-9a-f]{40})$")
REMOTE = re.compile(r"^(https?://|git@|github\.com/|gitlab\.com/|ssh://)")


@dataclass(frozen=True)
class Problem:
    """One broken rule: which object, and what is wrong with it."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _name(obj: Obj) -> str:
    return f"{obj.get('kind', '?')}/{obj.get('metadata', {}).get('name', '?')}"


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """Split `repo[:tag][@digest]` into its parts (a registry port is not mistaken for a tag)."""
    repo, _, digest = image.partition("@")
    tag = None
    if ":" in repo.rsplit("/", 1)[-1]:
        repo, tag = repo.rsplit(":", 1)
    return repo, tag, digest or None


def image_problems(objects: list[Obj]) -> list[Problem]:
    """Images without a tag or digest, or tagged `latest`."""
    problems = []
    for item in containers(objects):
        image = item.spec.get("image", "")
        _, tag, digest = split_image(image)
        if not image:
            problems.append(Problem(item.where, "has no image"))
        elif tag == "latest":
            problems.append(Problem(item.where, f"image {image} uses the moving tag `latest`"))
        elif tag is None and digest is None:
            problems.append(Problem(item.where, f"image {image} has no tag: pin a version"))
    return problems


def resource_problems(objects: list[Obj]) -> list[Problem]:
    """Containers missing CPU or memory requests or limits."""
    problems = []
    for item in containers(objects):
        resources = item.spec.get("resources") or {}
        for section in ("requests", "limits"):
            given = resources.get(section) or {}
            missing = [r for r in ("cpu", "memory") if r not in given]
            if missing:
                problems.append(Problem(item.where, f"no {section} for {' and '.join(missing)}"))
    return problems


def probe_problems(objects: list[Obj]) -> list[Problem]:
    """Long-running containers without a readiness or a liveness probe."""
    problems = []
    for item in containers(objects):
        if item.init or item.kind in RUN_TO_COMPLETION:
            continue
        for probe in ("readinessProbe", "livenessProbe"):
            if probe not in item.spec:
                problems.append(Problem(item.where, f"no {probe}"))
    return problems


def _literal_password(text: str) -> bool:
    return bool(URI_PASSWORD.search(text) or LITERAL_PASSWORD.search(text))


def secret_problems(objects: list[Obj]) -> list[Problem]:
    """Secrets with data, and plaintext passwords in env values, arguments or ConfigMaps."""
    problems = []
    for obj in objects:
        if obj.get("kind") == "Secret" and (obj.get("data") or obj.get("stringData")):
            problems.append(
                Problem(_name(obj), "a Secret with values in the repo; `cluster up` creates it")
            )
        if obj.get("kind") == "ConfigMap":
            for key, text in (obj.get("data") or {}).items():
                if _literal_password(str(text)):
                    problems.append(Problem(_name(obj), f"key {key} holds a plaintext password"))
    for item in containers(objects):
        for env in item.spec.get("env") or []:
            value = env.get("value")
            if value and (
                SECRET_NAME_PATTERN.search(env.get("name", "")) or _literal_password(value)
            ):
                problems.append(
                    Problem(
                        item.where, f"env {env.get('name')} has a plaintext value; use secretKeyRef"
                    )
                )
        for arg in [*(item.spec.get("command") or []), *(item.spec.get("args") or [])]:
            if _literal_password(str(arg)):
                problems.append(Problem(item.where, f"argument {arg!r} holds a plaintext password"))
    return problems


def schema_problems(objects: list[Obj], version: str = KUBERNETES_VERSION) -> list[Problem]:
    """Objects that do not validate against the Kubernetes schema (strict: no unknown fields)."""
    problems = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(p) for p in error.path) or "(top level)"
            problems.append(Problem(_name(obj), f"schema: {path}: {error.message}"))
        except kubernetes_validate.SchemaNotFoundError as error:
            problems.append(Problem(_name(obj), f"schema: {error.message}"))
    return problems


def hpa_problems(objects: list[Obj]) -> list[Problem]:
    """Autoscalers whose target is missing, that do not scale on CPU, or whose target asks no CPU."""
    problems = []
    workloads = {(o.get("kind"), o.get("metadata", {}).get("name")): o for o in objects}
    for hpa in (o for o in objects if o.get("kind") == "HorizontalPodAutoscaler"):
        where, spec = _name(hpa), hpa.get("spec") or {}
        if hpa.get("apiVersion") != "autoscaling/v2":
            problems.append(
                Problem(where, f"apiVersion {hpa.get('apiVersion')}: use autoscaling/v2")
            )
        ref = spec.get("scaleTargetRef") or {}
        target = workloads.get((ref.get("kind"), ref.get("name")))
        if target is None:
            problems.append(
                Problem(where, f"scales {ref.get('kind')}/{ref.get('name')}, which is not here")
            )
        cpu = [m for m in spec.get("metrics") or []
               if (m.get("resource") or {}).get("name") == "cpu"]  # fmt: skip
        if not cpu:
            problems.append(Problem(where, "no CPU metric"))
        low, high = spec.get("minReplicas", 1), spec.get("maxReplicas", 0)
        if not 1 <= low <= high:
            problems.append(Problem(where, f"replicas {low}..{high}: need 1 <= min <= max"))
        if target is not None and cpu:
            for item in containers([target]):
                requests = (item.spec.get("resources") or {}).get("requests") or {}
                if not item.init and "cpu" not in requests:
                    problems.append(
                        Problem(where, f"{item.where} requests no CPU: utilisation is undefined")
                    )
    return problems


OWN_IMAGE = re.compile(r"^mlplatform-[\w.-]+:")


def own_image_problems(objects: list[Obj]) -> list[Problem]:
    """Containers of our own images that may run as root, escalate, or get pulled."""
    problems = []
    for obj in objects:
        spec = pod_spec(obj)
        if spec is None:
            continue
        pod_security = spec.get("securityContext") or {}
        for item in containers([obj]):
            if not OWN_IMAGE.match(item.spec.get("image", "")):
                continue
            security = {**pod_security, **(item.spec.get("securityContext") or {})}
            if security.get("runAsNonRoot") is not True or security.get("runAsUser", 1) == 0:
                problems.append(Problem(item.where, "may run as root: set runAsNonRoot: true"))
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(Problem(item.where, "allowPrivilegeEscalation is not false"))
            if item.spec.get("imagePullPolicy", "IfNotPresent") == "Always":
                problems.append(
                    Problem(
                        item.where,
                        "imagePullPolicy Always: kind-loaded images are not in a registry",
                    )
                )
    return problems


CHECKS: tuple[Callable[[list[Obj]], list[Problem]], ...] = (
    image_problems,
    resource_problems,
    probe_problems,
    secret_problems,
    schema_problems,
    hpa_problems,
    own_image_problems,
)


def find_problems(objects: list[Obj]) -> list[Problem]:
    """Run every check on rendered objects; an empty list means they follow every rule."""
    return [problem for check in CHECKS for problem in check(objects)]


def remote_ref_problems(kustomization: Obj, where: str = "kustomization.yaml") -> list[Problem]:
    """Remote bases in a kustomization that are not pinned to a tag or commit with `?ref=`."""
    problems = []
    for entry in kustomization.get("resources") or []:
        if not REMOTE.match(str(entry)):
            continue
        ref = re.search(r"[?&]ref=([^&]+)", str(entry))
        if ref is None:
            problems.append(Problem(where, f"{entry} has no ?ref=: pin a release tag"))
        elif not PINNED_REF.match(ref.group(1)):
            problems.append(Problem(where, f"{entry} follows {ref.group(1)!r}, not a release tag"))
    return problems


def kind_config_problems(config: Obj, where: str = "cluster.yaml") -> list[Problem]:
    """Node images without tag and digest, and ports published beyond 127.0.0.1."""
    problems = []
    for index, node in enumerate(config.get("nodes") or []):
        _, tag, digest = split_image(node.get("image", ""))
        if not (tag and digest):
            problems.append(
                Problem(
                    where, f"node {index}: image {node.get('image')!r} needs a tag and a digest"
                )
            )
        for mapping in node.get("extraPortMappings") or []:
            if mapping.get("listenAddress") != "127.0.0.1":
                problems.append(
                    Problem(
                        where,
                        f"node {index}: port {mapping.get('hostPort')} listens beyond 127.0.0.1",
                    )
                )
    return problems
