"""What the recommender service holds besides the model: titles, rating history, cold start.

`history_end` cuts the history at a time, so the service can play a past day: users whose first
rating is later are new to it (the global time cut of the evaluation protocol).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
import numpy as np
import pandas as pd

from mlplatform.config import Settings, load_settings
from mlplatform.features import FeatureStoreError, online_features_http
from mlplatform.recommender import movielens
from mlplatform.recommender.cold_start import RecentlyLiked
from mlplatform.recommender.feature_sources import USER_FEATURES
from mlplatform.services import ServiceNotRunningError
from mlplatform.serving import DependencyUnavailableError

FeatureLookup = Callable[[list[int]], pd.DataFrame]
FEATURE_COLUMNS = [ref.split(":")[1] for ref in USER_FEATURES]


@dataclass
class ServiceData:
    """Titles of the catalogue, what each known user rated, and the cold-start ranker."""

    titles: dict[int, str]  # plain dicts and arrays: request threads read them concurrently
    catalogue: np.ndarray  # every movie id the service can recommend, sorted
    rated: dict[int, np.ndarray]
    cold_start: RecentlyLiked

    def knows(self, user_id: int) -> bool:
        """True when the user has ratings in the history (the model has seen them)."""
        return user_id in self.rated

    @classmethod
    def from_frames(
        cls,
        ratings: pd.DataFrame,
        users: pd.DataFrame,
        items: pd.DataFrame,
        history_end: pd.Timestamp | None = None,
    ) -> ServiceData:
        """Build from MovieLens-shaped frames (see `movielens`), keeping ratings before `history_end`."""
        if history_end is not None:
            ratings = ratings[ratings["timestamp"] < history_end]
        titles = dict(zip(items["item_id"].astype(int), items["title"].astype(str), strict=True))
        catalogue = np.sort(np.fromiter(titles, dtype=np.int64))
        rated = {
            int(user): group.to_numpy(np.int64)
            for user, group in ratings.groupby("user_id")["item_id"]
        }
        return cls(titles, catalogue, rated, RecentlyLiked(users).fit(ratings).prepare(catalogue))

    @classmethod
    def from_movielens(cls, settings: Settings | None = None) -> ServiceData:
        """Build from the MovieLens files `make data` fetched."""
        settings = settings or load_settings()
        return cls.from_frames(
            movielens.load_ratings(settings),
            movielens.load_users(settings),
            movielens.load_items(settings),
        )


def feast_lookup(settings: Settings | None = None) -> FeatureLookup:
    """User features from the Feast feature server; a server that is down raises a 503 error."""
    settings = settings or load_settings()
    client = httpx.Client()  # one for the service's life: thread-safe, keeps connections alive

    def lookup(user_ids: list[int]) -> pd.DataFrame:
        try:
            return online_features_http({"user_id": user_ids}, settings, USER_FEATURES, client)
        except (ServiceNotRunningError, FeatureStoreError) as error:
            raise DependencyUnavailableError(
                f"User features are unavailable: {error} Until then this service cannot answer "
                "for known users."
            ) from None

    return lookup
