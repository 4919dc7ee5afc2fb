"""The recommender's batch-scoring pipeline: the champion's top-k for every user, to Parquet.

score (load `model_name@alias` from the registry, rank every known user's unrated movies, write
the long table of `batch_scoring.COLUMNS`) -> optionally push (one row per user into the Feast
online store, so the service can answer from precomputed lists: `RECOMMENDER_PRECOMPUTED=1`).

The steps are lightweight components in the style of `mlplatform.recommender.champion_pipeline`:
imports in the body, artefacts as files, the runtime image on the cluster. In local mode
`run_pipeline` runs them with `kfp.local`; the same function compiles for KFP.

Example:
    >>> from mlplatform.pipelines import run_pipeline
    >>> result = run_pipeline(batch_scoring_pipeline, {"k": 20, "push_online": True})  # doctest: +SKIP
    >>> result.artifact_path("score-op", "scores")  # the Parquet  # doctest: +SKIP
"""

# No `from __future__ import annotations` here: KFP reads the real annotation objects.
from kfp import dsl
from kfp.dsl import Dataset, Input, Output

from mlplatform.pipelines import RUNTIME_IMAGE

component = dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)


@component
def score_op(model_name: str, alias: str, k: int, n_users: int, scores: Output[Dataset]) -> str:
    """Score every known user (or the first `n_users`) with `model_name@alias`; returns the version."""
    import time

    from mlplatform.recommender.batch_scoring import score_all_users, write_scores
    from mlplatform.recommender.movielens import load_users
    from mlplatform.recommender.service_data import ServiceData
    from mlplatform.registry import load_by_alias
    from mlplatform.tracking import use_tracking_server

    use_tracking_server()
    champion = load_by_alias(model_name, alias)
    data = ServiceData.from_movielens()
    users = sorted(data.rated)[:n_users] if n_users > 0 else None
    start = time.perf_counter()
    table = score_all_users(
        champion, data, load_users(), k, str(champion.version), users, show_progress=True
    )
    seconds = time.perf_counter() - start
    write_scores(table, scores.path)
    scores.metadata.update(
        {"rows": len(table), "users": int(table["user_id"].nunique()), "k": k,
         "model": f"{model_name} v{champion.version}", "scoring_seconds": round(seconds, 2)}
    )  # fmt: skip
    return str(champion.version)


@component
def push_op(scores: Input[Dataset], model_name: str) -> int:
    """Write the lists to the online store (feature view `user_recommendations`); returns users."""
    import pandas as pd

    from mlplatform.recommender.precomputed import push_online

    return push_online(pd.read_parquet(scores.path), model_name)


@dsl.pipeline(
    name="recommender-batch-scoring",
    description="The champion's top-k for every user, to Parquet and optionally the online store.",
)
def batch_scoring_pipeline(
    model_name: str = "movie-recommender",
    alias: str = "champion",
    k: int = 100,
    n_users: int = 0,
    push_online: bool = False,
) -> str:
    """Returns the model version that scored the users (`n_users` > 0: only the first ones)."""
    score = score_op(model_name=model_name, alias=alias, k=k, n_users=n_users)
    with dsl.If(push_online == True):  # noqa: E712 (a KFP condition, not a Python comparison)
        push_op(scores=score.outputs["scores"], model_name=model_name)
    return score.outputs["Output"]
