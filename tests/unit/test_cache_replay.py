"""`serving.cache_replay`: hits, LRU eviction, expiry and stale answers on a small trace."""

from __future__ import annotations

import pandas as pd
import pytest

from mlplatform.serving.cache_replay import replay_answer_cache


def trace(rows: list[tuple[float, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["time", "key", "version"])


def test_repeats_hit_until_they_expire() -> None:
    replay = replay_answer_cache(trace([(0, 1, "1"), (1, 1, "1"), (20, 1, "1")]), 10, 10)
    assert (replay.requests, replay.hits, replay.stale_hits) == (3, 1, 0)
    assert replay.hit_rate == pytest.approx(1 / 3)


def test_least_recently_used_is_evicted() -> None:
    rows = [(0, 1, "1"), (1, 2, "1"), (2, 1, "1"), (3, 3, "1"), (4, 2, "1"), (5, 1, "1")]
    # Two slots: 1 hits at t=2, then 3 evicts 2 (least recently used), 2 evicts 1: one hit only.
    assert replay_answer_cache(trace(rows), maxsize=2, ttl_seconds=100).hits == 1
    assert replay_answer_cache(trace(rows), maxsize=3, ttl_seconds=100).hits == 3


def test_an_alias_move_gives_stale_hits_unless_the_key_has_the_version() -> None:
    rows = [(0, 1, "1"), (1, 1, "2"), (2, 1, "2")]
    with_version = replay_answer_cache(trace(rows), 10, 100)
    without = replay_answer_cache(trace(rows), 10, 100, key_by_version=False)
    assert (with_version.hits, with_version.stale_hits) == (1, 0)
    assert (without.hits, without.stale_hits) == (2, 2) and without.stale_rate == pytest.approx(
        2 / 3
    )


def test_a_bad_trace_is_refused() -> None:
    with pytest.raises(ValueError, match="missing"):
        replay_answer_cache(pd.DataFrame({"time": [0], "key": [1]}), 10, 10)
    with pytest.raises(ValueError, match="must not decrease"):
        replay_answer_cache(trace([(5, 1, "1"), (1, 1, "1")]), 10, 10)
