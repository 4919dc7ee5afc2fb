"""The model services' manifests (base/model-services, overlays/kind-services), checked statically.

Beyond the rules every manifest follows (test_manifests.py renders this overlay too): readiness on
/ready and liveness on /health on the port the image serves, the endpoints ConfigMap read by
`mlplatform.config` resolving to the platform's own Services, images tagged with the package
version, and autoscalers that scale an existing Deployment on CPU. The new rules (autoscalers, our
images as non-root) are each shown catching a broken manifest.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from mlplatform import __version__
from mlplatform.cluster.config import ClusterPaths
from mlplatform.cluster.image_checks import exposed_ports, parse_dockerfile
from mlplatform.cluster.lifecycle import image_tag
from mlplatform.cluster.manifest_checks import find_problems, hpa_problems, own_image_problems
from mlplatform.cluster.manifests import containers, render
from mlplatform.config import load_serving_settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
PATHS = ClusterPaths(ROOT)
SERVICES = ("recommender-service", "ocr-service")


@pytest.fixture(scope="module")
def services() -> list[dict]:
    return render(PATHS.services_overlay)


@pytest.fixture(scope="module")
def platform() -> list[dict]:
    return render(PATHS.overlay)


def _one(objects: list[dict], kind: str, name: str) -> dict:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def test_the_overlay_follows_every_rule_in_the_platform_namespace(services) -> None:
    assert find_problems(services) == []
    assert {o["metadata"]["namespace"] for o in services} == {"mlplatform"}
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in services if o["kind"] != "ConfigMap")
    assert kinds == sorted(
        (kind, name)
        for name in SERVICES
        for kind in ("Deployment", "Service", "HorizontalPodAutoscaler")
    )


@pytest.mark.parametrize("name", SERVICES)
def test_probes_hit_ready_and_health_on_the_port_the_image_exposes(services, name) -> None:
    container = next(c for c in containers([_one(services, "Deployment", name)]) if not c.init)
    port = container.spec["ports"][0]
    assert port["name"] == "http"
    dockerfile = parse_dockerfile((PATHS.images / name / "Dockerfile").read_text())
    assert exposed_ports(dockerfile) == [port["containerPort"]]
    assert container.spec["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert container.spec["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert container.spec["startupProbe"]["httpGet"]["path"] == "/health"
    service = _one(services, "Service", name)
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert container.spec["image"] == image_tag(PATHS.images / name, __version__)
    assert container.spec["imagePullPolicy"] == "IfNotPresent"


def test_the_endpoints_configmap_points_at_the_platform_services(services, platform) -> None:
    config = next(o for o in services if o["kind"] == "ConfigMap")
    for item in containers(services):
        if not item.init:
            assert item.spec["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}]
    env = {**config["data"], **{"MLPLATFORM_HOME": "/opt/mlplatform"}}
    settings, serving = load_settings(env), load_serving_settings(env)
    assert serving.host == "0.0.0.0" and serving.recommender_precomputed is False
    ports = {
        o["metadata"]["name"]: o["spec"]["ports"][0]["port"]
        for o in platform
        if o["kind"] == "Service"
    }
    assert settings.mlflow_tracking_uri == f"http://mlflow:{ports['mlflow']}"
    assert settings.feast_url == f"http://feature-server:{ports['feature-server']}"


def test_movielens_is_fetched_at_start_into_a_volume_not_baked_in(services) -> None:
    deployment = _one(services, "Deployment", "recommender-service")
    init = next(c for c in containers([deployment]) if c.init)
    assert init.spec["command"] == ["mlplatform", "data"]
    main = next(c for c in containers([deployment]) if not c.init)
    mounts = {m["name"]: m for m in main.spec["volumeMounts"]}
    assert mounts["data"]["mountPath"] == "/opt/mlplatform/data" and mounts["data"]["readOnly"]
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert "emptyDir" in volumes["data"]


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_scales_on_cpu_between_one_and_two_on_kind(services, name) -> None:
    hpa = _one(services, "HorizontalPodAutoscaler", name)
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": name}  # fmt: skip
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 2)
    metric = hpa["spec"]["metrics"][0]["resource"]
    assert metric["name"] == "cpu" and metric["target"]["averageUtilization"] == 70


@pytest.fixture(scope="module")
def pair(services) -> list[dict]:
    return [
        copy.deepcopy(_one(services, "Deployment", "recommender-service")),
        copy.deepcopy(_one(services, "HorizontalPodAutoscaler", "recommender-service")),
    ]


def test_the_hpa_rule_catches_each_mistake(pair) -> None:
    assert hpa_problems(pair) == []
    deployment, hpa = copy.deepcopy(pair)
    hpa["spec"]["scaleTargetRef"]["name"] = "recommender"
    assert "Deployment/recommender, which is not here" in str(hpa_problems([deployment, hpa]))
    deployment, hpa = copy.deepcopy(pair)
    hpa["spec"]["metrics"][0]["resource"]["name"] = "memory"
    assert "no CPU metric" in str(hpa_problems([deployment, hpa]))
    deployment, hpa = copy.deepcopy(pair)
    hpa["apiVersion"] = "autoscaling/v1"
    assert "use autoscaling/v2" in str(hpa_problems([deployment, hpa]))
    deployment, hpa = copy.deepcopy(pair)
    hpa["spec"]["minReplicas"] = 5
    assert "need 1 <= min <= max" in str(hpa_problems([deployment, hpa]))
    deployment, hpa = copy.deepcopy(pair)
    deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"].pop("cpu")
    assert "requests no CPU" in str(hpa_problems([deployment, hpa]))
    assert hpa_problems([pair[1]]) and find_problems([pair[1]])  # the target left out


def test_the_own_image_rule_catches_root_escalation_and_pulls(pair) -> None:
    deployment = copy.deepcopy(pair[0])
    assert own_image_problems([deployment]) == []
    pod = deployment["spec"]["template"]["spec"]
    pod["securityContext"].pop("runAsNonRoot")
    main = pod["containers"][0]
    main["securityContext"]["allowPrivilegeEscalation"] = True
    main["imagePullPolicy"] = "Always"
    found = [p.what for p in own_image_problems([deployment])]
    assert any("may run as root" in w for w in found)
    assert any("allowPrivilegeEscalation" in w for w in found)
    assert any("imagePullPolicy Always" in w for w in found)
    other = copy.deepcopy(deployment)
    for container in other["spec"]["template"]["spec"]["containers"]:
        container["image"] = "docker.io/library/redis:7.4.2"  # not ours: rule does not apply
    other["spec"]["template"]["spec"].pop("initContainers")
    assert own_image_problems([other]) == []
