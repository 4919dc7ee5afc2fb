"""Lab 13's public checks: right answers pass, typical wrong answers fail with a useful message."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import pytest
from check_contract import assert_check_separates
from pydantic import BaseModel, ConfigDict, Field


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
