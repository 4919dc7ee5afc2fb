"""Batch scoring and the recommender service answering from precomputed lists vs scoring online.

1. The batch job: `recommender.batch_pipeline` run by `run_pipeline` (kfp.local) for every known
   user, k=100, pushed to the Feast online store: wall time of the run and of the scoring alone.
2. Two recommender services in this process on 127.0.0.1 (uvicorn), serving the same registered
   version: one scores online (the default), one answers from the precomputed lists
   (`RECOMMENDER_PRECOMPUTED=1`'s lookup). The same client (httpx, one keep-alive connection, one
   request at a time) sends the same `POST /recommendations` (k=10) for the same sampled known
   users to each, the two paths taking turns request by request; p50/p95/p99 per path and the ratio online / precomputed. Every answer pair is
   compared: the lists must be the same movies in the same order.

The model is `movie-recommender@champion` when the registry has one, else an SVD registered as
`movie-recommender-bench` (aliased champion). Needs the local platform (`make platform-up`).

Run: `.venv/bin/python benchmarks/bench_batch_scoring.py` (writes results/batch_scoring.json);
`BENCH_PORT` (default 8143) and the port after it must be free.
"""

from __future__ import annotations

import os
import threading
import time

import httpx
import numpy as np
import uvicorn

from mlplatform import services
from mlplatform.benchmarking import machine_info, print_table, write_result
from mlplatform.config import ServingSettings, load_settings
from mlplatform.pipelines import run_pipeline
from mlplatform.recommender import MODEL_NAME, movielens
from mlplatform.recommender.batch_pipeline import batch_scoring_pipeline
from mlplatform.recommender.precomputed import REFS, precomputed_lookup
from mlplatform.recommender.service import create_recommender_app
from mlplatform.recommender.service_data import ServiceData, feast_lookup
from mlplatform.registry import CHAMPION, resolve_alias, set_alias
from mlplatform.serving import ModelHolder
from mlplatform.tracking import use_tracking_server

BENCH_MODEL = "movie-recommender-bench"
BATCH_K, REQUEST_K = 100, 10
REQUESTS, WARMUP, USERS = 300, 30, 200
# Two free loopback ports for the two services: BENCH_PORT and the one after it.
FIRST_PORT = int(os.environ.get("BENCH_PORT", "8143"))
PORTS = {"online": FIRST_PORT, "precomputed": FIRST_PORT + 1}


def champion_name() -> str:
    """`movie-recommender` if it has a champion, else register an SVD under BENCH_MODEL."""
    for name in (MODEL_NAME, BENCH_MODEL):
        try:
            resolve_alias(name, CHAMPION)
            return name
        except LookupError:  # no such model, or no champion (UnknownAliasError)
            continue
    from mlplatform.recommender.models import make_model
    from mlplatform.recommender.registered import log_and_register
    from mlplatform.recommender.splits import split_by_time

    split = split_by_time(movielens.load_ratings())
    run = log_and_register(make_model("svd"), "svd", {}, split.train, split.test, BENCH_MODEL)
    set_alias(BENCH_MODEL, CHAMPION, run.version.version)
    return BENCH_MODEL


def start_service(app: object, port: int) -> uvicorn.Server:
    """Run `app` with uvicorn in a thread and wait until /ready answers 200."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the service on port {port} did not get ready in 180 s")


def wait_for_view(feast_url: str, user: int, timeout: float = 120) -> float:
    """Seconds until the feature server serves the precomputed view (its registry cache refreshes)."""
    start = time.monotonic()
    body = {"entities": {"user_id": [user]}, "features": REFS}
    while time.monotonic() - start < timeout:
        answer = httpx.post(f"{feast_url}/get-online-features", json=body, timeout=30)
        if answer.status_code == 200 and answer.json()["results"][1]["values"][0]:
            return time.monotonic() - start
        time.sleep(2)
    raise RuntimeError(f"{feast_url} did not serve {REFS[0]} within {timeout} s")


def measure(
    client: httpx.Client, urls: dict[str, str], users: list[int]
) -> tuple[dict[str, np.ndarray], dict[str, list[dict]]]:
    """Milliseconds per request and the answers per path, after WARMUP requests to each.

    The paths take turns request by request (the same user to each), so a busy moment of the
    machine falls on both alike.
    """
    for url in urls.values():
        for user in users[:WARMUP]:
            client.post(url, json={"user_id": user, "k": REQUEST_K}).raise_for_status()
    millis: dict[str, list[float]] = {path: [] for path in urls}
    answers: dict[str, list[dict]] = {path: [] for path in urls}
    for index in range(REQUESTS):
        user = users[index % len(users)]
        order = list(urls) if index % 2 == 0 else list(reversed(urls))
        for path in order:
            start = time.perf_counter()
            answer = client.post(urls[path], json={"user_id": user, "k": REQUEST_K})
            millis[path].append((time.perf_counter() - start) * 1000)
            answers[path].append(answer.raise_for_status().json())
    return {path: np.array(ms) for path, ms in millis.items()}, answers


def main() -> None:
    """Run the batch job, then measure both service paths; print a table, write the JSON."""
    settings = load_settings()
    services.require("mlflow", settings)
    services.require("feast", settings)
    use_tracking_server(settings)
    name = champion_name()

    run = run_pipeline(
        batch_scoring_pipeline, {"model_name": name, "k": BATCH_K, "push_online": True}, settings
    )
    scored = run.step_metrics("score-op")
    version = str(run.outputs["Output"])
    data = ServiceData.from_movielens(settings)
    rng = np.random.default_rng(0)
    users = rng.choice(sorted(data.rated), USERS, replace=False).tolist()
    view_seconds = wait_for_view(settings.feast_url, users[0])

    serving = ServingSettings(model_poll_seconds=0)
    lookups = {"online": feast_lookup(settings), "precomputed": precomputed_lookup(settings)}
    servers = []
    for path, lookup in lookups.items():
        app = create_recommender_app(
            data, ModelHolder(name, CHAMPION), lookup, settings, serving, checks={}
        )
        servers.append(start_service(app, PORTS[path]))
    urls = {path: f"http://127.0.0.1:{PORTS[path]}/recommendations" for path in lookups}
    with httpx.Client(timeout=30) as client:
        timings, answers = measure(client, urls, users)
    for server in servers:
        server.should_exit = True

    strategies = {path: {a["strategy"] for a in answers[path]} for path in answers}
    same = sum(
        [m["item_id"] for m in a["items"]] == [m["item_id"] for m in b["items"]]
        for a, b in zip(answers["online"], answers["precomputed"], strict=True)
    )
    result: dict[str, object] = {
        "benchmark": "batch_scoring",
        "model": f"{name} v{version}",
        "batch_k": BATCH_K,
        "batch_users": scored.get("users"),
        "batch_rows": scored.get("rows"),
        "batch_scoring_seconds": scored.get("scoring_seconds"),
        "batch_pipeline_seconds": round(run.duration_seconds, 2),
        "feature_server_saw_view_after_seconds": round(view_seconds, 1),
        "request_k": REQUEST_K,
        "requests_per_path": REQUESTS,
        "sampled_users": USERS,
        "transport": "HTTP on 127.0.0.1, one keep-alive connection, one request at a time, paths alternating",
        **{f"{path}_strategies": ",".join(sorted(found)) for path, found in strategies.items()},
        "identical_lists": f"{same}/{REQUESTS}",
    }
    rows = []
    for path, ms in timings.items():
        p50, p95, p99 = (float(np.percentile(ms, q)) for q in (50, 95, 99))
        result.update({f"{path}_p50_ms": round(p50, 2), f"{path}_p95_ms": round(p95, 2),
                       f"{path}_p99_ms": round(p99, 2)})  # fmt: skip
        rows.append({"path": path, "requests": len(ms), "p50_ms": p50, "p95_ms": p95,
                     "p99_ms": p99})  # fmt: skip
    ratio = np.percentile(timings["online"], 50) / np.percentile(timings["precomputed"], 50)
    result["online_over_precomputed_p50_ratio"] = round(float(ratio), 2)
    ratio99 = np.percentile(timings["online"], 99) / np.percentile(timings["precomputed"], 99)
    result["online_over_precomputed_p99_ratio"] = round(float(ratio99), 2)
    result.update(machine_info(["mlflow", "feast", "fastapi", "uvicorn", "kfp"]))
    print_table(rows)
    print(f"batch job: {result['batch_users']} users x k={BATCH_K} scored in "
          f"{result['batch_scoring_seconds']} s (pipeline {result['batch_pipeline_seconds']} s); "
          f"online / precomputed p50 {result['online_over_precomputed_p50_ratio']}x; "
          f"identical lists {result['identical_lists']}")  # fmt: skip
    print(f"wrote {write_result('batch_scoring', result, settings.home)}")


if __name__ == "__main__":
    main()
