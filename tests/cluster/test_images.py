"""Static checks of platform/images/*: no Docker needed, part of `make test`.

Every Dockerfile follows `mlplatform.cluster.image_checks` (pinned base by tag and digest, non-root
numeric USER, no baked secrets, no ADD, only admitted files copied; service images have a
HEALTHCHECK, a CMD and an EXPOSE). Each rule is also shown catching a broken Dockerfile. The
service images share the runtime image's dependency layer line for line, carry neither a model nor
MovieLens, and run the service module on the port the Deployment probes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlplatform.cluster import lifecycle
from mlplatform.cluster.image_checks import (
    admitted,
    dockerfile_problems,
    exposed_ports,
    parse_dockerfile,
)

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "platform" / "images"
DOCKERIGNORE = (ROOT / ".dockerignore").read_text()
DOCKERFILES = sorted(IMAGES.glob("*/Dockerfile"))
SERVICES = {"recommender-service": ("mlplatform.recommender.service", 8101),
            "ocr-service": ("mlplatform.ocr.service", 8102)}  # fmt: skip
DIGEST = "@sha256:" + "a" * 64


def test_the_runtime_and_both_service_images_exist() -> None:
    assert {path.parent.name for path in DOCKERFILES} == {"runtime", *SERVICES}


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.parent.name)
def test_every_dockerfile_follows_every_rule(path: Path) -> None:
    service = path.parent.name in SERVICES
    problems = dockerfile_problems(path.read_text(), DOCKERIGNORE, path.parent.name, service)
    assert [str(p) for p in problems] == []


def _shared_prefix(path: Path) -> list[tuple[str, str]]:
    """FROM up to and including the dependency install (the layer worth sharing)."""
    instructions = parse_dockerfile(path.read_text())
    end = next(i for i, item in enumerate(instructions) if "requirements-cpu.txt" in item.arguments)
    return [(item.keyword, item.arguments) for item in instructions[: end + 1]]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_images_share_the_runtime_dependency_layer(name: str) -> None:
    assert _shared_prefix(IMAGES / name / "Dockerfile") == _shared_prefix(
        IMAGES / "runtime" / "Dockerfile"
    )


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_images_run_the_service_and_carry_no_model_or_data(name: str) -> None:
    module, port = SERVICES[name]
    instructions = parse_dockerfile((IMAGES / name / "Dockerfile").read_text())
    cmd = next(item for item in reversed(instructions) if item.keyword == "CMD")
    assert cmd.arguments == f'["python", "-m", "{module}"]'
    assert exposed_ports(instructions) == [port]
    healthcheck = next(item for item in instructions if item.keyword == "HEALTHCHECK")
    assert "/health" in healthcheck.arguments
    env = " ".join(item.arguments for item in instructions if item.keyword == "ENV")
    assert "MLPLATFORM_SERVING_HOST=0.0.0.0" in env  # loopback would be unreachable in a pod
    run = " ".join(item.arguments for item in instructions if item.keyword == "RUN")
    assert "mlplatform data" not in run, "MovieLens must not be baked into a service image"
    sources = [word for item in instructions if item.keyword == "COPY"
               for word in item.arguments.split()[:-1]]  # fmt: skip
    assert {s.split("/")[0] for s in sources} <= {
        "requirements.lock", "pyproject.toml", "README.md", "src", "datasets"
    }  # fmt: skip
    assert not [s for s in sources if s.startswith("datasets") and not s.endswith(".sha256")]
    assert not [s for s in sources if s.endswith((".pt", ".onnx", ".pkl", ".parquet"))]


def test_images_are_built_and_loaded_with_a_version_tag_each() -> None:
    assert [lifecycle.image_tag(path.parent, "0.1.0") for path in DOCKERFILES] == [
        "mlplatform-ocr-service:0.1.0",
        "mlplatform-recommender-service:0.1.0",
        "mlplatform-runtime:0.1.0",
    ]


GOOD = f"""\
FROM python:3.11.14-slim-bookworm{DIGEST}
ENV APP_PORT=8000
COPY requirements.lock ./
RUN pip install -r requirements.lock \\
    && pip check
COPY src ./src
USER 10001:10001
EXPOSE 8000
HEALTHCHECK CMD ["python", "-c", "print(1)"]
CMD ["python", "-m", "app"]
"""
IGNORE = "*\n!requirements.lock\n!src/\n"


def test_the_good_dockerfile_passes_and_continuations_are_joined() -> None:
    assert dockerfile_problems(GOOD, IGNORE) == []
    run = next(item for item in parse_dockerfile(GOOD) if item.keyword == "RUN")
    assert run.arguments == "pip install -r requirements.lock && pip check" and run.line == 4


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (f"slim-bookworm{DIGEST}", "slim-bookworm", "needs a fixed tag and a digest"),
        (f"3.11.14-slim-bookworm{DIGEST}", "latest", "needs a fixed tag and a digest"),
        (f"python:3.11.14-slim-bookworm{DIGEST}", "python", "needs a fixed tag and a digest"),
        ("USER 10001:10001\n", "", "no USER"),
        ("USER 10001:10001", "USER root", "not a non-root uid"),
        ("USER 10001:10001", "USER 0", "not a non-root uid"),
        ("USER 10001:10001", "USER app", "not a non-root uid"),
        ("ENV APP_PORT=8000", "ENV API_TOKEN=tok-4f9a2c7d", "ENV API_TOKEN bakes a secret in"),
        ("ENV APP_PORT=8000", "ARG DB_PASSWORD=hunter2", "ARG DB_PASSWORD bakes a secret in"),
        ("COPY src ./src", "ADD https://example.com/model.tar.gz /opt/", "ADD; use COPY"),
        ("COPY src ./src", "COPY . .", "COPY . copies everything"),
        ("COPY src ./src", "COPY mlruns/ ./mlruns/", "COPY mlruns/, which .dockerignore keeps out"),
        ("HEALTHCHECK", "# HEALTHCHECK", "no HEALTHCHECK"),
        ("EXPOSE 8000\n", "", "no EXPOSE"),
        ('CMD ["python", "-m", "app"]', "CMD ['python', '-m', 'app']", "not a JSON list"),
        ('HEALTHCHECK CMD ["python", "-c", "print(1)"]', 'HEALTHCHECK CMD ["python", "-c", print(1)]', "HEALTHCHECK [...] is not"),
    ],
    ids=["no-digest", "latest", "untagged", "no-user", "root", "uid-0", "user-name",
         "env-token", "arg-password", "add-url", "copy-all", "copy-ignored", "no-healthcheck",
         "no-expose", "cmd-not-json", "healthcheck-not-json"],
)  # fmt: skip
def test_each_rule_catches_its_broken_dockerfile(old: str, new: str, message: str) -> None:
    assert old in GOOD
    problems = dockerfile_problems(GOOD.replace(old, new), IGNORE)
    assert any(message in str(p) for p in problems), problems


def test_a_build_stage_may_be_a_base_and_a_job_image_needs_no_healthcheck() -> None:
    staged = GOOD.replace("FROM python", "FROM python", 1).replace(
        "ENV APP_PORT=8000", "ENV APP_PORT=8000\nFROM base AS final", 1
    )
    staged = staged.replace(f"bookworm{DIGEST}", f"bookworm{DIGEST} AS base", 1)
    assert dockerfile_problems(staged, IGNORE) == []
    job = GOOD.replace("HEALTHCHECK", "# HEALTHCHECK").replace("EXPOSE 8000\n", "")
    assert dockerfile_problems(job, IGNORE, service=False) == []


@pytest.mark.parametrize(
    ("path", "ok"),
    [("src", True), ("src/mlplatform/config.py", True), ("requirements.lock", True),
     ("datasets/movielens-100k.sha256", True), ("data/ml-100k", False), (".platform", False),
     ("mlruns", False), (".venv", False)],
)  # fmt: skip
def test_the_project_dockerignore_admits_only_what_images_copy(path: str, ok: bool) -> None:
    assert admitted(path, DOCKERIGNORE) is ok
