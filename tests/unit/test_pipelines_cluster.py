# No `from __future__ import annotations`: KFP reads the components' real annotations.
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import httpx
import pytest
from kfp import dsl

from mlplatform import pipelines
from mlplatform.config import Settings
from mlplatform.pipelines import (
    KfpNotReachableError,
    PipelineError,
    PipelineStepFailedError,
    compile_pipeline,
    run_pipeline,
)
from mlplatform.pipelines import cluster as pipelines_cluster
from mlplatform.recommender.pipeline import reg_sweep_pipeline, training_pipeline


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def add(a: int, b: int) -> int:
    return a + b


@dsl.pipeline(name="tiny-sum")
def tiny_pipeline(n: int = 5) -> int:
    return add(a=n, b=1).output


def _refuse(*args: object, **kwargs: object) -> httpx.Response:
    raise httpx.ConnectError("connection refused")


def test_cluster_mode_without_kfp_says_how_to_start_it(
    cluster: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(httpx, "get", _refuse)
    with pytest.raises(
        KfpNotReachableError, match=r"not reachable at http://kfp:8888.*make cluster-up"
    ):
        run_pipeline(tiny_pipeline, {}, cluster)
    assert not (cluster.platform_dir / "kfp" / "compiled").exists()  # nothing compiled or sent


@pytest.mark.parametrize(
    ("host", "status", "match"),
    [(None, 200, "No KFP host is configured"), ("http://kfp:8888", 503, "answered 503")],
)
def test_kfp_health_check_errors(
    monkeypatch: pytest.MonkeyPatch, host: str | None, status: int, match: str
) -> None:
    monkeypatch.setattr(httpx, "get", lambda url, timeout: httpx.Response(status))
    with pytest.raises(KfpNotReachableError, match=match):
        pipelines.check_kfp_reachable(host)


class FakeClient:
    submitted: ClassVar[dict] = {}
    final_state = "SUCCEEDED"

    def __init__(self, host: str, namespace: str) -> None:
        FakeClient.submitted = {"host": host}

    def create_run_from_pipeline_package(self, package: str, **kwargs: object) -> SimpleNamespace:
        FakeClient.submitted.update(package=package, **kwargs)
        return SimpleNamespace(run_id="run-123")

    def create_experiment(self, name: str) -> SimpleNamespace:
        return SimpleNamespace(experiment_id=f"exp-{name}")

    def create_recurring_run(self, **kwargs: object) -> SimpleNamespace:
        FakeClient.submitted.update(kwargs)
        return SimpleNamespace(recurring_run_id="job-9")

    def wait_for_run_completion(self, run_id: str, timeout: int) -> SimpleNamespace:
        failed = SimpleNamespace(display_name="evaluate-op", state="FAILED", pod_name="pod-7")
        details = SimpleNamespace(task_details=[failed])
        return SimpleNamespace(run_id=run_id, state=self.final_state, run_details=details)


@pytest.fixture
def fake_kfp(monkeypatch: pytest.MonkeyPatch) -> type[FakeClient]:
    import kfp

    monkeypatch.setattr(httpx, "get", lambda url, timeout: httpx.Response(200))
    monkeypatch.setattr(kfp, "Client", FakeClient)
    FakeClient.final_state = "SUCCEEDED"
    return FakeClient


def test_cluster_run_compiles_submits_and_links_the_run(cluster: Settings, fake_kfp) -> None:
    result = run_pipeline(tiny_pipeline, {"n": 3}, cluster, timeout_seconds=60)
    assert result.mode == "cluster"
    assert result.run_id == "run-123"
    assert result.run_url == "http://localhost:8080/#/runs/details/run-123"
    assert fake_kfp.submitted["host"] == "http://kfp:8888"
    assert fake_kfp.submitted["arguments"] == {"n": 3}
    assert Path(fake_kfp.submitted["package"]).name == "tiny-sum.yaml"


def test_cluster_failure_names_the_step_and_the_log_command(cluster: Settings, fake_kfp) -> None:
    fake_kfp.final_state = "FAILED"
    with pytest.raises(
        PipelineStepFailedError, match=r"Step 'evaluate-op'.*kubectl logs -n kubeflow pod-7"
    ):
        run_pipeline(tiny_pipeline, {}, cluster)


def test_cluster_failure_without_task_details_lists_the_pods() -> None:
    run = SimpleNamespace(run_id="r1", run_details=None)
    error = pipelines_cluster.failed_run_error("p", "ERROR", run, "http://ui")
    assert error.step == "unknown"
    assert "pipeline/runid=r1" in str(error)


def test_schedule_creates_a_recurring_run(cluster: Settings, fake_kfp) -> None:
    job = pipelines_cluster.schedule_pipeline(tiny_pipeline, "0 0 3 * * *", {"n": 2}, cluster)
    assert job == "job-9"
    assert fake_kfp.submitted["cron_expression"] == "0 0 3 * * *"
    assert fake_kfp.submitted["experiment_id"] == "exp-mlplatform-course"
    assert fake_kfp.submitted["params"] == {"n": 2}
    assert fake_kfp.submitted["max_concurrency"] == 1


@pytest.mark.parametrize("cron", ["0 3 * * *", "* * * * * * *", ""])
def test_schedule_wants_six_cron_fields(cluster: Settings, cron: str) -> None:
    with pytest.raises(ValueError, match="6 fields"):
        pipelines_cluster.schedule_pipeline(tiny_pipeline, cron, settings=cluster)


def test_schedule_in_local_mode_points_to_cron(local: Settings) -> None:
    with pytest.raises(
        PipelineError, match=r"cron or CI .*python -m mlplatform\.recommender\.pipeline"
    ):
        pipelines_cluster.schedule_pipeline(tiny_pipeline, "0 0 3 * * *", settings=local)


def test_ir_tasks_lists_nested_tasks_with_their_policies(tmp_path: Path) -> None:
    rows = pipelines_cluster.ir_tasks(compile_pipeline(training_pipeline, tmp_path / "t.yaml"))
    by_task = {row["task"]: row for row in rows}
    assert by_task["approve-op"]["inside"] == "condition-1"
    assert "rmse_threshold" in by_task["condition-1"]["runs_if"]
    assert by_task["load-ratings-op"]["retries"] == 2
    assert by_task["evaluate-op"]["after"] == "split-ratings-op, train-baseline-op"
    sweep = pipelines_cluster.ir_tasks(compile_pipeline(reg_sweep_pipeline, tmp_path / "s.yaml"))
    loop = next(row for row in sweep if row["task"] == "for-loop-1")
    assert loop["loop_over"] == "pipelinechannel--regs"
    assert next(row for row in sweep if row["task"] == "score-reg-op")["inside"] == "for-loop-1"
