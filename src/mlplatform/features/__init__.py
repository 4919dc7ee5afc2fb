"""The feature store (Feast): the repository in `platform/feast/`, training sets, online lookups.

- `store`: the FeatureStore, apply, materialize, `prepare` (what `mlplatform up` runs).
- `retrieval`: `training_set` (point-in-time join), `online_features` (server or SDK).
- `skew`: `find_skew`, training/serving skew between two frames.
"""

from mlplatform.features.retrieval import (
    feature_refs,
    feature_server_post,
    join_keys,
    online_features,
    online_features_http,
    training_set,
)
from mlplatform.features.skew import find_skew
from mlplatform.features.store import (
    FEATURE_REPO,
    FeatureStoreError,
    apply,
    build_sources,
    feature_store,
    feature_views,
    is_materialized,
    load_definitions,
    materialize,
    prepare,
    source_paths,
)

__all__ = [
    "FEATURE_REPO",
    "FeatureStoreError",
    "apply",
    "build_sources",
    "feature_refs",
    "feature_server_post",
    "feature_store",
    "feature_views",
    "find_skew",
    "is_materialized",
    "join_keys",
    "load_definitions",
    "materialize",
    "online_features",
    "online_features_http",
    "prepare",
    "source_paths",
    "training_set",
]
