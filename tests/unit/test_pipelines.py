# No `from __future__ import annotations`: KFP reads the components' real annotations.
from pathlib import Path

import pytest
import yaml
from kfp import dsl
from kfp.dsl import Dataset, Input, Metrics, Output

from mlplatform.config import Settings
from mlplatform.pipelines import (
    RUNTIME_IMAGE,
    PipelineError,
    PipelineStepFailedError,
    compile_pipeline,
    pipeline_name,
    run_pipeline,
)
from mlplatform.recommender.pipeline import reg_sweep_pipeline, training_pipeline

tiny = dsl.component(base_image="python:3.11", install_kfp_package=False)


@tiny
def make_numbers(n: int, numbers: Output[Dataset]) -> int:
    with open(numbers.path, "w") as handle:
        handle.write(" ".join(str(i) for i in range(n)))
    return n


@tiny
def add_up(numbers: Input[Dataset], metrics: Output[Metrics]) -> float:
    import json

    with open(numbers.path) as handle:
        total = sum(int(x) for x in handle.read().split())
    metrics.log_metric("total", total)
    with open(metrics.path, "w") as handle:  # a file at the URI makes the step cacheable locally
        json.dump(metrics.metadata, handle)
    return float(total)


@tiny
def metrics_only(metrics: Output[Metrics]) -> None:
    metrics.log_metric("value", 1.0)


@tiny
def approve(total: float) -> str:
    return f"approved {total}"


@tiny
def boom(message: str) -> int:
    raise ValueError(message)


@tiny
def flaky(marker: str) -> str:
    import os

    if not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError("first attempt fails")
    return "second attempt"


@dsl.pipeline(name="tiny-sum")
def tiny_pipeline(n: int = 5, threshold: float = 100.0) -> float:
    numbers = make_numbers(n=n)
    total = add_up(numbers=numbers.outputs["numbers"])
    with dsl.If(total.outputs["Output"] < threshold):
        approve(total=total.outputs["Output"])
    return total.outputs["Output"]


@dsl.pipeline(name="tiny-metrics")
def metrics_pipeline() -> None:
    metrics_only()


@tiny
def double(x: float) -> float:
    return 2 * x


@tiny
def largest(values: list) -> float:
    return max(values)


@dsl.pipeline(name="tiny-loop")
def reg_like_pipeline(xs: list = [1.0, 2.0, 3.0, 4.0]) -> float:  # noqa: B006
    with dsl.ParallelFor(items=xs, parallelism=2) as x:
        doubled = double(x=x)
    return largest(values=dsl.Collected(doubled.output)).output


@tiny
def count_numbers(numbers: Input[Dataset]) -> int:
    with open(numbers.path) as handle:
        return len(handle.read().split())


@dsl.pipeline(name="tiny-reuse")
def sum_numbers(n: int) -> float:
    return add_up(numbers=make_numbers(n=n).outputs["numbers"]).outputs["Output"]


@dsl.pipeline(name="tiny-reuse")  # the same name: an edited pipeline reusing a cached first step
def count_made_numbers(n: int) -> int:
    return count_numbers(numbers=make_numbers(n=n).outputs["numbers"]).output


@dsl.pipeline(name="tiny-boom")
def failing_pipeline(message: str = "the data is gone") -> None:
    first = make_numbers(n=2)
    boom(message=message).after(first)


@dsl.pipeline(name="tiny-retry")
def retry_pipeline(marker: str, retries: int = 1) -> str:
    return flaky(marker=marker).set_retry(num_retries=1).output


def test_training_pipeline_compiles_to_ir_yaml(tmp_path: Path) -> None:
    path = compile_pipeline(training_pipeline, tmp_path / "out" / "training.yaml")
    spec = yaml.safe_load(path.read_text())
    assert spec["pipelineInfo"]["name"] == "recommender-training"
    assert set(spec["root"]["dag"]["tasks"]) == {
        "load-ratings-op",
        "split-ratings-op",
        "train-baseline-op",
        "evaluate-op",
        "condition-1",
    }
    params = spec["root"]["inputDefinitions"]["parameters"]
    assert params["rmse_threshold"]["parameterType"] == "NUMBER_DOUBLE"
    assert params["n_users"]["parameterType"] == "NUMBER_INTEGER"
    load = spec["root"]["dag"]["tasks"]["load-ratings-op"]
    assert load["retryPolicy"]["maxRetryCount"] == 2
    condition = spec["root"]["dag"]["tasks"]["condition-1"]["triggerPolicy"]["condition"]
    assert "evaluate-op-Output" in condition
    assert "rmse_threshold" in condition
    images = {e["container"]["image"] for e in spec["deploymentSpec"]["executors"].values()}
    assert images == {RUNTIME_IMAGE}


def test_sweep_pipeline_compiles_a_parallel_for(tmp_path: Path) -> None:
    spec = yaml.safe_load(compile_pipeline(reg_sweep_pipeline, tmp_path / "sweep.yaml").read_text())
    loop = spec["root"]["dag"]["tasks"]["for-loop-1"]
    assert loop["parameterIterator"]["itemInput"].endswith("loop-item")
    assert loop["iteratorPolicy"]["parallelismLimit"] == 2


def test_a_plain_function_is_not_a_pipeline(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"decorate the function with @dsl\.pipeline"):
        compile_pipeline(lambda: None, tmp_path / "x.yaml")


def test_local_run_returns_outputs_metrics_and_artifacts(local: Settings) -> None:
    result = run_pipeline(tiny_pipeline, {"n": 5}, local)
    assert result.status == "SUCCEEDED"
    assert result.mode == "local"
    assert result.outputs == {"Output": 10.0}
    assert result.steps == ["add-up", "approve", "make-numbers"]
    assert result.step_outputs("approve") == {"Output": "approved 10.0"}
    assert result.step_metrics("add-up") == {"total": 10}
    assert result.artifact_path("make-numbers", "numbers").read_text() == "0 1 2 3 4"
    assert result.run_dir.parent == local.platform_dir / "kfp"
    assert "Executing task" in result.log_path.read_text()
    assert result.duration_seconds > 0


def test_a_concurrent_run_of_the_same_pipeline_does_not_become_this_runs_folder(
    local: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kfp.local import executor_input_utils

    original = executor_input_utils.get_local_pipeline_resource_name

    def and_another_process_starts_too(name: str) -> str:
        ours = original(name)
        # A second process (a test beside a notebook) starts the same pipeline a moment later.
        (local.platform_dir / "kfp" / f"{name}-2999-01-01-00-00-00-000000" / "make-numbers").mkdir(
            parents=True
        )
        return ours

    monkeypatch.setattr(
        executor_input_utils, "get_local_pipeline_resource_name", and_another_process_starts_too
    )
    result = run_pipeline(tiny_pipeline, {"n": 5}, local)
    assert "2999" not in result.run_dir.name
    assert result.steps == ["add-up", "approve", "make-numbers"]
    assert result.step_metrics("add-up") == {"total": 10}


@pytest.mark.parametrize(("threshold", "approved"), [(100.0, True), (10.0, False), (5.0, False)])
def test_condition_skips_approval_unless_under_threshold(
    local: Settings, threshold: float, approved: bool
) -> None:
    result = run_pipeline(tiny_pipeline, {"n": 5, "threshold": threshold}, local)
    assert ("approve" in result.steps) is approved
    assert result.outputs == {"Output": 10.0}


def test_asking_for_a_skipped_step_names_the_steps_that_ran(local: Settings) -> None:
    result = run_pipeline(tiny_pipeline, {"threshold": 0.0}, local)
    with pytest.raises(PipelineError, match=r"'approve' did not run .*ran: add-up, make-numbers"):
        result.step_outputs("approve")


def test_a_failing_step_is_named_with_its_log(local: Settings) -> None:
    with pytest.raises(
        PipelineStepFailedError, match="Step 'boom' of pipeline 'tiny-boom'"
    ) as info:
        run_pipeline(failing_pipeline, {"message": "the data is gone"}, local)
    assert info.value.step == "boom"
    assert "ValueError: the data is gone" in str(info.value)
    assert "the data is gone" in Path(info.value.log).read_text()


def test_retry_turns_a_flaky_step_into_a_success(local: Settings, tmp_path: Path) -> None:
    result = run_pipeline(retry_pipeline, {"marker": str(tmp_path / "marker")}, local)
    assert result.outputs == {"Output": "second attempt"}
    log = result.log_path.read_text()
    assert "first attempt fails" in log
    assert "Task flaky failed (attempt 1/2). Retrying" in log


def test_cache_skips_steps_whose_inputs_did_not_change(local: Settings) -> None:
    first = run_pipeline(tiny_pipeline, {"n": 4}, local, enable_caching=True)
    second = run_pipeline(tiny_pipeline, {"n": 4}, local, enable_caching=True)
    changed = run_pipeline(tiny_pipeline, {"n": 3}, local, enable_caching=True)
    assert first.steps == ["add-up", "approve", "make-numbers"]
    assert second.outputs == first.outputs
    assert second.steps == []  # every step was a cache hit: nothing ran again
    assert second.cached_steps == ["add-up", "approve", "make-numbers"]
    assert second.ran("approve")
    assert second.step_metrics("add-up") == {"total": 6}
    assert second.artifact_path("make-numbers", "numbers") == first.artifact_path(
        "make-numbers", "numbers"
    )
    assert changed.steps == ["add-up", "approve", "make-numbers"]
    assert changed.cached_steps == []


def test_a_run_that_reuses_a_cached_step_keeps_its_own_folder(local: Settings) -> None:
    first = run_pipeline(sum_numbers, {"n": 4}, local, enable_caching=True)
    again = run_pipeline(count_made_numbers, {"n": 4}, local, enable_caching=True)
    assert again.cached_steps == ["make-numbers"]  # its log names the first run's folder first
    assert again.run_dir != first.run_dir
    assert again.steps == ["count-numbers"]
    assert again.step_outputs("count-numbers") == {"Output": 4}


def test_metrics_only_step_is_never_a_local_cache_hit(local: Settings) -> None:
    # kfp 2.17's local cache drops entries whose artefact file is missing; log_metric writes none.
    # If this starts failing, kfp fixed it: update the caching section of chapter 04.
    run_pipeline(metrics_pipeline, {}, local, enable_caching=True)
    again = run_pipeline(metrics_pipeline, {}, local, enable_caching=True)
    assert again.steps == ["metrics-only"]


def test_local_run_leaves_print_alone(local: Settings) -> None:
    import builtins

    before = builtins.print
    result = run_pipeline(reg_like_pipeline, {}, local)
    assert builtins.print is before
    assert result.outputs == {"Output": 8.0}
    assert [s for s in result.steps if s.startswith("for-loop")] == [
        f"for-loop-1-iteration-{i}" for i in range(4)
    ]


def test_pipeline_name_reads_the_decorator() -> None:
    assert pipeline_name(training_pipeline) == "recommender-training"


def test_local_run_restores_the_root_logger(local: Settings) -> None:
    import logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    run_pipeline(reg_like_pipeline, {}, local)
    assert root.handlers == handlers
    assert root.level == level
