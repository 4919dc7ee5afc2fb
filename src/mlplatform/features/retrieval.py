"""Feature values out of the store: point-in-time training sets and online lookups.

Which views and features exist is read from the repository's definitions (`store.feature_views`),
so these helpers know no project. The recommender names its own references
(`mlplatform.recommender.feature_sources.USER_FEATURES`, ...).

Example:
    >>> entity_df = entity_frame(load_ratings().head(5))  # doctest: +SKIP
    >>> training_set(entity_df)            # point-in-time join on the offline store  # doctest: +SKIP
    >>> online_features({"user_id": [1]})  # latest values, through the feature server  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Literal

import httpx
import pandas as pd
from feast import Entity

from mlplatform.config import Settings, load_settings
from mlplatform.features.store import (
    FeatureStoreError,
    feature_store,
    feature_views,
    is_materialized,
    load_definitions,
)
from mlplatform.health import ServiceNotRunningError, is_answering

Via = Literal["auto", "http", "sdk"]


def feature_refs(views: list[str] | None = None) -> list[str]:
    """`view:feature` references of every feature of `views` (default: every view)."""
    return [f"{view.name}:{field.name}" for view in feature_views()
            if views is None or view.name in views for field in view.features]  # fmt: skip


def join_keys() -> dict[str, str]:
    """Feature view name -> the join key of its entity (e.g. `user_features` -> `user_id`)."""
    entities = {obj.name: obj.join_key for obj in load_definitions().OBJECTS
                if isinstance(obj, Entity)}  # fmt: skip
    return {view.name: entities[view.entities[0]] for view in feature_views()}


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
    refs = features or feature_refs()
    result = entity_df.reset_index(drop=True)
    result["event_timestamp"] = pd.to_datetime(result["event_timestamp"], utc=True)
    for view, key in join_keys().items():
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


def _frame_from_response(body: dict) -> pd.DataFrame:
    """Turn the feature server's JSON (one `results` entry per column) into a DataFrame."""
    names = body["metadata"]["feature_names"]
    columns = {name: result["values"] for name, result in zip(names, body["results"], strict=True)}
    return pd.DataFrame(columns)


def online_features_http(
    entities: dict[str, list],
    settings: Settings | None = None,
    features: list[str] | None = None,
    client: httpx.Client | None = None,
) -> pd.DataFrame:
    """Latest feature values from the feature server: `POST /get-online-features`.

    Args:
        entities: join key to list of values, e.g. `{"user_id": [1, 2]}`.
        settings: which feature server; default `load_settings()`.
        features: `view:feature` references; default every feature of the views keyed by `entities`.
        client: a long-lived client (a service passes one): keep-alive connections, and no new
            client per call, whose set-up (its SSL context) costs about 20 ms, ten times the lookup.

    Raises:
        ServiceNotRunningError: the feature server does not answer (start it with `make platform-up`).
    """
    settings = settings or load_settings()
    request = {"entities": entities, "features": features or _features_for(entities)}
    response = feature_server_post(
        settings, "/get-online-features", request, timeout=30, client=client,
        when_down=". Start the platform with `make platform-up` and check it with "
        "`make platform-status`.",
    )  # fmt: skip
    return _ordered(_frame_from_response(response.json()), entities, request["features"])


def feature_server_post(
    settings: Settings,
    route: str,
    body: dict,
    timeout: float,
    when_down: str,
    client: httpx.Client | None = None,
) -> httpx.Response:
    """POST `body` to the Feast feature server's `route`; its 200 answer, else a clear error.

    Raises:
        ServiceNotRunningError: the server does not answer (`when_down` follows its address).
        FeatureStoreError: it answered with another status than 200.
    """
    url = f"{settings.feast_url}{route}"
    try:
        response = (client or httpx).post(url, json=body, timeout=timeout)
    except httpx.TransportError:
        raise ServiceNotRunningError(
            f"The Feast feature server is not answering at {settings.feast_url}{when_down}"
        ) from None
    if response.status_code != 200:
        raise FeatureStoreError(
            f"The feature server answered {response.status_code} at {route}: {response.text[:300]}"
        )
    return response


def _features_for(entities: dict[str, list]) -> list[str]:
    """Every feature of the views whose entity keys were given."""
    return feature_refs([view for view, key in join_keys().items() if key in entities])


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
