"""`cluster up/down/status/images` and the `mlplatform cluster` commands, with subprocess faked."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlplatform.cli import app
from mlplatform.cluster import lifecycle as cluster
from mlplatform.cluster.checks import CheckResult
from mlplatform.cluster.config import SECRET_KEYS, ClusterPaths, load_cluster_config

ROOT = Path(__file__).resolve().parents[2]
PATHS = ClusterPaths(ROOT)
CONFIG = load_cluster_config(PATHS)


class FakeRunner:
    """Records commands; answers from a table of (command prefix -> stdout or an exception)."""

    def __init__(self, answers: dict[tuple[str, ...], object] | None = None) -> None:
        self.answers = answers or {}
        self.calls: list[list[str]] = []
        self.stdins: list[str | None] = []

    def __call__(self, command, **kwargs):
        self.calls.append(command)
        self.stdins.append(kwargs.get("input"))
        for prefix, answer in self.answers.items():
            if tuple(command[: len(prefix)]) == prefix or _contains(command, prefix):
                if isinstance(answer, BaseException):
                    raise answer
                if isinstance(answer, subprocess.CompletedProcess):
                    return answer
                return subprocess.CompletedProcess(command, 0, stdout=answer, stderr="")
        return subprocess.CompletedProcess(command, 0, stdout="", stderr="")


def _contains(command: list[str], part: tuple[str, ...]) -> bool:
    n = len(part)
    return any(tuple(command[i : i + n]) == part for i in range(len(command) - n + 1))


def failed(command: str, stderr: str) -> subprocess.CalledProcessError:
    return subprocess.CalledProcessError(1, command.split(), output="", stderr=stderr)


def all_pass(*args, **kwargs) -> list[CheckResult]:
    return [CheckResult("docker", "ok", "running")]


def test_run_returns_stdout_and_uses_check_true() -> None:
    seen = {}

    def runner(command, **kwargs):
        seen.update(kwargs)
        return subprocess.CompletedProcess(command, 0, stdout="out", stderr="")

    assert cluster.run(["echo"], runner=runner) == "out"
    assert seen["check"] is True and seen["capture_output"] is True


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (FileNotFoundError("kind"), "kind is not installed: run `make cluster-check`"),
        (failed("kind x", "line one\nERROR: node(s) already exist"), "failed: ERROR: node\\(s\\) already exist"),
        (subprocess.TimeoutExpired("kind", 5), "took longer than 5 s"),
    ],
    ids=["missing", "non-zero", "timeout"],
)  # fmt: skip
def test_run_turns_failures_into_one_line(error, message: str) -> None:
    runner = FakeRunner({("kind",): error})
    with pytest.raises(cluster.ClusterError, match=message) as info:
        cluster.run(["kind", "create", "cluster"], timeout=5, runner=runner)
    assert "\n" not in str(info.value)


def test_every_kubectl_call_names_the_kind_context() -> None:
    for step in cluster.plan_up(CONFIG, PATHS):
        if step.command[0] == "kubectl":
            assert step.command[1:3] == ["--context", "kind-mlplatform"], step.command


def test_plan_follows_the_documented_install_order() -> None:
    purposes = [step.purpose for step in cluster.plan_up(CONFIG, PATHS)]
    assert (
        purposes.index("install KFP's CRDs and cluster roles")
        < purposes.index("wait until the KFP CRD is Established")
        < purposes.index("install KFP (platform-agnostic) and its NodePorts")
    )
    assert purposes.index("create the Secret with random credentials (skipped if it exists)") < (
        purposes.index("install our services (MLflow, Postgres, MinIO, Feast, Redis)")
    )


def test_up_creates_everything_and_sends_the_secret_only_through_stdin(monkeypatch) -> None:
    monkeypatch.setattr(cluster, "run_checks", all_pass)
    runner = FakeRunner(
        {
            ("kind", "get", "clusters"): "",
            ("get", "secret"): subprocess.CompletedProcess([], 1, stdout="", stderr="NotFound"),
        }
    )
    urls = cluster.up(CONFIG, PATHS, runner=runner, report=lambda line: None)
    commands = [" ".join(c) for c in runner.calls]
    assert any(c.startswith("kind create cluster --config") for c in commands)
    assert any(
        "condition=established" in c and "crd/applications.app.k8s.io" in c for c in commands
    )
    assert any(c.endswith("apply -k " + str(PATHS.overlay)) for c in commands)
    secret = json.loads(next(s for s in runner.stdins if s))
    values = secret["items"][1]["stringData"]
    assert set(values) == set(SECRET_KEYS) and len(set(values.values())) == len(SECRET_KEYS)
    assert all(len(v) >= 32 for v in values.values())
    assert not any(v in c for v in values.values() for c in commands), "a secret leaked to argv"
    assert any("http://127.0.0.1:5000" in url for url in urls)


def test_up_again_keeps_the_cluster_and_the_secret(monkeypatch) -> None:
    monkeypatch.setattr(cluster, "run_checks", all_pass)
    runner = FakeRunner({("kind", "get", "clusters"): "mlplatform\n"})
    skipped = []
    cluster.up(CONFIG, PATHS, runner=runner, report=skipped.append)
    assert not any(c[:3] == ["kind", "create", "cluster"] for c in runner.calls)
    assert not any(runner.stdins), "the Secret was regenerated: Postgres would lose its password"
    assert sum(line.startswith("skip:") for line in skipped) == 2


def test_up_stops_before_anything_when_a_check_fails(monkeypatch) -> None:
    monkeypatch.setattr(
        cluster,
        "run_checks",
        lambda *a, **k: [CheckResult("kind", "fail", "kind is not installed", "install kind")],
    )
    runner = FakeRunner({("kind", "get", "clusters"): ""})
    with pytest.raises(cluster.ClusterError, match="kind: kind is not installed -> install kind"):
        cluster.up(CONFIG, PATHS, runner=runner)
    assert runner.calls == [["kind", "get", "clusters"]]


def test_up_reports_the_failing_step(monkeypatch) -> None:
    monkeypatch.setattr(cluster, "run_checks", all_pass)
    runner = FakeRunner(
        {
            ("kind", "get", "clusters"): "",
            ("condition=established",): failed("kubectl wait", "error: timed out waiting"),
        }
    )
    with pytest.raises(cluster.ClusterError, match="failed: error: timed out waiting"):
        cluster.up(CONFIG, PATHS, runner=runner, report=lambda line: None)


@pytest.mark.parametrize(("clusters", "deleted"), [("mlplatform\n", True), ("other\n", False)])
def test_down(clusters: str, deleted: bool) -> None:
    runner = FakeRunner({("kind", "get", "clusters"): clusters})
    assert cluster.down(CONFIG, runner=runner) is deleted
    assert (["kind", "delete", "cluster", "--name", "mlplatform"] in runner.calls) is deleted


def pod(name: str, phase: str, ready: list[bool], restarts: int = 0) -> dict:
    return {
        "metadata": {"name": name, "namespace": "mlplatform"},
        "status": {
            "phase": phase,
            "containerStatuses": [{"ready": r, "restartCount": restarts} for r in ready],
        },
    }


PODS = {
    "items": [
        pod("mlflow-1", "Running", [True]),
        pod("feature-server-1", "Running", [False], restarts=3),
        pod("minio-buckets-1", "Succeeded", [False]),
        pod("postgres-1", "Pending", []),
    ]
}


def test_parse_pods() -> None:
    pods = {p.name: p for p in cluster.parse_pods(PODS)}
    assert pods["mlflow-1"].is_ready and pods["minio-buckets-1"].is_ready
    assert not pods["feature-server-1"].is_ready and pods["feature-server-1"].ready == "0/1"
    assert pods["feature-server-1"].restarts == 3
    assert not pods["postgres-1"].is_ready


def test_status_shows_unready_pods_with_their_logs() -> None:
    runner = FakeRunner(
        {
            ("get", "pods"): json.dumps(PODS),
            ("logs", "feature-server-1"): "Registry not found\n",
            ("logs", "postgres-1"): failed("kubectl logs", "container is waiting to start"),
        }
    )
    unready = cluster.status(CONFIG, runner=runner)
    assert [p.name for p in unready] == ["feature-server-1", "postgres-1"]
    assert unready[0].last_logs == "Registry not found"
    assert "waiting to start" in unready[1].last_logs


def test_images_builds_and_loads_every_dockerfile_with_a_version_tag() -> None:
    runner = FakeRunner()
    tags = cluster.images(CONFIG, PATHS, "0.1.0", runner=runner)
    assert tags == [
        "mlplatform-ocr-service:0.1.0",
        "mlplatform-recommender-service:0.1.0",
        "mlplatform-runtime:0.1.0",
    ]
    for index, tag in enumerate(tags):
        build, load = runner.calls[2 * index], runner.calls[2 * index + 1]
        assert build[:4] == ["docker", "build", "-t", tag] and build[-1] == str(ROOT)
        assert load == ["kind", "load", "docker-image", tag, "--name", "mlplatform"]


def test_images_without_dockerfiles(tmp_path: Path) -> None:
    with pytest.raises(cluster.ClusterError, match="no Dockerfile"):
        cluster.images(CONFIG, ClusterPaths(tmp_path), "0.1.0", runner=FakeRunner())


# ---- the CLI ------------------------------------------------------------------------------------

runner = CliRunner()


@pytest.mark.parametrize("command", ["check", "up", "down", "status", "images", "deploy"])
def test_every_cluster_command_has_help_with_an_example(command: str) -> None:
    result = runner.invoke(app, ["cluster", command, "--help"])
    assert result.exit_code == 0 and "Example" in result.output


def test_cli_check_exits_1_on_a_failed_check(monkeypatch) -> None:
    monkeypatch.setattr(
        cluster,
        "run_checks",
        lambda config: [CheckResult("kind", "fail", "kind is not installed", "install kind")],
    )
    result = runner.invoke(app, ["cluster", "check"])
    assert result.exit_code == 1 and "[fail] kind: kind is not installed" in result.output


def test_cli_up_failure_is_one_line(monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise cluster.ClusterError("`kubectl apply` failed: no route")

    monkeypatch.setattr(cluster, "up", boom)
    result = runner.invoke(app, ["cluster", "up"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("error: `kubectl apply` failed")


def test_cli_status_lists_unready_pods(monkeypatch) -> None:
    unready = [cluster.PodStatus("ns", "p", "Running", "0/1", 2, False, "boom")]
    monkeypatch.setattr(cluster, "status", lambda config, lines: unready)
    result = runner.invoke(app, ["cluster", "status"])
    assert result.exit_code == 1 and "ns/p: Running, ready 0/1, restarts 2" in result.output
    monkeypatch.setattr(cluster, "status", lambda config, lines: [])
    assert runner.invoke(app, ["cluster", "status"]).exit_code == 0


def test_plan_table_shows_relative_paths() -> None:
    table = cluster.plan_table(CONFIG, PATHS)
    assert list(table["step"]) == list(range(1, len(table) + 1))
    assert not table["command"].str.contains(str(ROOT)).any()
    assert "platform/kind/cluster.yaml" in table["command"].iloc[0]


def test_pods_table() -> None:
    table = cluster.pods_table(CONFIG, runner=FakeRunner({("get", "pods"): json.dumps(PODS)}))
    assert list(table.columns) == ["namespace", "name", "phase", "ready", "restarts", "is_ready"]
    assert table["is_ready"].sum() == 2


# ---- deploy: the model services -----------------------------------------------------------------


def test_deploy_applies_the_services_overlay_and_waits_for_each_named_service() -> None:
    runner = FakeRunner({("kind", "get", "clusters"): "mlplatform\n"})
    commands = cluster.deploy(CONFIG, PATHS, ["recommender-service", "ocr-service"], 300,
                              runner=runner, report=lambda line: None)  # fmt: skip
    context = ["kubectl", "--context", "kind-mlplatform"]
    assert runner.calls[1] == [*context, "apply", "-k", str(PATHS.services_overlay)]
    assert runner.calls[2] == [*context, "rollout", "status", "deployment/recommender-service",
                               "-n", "mlplatform", "--timeout=300s"]  # fmt: skip
    assert runner.calls[3][5] == "deployment/ocr-service" and len(runner.calls) == 4
    assert commands == [
        " ".join([*context, "-n", "mlplatform", "port-forward", "svc/recommender-service",
                  "8101:8101"]),
        " ".join([*context, "-n", "mlplatform", "port-forward", "svc/ocr-service", "8102:8102"]),
    ]  # fmt: skip


def test_deploy_needs_a_cluster_and_known_services_and_reports_a_service_not_ready() -> None:
    with pytest.raises(cluster.ClusterError, match="make cluster-up"):
        cluster.deploy(CONFIG, PATHS, runner=FakeRunner({("kind", "get", "clusters"): "other\n"}))
    with pytest.raises(cluster.ClusterError, match="no model service \\['recommender'\\]"):
        cluster.plan_deploy(CONFIG, PATHS, ["recommender"])
    runner = FakeRunner(
        {
            ("kind", "get", "clusters"): "mlplatform\n",
            ("rollout", "status"): failed("kubectl rollout", "error: timed out waiting"),
        }
    )
    with pytest.raises(cluster.ClusterError, match="timed out waiting"):
        cluster.deploy(CONFIG, PATHS, runner=runner, report=lambda line: None)


def test_the_services_overlay_names_every_model_service_and_its_port() -> None:
    text = (PATHS.k8s / "base" / "model-services" / "recommender-service.yaml").read_text()
    assert "containerPort: 8101" in text and cluster.MODEL_SERVICES["recommender-service"] == 8101
    ocr = (PATHS.k8s / "base" / "model-services" / "ocr-service.yaml").read_text()
    assert "containerPort: 8102" in ocr and cluster.MODEL_SERVICES["ocr-service"] == 8102


def test_cli_deploy_prints_the_port_forward_commands(monkeypatch) -> None:
    seen = {}

    def fake_deploy(config, paths, wait, timeout, report):
        seen.update(wait=wait, timeout=timeout)
        return ["kubectl port-forward svc/recommender-service 8101:8101"]

    monkeypatch.setattr(cluster, "deploy", fake_deploy)
    result = runner.invoke(app, ["cluster", "deploy", "--timeout", "60"])
    assert result.exit_code == 0, result.output
    assert seen == {"wait": ["recommender-service"], "timeout": 60}
    assert "port-forward svc/recommender-service" in result.output
