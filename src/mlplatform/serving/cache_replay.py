"""What a cache of whole answers would do on a request trace: hit rate, and stale answers.

A service can keep recent answers (keyed by the request and the model version) and answer a
repeated request from memory. `replay_answer_cache` replays a trace of requests through a cachetools
`TTLCache` (LRU eviction, entries expire after `ttl_seconds` of trace time) and counts hits, and
stale hits: answers made by a model version that is no longer the one served. Keying by the
version makes every entry unreachable when the alias moves (no stale answers, a cold cache);
without it, old answers are served until they expire.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from cachetools import TTLCache


@dataclass(frozen=True)
class CacheReplay:
    """Counts of one replay."""

    requests: int
    hits: int
    stale_hits: int  # hits whose answer came from another model version than the one served

    @property
    def hit_rate(self) -> float:
        """Share of requests answered from the cache."""
        return self.hits / self.requests if self.requests else 0.0

    @property
    def stale_rate(self) -> float:
        """Share of requests answered with a stale model version's answer."""
        return self.stale_hits / self.requests if self.requests else 0.0


def replay_answer_cache(
    trace: pd.DataFrame, maxsize: int, ttl_seconds: float, key_by_version: bool = True
) -> CacheReplay:
    """Replay `trace` (columns `time` in seconds, increasing; `key`; `version` served then).

    Raises:
        ValueError: the trace misses a column or its times decrease.
    """
    missing = {"time", "key", "version"} - set(trace.columns)
    if missing:
        raise ValueError(f"The trace needs the columns time, key and version; missing {missing}.")
    if not trace["time"].is_monotonic_increasing:
        raise ValueError("The trace's times must not decrease: sort it by time first.")
    now = {"time": 0.0}
    cache: TTLCache = TTLCache(maxsize=maxsize, ttl=ttl_seconds, timer=lambda: now["time"])
    hits = stale = 0
    for time, key, version in trace[["time", "key", "version"]].itertuples(index=False):
        now["time"] = float(time)
        entry = (key, version) if key_by_version else key
        cached = cache.get(entry)
        if cached is None:
            cache[entry] = version  # the answer would be stored; its version is what matters here
            continue
        hits += 1
        stale += cached != version
    return CacheReplay(len(trace), hits, stale)
