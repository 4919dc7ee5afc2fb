"""How good are the recommender's models on MovieLens 100K, and how long do they take to train?

Follows the evaluation protocol of design.md section 9:

1. RMSE/MAE on surprise's 5-fold CV (`KFold(n_splits=5, random_state=0, shuffle=True)`) beside
   surprise's published table (default parameters, its README for scikit-surprise 1.1.5), plus
   each model's mean fit time per fold;
2. RMSE/MAE on the two temporal splits;
3. NDCG@10 (and precision, recall, MAP, coverage, popularity bias) on the global time cut and on
   each user's last 20%, with the ratio to all-time and to recent (28-day) popularity.

The published KNNBaseline figure uses surprise's defaults (user-based, MSD similarity); the course's
`knn_baseline` is item-based with `pearson_baseline`, so both are measured.

The torch model with Feast side features (`torch_side_mf`) takes the static attributes (age,
gender, occupation, genres, release year) from one Feast training set of all ratings and recomputes
the rating counts and means point in time from each training fold alone (the store's are over all
ratings, so on a random fold they would contain the held-out ratings: target leakage). It predicts
held-out ratings from the features known at the end of training (frozen, like every other model).
`torch_side_mf_fresh` scores each held-out rating with the store's features as of its own time (a
feature store updated continuously); it is reported on the global time cut only, the one split
where every rating the store has seen before a test rating's time is either in train or itself a
test rating made earlier (on the 5-fold CV and on each user's last 20% the store's statistics would
include held-out ratings made before training rows). `torch_mf` is the same network without side
features. `blend` stacks
SVD++ (when not skipped), KNNBaseline, the tuned SVD and `torch_side_mf` with weights fitted on an
inner 10% of each training fold. Finally the release pipeline (`champion_pipeline`) runs once in
fast and once in full mode, registering under `movie-recommender-bench[-fast]`.

Usage: .venv/bin/python benchmarks/bench_recommender.py [--folds 5] [--skip-svdpp] [--skip-pipeline]
"""

import argparse
import time

import pandas as pd

from mlplatform.benchmarking import format_table, machine_info, write_result
from mlplatform.config import load_settings
from mlplatform.pipelines import run_pipeline
from mlplatform.recommender import movielens
from mlplatform.recommender.baselines import BiasBaseline, GlobalMean
from mlplatform.recommender.blend import StackedBlend
from mlplatform.recommender.champion_pipeline import fast_arguments, release_pipeline
from mlplatform.recommender.evaluation import (
    SPLITS,
    cross_validate,
    evaluate_ranking,
    ranking_protocol,
    rating_metrics,
    summarise_folds,
)
from mlplatform.recommender.models import make_model
from mlplatform.recommender.rankers import EASE, ItemKNN, RatingRanker
from mlplatform.recommender.torch_model import TorchConfig, TorchRecommender
from mlplatform.recommender.torch_training import feast_training_set

# surprise 1.1.5 README, "Movielens 100k" table: (RMSE, MAE), default parameters, 5-fold CV.
PUBLISHED = {
    "baseline_only": (0.944, 0.748),
    "knn_baseline_surprise_defaults": (0.931, 0.733),
    "svd": (0.934, 0.737),
    "svdpp": (0.919, 0.721),
    "nmf": (0.963, 0.758),
}
# Best of a 14-trial seeded search (mlplatform.recommender.search, 3-fold, full data): 0.9187.
SVD_TUNED = {"n_factors": 150, "n_epochs": 40, "lr_all": 0.01, "reg_all": 0.1}
TARGET_RMSE = 0.905
TARGET_NDCG_RATIO = 1.5


def torch_models(features: pd.DataFrame, fresh: bool = False) -> dict:
    """The torch model with side features and without; `fresh`: also with fresh features."""
    models = {
        "torch_side_mf": lambda: TorchRecommender(TorchConfig(), features=features),
        "torch_mf": lambda: TorchRecommender(TorchConfig(side_features=False), features=features),
    }
    if fresh:  # only on the global time cut: see the module docstring
        models["torch_side_mf_fresh"] = lambda: TorchRecommender(
            TorchConfig(), features=features, fresh_features=True
        )
    return models


def blend_factory(features: pd.DataFrame, skip_svdpp: bool):
    """Ridge stacking of the strongest rating models, weights from an inner split of train."""
    members = {
        "svd_tuned": lambda: make_model("svd", **SVD_TUNED),
        "knn_baseline": lambda: make_model("knn_baseline"),
        "torch_side_mf": lambda: TorchRecommender(TorchConfig(), features=features),
    }
    if not skip_svdpp:
        members["svdpp"] = lambda: make_model("svdpp")
    return lambda: StackedBlend(members)


def rating_models(skip_svdpp: bool, features: pd.DataFrame, fresh: bool = False) -> dict:
    """Name -> factory of every model that predicts ratings (`fresh`: see `torch_models`)."""
    models = {
        "global_mean": lambda: RatingRanker(GlobalMean()),
        "bias_baseline": lambda: RatingRanker(BiasBaseline()),
        "baseline_only": lambda: make_model("baseline_only"),
        "knn_baseline": lambda: make_model("knn_baseline"),
        "knn_baseline_surprise_defaults": lambda: make_model(
            "knn_baseline", sim_options={}, verbose=False
        ),
        "svd": lambda: make_model("svd"),
        "svd_tuned": lambda: make_model("svd", **SVD_TUNED),
        "svdpp": lambda: make_model("svdpp"),
        "nmf": lambda: make_model("nmf"),
        **torch_models(features, fresh),
        "blend": blend_factory(features, skip_svdpp),
    }
    if skip_svdpp:
        models.pop("svdpp")
    return models


def ranking_models(skip_svdpp: bool, features: pd.DataFrame) -> dict:
    """Name -> factory of the models ranked against the popularity baselines."""
    models = {
        "item_knn": ItemKNN,
        "ease": EASE,
        "bias_baseline": lambda: RatingRanker(BiasBaseline()),
        "knn_baseline": lambda: make_model("knn_baseline"),
        "svd": lambda: make_model("svd"),
        "svd_tuned": lambda: make_model("svd", **SVD_TUNED),
        "svdpp": lambda: make_model("svdpp"),
        "torch_side_mf": torch_models(features)["torch_side_mf"],
    }
    if skip_svdpp:
        models.pop("svdpp")
    return models


def cv_section(
    ratings: pd.DataFrame, folds: int, skip_svdpp: bool, features: pd.DataFrame
) -> tuple[dict, list[dict]]:
    models = rating_models(skip_svdpp, features)
    summary = summarise_folds(cross_validate(models, ratings, n_splits=folds))
    result, rows = {}, []
    for row in summary.itertuples():
        published = PUBLISHED.get(row.model, (None, None))
        result.update(
            {
                f"cv_rmse_{row.model}": round(row.rmse, 4),
                f"cv_mae_{row.model}": round(row.mae, 4),
                f"cv_rmse_std_{row.model}": round(row.rmse_std, 4),
                f"fit_seconds_{row.model}": round(row.fit_seconds, 2),
            }
        )
        if published[0] is not None:
            result[f"published_rmse_{row.model}"] = published[0]
            result[f"published_mae_{row.model}"] = published[1]
        rows.append(
            {
                "model": row.model,
                "cv_rmse": row.rmse,
                "published_rmse": published[0] or "",
                "cv_mae": row.mae,
                "published_mae": published[1] or "",
                "fit_s": row.fit_seconds,
            }
        )
    return result, rows


def temporal_section(
    ratings: pd.DataFrame, skip_svdpp: bool, features: pd.DataFrame
) -> tuple[dict, list[dict]]:
    result, rows = {}, []
    for split_name, make_split in SPLITS.items():
        models = rating_models(skip_svdpp, features, fresh=split_name == "global_time_cut")
        table = rating_metrics(models, make_split(ratings))
        for row in table.itertuples():
            result[f"rmse_{split_name}_{row.model}"] = round(row.rmse, 4)
            result[f"mae_{split_name}_{row.model}"] = round(row.mae, 4)
            result[f"temporal_fit_seconds_{split_name}_{row.model}"] = round(row.fit_seconds, 2)
            rows.append({"split": split_name, "model": row.model, "rmse": row.rmse, "mae": row.mae})
    return result, rows


def ranking_section(
    ratings: pd.DataFrame, skip_svdpp: bool, features: pd.DataFrame
) -> tuple[dict, list[dict]]:
    summary, _ = ranking_protocol(ranking_models(skip_svdpp, features), ratings)
    result, rows = {}, []
    for row in summary.itertuples():
        key = f"{row.split}_{row.model}"
        result.update(
            {
                f"ndcg10_{key}": round(row.ndcg, 4),
                f"ndcg10_warm_users_{key}": round(row.ndcg_warm, 4),
                f"precision10_{key}": round(row.precision, 4),
                f"recall10_{key}": round(row.recall, 4),
                f"map10_{key}": round(row.map, 4),
                f"coverage10_{key}": round(row.coverage, 4),
                f"popularity_bias10_{key}": round(row.popularity_bias, 1),
                f"ndcg10_ratio_vs_popularity_{key}": round(row.ndcg_vs_popularity, 3),
                f"ndcg10_ratio_vs_recent_popularity_{key}": round(row.ndcg_vs_recent_popularity, 3),
            }
        )
        result[f"ranking_users_{row.split}"] = int(row.users)
        result[f"ranking_cold_start_users_{row.split}"] = int(row.cold_start_users)
        rows.append(
            {
                "split": row.split,
                "model": row.model,
                "ndcg@10": row.ndcg,
                "vs_pop": row.ndcg_vs_popularity,
                "vs_recent_pop": row.ndcg_vs_recent_popularity,
                "ndcg_warm": row.ndcg_warm,
                "prec@10": row.precision,
                "recall@10": row.recall,
                "map@10": row.map,
                "coverage": row.coverage,
                "pop_bias": row.popularity_bias,
            }
        )
    return result, rows


def cold_start_section(ratings: pd.DataFrame) -> tuple[dict, list[dict]]:
    """The global cut again, every model (baselines too) giving new users 28-day popularity."""
    summary, _ = evaluate_ranking(
        {"ease": EASE, "item_knn": ItemKNN}, SPLITS["global_time_cut"](ratings), cold_start_days=28
    )
    result, rows = {}, []
    for row in summary.itertuples():
        key = f"global_time_cut_recent_fallback_{row.model}"
        result[f"ndcg10_{key}"] = round(row.ndcg, 4)
        result[f"ndcg10_ratio_vs_popularity_{key}"] = round(row.ndcg_vs_popularity, 3)
        result[f"ndcg10_ratio_vs_recent_popularity_{key}"] = round(row.ndcg_vs_recent_popularity, 3)
        rows.append(
            {
                "split": "global_time_cut, cold start -> recent popularity",
                "model": row.model,
                "ndcg@10": row.ndcg,
                "vs_pop": row.ndcg_vs_popularity,
                "vs_recent_pop": row.ndcg_vs_recent_popularity,
            }
        )
    return result, rows


def pipeline_section() -> tuple[dict, list[dict]]:
    """Wall-clock time of the release pipeline (kfp.local) in fast and in full mode."""
    result, rows = {}, []
    for mode, fast in (("fast", True), ("full", False)):
        arguments = {**fast_arguments(fast), "model_name": f"movie-recommender-bench-{mode}",
                     "experiment": "bench-recommender-release"}  # fmt: skip
        run = run_pipeline(release_pipeline, arguments)
        evaluation = run.step_metrics("evaluate-op")
        result[f"pipeline_seconds_{mode}"] = round(run.duration_seconds, 1)
        result[f"pipeline_rmse_global_time_cut_{mode}"] = evaluation["rmse"]
        rows.append({"pipeline": f"release ({mode})", "seconds": run.duration_seconds,
                     "rmse": evaluation["rmse"], "decision": run.outputs["Output"][:60]})  # fmt: skip
    return result, rows


def verdicts(result: dict) -> dict:
    """The issue's targets: best CV RMSE <= 0.905; NDCG@10 >= 1.5x popularity on a temporal split."""
    cv = {k.removeprefix("cv_rmse_"): v for k, v in result.items() if k.startswith("cv_rmse_")}
    cv = {k: v for k, v in cv.items() if not k.startswith("std_") and not k.endswith("_fresh")}
    best_model = min(cv, key=cv.get)
    out = {
        "target_rmse": TARGET_RMSE,
        "best_cv_rmse_model": best_model,
        "best_cv_rmse": cv[best_model],
        "target_rmse_met": cv[best_model] <= TARGET_RMSE,
        "target_ndcg_ratio": TARGET_NDCG_RATIO,
    }
    for split_name in SPLITS:
        for baseline in ("popularity", "recent_popularity"):
            prefix = f"ndcg10_ratio_vs_{baseline}_{split_name}_"
            ratios = {k.removeprefix(prefix): v for k, v in result.items() if k.startswith(prefix)}
            ratios = {k: v for k, v in ratios.items() if "popularity" not in k}
            best = max(ratios, key=ratios.get)
            out[f"best_ndcg10_ratio_vs_{baseline}_{split_name}_model"] = best
            out[f"best_ndcg10_ratio_vs_{baseline}_{split_name}"] = ratios[best]
            out[f"target_ndcg_ratio_met_vs_{baseline}_{split_name}"] = (
                ratios[best] >= TARGET_NDCG_RATIO
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--skip-svdpp", action="store_true", help="leave out SVD++ (minutes)")
    parser.add_argument("--skip-pipeline", action="store_true", help="do not time the pipeline")
    args = parser.parse_args()
    ratings = movielens.load_ratings()
    start = time.perf_counter()
    features = feast_training_set(ratings, movielens.load_users(), movielens.load_items())
    feast_seconds = time.perf_counter() - start
    cv, cv_rows = cv_section(ratings, args.folds, args.skip_svdpp, features)
    cv_seconds = time.perf_counter() - start - feast_seconds
    temporal, temporal_rows = temporal_section(ratings, args.skip_svdpp, features)
    ranking, ranking_rows = ranking_section(ratings, args.skip_svdpp, features)
    cold, cold_rows = cold_start_section(ratings)
    pipeline, pipeline_rows = ({}, []) if args.skip_pipeline else pipeline_section()
    total = time.perf_counter() - start
    result = {
        "benchmark": "recommender",
        "dataset": "movielens-100k",
        "cv": f"{args.folds}-fold surprise KFold(random_state=0, shuffle=True)",
        "ranking_k": 10,
        "relevant_rating": 4.0,
        "recent_popularity_days": 28,
        "published_source": "scikit-surprise 1.1.5 README, Movielens 100k table",
        **cv,
        **temporal,
        **ranking,
        **cold,
        **pipeline,
        **verdicts({**cv, **ranking}),
        "torch_config": str(TorchConfig()),
        "blend_inner_fraction": 0.1,
        "feast_training_set_seconds": round(feast_seconds, 1),
        "cv_section_seconds": round(cv_seconds, 1),
        "total_seconds": round(total, 1),
        **machine_info(["scikit-surprise", "torch", "feast", "kfp", "numpy", "pandas", "scipy"]),
    }
    path = write_result("recommender", result)
    for rows in (cv_rows, temporal_rows, ranking_rows, cold_rows, pipeline_rows):
        print(format_table(rows))
        print()
    for key, value in result.items():
        if key.startswith(("best_", "target_")):
            print(f"{key}: {value}")
    print(f"total {total:.0f} s; wrote {path.relative_to(load_settings().home)}")


if __name__ == "__main__":
    main()
