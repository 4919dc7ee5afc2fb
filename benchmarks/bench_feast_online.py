"""Feast online lookup latency: the feature server over HTTP vs the SDK in-process.

For 1 and for 100 entities (user and item keys, every feature of both views), time N lookups through
`POST /get-online-features` on the local feature server (loopback, one keep-alive connection) and
through `FeatureStore.get_online_features` against the same SQLite online store. The SDK is the
in-run baseline: `server_p50 / sdk_p50` says what the HTTP hop (JSON, uvicorn, the network stack)
costs on this machine. Needs the local platform (`make platform-up`, which prepares the store).

Run: `.venv/bin/python benchmarks/bench_feast_online.py` (writes benchmarks/results/feast_online.json).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import numpy as np

from mlplatform import features, services
from mlplatform.benchmarking import machine_info, print_table, write_result
from mlplatform.config import load_settings
from mlplatform.recommender.feature_sources import FEATURES

REQUESTS = 200  # lookups per case, after WARMUP
WARMUP = 20
TIME_LIMIT_SECONDS = 60.0  # per case: stop early on a slow machine
BATCH_SIZES = (1, 100)


def measure(lookup: Callable[[], object]) -> np.ndarray:
    """Milliseconds per call for up to REQUESTS calls (bounded by TIME_LIMIT_SECONDS)."""
    for _ in range(WARMUP):
        lookup()
    millis: list[float] = []
    deadline = time.perf_counter() + TIME_LIMIT_SECONDS
    while len(millis) < REQUESTS and time.perf_counter() < deadline:
        start = time.perf_counter()
        lookup()
        millis.append((time.perf_counter() - start) * 1000)
    return np.array(millis)


def entities_for(size: int, seed: int = 0) -> dict[str, list[int]]:
    """`size` (user, item) pairs drawn from MovieLens ids, the same in every run."""
    rng = np.random.default_rng(seed)
    users = rng.integers(1, 944, size).tolist()
    items = rng.integers(1, 1683, size).tolist()
    return {"user_id": users, "item_id": items}


def main() -> None:
    """Measure both paths for each batch size, print a table, write the JSON result."""
    settings = load_settings()
    services.require("feast", settings)
    store = features.feature_store(settings)
    url = f"{settings.feast_url}/get-online-features"
    result: dict[str, object] = {
        "benchmark": "feast_online_lookup",
        "online_store": "sqlite",
        "transport": "HTTP on 127.0.0.1, one keep-alive connection (httpx.Client)",
        "features_per_entity_row": len(FEATURES),
        "requests_per_case": REQUESTS,
        "warmup_requests": WARMUP,
    }
    rows = []
    with httpx.Client(timeout=30) as client:
        for size in BATCH_SIZES:
            entities = entities_for(size)
            pairs = zip(entities["user_id"], entities["item_id"], strict=True)
            rows_sdk = [{"user_id": user, "item_id": item} for user, item in pairs]
            body = {"entities": entities, "features": FEATURES}
            server = measure(lambda b=body: client.post(url, json=b).raise_for_status())
            sdk = measure(
                lambda r=rows_sdk: store.get_online_features(
                    features=FEATURES, entity_rows=r
                ).to_dict()
            )
            for path, ms in (("server_http", server), ("sdk", sdk)):
                p50, p99 = float(np.percentile(ms, 50)), float(np.percentile(ms, 99))
                result[f"{path}_{size}_entities_p50_ms"] = round(p50, 3)
                result[f"{path}_{size}_entities_p99_ms"] = round(p99, 3)
                result[f"{path}_{size}_entities_requests"] = len(ms)
                rows.append({"path": path, "entities": size, "requests": len(ms),
                             "p50_ms": p50, "p99_ms": p99})  # fmt: skip
            ratio = float(np.percentile(server, 50) / np.percentile(sdk, 50))
            result[f"server_over_sdk_p50_ratio_{size}_entities"] = round(ratio, 2)
    result.update(machine_info(["feast", "httpx"]))
    print_table(rows)
    print(f"server p50 / sdk p50: 1 entity {result['server_over_sdk_p50_ratio_1_entities']}x, "
          f"100 entities {result['server_over_sdk_p50_ratio_100_entities']}x")  # fmt: skip
    print(f"wrote {write_result('feast_online', result, settings.home)}")


if __name__ == "__main__":
    main()
