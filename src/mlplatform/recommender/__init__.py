"""Project 2, the movie recommender on MovieLens 100K; its front door for the notebooks.

    from mlplatform import recommender as rec
    ratings = rec.load_ratings(settings)
    split = rec.split_by_time(ratings)

The names below are loaded on first use (PEP 562), so `import mlplatform.recommender` stays cheap
and torch loads only when a torch model is asked for.

Modules. Data: `movielens` (loaders), `movielens_files` (fetch and verify), `movielens_contract`,
`validation`, `splits`, `exploration`, `feature_sources` (the Feast sources, built point in time),
`features`, `side_features` and `training_features`. Models: `baselines`, `models` and
`surprise_state` (surprise), `rankers` (popularity, item-KNN, EASE), `torch_model` and
`torch_training`, `blend`. Evaluation: `metrics`, `ranking`, `evaluation` (the protocol of design
section 9), `search`, `model_checks`. Release: `model_files` and `torch_files` (fitted state as
files), `registered` and `pyfunc_entry` (the registered pyfunc), `tracked`, `model_card`,
`pipeline` and `champion_pipeline` (KFP, with shared step bodies in `pipeline_steps`), `champion`,
`first_champion`. Serving: `service` (the app), `service_data`, `service_schemas`, `cold_start` and
`cold_start_eval`, `feature_cache`. Monitoring: `shifts` (requests replayed for drift checks).
"""

from __future__ import annotations

from mlplatform.lazy import lazy_exports

_EXPORTS = {
    "movielens": ["load_ratings", "load_users", "load_items", "sample_users", "RATING_SCALE"],
    "splits": ["split_by_time", "split_last_per_user"],
    "baselines": ["BiasBaseline", "GlobalMean", "most_popular"],
    "models": ["make_model"],
    "metrics": ["rmse", "mae", "rmse_per_user"],
    "features": ["rating_features"],
    "feature_sources": ["build_sources", "entity_frame", "naive_training_set", "USER_FEATURES",
                        "ITEM_FEATURES", "FEATURES"],
    "validation": ["validate_movielens", "ValidationError"],
    "movielens_contract": ["check_movielens"],
    "model_checks": ["train_and_evaluate"],
    "tracked": ["train_and_log"],
    "registered": ["log_and_register", "register_fitted"],
    "model_files": ["save_model", "load_model"],
    "torch_model": ["TorchRecommender", "TorchConfig"],
    "torch_training": ["feast_training_set", "train_and_register", "plot_loss_curves"],
    "rankers": ["EASE", "ItemKNN", "RatingRanker"],
    "ranking": ["recommend"],
    "champion": ["recommend_for_user"],
    "first_champion": ["ensure_champion"],
    "cold_start_eval": ["compare_cold_start"],
    "feature_cache": ["CachedLookup"],
    "service": ["create_recommender_app"],
    "service_data": ["ServiceData", "feast_lookup"],
    "shifts": ["build_request_log", "shifted_window", "REQUEST_SPEC"],
}  # fmt: skip
MODEL_NAME = "movie-recommender"
__getattr__, __dir__, _names = lazy_exports(__name__, _EXPORTS)
__all__ = ["MODEL_NAME", *_names]
