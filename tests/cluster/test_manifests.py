"""Static checks of the cluster mode: no cluster needed, part of `make test`.

Every local base and overlay renders with `kubectl kustomize` and follows every rule of
`mlplatform.cluster.manifest_checks` (pinned images, requests and limits, probes, no plaintext secrets, strict
Kubernetes schema). Each rule is also shown catching a broken manifest written here. The upstream KFP
kustomizations need the network to render, so for them we check that every remote ref is a pinned
tag. Jobs have no probes: they run to completion, and `probe_problems` skips them on purpose.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from mlplatform.cluster.config import (
    SECRET_KEYS,
    SECRET_NAME,
    UIS,
    ClusterPaths,
    load_cluster_config,
    read_env_file,
)
from mlplatform.cluster.manifest_checks import (
    find_problems,
    image_problems,
    kind_config_problems,
    probe_problems,
    remote_ref_problems,
    resource_problems,
    schema_problems,
    secret_problems,
)
from mlplatform.cluster.manifests import containers, load_yaml_documents, render

ROOT = Path(__file__).resolve().parents[2]
PATHS = ClusterPaths(ROOT)
LOCAL = PATHS.local_kustomizations()
LOCAL_IDS = [str(p.relative_to(PATHS.k8s)) for p in LOCAL]


@pytest.fixture(scope="module")
def overlay() -> list[dict]:
    return render(PATHS.overlay)


def test_every_base_and_the_overlay_are_found() -> None:
    assert set(LOCAL_IDS) >= {
        "base/mlflow",
        "base/postgres",
        "base/minio",
        "base/feast",
        "base/model-services",
        "overlays/kind",
        "overlays/kind-services",
    }


@pytest.mark.parametrize("folder", LOCAL, ids=LOCAL_IDS)
def test_local_kustomization_renders_and_follows_every_rule(folder: Path) -> None:
    objects = render(folder)
    assert objects, f"{folder} rendered nothing"
    assert [str(p) for p in find_problems(objects)] == []


def test_overlay_puts_everything_in_the_namespace_and_publishes_nodeports(overlay) -> None:
    namespaced = [o for o in overlay if o["kind"] != "Namespace"]
    assert {o["metadata"].get("namespace") for o in namespaced} == {"mlplatform"}
    node_ports = {
        p["nodePort"]
        for o in overlay
        if o["kind"] == "Service" and o["spec"].get("type") == "NodePort"
        for p in o["spec"]["ports"]
    }
    assert node_ports == {30500, 30566, 30900, 30901}


def test_every_secret_reference_names_the_generated_secret_and_a_known_key(overlay) -> None:
    refs = [
        (env["valueFrom"]["secretKeyRef"]["key"], env["valueFrom"]["secretKeyRef"]["name"])
        for item in containers(overlay)
        for env in item.spec.get("env", [])
        if "secretKeyRef" in env.get("valueFrom", {})
    ]
    assert refs, "no container reads the Secret"
    assert {name for _, name in refs} == {SECRET_NAME}
    assert {key for key, _ in refs} == set(SECRET_KEYS)


def test_mlflow_runs_the_documented_server_command(overlay) -> None:
    deployment = next(
        o for o in overlay if o["kind"] == "Deployment" and o["metadata"]["name"] == "mlflow"
    )
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    args = " ".join(container["args"])
    assert container["image"] == "ghcr.io/mlflow/mlflow:v3.17.2-full"
    assert "--host=0.0.0.0" in args and "--serve-artifacts" in args
    assert "--artifacts-destination=s3://mlflow/artifacts" in args
    assert "mlflow.mlplatform.svc.cluster.local:*" in args  # else MLflow answers 403
    env = {e["name"]: e for e in container["env"]}
    assert env["MLFLOW_S3_ENDPOINT_URL"]["value"] == "http://minio:9000"
    assert "secretKeyRef" in env["AWS_SECRET_ACCESS_KEY"]["valueFrom"]


def test_feast_server_reads_a_redis_online_store_from_a_configmap(overlay) -> None:
    config = next(o for o in overlay if o["kind"] == "ConfigMap")
    store = yaml.safe_load(config["data"]["feature_store.yaml"])
    assert store["online_store"]["type"] == "redis"
    local = yaml.safe_load((ROOT / "platform" / "feast" / "feature_store.yaml").read_text())
    assert store["project"] == local["project"], "cluster and local Feast must share a project"
    server = next(item for item in containers(overlay) if item.name == "feature-server")
    assert server.spec["command"][-5:] == ["serve", "-h", "0.0.0.0", "-p", "6566"]
    assert server.spec["image"] == "quay.io/feastdev/feature-server:0.67.0"


@pytest.mark.parametrize(
    "path",
    sorted(PATHS.k8s.rglob("kustomization.yaml")),
    ids=lambda p: str(p.parent.relative_to(ROOT / "platform" / "k8s")),
)
def test_remote_bases_are_pinned_to_a_tag(path: Path) -> None:
    assert remote_ref_problems(yaml.safe_load(path.read_text()), str(path)) == []


def test_kfp_refs_use_the_pinned_kfp_version_and_the_platform_agnostic_overlay() -> None:
    version = read_env_file(PATHS.versions_file)["KFP_VERSION"]
    lock = (ROOT / "requirements.lock").read_text()
    assert f"kfp=={version}\n" in lock, "the KFP backend and SDK must be the same release"
    remotes = [
        entry
        for path in (
            PATHS.kfp / "kustomization.yaml",
            PATHS.kfp_cluster_scoped / "kustomization.yaml",
        )
        for entry in yaml.safe_load(path.read_text())["resources"]
        if entry.startswith("github.com/")
    ]
    assert len(remotes) == 2
    assert all(entry.endswith(f"?ref={version}") for entry in remotes)
    assert any("/env/platform-agnostic?" in entry for entry in remotes)  # not env/dev (:master)


def test_kfp_nodeports_validate_and_select_the_upstream_pods() -> None:
    services = load_yaml_documents((PATHS.kfp / "nodeports.yaml").read_text())
    assert schema_problems(services) == []
    assert {s["spec"]["selector"]["app"] for s in services} == {"ml-pipeline", "ml-pipeline-ui"}


def test_kind_config_pins_the_node_image_and_binds_localhost() -> None:
    config = yaml.safe_load(PATHS.kind_config.read_text())
    assert kind_config_problems(config) == []
    cluster = load_cluster_config(PATHS)
    assert cluster.node_image.startswith("kindest/node:v1.36.1@sha256:3489c767")
    assert cluster.kind_version == "v0.32.0"
    assert cluster.node_image.split(":")[1].split("@")[0] == cluster.kubectl_version


def test_port_mappings_match_the_named_uis_and_the_nodeport_services(overlay) -> None:
    config = yaml.safe_load(PATHS.kind_config.read_text())
    mapped = {(m["containerPort"], m["hostPort"]) for m in config["nodes"][0]["extraPortMappings"]}
    assert mapped == {(ui.node_port, ui.host_port) for ui in UIS}
    kfp = load_yaml_documents((PATHS.kfp / "nodeports.yaml").read_text())
    declared = {
        p["nodePort"]
        for o in [*overlay, *kfp]
        if o["kind"] == "Service" and o["spec"].get("type") == "NodePort"
        for p in o["spec"]["ports"]
    }
    assert declared == {node for node, _ in mapped}


def test_no_secret_values_anywhere_in_platform() -> None:
    for path in sorted((ROOT / "platform").rglob("*.yaml")):
        docs = [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
        assert secret_problems(docs) == [], path


def test_runtime_image_is_pinned_and_runs_as_a_non_root_user() -> None:
    dockerfile = (ROOT / "platform" / "images" / "runtime" / "Dockerfile").read_text()
    base = re.search(r"^FROM (\S+)", dockerfile, re.M).group(1)
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?@sha256:[0-9a-f]{64}", base), base
    assert re.search(r"^USER 10001", dockerfile, re.M)
    assert "-r /tmp/requirements-cpu.txt" in dockerfile and "--no-deps ." in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignored[ignored.index("*") :].count("!src/") == 1  # everything else stays out


# ---- each rule catches a broken manifest --------------------------------------------------------

GOOD = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [
                    {
                        "name": "web",
                        "image": "nginx:1.27.0",
                        "ports": [{"containerPort": 80}],
                        "readinessProbe": {"httpGet": {"path": "/", "port": 80}},
                        "livenessProbe": {"tcpSocket": {"port": 80}},
                        "resources": {
                            "requests": {"cpu": "50m", "memory": "64Mi"},
                            "limits": {"cpu": "200m", "memory": "128Mi"},
                        },
                    }
                ]
            },
        },
    },
}


def broken(change) -> list[dict]:
    obj = copy.deepcopy(GOOD)
    change(obj["spec"]["template"]["spec"]["containers"][0], obj)
    return [obj]


def test_the_good_example_passes() -> None:
    assert find_problems([GOOD]) == []


@pytest.mark.parametrize(
    ("check", "change", "message"),
    [
        (image_problems, lambda c, o: c.update(image="nginx:latest"), "moving tag `latest`"),
        (image_problems, lambda c, o: c.update(image="nginx"), "has no tag"),
        (image_problems, lambda c, o: c.update(image="registry:5000/nginx"), "has no tag"),
        (resource_problems, lambda c, o: c["resources"].pop("limits"), "no limits for cpu and memory"),
        (resource_problems, lambda c, o: c["resources"]["requests"].pop("memory"), "no requests for memory"),
        (probe_problems, lambda c, o: c.pop("livenessProbe"), "no livenessProbe"),
        (probe_problems, lambda c, o: c.pop("readinessProbe"), "no readinessProbe"),
        (schema_problems, lambda c, o: c["ports"][0].update(contianerPort=80), "contianerPort"),
        (schema_problems, lambda c, o: c.update(replicas=2), "replicas"),
        (schema_problems, lambda c, o: c["ports"][0].update(containerPort="eighty"), "eighty"),
        (secret_problems, lambda c, o: c.update(env=[{"name": "DB_PASSWORD", "value": "hunter2"}]), "DB_PASSWORD"),
        (secret_problems, lambda c, o: c.update(args=["--db=postgresql://u:hunter2@db/x"]), "plaintext password"),
    ],
    ids=["latest", "untagged", "registry-port-no-tag", "no-limits", "no-memory-request",
         "no-liveness", "no-readiness", "typo-field", "field-in-wrong-place", "wrong-type",
         "env-password", "uri-password"],
)  # fmt: skip
def test_each_rule_catches_its_broken_manifest(check, change, message) -> None:
    problems = check(broken(change))
    assert problems, f"{check.__name__} missed it"
    assert any(message in str(p) for p in problems), problems
    assert any(message in str(p) for p in find_problems(broken(change)))


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "v"}}, "Secret with values"),
        ({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "dg=="}}, "Secret with values"),
        ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a.yaml": "password: hunter2"}}, "plaintext password"),
    ],
    ids=["stringData", "data", "configmap"],
)  # fmt: skip
def test_secret_values_are_caught_outside_containers(obj, message) -> None:
    assert any(message in str(p) for p in secret_problems([obj]))


@pytest.mark.parametrize(
    "safe",
    [
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
        {"name": "DB_URI", "value": "postgresql://u:$(DB_PASSWORD)@db/x"},
        {"name": "REDIS", "value": "redis:6379,password=${REDIS_PASSWORD}"},
        {"name": "MLFLOW_S3_ENDPOINT_URL", "value": "http://minio:9000"},
    ],
    ids=["secretKeyRef", "uri-with-reference", "feast-style-reference", "endpoint"],
)
def test_references_to_secrets_are_not_flagged(safe) -> None:
    assert secret_problems(broken(lambda c, o: c.update(env=[safe]))) == []


def test_jobs_and_init_containers_need_no_probes_but_do_need_resources() -> None:
    job_container = copy.deepcopy(GOOD["spec"]["template"]["spec"]["containers"][0])
    for key in ("readinessProbe", "livenessProbe", "ports"):
        job_container.pop(key)
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "once"},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [job_container]}}},
    }
    assert find_problems([job]) == []
    job_container.pop("resources")
    assert [p.what for p in find_problems([job])] == [
        "no requests for cpu and memory",
        "no limits for cpu and memory",
    ]


def test_unknown_kinds_are_reported_not_skipped() -> None:
    crd = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert "Couldn't find schema" in str(schema_problems([crd])[0])


@pytest.mark.parametrize(
    ("entry", "ok"),
    [
        ("github.com/kubeflow/pipelines/manifests/kustomize/env/dev?ref=2.17.0", True),
        ("https://github.com/argoproj/argo-workflows/manifests/base?ref=v4.0.5", True),
        ("github.com/org/repo/path?ref=" + "a" * 40, True),
        ("github.com/kubeflow/pipelines/manifests/kustomize/env/dev?ref=master", False),
        ("github.com/kubeflow/pipelines/manifests/kustomize/env/dev", False),
        ("../../base/mlflow", True),
    ],
)
def test_remote_ref_rule(entry: str, ok: bool) -> None:
    assert (remote_ref_problems({"resources": [entry]}) == []) is ok


@pytest.mark.parametrize(
    ("image", "address", "message"),
    [
        ("kindest/node:v1.36.1", "127.0.0.1", "needs a tag and a digest"),
        ("kindest/node@sha256:" + "0" * 64, "127.0.0.1", "needs a tag and a digest"),
        ("kindest/node:v1.36.1@sha256:" + "0" * 64, "0.0.0.0", "listens beyond 127.0.0.1"),
    ],
)
def test_kind_config_rule(image: str, address: str, message: str) -> None:
    config = {
        "nodes": [
            {"image": image, "extraPortMappings": [{"hostPort": 1, "listenAddress": address}]}
        ]
    }
    assert message in str(kind_config_problems(config)[0])


def test_nightly_cluster_job_uses_the_pinned_versions_and_collects_logs() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "nightly.yml").read_text())
    assert {"full-mode", "cluster"} <= set(workflow["jobs"])
    steps = workflow["jobs"]["cluster"]["steps"]
    text = yaml.safe_dump(steps)
    kind_action = next(s for s in steps if str(s.get("uses", "")).startswith("helm/kind-action"))
    assert kind_action["uses"] == "helm/kind-action@v1.14.0"
    assert kind_action["with"]["version"] == "${{ env.KIND_VERSION }}"  # from versions.env
    assert "platform/kind/versions.env" in text and "fs.inotify.max_user_watches=524288" in text
    for command in ("make cluster-up", "make images", "mlplatform execute", "--full"):
        assert command in text, command
    names = [s.get("name", "") for s in steps]
    deploy = next(i for i, n in enumerate(names) if n.startswith("Deploy the recommender"))
    chapters = next(i for i, n in enumerate(names) if n.startswith("Run the chapters"))
    assert chapters < deploy, "the champion (ch05) must exist before the service is deployed"
    assert steps[deploy]["run"] == "make cluster-deploy"
    call = steps[deploy + 1]["run"]
    assert "port-forward svc/recommender-service 8101:8101" in call
    assert "curl -fsS http://127.0.0.1:8101/ready" in call and "/recommendations" in call
    assert workflow["jobs"]["cluster"]["env"]["MLPLATFORM_MODE"] == "cluster"
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["if"] == "failure()"
