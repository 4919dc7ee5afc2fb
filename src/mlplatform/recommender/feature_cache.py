"""A TTL cache in front of the recommender service's online-feature lookup.

Every request for a known user asks the Feast feature server for the user's row. `CachedLookup`
wraps any `FeatureLookup` (the service takes one: `create_recommender_app(lookup=...)`) and keeps
each user's row for `ttl_seconds` in a cachetools `TTLCache` (LRU beyond `maxsize`), asking the
server only for the users it does not hold. The price is staleness: a row changed in the online
store (a new materialisation) reaches the answers up to `ttl_seconds` later.
"""

from __future__ import annotations

import threading

import pandas as pd
from cachetools import TTLCache

from mlplatform.recommender.service_data import FeatureLookup


class CachedLookup:
    """A `FeatureLookup` that remembers each user's feature row for `ttl_seconds`."""

    def __init__(self, lookup: FeatureLookup, maxsize: int = 10_000, ttl_seconds: float = 60.0):
        self.lookup = lookup
        self.cache: TTLCache = TTLCache(maxsize=maxsize, ttl=ttl_seconds)
        self.hits = self.misses = 0
        self._lock = threading.Lock()  # request threads share the cache; cachetools is not safe

    def __call__(self, user_ids: list[int]) -> pd.DataFrame:
        """The rows of `user_ids`, in order; only the users not cached are looked up."""
        with self._lock:
            cached = {user: self.cache.get(user) for user in user_ids}
        missing = [user for user, row in cached.items() if row is None]
        if missing:
            fetched = self.lookup(missing)
            rows = {int(row["user_id"]): row for _, row in fetched.iterrows()}
            with self._lock:
                for user in missing:
                    self.cache[user] = cached[user] = rows[user]
        with self._lock:
            self.misses += len(missing)
            self.hits += len(user_ids) - len(missing)
        return pd.DataFrame([cached[user] for user in user_ids]).reset_index(drop=True)

    @property
    def hit_rate(self) -> float:
        """Share of user rows answered from the cache so far."""
        total = self.hits + self.misses
        return self.hits / total if total else 0.0
