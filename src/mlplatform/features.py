"""The course's Feast feature store: apply, materialize, training sets and online lookups.

The feature repository is `platform/feast/` (`feature_store.yaml` and `feature_definitions.py`); its
relative paths resolve against `settings.home`, so the same repository serves the project and any
`MLPLATFORM_HOME`. `prepare()` does what `mlplatform up` needs before the feature server starts: build
the parquet sources if missing, register the definitions and fill the online store.

Example:
    >>> entity_df = entity_frame(load_ratings().head(5))
    >>> training_set(entity_df)            # point-in-time join on the offline store
    >>> online_features({"user_id": [1]})  # latest values, through the feature server
"""

from __future__ import annotations

import importlib.util
import logging
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Literal

import httpx
import pandas as pd
from feast import FeatureStore, FeatureView
from feast.errors import FeatureViewNotFoundException

from mlplatform.config import Settings, load_settings
from mlplatform.feature_sources import (
    SOURCE_FILES,
    build_sources,
    entity_frame,
    find_skew,
    naive_join,
    sources_dir,
)
from mlplatform.services import FEAST_REPO, ServiceNotRunningError, is_answering

log = logging.getLogger(__name__)

FEATURE_REPO = FEAST_REPO
FEATURE_VIEWS = ("user_features", "item_features")
USER_FEATURES = [
    "user_features:age",
    "user_features:gender",
    "user_features:occupation",
    "user_features:user_rating_count",
    "user_features:user_mean_rating",
]
ITEM_FEATURES = [
    "item_features:genres",
    "item_features:release_year",
    "item_features:item_rating_count",
    "item_features:item_mean_rating",
]
FEATURES = USER_FEATURES + ITEM_FEATURES
Via = Literal["auto", "http", "sdk"]


class FeatureStoreError(RuntimeError):
    """The feature store is not ready for a request; the message says what to run."""


def feature_store(settings: Settings | None = None) -> FeatureStore:
    """The course's FeatureStore, with relative paths resolved against `settings.home`."""
    settings = settings or load_settings()
    (settings.platform_dir / "feast").mkdir(parents=True, exist_ok=True)
    return FeatureStore(
        repo_path=str(settings.home), fs_yaml_file=FEATURE_REPO / "feature_store.yaml"
    )


def load_definitions() -> ModuleType:
    """Import `platform/feast/feature_definitions.py` (it is not part of the package)."""
    path = FEATURE_REPO / "feature_definitions.py"
    spec = importlib.util.spec_from_file_location("mlplatform_feature_definitions", path)
    if spec is None or spec.loader is None:
        raise FeatureStoreError(f"Cannot import the feature definitions at {path}.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def apply(settings: Settings | None = None) -> FeatureStore:
    """Register the entities, sources, feature views and feature service (what `feast apply` does).

    Raises:
        FeatureStoreError: the parquet sources do not exist yet.
    """
    settings = settings or load_settings()
    missing = [n for n in SOURCE_FILES.values() if not (sources_dir(settings) / n).exists()]
    if missing:
        raise FeatureStoreError(
            f"The feature sources {missing} are missing in {sources_dir(settings)}. Build them with "
            "`mlplatform.features.build_sources(settings)` (or `make platform-up`, which does it)."
        )
    defs = load_definitions()
    store = feature_store(settings)
    objects = [defs.user, defs.item, defs.user_source, defs.item_source]
    objects += [defs.user_features, defs.item_features, defs.movie_recommender_v1]
    store.apply(objects)
    return store


def _source_time_range(settings: Settings) -> tuple[datetime, datetime]:
    times = [
        pd.read_parquet(sources_dir(settings) / name, columns=["event_timestamp"])[
            "event_timestamp"
        ]
        for name in SOURCE_FILES.values()
    ]
    return min(t.min() for t in times).to_pydatetime(), max(t.max() for t in times).to_pydatetime()


def materialize(settings: Settings | None = None, end: datetime | None = None) -> FeatureStore:
    """Copy the latest feature values up to `end` (default: now) into the online store.

    The first run covers the sources' whole history (MovieLens is from 1997-98, older than any ttl,
    so Feast's default first window of `now - ttl` would find nothing); later runs are incremental.
    """
    settings = settings or load_settings()
    store = feature_store(settings)
    end = end or datetime.now(UTC)
    views = [store.get_feature_view(name) for name in FEATURE_VIEWS]
    if any(view.most_recent_end_time is None for view in views):
        start, _ = _source_time_range(settings)
        store.materialize(start_date=start - timedelta(seconds=1), end_date=end)
    else:
        store.materialize_incremental(end_date=end)
    return store


def is_materialized(settings: Settings | None = None) -> bool:
    """True when every feature view has been materialized at least once."""
    store = feature_store(settings)
    try:
        views: list[FeatureView] = [store.get_feature_view(name) for name in FEATURE_VIEWS]
    except FeatureViewNotFoundException:  # not applied yet: not materialized either
        return False
    return all(view.most_recent_end_time is not None for view in views)


def prepare(settings: Settings | None = None) -> None:
    """Get the store ready to serve: build the sources if missing, apply, materialize."""
    settings = settings or load_settings()
    if not all((sources_dir(settings) / n).exists() for n in SOURCE_FILES.values()):
        log.info("Building the feature sources in %s", sources_dir(settings))
        build_sources(settings)
    apply(settings)
    materialize(settings)


def training_set(
    entity_df: pd.DataFrame, settings: Settings | None = None, features: list[str] | None = None
) -> pd.DataFrame:
    """Point-in-time join: for each row, the feature values as of its `event_timestamp`.

    Feast is asked once per feature view, with each (key, time) pair once, and the answers are
    merged back onto every row. Feast 0.67's file offline store collapses entity rows that share a
    key and a timestamp (feast-dev/feast#6787: a user who rates two movies in the same second) and
    drops rows that have no feature value yet; asking this way keeps every row, with missing values
    where nothing was known.

    Args:
        entity_df: `user_id`, `item_id`, `event_timestamp` (UTC) and any label columns.
        settings: which store; default `load_settings()`.
        features: `view:feature` references; default every feature of both views.

    Returns:
        `entity_df`'s rows in their original order, with one column per feature.
    """
    store = feature_store(settings)
    refs = features or FEATURES
    result = entity_df.reset_index(drop=True)
    result["event_timestamp"] = pd.to_datetime(result["event_timestamp"], utc=True)
    for view, key in (("user_features", "user_id"), ("item_features", "item_id")):
        chosen = [ref for ref in refs if ref.split(":")[0] == view]
        if not chosen:
            continue
        requests = result[[key, "event_timestamp"]].drop_duplicates(ignore_index=True)
        requests[key] = requests[key].astype("int64")  # the entity's type: no dtype mismatch
        values = store.get_historical_features(entity_df=requests, features=chosen).to_df()
        values["event_timestamp"] = pd.to_datetime(values["event_timestamp"], utc=True)
        result = result.merge(
            values, on=[key, "event_timestamp"], how="left", validate="many_to_one"
        )
    return result


def naive_training_set(entity_df: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """Today's values joined onto every row, ignoring time: the leaky join, for demonstration."""
    folder = sources_dir(settings or load_settings())
    users = pd.read_parquet(folder / SOURCE_FILES["user"])
    items = pd.read_parquet(folder / SOURCE_FILES["item"])
    return naive_join(entity_df.reset_index(drop=True), users, items)


def _frame_from_response(body: dict) -> pd.DataFrame:
    """Turn the feature server's JSON (one `results` entry per column) into a DataFrame."""
    names = body["metadata"]["feature_names"]
    columns = {name: result["values"] for name, result in zip(names, body["results"], strict=True)}
    return pd.DataFrame(columns)


def online_features_http(
    entities: dict[str, list], settings: Settings | None = None, features: list[str] | None = None
) -> pd.DataFrame:
    """Latest feature values from the feature server: `POST /get-online-features`.

    Raises:
        ServiceNotRunningError: the feature server does not answer (start it with `make platform-up`).
    """
    settings = settings or load_settings()
    request = {"entities": entities, "features": features or _features_for(entities)}
    try:
        response = httpx.post(f"{settings.feast_url}/get-online-features", json=request, timeout=30)
    except httpx.TransportError:
        raise ServiceNotRunningError(
            f"The Feast feature server is not answering at {settings.feast_url}. Start the platform "
            "with `make platform-up` and check it with `make platform-status`."
        ) from None
    if response.status_code != 200:
        raise FeatureStoreError(
            f"The feature server answered {response.status_code}: {response.text[:300]}"
        )
    return _ordered(_frame_from_response(response.json()), entities, request["features"])


def _features_for(entities: dict[str, list]) -> list[str]:
    """Every feature of the views whose entity keys were given."""
    chosen = USER_FEATURES if "user_id" in entities else []
    return chosen + (ITEM_FEATURES if "item_id" in entities else [])


def online_features(
    entities: dict[str, list],
    settings: Settings | None = None,
    features: list[str] | None = None,
    via: Via = "auto",
) -> pd.DataFrame:
    """Latest feature values for `entities`, e.g. `{"user_id": [1, 2]}`, as a DataFrame.

    Args:
        entities: join key to list of values; one output row per position.
        settings: which store; default `load_settings()`.
        features: `view:feature` references; default every feature of the views keyed by `entities`.
        via: `http` (the feature server), `sdk` (read the online store in-process), or `auto`
            (the server when it answers, the SDK otherwise).

    Raises:
        FeatureStoreError: nothing was materialized yet (run `mlplatform.features.materialize()`).
        ServiceNotRunningError: `via="http"` and the feature server is not running.
    """
    settings = settings or load_settings()
    features = features or _features_for(entities)
    if via == "http" or (via == "auto" and is_answering(settings.feast_url + "/health")):
        return online_features_http(entities, settings, features)
    if not is_materialized(settings):
        raise FeatureStoreError(
            "The online store is empty: nothing was materialized yet. Run "
            "`mlplatform.features.prepare(settings)` (or `make platform-up`), or "
            "`mlplatform.features.materialize(settings)` after an apply."
        )
    store = feature_store(settings)
    response = store.get_online_features(features=features, entity_rows=_rows(entities))
    return _ordered(pd.DataFrame(response.to_dict()), entities, features)


def _ordered(frame: pd.DataFrame, entities: dict[str, list], features: list[str]) -> pd.DataFrame:
    """Keys first, then features in the order asked (the server and the SDK order them differently)."""
    return frame[[*entities, *(ref.split(":")[-1] for ref in features)]]


def _rows(entities: dict[str, list]) -> list[dict]:
    keys = list(entities)
    return [dict(zip(keys, values, strict=True)) for values in zip(*entities.values(), strict=True)]


__all__ = [
    "FEATURES",
    "FeatureStoreError",
    "apply",
    "build_sources",
    "entity_frame",
    "feature_store",
    "find_skew",
    "materialize",
    "naive_training_set",
    "online_features",
    "prepare",
    "training_set",
]
