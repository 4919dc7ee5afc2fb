"""Lab 13's public checks: right answers pass, typical wrong answers fail with a useful message."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from check_contract import assert_check_separates
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mlplatform.grading.labspec import hidden_checks
from mlplatform.serving.cache_replay import replay_answer_cache


def request_model() -> type[BaseModel]:
    class Body(BaseModel):
        model_config = ConfigDict(extra="forbid")
        user_id: int = Field(strict=True, ge=1)
        k: int = Field(10, strict=True, ge=1, le=100)

    return Body


def lax_model() -> type[BaseModel]:
    class Body(BaseModel):
        model_config = ConfigDict(extra="forbid")
        user_id: int = Field(ge=1)
        k: int = Field(10, ge=1, le=100)

    return Body


def unbounded_k() -> type[BaseModel]:
    class Body(BaseModel):
        model_config = ConfigDict(extra="forbid")
        user_id: int = Field(strict=True, ge=1)
        k: int = Field(10, strict=True, ge=1)

    return Body


def extras_allowed() -> type[BaseModel]:
    class Body(BaseModel):
        user_id: int = Field(strict=True, ge=1)
        k: int = Field(10, strict=True, ge=1, le=100)

    return Body


def an_instance() -> BaseModel:
    return request_model()(user_id=1)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lax_model, "string '196' was accepted"),
        (unbounded_k, "k = 101 was accepted"),
        (extras_allowed, "unknown field 'K' was accepted"),
        (an_instance, "return the class itself"),
    ],
)
def test_q1_request_model(wrong: Callable, message: str) -> None:
    assert_check_separates("lab13", "q1", "request_model", request_model, wrong, message)


def latency_summary(seconds: list[float], wall_seconds: float) -> dict[str, float]:
    p50, p95, p99 = np.percentile(seconds, [50, 95, 99]) * 1000
    return {
        "p50_ms": p50,
        "p95_ms": p95,
        "p99_ms": p99,
        "throughput_per_s": len(seconds) / wall_seconds,
    }


def in_seconds(seconds: list[float], wall_seconds: float) -> dict[str, float]:
    return {k: v / 1000 for k, v in latency_summary(seconds, wall_seconds).items()}


def mean_as_median(seconds: list[float], wall_seconds: float) -> dict[str, float]:
    return latency_summary(seconds, wall_seconds) | {"p50_ms": float(np.mean(seconds) * 1000)}


def max_as_p99(seconds: list[float], wall_seconds: float) -> dict[str, float]:
    return latency_summary(seconds, wall_seconds) | {"p99_ms": max(seconds) * 1000}


def throughput_from_sum(seconds: list[float], wall_seconds: float) -> dict[str, float]:
    return latency_summary(seconds, wall_seconds) | {
        "throughput_per_s": len(seconds) / sum(seconds)
    }


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (in_seconds, "in milliseconds"),
        (mean_as_median, "not the mean"),
        (max_as_p99, "not simply the largest"),
        (throughput_from_sum, "wall time"),
    ],
)
def test_q2_latency(wrong: Callable, message: str) -> None:
    assert_check_separates("lab13", "q2", "latency_summary", latency_summary, wrong, message)


def cache_hits(times: list[float], keys: list, maxsize: int, ttl_seconds: float) -> int:
    stored: OrderedDict = OrderedDict()
    hits = 0
    for now, key in zip(times, keys, strict=True):
        if key in stored and now < stored[key] + ttl_seconds:
            hits += 1
            stored.move_to_end(key)
            continue
        stored.pop(key, None)
        if len(stored) >= maxsize:
            for old in [k for k, t in stored.items() if not now < t + ttl_seconds]:
                del stored[old]
        if len(stored) >= maxsize:
            stored.popitem(last=False)
        stored[key] = now
    return hits


def hits_extend_life(times: list[float], keys: list, maxsize: int, ttl_seconds: float) -> int:
    stored: OrderedDict = OrderedDict()
    hits = 0
    for now, key in zip(times, keys, strict=True):
        if key in stored and now < stored[key] + ttl_seconds:
            hits += 1
        elif len(stored) >= maxsize:
            stored.popitem(last=False)
        stored[key] = now
        stored.move_to_end(key)
    return hits


def first_in_first_out(times: list[float], keys: list, maxsize: int, ttl_seconds: float) -> int:
    stored: OrderedDict = OrderedDict()
    hits = 0
    for now, key in zip(times, keys, strict=True):
        if key in stored and now < stored[key] + ttl_seconds:
            hits += 1
            continue
        stored.pop(key, None)
        if len(stored) >= maxsize:
            stored.popitem(last=False)
        stored[key] = now
    return hits


def never_hits(times: list[float], keys: list, maxsize: int, ttl_seconds: float) -> int:
    return 0


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (hits_extend_life, "does not extend it"),
        (first_in_first_out, "most recently used"),
        (never_hits, "is a hit"),
    ],
)
def test_q3_cache_hits(wrong: Callable, message: str) -> None:
    assert_check_separates("lab13", "q3", "cache_hits", cache_hits, wrong, message)


SOLUTION = Path(__file__).resolve().parents[2] / "solutions" / "lab13_serving_the_recommender.ipynb"
SETUP = {"np": np, "ValidationError": ValidationError}


def run_hidden(question: str, name: str, function: Callable) -> None:
    exec(hidden_checks(SOLUTION)[question], {**SETUP, name: function})


def cachetools_hits(times: list[float], keys: list, maxsize: int, ttl_seconds: float) -> int:
    trace = pd.DataFrame({"time": times, "key": keys, "version": "1"})
    return replay_answer_cache(trace, maxsize, ttl_seconds).hits if times else 0


def lru_without_expiry_first(times: list[float], keys: list, maxsize: int, ttl: float) -> int:
    stored: OrderedDict = OrderedDict()
    hits = 0
    for now, key in zip(times, keys, strict=True):
        if key in stored and now < stored[key] + ttl:
            hits += 1
            stored.move_to_end(key)
            continue
        stored.pop(key, None)
        if len(stored) >= maxsize:
            stored.popitem(last=False)
        stored[key] = now
    return hits


@pytest.mark.parametrize(
    ("question", "name", "right", "wrongs"),
    [
        ("q1", "request_model", request_model, [lax_model, unbounded_k, extras_allowed]),
        ("q2", "latency_summary", latency_summary, [in_seconds, max_as_p99, throughput_from_sum]),
        (
            "q3",
            "cache_hits",
            cache_hits,
            [hits_extend_life, first_in_first_out, never_hits, lru_without_expiry_first],
        ),
    ],
)
def test_hidden_checks_pass_the_solution_and_fail_wrong_answers(
    question: str, name: str, right: Callable, wrongs: list[Callable]
) -> None:
    run_hidden(question, name, right)
    for wrong in wrongs:
        with pytest.raises(AssertionError):  # noqa: PT011 - hidden checks are plain asserts
            run_hidden(question, name, wrong)


def test_the_cache_rules_are_cachetools_rules() -> None:
    """The hidden trace is replayed by `serving.cache_replay` (cachetools) with the same result."""
    run_hidden("q3", "cache_hits", cachetools_hits)
