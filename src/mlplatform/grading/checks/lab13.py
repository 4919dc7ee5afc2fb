"""Public checks for lab 13, serving the recommender: a request model, latency numbers, a cache."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ValidationError

from mlplatform.grading.public import Check, CheckFailed, Namespace, answer

VALID = [({"user_id": 196}, (196, 10)), ({"user_id": 1, "k": 100}, (1, 100))]
INVALID = {
    "a user id given as the string '196'": {"user_id": "196"},
    "a user id of 1.5": {"user_id": 1.5},
    "a user id of 0": {"user_id": 0},
    "k = 0": {"user_id": 196, "k": 0},
    "k = 101": {"user_id": 196, "k": 101},
    "no user id": {"k": 5},
    "an unknown field 'K'": {"user_id": 196, "K": 5},
}


def _check_request_model(ns: Namespace) -> None:
    model = answer(ns, "request_model")()
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise CheckFailed("return the class itself (a subclass of pydantic's BaseModel).")
    for body, (user_id, k) in VALID:
        try:
            parsed = model.model_validate(body)
        except ValidationError as error:
            raise CheckFailed(f"{body} is a valid request but was refused: {error}") from None
        if (getattr(parsed, "user_id", None), getattr(parsed, "k", None)) != (user_id, k):
            raise CheckFailed(f"{body} should give user_id={user_id}, k={k} (k defaults to 10).")
    for what, body in INVALID.items():
        try:
            model.model_validate(body)
        except ValidationError:
            continue
        raise CheckFailed(f"{what} was accepted: {body} must be refused.")


def _check_latency(ns: Namespace) -> None:
    latency_summary = answer(ns, "latency_summary")
    seconds = [0.010, 0.012, 0.011, 0.050, 0.013, 0.012, 0.200, 0.011, 0.014, 0.012]
    got = latency_summary(seconds, 0.5)
    if not isinstance(got, dict) or not {"p50_ms", "p95_ms", "p99_ms", "throughput_per_s"} <= set(
        got
    ):
        raise CheckFailed("return a dict with p50_ms, p95_ms, p99_ms and throughput_per_s.")
    expected = np.percentile(seconds, [50, 95, 99]) * 1000
    if np.isclose(got["p50_ms"], expected[0] / 1000):
        raise CheckFailed("the timings are in seconds; the percentiles are asked in milliseconds.")
    if np.isclose(got["p50_ms"], np.mean(seconds) * 1000):
        raise CheckFailed("p50 is the median, not the mean: one slow request moves the mean.")
    if np.isclose(got["p99_ms"], 200.0):
        raise CheckFailed(
            "p99 of 10 timings interpolates between the two largest (numpy's default method); "
            "it is not simply the largest one."
        )
    for key, value in zip(("p50_ms", "p95_ms", "p99_ms"), expected, strict=True):
        if not np.isclose(got[key], value):
            raise CheckFailed(f"{key}: expected {value:.2f} for these timings, got {got[key]}.")
    if np.isclose(got["throughput_per_s"], len(seconds) / sum(seconds)):
        raise CheckFailed("throughput is requests per second of wall time (the second argument).")
    if not np.isclose(got["throughput_per_s"], 20.0):
        raise CheckFailed(f"10 requests in 0.5 s of wall time: 20 per second, got {got}.")


def _check_cache(ns: Namespace) -> None:
    cache_hits = answer(ns, "cache_hits")
    times, keys = [0, 1, 2, 3], [7, 7, 8, 7]
    got = int(cache_hits(times, keys, 10, 100.0))
    if got == 0:
        raise CheckFailed("a repeated key within the time-to-live is a hit: 7 at t=1 and t=3.")
    if got != 2:
        raise CheckFailed(f"keys [7, 7, 8, 7] at t=0..3 with a large cache: 2 hits, got {got}.")
    got = int(cache_hits([0, 5, 11], [1, 1, 1], 10, 10.0))
    if got == 2:
        raise CheckFailed(
            "an entry expires ttl_seconds after it was stored; a hit does not extend it."
        )
    if got != 1:
        raise CheckFailed(
            f"ttl 10: a hit at t=5, then expired at t=11 (stored at 0): 1, got {got}."
        )
    got = int(cache_hits([0, 1, 2, 3, 4], [1, 2, 1, 3, 1], 2, 100.0))
    if got == 1:
        raise CheckFailed("a hit makes an entry the most recently used: 3 must evict 2, not 1.")
    if got != 2:
        raise CheckFailed(f"two slots, keys [1, 2, 1, 3, 1]: 2 hits expected, got {got}.")


CHECKS = [
    Check(
        "q1",
        3,
        "strict integer fields with bounds refuse what a cast would accept; forbid unknown fields.",
        _check_request_model,
    ),
    Check(
        "q2",
        3,
        "percentiles of the timings in milliseconds (numpy's default interpolation); throughput "
        "is requests over wall time.",
        _check_latency,
    ),
    Check(
        "q3",
        4,
        "least recently used eviction plus a time-to-live counted from when an entry was stored.",
        _check_cache,
    ),
]
