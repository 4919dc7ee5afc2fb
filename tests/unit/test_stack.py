import pytest

from mlplatform.stack import (
    COMPONENTS,
    NOT_INSTALLED,
    components_frame,
    installed_versions,
    platform_packages,
)


def test_every_component_explains_its_choice() -> None:
    jobs = [c.job for c in COMPONENTS]
    assert len(jobs) == len(set(jobs))
    for component in COMPONENTS:
        assert len(component.why) > 40, component.job
        assert component.alternatives, component.job
        assert all(len(ch) == 2 and ch.isdigit() for ch in component.chapters), component.job


@pytest.mark.parametrize(
    ("job", "tool", "alternative"),
    [
        ("orchestration", "Kubeflow Pipelines", "Airflow"),
        ("experiment tracking and model registry", "MLflow", "Weights & Biases"),
        ("feature store", "Feast", "Tecton"),
        ("model serving", "FastAPI + uvicorn", "KServe"),
        ("monitoring", "Evidently + Prometheus client", "WhyLabs"),
        ("local cluster", "kind", "minikube"),
        ("notebooks", "JupyterLab + papermill", "Google Colab"),
    ],
)
def test_components_frame_rows(job: str, tool: str, alternative: str) -> None:
    frame = components_frame()
    assert frame.loc[job, "tool"] == tool
    assert alternative in frame.loc[job, "alternatives considered"]


def test_components_frame_shape() -> None:
    frame = components_frame()
    assert list(frame.columns) == ["tool", "why", "alternatives considered", "chapters"]
    assert len(frame) == len(COMPONENTS)


def test_platform_packages_map_to_jobs() -> None:
    packages = platform_packages()
    assert packages["kfp"] == "orchestration"
    assert packages["prometheus-client"] == "monitoring"
    assert "kind" not in packages  # a binary, not a Python package


def test_installed_versions_reports_missing_packages() -> None:
    frame = installed_versions({"pandas": "tables", "surely-not-a-package-xyz": "nothing"})
    assert list(frame.columns) == ["job", "version"]
    assert frame.loc["pandas", "version"][0].isdigit()
    assert frame.loc["surely-not-a-package-xyz", "version"] == NOT_INSTALLED


def test_installed_versions_defaults_to_the_platform() -> None:
    assert list(installed_versions().index) == list(platform_packages())
