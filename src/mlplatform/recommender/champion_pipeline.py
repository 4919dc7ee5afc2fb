"""The recommender's release pipeline: from raw ratings to a registered, gated `movie-recommender`.

validate MovieLens -> Feast training set (point in time) -> train the torch model with side
features -> evaluate on the held-out future -> register with its data versions, and move the
`champion` alias only when the new version beats the current champion on the same held-out data
(`registry.promote_if_better`, which refuses to compare versions evaluated on different data).

The steps are lightweight components in the style of `mlplatform.recommender.pipeline`: imports in
the body, artefacts as files. The register step talks to the MLflow server of the current platform.

Example:
    >>> from mlplatform.pipelines import run_pipeline
    >>> run_pipeline(release_pipeline, {"n_users": 200, "model_name": "movie-recommender-fast"})
    ... # doctest: +SKIP
"""

# No `from __future__ import annotations` here: KFP reads the real annotation objects.
from kfp import dsl
from kfp.dsl import Dataset, Input, Metrics, Model, Output

from mlplatform.pipelines import RUNTIME_IMAGE

component = dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)


@component
def validate_op(n_users: int, seed: int, ratings: Output[Dataset]) -> int:
    """Check the data contract of ratings, users and movies; keep all users or `n_users` of them."""
    from mlplatform.recommender.validation import validated_ratings

    frame = validated_ratings(n_users, seed)
    frame.to_parquet(ratings.path, index=False)
    ratings.metadata["rows"] = len(frame)
    return len(frame)


@component
def features_op(
    ratings: Input[Dataset], quantile: float, train: Output[Dataset], test: Output[Dataset]
) -> str:
    """Cut in time; the train ratings get their Feast features as of one second before each rating.

    Returns the training set's data version (digest), also stored in the artefact's metadata.
    """
    import pandas as pd

    from mlplatform.recommender.movielens import load_items, load_users
    from mlplatform.recommender.splits import split_by_time
    from mlplatform.recommender.torch_training import feast_training_set
    from mlplatform.tracking import dataset_version

    split = split_by_time(pd.read_parquet(ratings.path), quantile=quantile)
    features = feast_training_set(split.train, load_users(), load_items())
    features.to_parquet(train.path, index=False)
    split.test.to_parquet(test.path, index=False)
    version = dataset_version(features, "movielens-feast-train")
    train.metadata.update({"rows": len(features), "digest": version.digest})
    test.metadata.update({"rows": len(split.test)})
    return version.digest


@component
def train_op(
    train: Input[Dataset], n_factors: int, max_epochs: int, seed: int, model: Output[Model]
) -> int:
    """Fit the torch model with side features (early stopping on an inner split); returns epochs."""
    import pickle

    import pandas as pd

    from mlplatform.recommender.torch_model import TorchConfig, TorchRecommender

    config = TorchConfig(n_factors=n_factors, epochs=max_epochs, seed=seed)
    fitted = TorchRecommender(config).fit(pd.read_parquet(train.path))
    with open(model.path, "wb") as handle:
        pickle.dump(fitted, handle)
    model.metadata.update({"framework": "torch", "best_epoch": fitted.best_epoch_})
    return len(fitted.history)


@component
def evaluate_op(model: Input[Model], test: Input[Dataset], metrics: Output[Metrics]) -> float:
    """RMSE and MAE on the held-out future, from features as of the end of training."""
    from mlplatform.recommender.pipeline_steps import score_saved_model

    return score_saved_model(model.path, test.path, metrics)


@component
def register_op(
    model: Input[Model],
    train: Input[Dataset],
    test: Input[Dataset],
    rmse: float,
    model_name: str,
    experiment: str,
) -> str:
    """Log and register the model with its data versions; promote it only if it beats the champion.

    Returns one sentence saying what happened (`Promotion.describe()`).
    """
    import pickle

    import mlflow
    import pandas as pd

    from mlplatform.recommender.torch_training import log_fitted
    from mlplatform.registry import DigestMismatchError, promote_if_better
    from mlplatform.tracking import use_tracking_server

    use_tracking_server()
    mlflow.set_experiment(experiment)
    with open(model.path, "rb") as handle:
        fitted = pickle.load(handle)
    run = log_fitted(fitted, pd.read_parquet(train.path), pd.read_parquet(test.path), model_name)
    if abs(run.metrics["rmse"] - rmse) > 1e-3:
        raise RuntimeError(
            f"evaluate said RMSE {rmse:.4f}, the logged run {run.metrics['rmse']:.4f}"
        )
    try:
        return promote_if_better(model_name, run.version.version, "rmse").describe()
    except DigestMismatchError as error:
        return f"v{run.version.version} registered, not promoted: {error}"


@dsl.pipeline(name="recommender-release", description="Validate, featurise, train, gate, register.")
def release_pipeline(
    n_users: int = 0,
    seed: int = 42,
    test_quantile: float = 0.8,
    n_factors: int = 64,
    max_epochs: int = 30,
    model_name: str = "movie-recommender",
    experiment: str = "recommender-release",
) -> str:
    """Returns the registry's decision as a sentence (promoted, kept, or not comparable)."""
    validate = validate_op(n_users=n_users, seed=seed)
    features = features_op(ratings=validate.outputs["ratings"], quantile=test_quantile)
    train = train_op(
        train=features.outputs["train"], n_factors=n_factors, max_epochs=max_epochs, seed=seed
    )
    evaluate = evaluate_op(model=train.outputs["model"], test=features.outputs["test"])
    register = register_op(
        model=train.outputs["model"],
        train=features.outputs["train"],
        test=features.outputs["test"],
        rmse=evaluate.outputs["Output"],
        model_name=model_name,
        experiment=experiment,
    )
    return register.output


def fast_arguments(fast: bool) -> dict[str, object]:
    """The pipeline's arguments in fast mode (200 users, its own registered model) or full mode."""
    if fast:
        return {"n_users": 200, "model_name": "movie-recommender-fast",
                "experiment": "recommender-release-fast"}  # fmt: skip
    return {}
