"""The recommender service: top-k movies for a user, from the champion and the user's online features.

Start it with `python -m mlplatform.recommender.service` (host and port from `mlplatform.config`:
127.0.0.1:8101 by default; MLflow and the Feast feature server from the same settings).

| route | answers |
|---|---|
| `POST /recommendations` | `{"user_id": 196, "k": 10}` -> the top-k movies with titles and scores |
| `POST /recommendations/batch` | `{"requests": [...]}` (at most 100) -> one answer per request |
| `/health`, `/ready`, `/metrics`, `POST /admin/reload` | see `mlplatform.serving.app` |

A user with ratings in the history is answered by the model, with their age, gender and
occupation from the feature server; with `RECOMMENDER_PRECOMPUTED=1`, by the batch-scoring job's
list from the online store when the version that made it is the one served (`strategy:
precomputed`; see `recommender.precomputed`). A user with none is a cold-start user: the answer is
`RecentlyLiked` (marked `cold_start: true`), for which the request may carry age and gender when
the feature store has no row for them either; a user that is in neither and says nothing is
unknown (422). Out-of-range or wrongly typed fields are 422; a feature server that is down is 503.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from fastapi import APIRouter, FastAPI

from mlplatform.config import ServingSettings, Settings, load_serving_settings, load_settings
from mlplatform.recommender import MODEL_NAME
from mlplatform.recommender.champion import recommend_for_user
from mlplatform.recommender.precomputed import precomputed_lookup, stored_top_k
from mlplatform.recommender.service_data import FeatureLookup, ServiceData, feast_lookup
from mlplatform.recommender.service_schemas import (
    BatchRequest,
    BatchResponse,
    RecommendationRequest,
    RecommendationResponse,
    RecommendedMovie,
    UserFeatures,
)
from mlplatform.registry import CHAMPION
from mlplatform.services import is_answering
from mlplatform.serving import BadRequestError, ModelHolder, ServedModel, create_app, serve
from mlplatform.serving.app import ReadinessCheck
from mlplatform.serving.schemas import ServedModelInfo, error_responses

ERRORS = error_responses(
    {
        400: "The body could not be decoded (not UTF-8)",
        413: "The body is over the size limit",
        415: "The body is not JSON",
        422: "A field is missing, out of range or of the wrong type, or the user is unknown",
        503: "The model is not loaded or the feature server is down",
    }
)


def _features(row: pd.Series | None) -> UserFeatures | None:
    """The feature server's row as a model; None when the store knows nothing of the user."""
    if row is None or pd.isna(row.get("age")):
        return None
    values = {
        key: (None if pd.isna(row.get(key)) else row.get(key)) for key in UserFeatures.model_fields
    }
    return UserFeatures.model_validate(values)


def _movies(data: ServiceData, item_ids: np.ndarray, scores: np.ndarray) -> list[RecommendedMovie]:
    return [
        RecommendedMovie(
            rank=rank, item_id=int(item), title=data.titles[int(item)], score=float(score)
        )
        for rank, (item, score) in enumerate(zip(item_ids, scores, strict=True), start=1)
        if math.isfinite(score)
    ]


def _cold_start(
    data: ServiceData, request: RecommendationRequest, features: UserFeatures | None
) -> list[RecommendedMovie]:
    age, gender = (features.age, features.gender) if features else (request.age, request.gender)
    if features is None and age is None and gender is None:
        raise BadRequestError(
            f"User {request.user_id} is unknown: no ratings and no features. For a new user send "
            'their age and gender too, e.g. {"user_id": 5000, "age": 25, "gender": "F"}.'
        )
    scores = data.cold_start.scores_for(age, gender, data.catalogue)
    order = np.lexsort((data.catalogue, -scores))[: request.k]
    return _movies(data, data.catalogue[order], scores[order])


def answer(
    data: ServiceData, served: ServedModel, request: RecommendationRequest, row: pd.Series | None
) -> RecommendationResponse:
    """The response for one request, given the user's feature row (None: no row)."""
    features = _features(row)
    cold = not data.knows(request.user_id)
    stored = (
        None
        if cold
        else stored_top_k(
            row, served.name, served.version, request.k, data.titles, data.rated[request.user_id]
        )
    )
    if cold:
        items = _cold_start(data, request, features)
    elif stored is not None:  # the batch job's list, made by the version served now
        items = _movies(data, *stored)
    else:
        attributes = (
            {"age": features.age, "gender": features.gender, "occupation": features.occupation}
            if features
            else None
        )
        top = recommend_for_user(
            served.model,
            request.user_id,
            data.catalogue,
            data.rated[request.user_id],
            request.k,
            attributes,
        )
        items = _movies(data, top["item_id"].to_numpy(), top["predicted_rating"].to_numpy())
    return RecommendationResponse(
        user_id=request.user_id,
        cold_start=cold,
        strategy=data.cold_start.name if cold else "precomputed" if stored is not None else "model",
        model=ServedModelInfo.of(served),
        features=features,
        items=items,
    )


def _rows(lookup: FeatureLookup, user_ids: list[int]) -> dict[int, pd.Series]:
    frame = lookup(sorted(set(user_ids)))
    return {int(row["user_id"]): row for _, row in frame.iterrows()}


def warm_up(data: ServiceData) -> Callable[[ServedModel], None]:
    """A call that makes a freshly loaded model recommend once for a known user before serving."""

    def recommend_once(served: ServedModel) -> None:
        user = next(iter(data.rated))
        recommend_for_user(served.model, user, data.catalogue, data.rated[user], k=1)

    return recommend_once


def feature_server_check(settings: Settings) -> ReadinessCheck:
    """A readiness check that fails, saying how to start it, while the feature server is down."""

    def feature_server() -> None:
        if not is_answering(settings.feast_url + "/health"):
            raise ConnectionError(f"no answer at {settings.feast_url}; start it: make platform-up")

    return feature_server


def _router(data: ServiceData, holder: ModelHolder, lookup: FeatureLookup) -> APIRouter:
    """The prediction routes; the operational ones come from `create_app`."""
    router = APIRouter(prefix="/recommendations", tags=["recommendations"], responses=ERRORS)

    @router.post("", response_model=RecommendationResponse)
    def recommend(request: RecommendationRequest) -> RecommendationResponse:
        """The top-k movies for one user (cold-start users are marked)."""
        served = holder.current
        return answer(data, served, request, _rows(lookup, [request.user_id]).get(request.user_id))

    @router.post("/batch", response_model=BatchResponse)
    def recommend_batch(batch: BatchRequest) -> BatchResponse:
        """Several users in one call; an unknown user fails the whole batch (422 naming it)."""
        served = holder.current
        rows = _rows(lookup, [r.user_id for r in batch.requests])
        results = []
        for position, request in enumerate(batch.requests):
            try:
                results.append(answer(data, served, request, rows.get(request.user_id)))
            except BadRequestError as error:
                raise BadRequestError(f"requests[{position}]: {error}") from None
        return BatchResponse(results=results)

    return router


def create_recommender_app(
    data: ServiceData | None = None,
    holder: ModelHolder | None = None,
    lookup: FeatureLookup | None = None,
    settings: Settings | None = None,
    serving: ServingSettings | None = None,
    checks: Mapping[str, ReadinessCheck] | None = None,
) -> FastAPI:
    """The recommender app; every argument defaults to the platform's (MovieLens, MLflow, Feast).

    Args:
        data: titles, history and cold start; default `ServiceData.from_movielens(settings)`.
        holder: the model; default `movie-recommender@champion` from the MLflow registry.
        lookup: user id list -> feature frame; default the Feast feature server (with the
            precomputed lists too when `serving.recommender_precomputed`).
        settings: platform settings (MLflow, Feast, data); default `load_settings()`.
        serving: host, limits, poll interval; default `load_serving_settings()`.
        checks: readiness checks; default: the feature server answers.
    """
    settings = settings or load_settings()
    if holder is None:
        import mlflow  # the registry is reached through MLflow's client

        mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
        holder = ModelHolder(MODEL_NAME, CHAMPION)
    serving = serving or load_serving_settings()
    data = data or ServiceData.from_movielens(settings)
    if lookup is None:
        lookup = (precomputed_lookup if serving.recommender_precomputed else feast_lookup)(settings)
    holder.warm_up = warm_up(data)

    checks = {"feature_server": feature_server_check(settings)} if checks is None else checks
    app = create_app(
        "movie recommender",
        holder,
        checks,
        serving,
        description=__doc__ or "",
    )

    app.include_router(_router(data, holder, lookup))
    return app


def main() -> None:
    """Serve the recommender on the configured host and port."""
    serving = load_serving_settings()
    serve(create_recommender_app(serving=serving), serving.recommender_port, serving)


if __name__ == "__main__":
    main()
