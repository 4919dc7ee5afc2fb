"""Request and response models of the recommender service (they are its OpenAPI schema).

Ids and `k` are strict integers: `"1"`, `1.7` and `1.0` are refused with 422 rather than cast,
as `champion.recommend_for_user` refuses them in Python.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from mlplatform.recommender.champion import MAX_K
from mlplatform.serving.schemas import ServedModelInfo

MAX_BATCH = 100  # requests in one batch call; more is a batch-scoring job
MAX_ID = 2**31 - 1  # MovieLens ids are int32

UserId = Annotated[int, Field(strict=True, ge=1, le=MAX_ID, description="The user's id.")]


class RecommendationRequest(BaseModel):
    """One user and how many movies to return; a new user may say their age and gender."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"user_id": 196, "k": 10},
                {"user_id": 5000, "k": 5, "age": 25, "gender": "F", "occupation": "student"},
            ]
        },
    )

    user_id: UserId
    k: Annotated[int, Field(strict=True, ge=1, le=MAX_K, description="List length.")] = 10
    age: Annotated[
        int | None, Field(strict=True, ge=1, le=120, description="A new user's age (years).")
    ] = None
    gender: Literal["M", "F"] | None = Field(
        None, description="A new user's gender, as in MovieLens."
    )
    occupation: Annotated[str | None, Field(min_length=1, max_length=40)] = None


class RecommendedMovie(BaseModel):
    """One movie of the list."""

    rank: int = Field(examples=[1])
    item_id: int = Field(examples=[50])
    title: str = Field(examples=["Star Wars (1977)"])
    score: float = Field(
        description="Predicted rating (model) or share of recent likes (cold start).",
        examples=[4.61],
    )


class UserFeatures(BaseModel):
    """The user's online features, as the Feast feature server returned them."""

    age: int | None = None
    gender: str | None = None
    occupation: str | None = None
    user_rating_count: int | None = None
    user_mean_rating: float | None = None


class RecommendationResponse(BaseModel):
    """The top-k list for one user, and how it was made."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "user_id": 196,
                    "cold_start": False,
                    "strategy": "model",
                    "model": {"name": "movie-recommender", "version": "3", "alias": "champion"},
                    "features": {"age": 49, "gender": "M", "occupation": "writer",
                                 "user_rating_count": 39, "user_mean_rating": 3.61},
                    "items": [{"rank": 1, "item_id": 50, "title": "Star Wars (1977)",
                               "score": 4.61}],
                }
            ]
        }
    )  # fmt: skip

    user_id: int
    cold_start: bool = Field(description="True: a user the model has never seen.")
    strategy: str = Field(
        description="`model`, `precomputed` (the batch job's list) or the cold-start strategy's name."
    )
    model: ServedModelInfo
    features: UserFeatures | None = Field(description="None: the feature store has no row.")
    items: list[RecommendedMovie]


class BatchRequest(BaseModel):
    """Several requests answered in one call (one feature lookup for all of them)."""

    model_config = ConfigDict(extra="forbid")

    requests: list[RecommendationRequest] = Field(min_length=1, max_length=MAX_BATCH)


class BatchResponse(BaseModel):
    """One response per request, in the order asked."""

    results: list[RecommendationResponse]
