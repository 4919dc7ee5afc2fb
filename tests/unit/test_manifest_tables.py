"""mlplatform.cluster.manifests: rendering, walking pod templates, quantities, tables and totals."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlplatform.cluster.manifests import (
    ManifestError,
    containers,
    count_kinds,
    cpu_millicores,
    memory_mib,
    render,
    summarise,
    total_requests,
)


def workload(
    kind: str, cpu: str, memory: str, replicas: int | None = None, init: bool = False
) -> dict:
    container = {
        "name": "c",
        "image": "x:1",
        "resources": {"requests": {"cpu": cpu, "memory": memory}},
    }
    pod = {"containers": [container]}
    if init:
        pod["initContainers"] = [{**container, "name": "setup"}]
    spec: dict = {"template": {"spec": pod}}
    if replicas is not None:
        spec["replicas"] = replicas
    if kind == "CronJob":
        spec = {"jobTemplate": {"spec": spec}}
    return {"kind": kind, "metadata": {"name": kind.lower()}, "spec": spec}


@pytest.mark.parametrize(
    ("quantity", "millicores"), [("250m", 250), ("1", 1000), ("0.5", 500), (2, 2000), ("1.5m", 1.5)]
)
def test_cpu_millicores(quantity, millicores) -> None:
    assert cpu_millicores(quantity) == pytest.approx(millicores)


@pytest.mark.parametrize(
    ("quantity", "mib"),
    [
        ("256Mi", 256),
        ("1Gi", 1024),
        ("512Ki", 0.5),
        ("1048576", 1),
        ("1000M", 1e9 / 2**20),
        ("1G", 953.674),
    ],
)
def test_memory_mib(quantity, mib) -> None:
    assert memory_mib(quantity) == pytest.approx(mib, rel=1e-4)


@pytest.mark.parametrize(("parse", "bad"), [(cpu_millicores, "1 core"), (memory_mib, "1GB")])
def test_bad_quantities_are_refused(parse, bad) -> None:
    with pytest.raises(ValueError, match="is not a"):
        parse(bad)


def test_containers_finds_every_workload_kind_and_init_containers() -> None:
    objects = [
        workload("Deployment", "100m", "64Mi", init=True),
        workload("CronJob", "100m", "64Mi"),
        {"kind": "Service", "metadata": {"name": "s"}, "spec": {}},
    ]
    found = [(c.kind, c.container, c.init) for c in containers(objects)]
    assert found == [
        ("Deployment", "setup", True),
        ("Deployment", "c", False),
        ("CronJob", "c", False),
    ]


def test_total_requests_multiplies_replicas_and_skips_init_containers() -> None:
    objects = [
        workload("Deployment", "250m", "256Mi", replicas=2, init=True),
        workload("Job", "1", "1Gi"),
        workload("StatefulSet", "100m", "64Mi", replicas=0),
    ]
    assert total_requests(objects) == {"cpu_millicores": 1500.0, "memory_mib": 1536.0}


def test_summarise_and_count_kinds() -> None:
    objects = [workload("Deployment", "250m", "256Mi", init=True), workload("Job", "1", "1Gi")]
    table = summarise(objects)
    assert list(table["container"]) == ["setup (init)", "c", "c"]
    assert list(table["cpu limit"]) == ["-", "-", "-"]
    assert count_kinds(objects).to_dict() == {"Deployment": 1, "Job": 1}


def test_render_reports_kustomize_errors_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - missing.yaml\n")
    with pytest.raises(
        ManifestError, match=r"kubectl kustomize .* failed: .*missing\.yaml"
    ) as info:
        render(tmp_path)
    assert "\n" not in str(info.value)


def test_render_without_kubectl(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="kubectl is not installed: install it from https://"):
        render(tmp_path, kubectl="no-such-kubectl")
