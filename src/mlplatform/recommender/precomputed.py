"""Precomputed recommendations in the Feast online store: written by batch scoring, read by the service.

The feature view `user_recommendations` (in `platform/feast/feature_definitions.py`, `PRECOMPUTED`)
holds one row per user: the top-k `item_ids`, their `scores`, and the `model_name` and
`model_version` that made them. `push_online` writes a batch-scoring table there (Parquet source,
registration, then `POST /write-to-online-store` on the feature server, which works the same
against the local SQLite store and the cluster's Redis). With `RECOMMENDER_PRECOMPUTED=1` the
service asks the feature server for these columns in the same request as the user's features
(`precomputed_lookup`) and answers from them (`stored_top_k`) when they were made by the version it
serves and hold at least `k` movies; otherwise it scores online, as without the option.
"""

from __future__ import annotations

import logging
from collections.abc import Container
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from mlplatform.config import Settings, load_settings
from mlplatform.features import (
    FeatureStoreError,
    feature_server_post,
    feature_store,
    load_definitions,
    online_features_http,
)
from mlplatform.health import ServiceNotRunningError
from mlplatform.recommender.feature_sources import USER_FEATURES
from mlplatform.recommender.service_data import FeatureLookup, feast_lookup

log = logging.getLogger(__name__)

VIEW = "user_recommendations"
FIELDS = ("item_ids", "scores", "model_name", "model_version")
REFS = [f"{VIEW}:{name}" for name in FIELDS]
SOURCE = "data/feast/user_recommendations.parquet"  # relative to MLPLATFORM_HOME, as in the view


def feast_rows(
    table: pd.DataFrame, model_name: str, event_time: datetime | None = None
) -> pd.DataFrame:
    """One row per user (lists in rank order) from a batch-scoring table (`batch_scoring.COLUMNS`)."""
    ordered = table.sort_values(["user_id", "rank"])
    grouped = ordered.groupby("user_id", sort=True)
    versions = grouped["model_version"].unique()
    mixed = versions[versions.map(len) > 1]
    if len(mixed):
        raise ValueError(f"users {mixed.index[:5].tolist()} were scored by several versions.")
    return pd.DataFrame(
        {
            "user_id": grouped.size().index.astype(np.int64),
            "item_ids": [group.astype(np.int64).tolist() for _, group in grouped["item_id"]],
            "scores": [group.astype(float).tolist() for _, group in grouped["score"]],
            "model_name": model_name,
            "model_version": [str(v[0]) for v in versions],
            "event_timestamp": pd.Timestamp(event_time or datetime.now(UTC)),
        }
    )


def push_online(table: pd.DataFrame, model_name: str, settings: Settings | None = None) -> int:
    """Write the table's lists to the online store through the feature server; returns the users.

    The rows are also written as the view's offline source (`SOURCE`), so a later materialization
    refills the online store with the same lists.

    Raises:
        ServiceNotRunningError: the feature server does not answer.
        FeatureStoreError: it answered with an error.
    """
    settings = settings or load_settings()
    rows = feast_rows(table, model_name)
    path = settings.home / SOURCE
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.to_parquet(path, index=False)
    feature_store(settings).apply(list(load_definitions().PRECOMPUTED))
    body = {
        "feature_view_name": VIEW,
        "df": {
            **{column: rows[column].tolist() for column in ("user_id", *FIELDS)},
            "event_timestamp": [t.isoformat() for t in rows["event_timestamp"]],
        },
        "allow_registry_cache": False,  # the view may have been registered a moment ago
    }
    feature_server_post(
        settings, "/write-to-online-store", body, timeout=120,
        when_down=": start it (`make platform-up`) before pushing precomputed recommendations.",
    )  # fmt: skip
    return len(rows)


def precomputed_lookup(settings: Settings | None = None) -> FeatureLookup:
    """User features and precomputed lists in one feature-server request.

    While no batch job has registered the view the server refuses the request; the lookup then
    asks for the user features alone, so the service keeps answering (from the model).
    """
    settings = settings or load_settings()
    alone = feast_lookup(settings)

    def lookup(user_ids: list[int]) -> pd.DataFrame:
        try:
            return online_features_http({"user_id": user_ids}, settings, USER_FEATURES + REFS)
        except (FeatureStoreError, ServiceNotRunningError) as error:
            log.info("no precomputed recommendations (%s); scoring online", error)
            return alone(user_ids)  # a server that is down gives the usual 503 here

    return lookup


def stored_top_k(
    row: pd.Series | None,
    model_name: str,
    model_version: str,
    k: int,
    known: Container[int] | None = None,
    rated: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The stored top `k` (ids, scores) when `row` holds a list by this model version, else None.

    None (score online instead) when there is no row or no list, the list was made by another
    model or version, it is shorter than `k`, or it names a movie that is not `known` or that the
    user has `rated` since (the history the service holds is newer than the batch run).
    """
    if row is None or "item_ids" not in row.index:
        return None
    items, scores = row.get("item_ids"), row.get("scores")
    if not isinstance(items, list | np.ndarray) or not isinstance(scores, list | np.ndarray):
        return None
    if row.get("model_name") != model_name or str(row.get("model_version")) != str(model_version):
        return None
    if len(items) < k or len(scores) != len(items):
        return None
    top = np.asarray(items[:k], dtype=np.int64)
    if known is not None and not all(int(item) in known for item in top):
        return None
    if rated is not None and np.isin(top, rated).any():
        return None
    return top, np.asarray(scores[:k], dtype=float)
