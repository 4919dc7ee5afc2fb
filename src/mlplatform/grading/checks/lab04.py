"""Public checks for lab 04, pipelines: they compile and run the learner's components and pipelines.

Every run is forced into local mode (kfp.local) whatever `MLPLATFORM_MODE` says, so a check never
submits to a cluster. The helpers are also used by the lab's hidden checks.
"""

# No `from __future__ import annotations`: KFP reads the components' real annotations.
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from kfp import dsl
from kfp.dsl import Dataset, Output

from mlplatform.config import Settings, load_settings
from mlplatform.grading.public import Check, CheckFailed, Namespace, answer
from mlplatform.pipelines import (
    RUNTIME_IMAGE,
    PipelineRunResult,
    PipelineStepFailedError,
    compile_pipeline,
    run_pipeline,
)

DATASET = "system.Dataset@0.0.1"
TOY_COUNTS = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}  # user_id -> number of ratings in the toy data


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def toy_ratings_op(ratings: Output[Dataset]) -> None:
    """Ratings in the course's schema where user k has exactly k ratings (k = 1..5)."""
    import pandas as pd

    users = [user for user in range(1, 6) for _ in range(user)]
    pd.DataFrame(
        {
            "user_id": users,
            "item_id": list(range(1, len(users) + 1)),
            "rating": [4.0] * len(users),
            "timestamp": pd.date_range("1998-01-01", periods=len(users), freq="h", tz="UTC"),
        }
    ).to_parquet(ratings.path, index=False)


def local_settings() -> Settings:
    """The learner's settings, forced to local mode."""
    return load_settings({**os.environ, "MLPLATFORM_MODE": "local"})


def _run(pipeline_func: Any, arguments: dict[str, Any]) -> PipelineRunResult:
    try:
        # Caching: the second run of a check reuses the steps whose code and inputs did not change.
        return run_pipeline(pipeline_func, arguments, local_settings(), enable_caching=True)
    except PipelineStepFailedError as error:
        if "NotImplementedError" in str(error):
            raise NotImplementedError(error.step) from None
        raise CheckFailed(f"step {error.step!r} failed; its log: {error.log}") from None


def _compiled(pipeline_func: Any) -> dict[str, Any]:
    if not hasattr(pipeline_func, "pipeline_spec"):
        raise CheckFailed("this is not a pipeline yet: decorate the function with @dsl.pipeline.")
    with tempfile.TemporaryDirectory() as folder:
        return yaml.safe_load(compile_pipeline(pipeline_func, Path(folder) / "p.yaml").read_text())


def run_counts_on_toy(component: Any, min_ratings: int) -> tuple[int, pd.DataFrame]:
    """Run the learner's counting component after `toy_ratings_op`; return (output, counts table)."""
    names: dict[str, str] = {}

    @dsl.pipeline(name="lab04-q1-check")
    def check_pipeline(min_ratings: int) -> int:
        toy = toy_ratings_op()
        task = component(ratings=toy.outputs["ratings"], min_ratings=min_ratings)
        names["task"] = task.name
        return task.outputs["Output"]

    result = _run(check_pipeline, {"min_ratings": min_ratings})
    table = pd.read_parquet(result.artifact_path(names["task"], "counts"))
    return int(result.outputs["Output"]), table


def _check_component(ns: Namespace) -> None:
    component = answer(ns, "count_ratings_per_user")
    spec = getattr(component, "component_spec", None)
    if spec is None:
        raise CheckFailed(
            "count_ratings_per_user is not a component: decorate it with @dsl.component."
        )
    inputs = {name: s.type for name, s in (spec.inputs or {}).items()}
    outputs = {name: s.type for name, s in (spec.outputs or {}).items()}
    wanted_in, wanted_out = (
        {"ratings": DATASET, "min_ratings": "Integer"},
        {"counts": DATASET, "Output": "Integer"},
    )
    if inputs != wanted_in or outputs != wanted_out:
        raise CheckFailed(
            f"expected inputs {wanted_in} and outputs {wanted_out}; got {inputs} and {outputs}."
        )
    kept, table = run_counts_on_toy(component, min_ratings=3)
    if kept != 3:
        raise CheckFailed(
            f"on data where user k has k ratings, min_ratings=3 keeps 3 users; you returned {kept}."
        )
    if list(table.columns) != ["user_id", "n_ratings"]:
        raise CheckFailed(
            f"counts should have the columns ['user_id', 'n_ratings'], not {list(table.columns)}."
        )
    got = dict(zip(table["user_id"].astype(int), table["n_ratings"].astype(int), strict=True))
    if got != {3: 3, 4: 4, 5: 5}:
        raise CheckFailed(
            f"counts should hold {{3: 3, 4: 4, 5: 5}} (user_id: n_ratings); it holds {got}."
        )


def direct_rmse(n_users: int, seed: int, reg_user: float, reg_item: float) -> float:
    """What the train/evaluate pipeline must return, computed without a pipeline."""
    from mlplatform.recommender.baselines import BiasBaseline
    from mlplatform.recommender.metrics import rmse
    from mlplatform.recommender.movielens import load_ratings, sample_users
    from mlplatform.recommender.splits import split_by_time

    ratings = sample_users(load_ratings(local_settings()), n_users, seed=seed)
    train, test = split_by_time(ratings, quantile=0.8)
    model = BiasBaseline(reg_user=reg_user, reg_item=reg_item).fit(train)
    return rmse(test["rating"], model.predict(test))


def _producer(task: dict[str, Any], artifact: str) -> str:
    """`<task>.<output>` that feeds the input artefact `artifact` of `task`."""
    source = task.get("inputs", {}).get("artifacts", {}).get(artifact, {})
    output = source.get("taskOutputArtifact", {})
    return f"{output.get('producerTask', '-')}.{output.get('outputArtifactKey', '-')}"


def _check_wiring(ns: Namespace) -> None:
    pipeline = answer(ns, "train_eval_pipeline")
    tasks = _compiled(pipeline)["root"]["dag"]["tasks"]
    wanted = {"load-ratings-op", "split-ratings-op", "train-baseline-op", "evaluate-op"}
    if set(tasks) != wanted:
        raise CheckFailed(
            f"the pipeline should have the tasks {sorted(wanted)}, it has {sorted(tasks)}."
        )
    evaluate = tasks["evaluate-op"]
    fed = (_producer(evaluate, "model"), _producer(evaluate, "test"))
    if fed != ("train-baseline-op.model", "split-ratings-op.test"):
        raise CheckFailed(
            "evaluate_op should get `model` from train_baseline_op's model and `test` from "
            f"split_ratings_op's test output; it gets them from {fed[0]} and {fed[1]}."
        )
    arguments = {"n_users": 50, "seed": 7, "reg_user": 5.0, "reg_item": 5.0}
    got = _run(pipeline, arguments).outputs.get("Output")
    expected = direct_rmse(**arguments)
    if got is None or abs(float(got) - expected) > 1e-6:
        raise CheckFailed(
            f"with {arguments} the RMSE should be {expected:.4f}; the pipeline returned {got}."
        )


def _check_condition(ns: Namespace) -> None:
    pipeline = answer(ns, "gated_pipeline")
    spec = _compiled(pipeline)
    conditions = {
        name: t for name, t in spec["root"]["dag"]["tasks"].items() if t.get("triggerPolicy")
    }
    if not conditions:
        raise CheckFailed(
            "there is no condition in the pipeline: put approve_op inside `with dsl.If(...)`."
        )
    trigger = next(iter(conditions.values()))["triggerPolicy"]["condition"]
    if "max_rmse" not in trigger or "evaluate-op" not in trigger:
        raise CheckFailed(
            f"the condition should compare evaluate_op's output with max_rmse; it is {trigger!r}."
        )
    for max_rmse, approved in ((5.0, True), (0.5, False)):
        result = _run(pipeline, {"n_users": 50, "max_rmse": max_rmse})
        steps = result.steps + result.cached_steps
        if result.ran("approve-op") is not approved:
            raise CheckFailed(
                f"with max_rmse={max_rmse} approve_op should {'' if approved else 'not '}run; steps run: {steps}."
            )


CHECKS = [
    Check(
        "q1",
        3,
        (
            "a component reads and writes artefacts through their paths, and returns a number as "
            "its output; chapter 04 writes one from a plain function."
        ),
        _check_component,
    ),
    Check(
        "q2",
        3,
        (
            "each step consumes what an earlier step produced: pass one task's named outputs into"
            " the next task's inputs (chapter 04), and let the pipeline return what the last step"
            " computes."
        ),
        _check_wiring,
    ),
    Check(
        "q3",
        3,
        (
            "chapter 04 shows how a pipeline runs a step only when an earlier step's output meets"
            " a condition."
        ),
        _check_condition,
    ),
]
