"""The cluster's Prometheus (base/monitoring, overlays/kind-monitoring), checked statically.

test_manifests.py applies every general rule to this overlay too. Here: the rules ConfigMap holds
the very file the local Prometheus loads, the configuration finds it where the volume mounts it,
the scrape jobs carry the names the rules select (as in local mode) and reach every replica of the
model services on the ports their Deployments serve.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from mlplatform.cluster.config import ClusterPaths
from mlplatform.cluster.manifests import containers, render
from mlplatform.config import SLO_RULES
from mlplatform.monitoring import prometheus_server

ROOT = Path(__file__).resolve().parents[2]
PATHS = ClusterPaths(ROOT)


@pytest.fixture(scope="module")
def monitoring() -> list[dict]:
    return render(PATHS.monitoring_overlay)


def _config_map(objects: list[dict], prefix: str) -> dict:
    (found,) = [
        o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith(prefix)
    ]
    return found


def _prometheus_config(objects: list[dict]) -> dict:
    return yaml.safe_load(_config_map(objects, "prometheus-config")["data"]["prometheus.yml"])


def test_the_rules_config_map_is_the_one_rules_file(monitoring: list[dict]) -> None:
    rules = _config_map(monitoring, "prometheus-rules")
    assert rules["data"] == {"slo-rules.yaml": SLO_RULES.read_text()}
    assert SLO_RULES.parent == PATHS.k8s / "base" / "monitoring"


def test_prometheus_reads_the_rules_and_config_where_they_are_mounted(
    monitoring: list[dict],
) -> None:
    (deployment,) = [o for o in monitoring if o["kind"] == "Deployment"]
    (container,) = containers([deployment])
    mounts = {m["name"]: m for m in container.spec["volumeMounts"]}
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    rules_dir = mounts["rules"]["mountPath"]
    config = _prometheus_config(monitoring)
    assert config["rule_files"] == [f"{rules_dir}/slo-rules.yaml"]
    assert (
        volumes["rules"]["configMap"]["name"]
        == _config_map(monitoring, "prometheus-rules")["metadata"]["name"]
    )
    assert f"--config.file={mounts['config']['mountPath']}" in container.spec["args"]
    assert {"--web.listen-address=:9090"} <= set(container.spec["args"])


def test_each_model_service_is_scraped_per_replica_under_its_local_job_name(
    monitoring: list[dict],
) -> None:
    deployments = {
        o["metadata"]["name"]: o
        for o in render(PATHS.services_overlay)
        if o["kind"] == "Deployment"
    }
    headless = {o["metadata"]["name"]: o for o in monitoring if o["kind"] == "Service"}
    jobs = {job["job_name"]: job for job in _prometheus_config(monitoring)["scrape_configs"]}
    assert set(prometheus_server.SCRAPED_SERVICES) <= set(jobs)
    for name in prometheus_server.SCRAPED_SERVICES:
        (sd,) = jobs[name]["dns_sd_configs"]
        (target,) = sd["names"]
        service = headless[target]
        assert service["spec"]["clusterIP"] == "None"  # one DNS record per pod, not one per Service
        deployment = deployments[f"{name}-service"]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= pod_labels.items()
        ports = {
            p["containerPort"] for c in containers([deployment]) for p in c.spec.get("ports", [])
        }
        assert sd["port"] in ports and service["spec"]["ports"][0]["targetPort"] == sd["port"]


def test_the_cluster_config_is_valid_for_promtool(
    monitoring: list[dict], promtool: str, tmp_path: Path
) -> None:
    config = tmp_path / "prometheus.yml"
    config.write_text(_config_map(monitoring, "prometheus-config")["data"]["prometheus.yml"])
    result = subprocess.run(
        [promtool, "check", "config", "--syntax-only", str(config)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
