import json
from pathlib import Path

import pytest

from mlplatform.pipelines.result import PipelineError, PipelineRunResult


@pytest.fixture
def run(tmp_path: Path) -> PipelineRunResult:
    """A run where 'train' executed, 'load' came from the cache and 'approve' was skipped."""
    run_dir, cache = tmp_path / "p-2026" / "", tmp_path / ".kfp_cache"
    (run_dir / "train").mkdir(parents=True)
    (run_dir / "train" / "model").write_text("weights")
    output = {
        "parameterValues": {"Output": 0.9},
        "artifacts": {
            "metrics": {
                "artifacts": [
                    {
                        "name": "metrics",
                        "uri": str(run_dir / "train" / "metrics"),
                        "metadata": {"rmse": 0.9},
                    }
                ]
            }
        },
    }
    (run_dir / "train" / "executor_output.json").write_text(json.dumps(output))
    cache.mkdir()
    old = tmp_path / "old-run" / "load" / "ratings"
    old.parent.mkdir(parents=True)
    old.write_text("ratings")
    entry = {
        "Output": 100,
        "ratings": {"__kfp_artifact__": True, "uri": str(old), "metadata": {"rows": 100}},
    }
    (cache / "abc123def456789.json").write_text(json.dumps(entry))
    log = tmp_path / "run.log"
    log.write_text("10:00 - INFO - Task load cache hit (key=abc123def456); skipping execution.\n")
    return PipelineRunResult(
        "p", "local", "SUCCEEDED", run_dir=run_dir, log_path=log, cache_dir=cache
    )


def test_executed_and_cached_steps_are_told_apart(run: PipelineRunResult) -> None:
    assert run.steps == ["train"]
    assert run.cached_steps == ["load"]
    assert run.ran("train")
    assert run.ran("load")
    assert not run.ran("approve")


def test_outputs_of_an_executed_step(run: PipelineRunResult) -> None:
    assert run.step_outputs("train") == {"Output": 0.9}
    assert run.step_metrics("train") == {"rmse": 0.9}
    assert run.artifact_path("train", "model").read_text() == "weights"


def test_outputs_of_a_cached_step_come_from_the_cache_entry(run: PipelineRunResult) -> None:
    assert run.step_outputs("load") == {"Output": 100}
    assert run.step_metrics("load") == {"rows": 100}
    assert run.artifact_path("load", "ratings").read_text() == "ratings"


@pytest.mark.parametrize(
    ("step", "name", "match"),
    [
        ("approve", "approval", r"'approve' did not run .*ran: train, load"),
        ("load", "nope", "no artefact 'nope'"),
    ],
)
def test_missing_steps_and_artefacts_are_named(
    run: PipelineRunResult, step: str, name: str, match: str
) -> None:
    with pytest.raises(PipelineError, match=match):
        run.artifact_path(step, name)


def test_a_cluster_result_has_no_local_steps() -> None:
    result = PipelineRunResult(
        "p", "cluster", "SUCCEEDED", run_id="r1", run_url="http://ui/#/runs/details/r1"
    )
    assert result.steps == []
    assert result.cached_steps == []
    assert not result.ran("train")
