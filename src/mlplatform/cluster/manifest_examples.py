"""Small example manifests for chapter 03 and lab 03: one that follows every rule, one that does not."""

from __future__ import annotations

import copy

from mlplatform.cluster.manifests import Obj


def web_deployment(name: str = "web", image: str = "nginx:1.27.0", port: int = 80) -> Obj:
    """A Deployment that passes every check of `mlplatform.cluster.manifest_checks`."""
    labels = {"app.kubernetes.io/name": name}
    container = {
        "name": name,
        "image": image,
        "ports": [{"name": "http", "containerPort": port}],
        "readinessProbe": {"httpGet": {"path": "/", "port": port}, "periodSeconds": 5},
        "livenessProbe": {"tcpSocket": {"port": port}, "periodSeconds": 10},
        "resources": {
            "requests": {"cpu": "50m", "memory": "64Mi"},
            "limits": {"cpu": "250m", "memory": "128Mi"},
        },
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


def broken_deployment() -> Obj:
    """The same Deployment with five classic mistakes (chapter 03 lets the checker find them).

    A moving `latest` tag, no limits, no liveness probe, a misspelt field (`containerport`) and a
    database password written into the manifest.
    """
    broken = copy.deepcopy(web_deployment("shop", "nginx:latest", 8080))
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["resources"].pop("limits")
    container.pop("livenessProbe")
    container["ports"] = [{"name": "http", "containerport": 8080}]
    container["env"] = [{"name": "DB_PASSWORD", "value": "changeme123"}]
    return broken


def broken_recommender() -> Obj:
    """Lab 03's manifest to repair: a recommender API with five problems for the learner to find."""
    container = {
        "name": "api",
        "image": "mlplatform-runtime:latest",
        "imagePullpolicy": "IfNotPresent",
        "command": ["uvicorn", "mlplatform.serving.recommender:app", "--host", "0.0.0.0"],
        "ports": [{"containerPort": 8000}],
        "env": [{"name": "API_TOKEN", "value": "tok-4f9a2c7d"}],
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8000}, "periodSeconds": 5},
        "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}},
        # Already right, so the five problems stay the lab's subject (images, limits, probes, secrets).
        "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False},
    }
    labels = {"app.kubernetes.io/name": "recommender"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "recommender", "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }
