"""The recommender's training pipeline, as plain Kubeflow Pipelines code.

load and validate MovieLens -> temporal split -> train `BiasBaseline` -> evaluate (RMSE, MAE) ->
approve, where the approval step only runs when the RMSE is under `rmse_threshold` (`dsl.If`); the
load step stops the run with a readable report when the data breaks its contract. A second pipeline
sweeps the regularisation strength with `dsl.ParallelFor` and picks the best value from
`dsl.Collected` results.

Every step is a lightweight component: one typed function, imports inside its body (the body is
copied into the step's process or container, the module around it is not), artefacts passed as
files through `Input[...]`/`Output[...]`. `base_image` names the course's runtime image, which has
this package installed; `kfp.local` ignores the image and runs the same code in this environment.
`install_kfp_package=False` because both places already have kfp: nothing is pip-installed at run time.

Example:
    >>> from mlplatform.pipelines import run_pipeline
    >>> result = run_pipeline(training_pipeline, {"n_users": 200})  # doctest: +SKIP
"""

# No `from __future__ import annotations` here: KFP reads the real annotation objects.
from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Metrics, Model, Output

from mlplatform.pipelines import RUNTIME_IMAGE

component = dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)


@component
def load_ratings_op(n_users: int, seed: int, ratings: Output[Dataset]) -> int:
    """Read and validate the MovieLens ratings (all users, or `n_users` sampled ones) into Parquet.

    A broken data contract (`validate_movielens`) raises here, so nothing downstream trains on it.
    """
    from mlplatform.recommender.validation import validated_ratings

    frame = validated_ratings(n_users, seed)
    frame.to_parquet(ratings.path, index=False)
    ratings.metadata["rows"] = len(frame)
    return len(frame)


@component
def split_ratings_op(
    ratings: Input[Dataset], quantile: float, train: Output[Dataset], test: Output[Dataset]
) -> None:
    """Cut the ratings in time: older ones train, the newest `1 - quantile` test."""
    import pandas as pd

    from mlplatform.recommender.splits import split_by_time

    split = split_by_time(pd.read_parquet(ratings.path), quantile=quantile)
    split.train.to_parquet(train.path, index=False)
    split.test.to_parquet(test.path, index=False)
    train.metadata["rows"], test.metadata["rows"] = len(split.train), len(split.test)


@component
def train_baseline_op(
    train: Input[Dataset], reg_user: float, reg_item: float, model: Output[Model]
) -> None:
    """Fit the user + item bias baseline and pickle it."""
    import pickle

    import pandas as pd

    from mlplatform.recommender.baselines import BiasBaseline

    fitted = BiasBaseline(reg_user=reg_user, reg_item=reg_item).fit(pd.read_parquet(train.path))
    with open(model.path, "wb") as handle:
        pickle.dump(fitted, handle)
    model.metadata.update({"framework": "mlplatform.BiasBaseline", "reg_user": reg_user})


@component
def evaluate_op(model: Input[Model], test: Input[Dataset], metrics: Output[Metrics]) -> float:
    """Score the model on the test ratings; log RMSE and MAE and return the RMSE."""
    from mlplatform.recommender.pipeline_steps import score_saved_model

    return score_saved_model(model.path, test.path, metrics)


@component
def approve_op(
    model: Input[Model], rmse: float, threshold: float, approval: Output[Artifact]
) -> str:
    """Record that the model passed the quality gate (a later chapter registers it in MLflow)."""
    import json

    record = {"model": model.uri, "rmse": rmse, "threshold": threshold, "decision": "approved"}
    with open(approval.path, "w") as handle:
        json.dump(record, handle)
    return "approved"


@dsl.pipeline(name="recommender-training", description="Train and gate the bias baseline.")
def training_pipeline(
    n_users: int = 0,
    seed: int = 42,
    test_quantile: float = 0.8,
    reg_user: float = 10.0,
    reg_item: float = 25.0,
    rmse_threshold: float = 1.0,
) -> float:
    """Load, split, train, evaluate; approve only when RMSE < `rmse_threshold`. Returns the RMSE."""
    load = load_ratings_op(n_users=n_users, seed=seed)
    load.set_retry(num_retries=2, backoff_duration="1s")  # a flaky read is retried, not fatal
    split = split_ratings_op(ratings=load.outputs["ratings"], quantile=test_quantile)
    train = train_baseline_op(train=split.outputs["train"], reg_user=reg_user, reg_item=reg_item)
    evaluate = evaluate_op(model=train.outputs["model"], test=split.outputs["test"])
    with dsl.If(evaluate.outputs["Output"] < rmse_threshold, name="rmse-under-threshold"):
        approve_op(
            model=train.outputs["model"], rmse=evaluate.outputs["Output"], threshold=rmse_threshold
        )
    return evaluate.outputs["Output"]


@component
def score_reg_op(train: Input[Dataset], test: Input[Dataset], reg: float) -> dict:
    """Train with `reg` for users and items and return `{"reg": reg, "rmse": ...}`."""
    import pandas as pd

    from mlplatform.recommender.baselines import BiasBaseline
    from mlplatform.recommender.metrics import rmse

    test_frame = pd.read_parquet(test.path)
    fitted = BiasBaseline(reg_user=reg, reg_item=reg).fit(pd.read_parquet(train.path))
    return {"reg": reg, "rmse": rmse(test_frame["rating"], fitted.predict(test_frame))}


@component
def pick_best_op(results: list) -> float:
    """Return the `reg` with the lowest RMSE (the collected results may arrive in any order)."""
    return float(min(results, key=lambda row: row["rmse"])["reg"])


@dsl.pipeline(name="recommender-reg-sweep", description="Sweep the bias regularisation.")
def reg_sweep_pipeline(
    n_users: int = 0,
    seed: int = 42,
    regs: list = [1.0, 5.0, 25.0, 100.0],  # noqa: B006
) -> float:
    """Score every value of `regs` in parallel, then pick the best. Returns the best `reg`."""
    load = load_ratings_op(n_users=n_users, seed=seed)
    split = split_ratings_op(ratings=load.outputs["ratings"], quantile=0.8)
    with dsl.ParallelFor(items=regs, parallelism=2) as reg:
        score = score_reg_op(train=split.outputs["train"], test=split.outputs["test"], reg=reg)
    return pick_best_op(results=dsl.Collected(score.output)).output


def main() -> None:
    """Run the training pipeline once in the current mode: what cron or CI calls on a schedule."""
    import logging

    from mlplatform.config import load_settings
    from mlplatform.pipelines import run_pipeline

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = load_settings()
    result = run_pipeline(training_pipeline, {"n_users": 200 if settings.fast else 0}, settings)
    logging.getLogger(__name__).info(
        "%s %s in %.1f s; steps: %s",
        result.pipeline,
        result.status,
        result.duration_seconds,
        ", ".join(result.steps) or result.run_url,
    )


if __name__ == "__main__":
    main()
