"""templates/ml-project is a valid, copyable project: its configs parse and its own tests pass."""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "ml-project"
WORKFLOW = TEMPLATE / ".github" / "workflows" / "train-and-gate.yml"


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def hook_ids() -> set[str]:
    config = yaml.safe_load((TEMPLATE / ".pre-commit-config.yaml").read_text())
    return {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}


def test_template_has_the_expected_layout() -> None:
    for path in (
        "pyproject.toml",
        "README.md",
        ".pre-commit-config.yaml",
        "src/ratings_model/__init__.py",
        "tests/code",
        "tests/data",
        "tests/model",
    ):
        assert (TEMPLATE / path).exists(), path


def test_pyproject_declares_the_package_and_ruff() -> None:
    config = tomllib.loads((TEMPLATE / "pyproject.toml").read_text())
    assert config["project"]["name"] == "ratings-model"
    assert config["tool"]["setuptools"]["packages"]["find"]["where"] == ["src"]
    assert "ruff" in config["tool"]
    assert any(
        dep.startswith("pre-commit") for dep in config["project"]["optional-dependencies"]["dev"]
    )


@pytest.mark.parametrize(
    "hook", ["ruff-check", "ruff-format", "nbstripout", "check-yaml", "end-of-file-fixer"]
)
def test_pre_commit_runs_the_hook(hook: str) -> None:
    assert hook in hook_ids()


def test_pre_commit_hooks_are_pinned() -> None:
    config = yaml.safe_load((TEMPLATE / ".pre-commit-config.yaml").read_text())
    for repo in config["repos"]:
        assert re.fullmatch(r"v?\d+\.\d+\.\d+", repo["rev"]), repo


def test_workflow_jobs_run_in_order_test_gate_promote() -> None:
    jobs = workflow()["jobs"]
    assert set(jobs) == {"test", "gate", "promote"}
    assert jobs["gate"]["needs"] == "test"
    assert jobs["promote"]["needs"] == "gate"
    assert "needs" not in jobs["test"]


def test_promote_runs_only_after_a_passing_gate_on_main() -> None:
    promote = workflow()["jobs"]["promote"]
    condition = promote["if"]
    assert "success()" in condition
    assert "github.ref == 'refs/heads/main'" in condition
    assert "github.event_name == 'push'" in condition
    assert "always()" not in condition
    assert promote["permissions"] == {"contents": "write"}
    assert workflow()["permissions"] == {"contents": "read"}, "least privilege by default"


def test_gate_trains_on_a_sample_and_compares_with_the_champion() -> None:
    steps = " ".join(step.get("run", "") for step in workflow()["jobs"]["gate"]["steps"])
    assert "ratings_model.train" in steps and "--sample-users" in steps
    assert "ratings_model.gate" in steps and "--champion champion" in steps


def test_test_job_runs_pre_commit_and_pytest() -> None:
    steps = " ".join(step.get("run", "") for step in workflow()["jobs"]["test"]["steps"])
    assert "pre-commit run --all-files" in steps
    assert "pytest" in steps


def test_workflow_triggers_and_holds_no_credentials() -> None:
    text = WORKFLOW.read_text()
    assert set(workflow()[True]) == {"push", "pull_request"}  # YAML 1.1 reads `on:` as True
    expressions = re.findall(r"\$\{\{(.*?)\}\}", text)
    assert [e.strip() for e in expressions if "secrets." in e] == ["secrets.GITHUB_TOKEN"]
    assert not re.search(r"(ghp_|gho_|AKIA)[A-Za-z0-9]{10,}", text)
    assert not re.search(r"(?i)(password|api[_-]?key)\s*[:=]\s*\S", text)


def test_the_templates_own_tests_pass() -> None:
    # Run from the template folder itself, leaving no caches or bytecode behind in it.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=TEMPLATE,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert re.search(r"\d+ passed", result.stdout)


def test_train_then_gate_passes_first_and_fails_on_a_worse_model(tmp_path: Path) -> None:
    project = tmp_path / "ml-project"
    subprocess.run(["cp", "-r", str(TEMPLATE), str(project)], check=True)
    env = {"PYTHONPATH": str(project / "src"), "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", *args], cwd=project, env=env, capture_output=True, text=True
        )

    assert run("ratings_model.train", "--out", "out/candidate").returncode == 0
    first = run("ratings_model.gate", "--candidate", "out/candidate", "--champion", "champion")
    assert first.returncode == 0 and "no champion yet" in first.stdout
    # Promote by hand, then a candidate with heavy shrinkage (a worse model) must be refused.
    (project / "champion").mkdir()
    (project / "champion" / "model.json").write_text(
        (project / "out" / "candidate" / "model.json").read_text()
    )
    worse = (
        "from pathlib import Path; from ratings_model.data import *; "
        "from ratings_model.model import BiasModel; "
        "train, _ = split_by_time(sample_users(load_ratings(), 200)); "
        "BiasModel(reg=1000.0).fit(train).save(Path('out/candidate/model.json'))"
    )
    assert subprocess.run([sys.executable, "-c", worse], cwd=project, env=env).returncode == 0
    second = run("ratings_model.gate", "--candidate", "out/candidate", "--champion", "champion")
    assert second.returncode == 1, second.stdout + second.stderr
    assert "FAIL: regression: rmse" in second.stdout
