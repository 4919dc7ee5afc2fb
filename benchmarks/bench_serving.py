"""The recommender service vs `mlflow models serve` of the same registered version (issue 12, section 8).

Sets up its own throwaway platform home (`fresh_platform`: MLflow, Feast and the recommender service
on free ports, empty state), registers a `movie-recommender` version (BiasBaseline on the 80% time
split, as chapter 05 does) under `champion`, and serves `models:/movie-recommender@champion` twice:
by the recommender service (`mlplatform up` started it; it loads the champion on `/admin/reload`)
and by `mlflow models serve --env-manager local --workers 1` (one process each). The same client
(locust `FastHttpUser`, `benchmarks/load/`) asks both for the same users' top 10 at concurrency 1,
10 and 50, one level after the other, in the same run: the service takes `{"user_id", "k"}` and
looks the user up in the feature server; `mlflow models serve` gets every unrated movie of the
user as rows and the client keeps the best 10 (it has no catalogue, history or top-k of its own).

Targets: p99 <= 25 ms at concurrency 50, throughput >= 3x that of `mlflow models serve`.
Run: `.venv/bin/python benchmarks/bench_serving.py` (writes benchmarks/results/serving.json);
`BENCH_SERVING_SECONDS` (default 20) per level and server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import mlflow
import numpy as np

from mlplatform import loadtest
from mlplatform.benchmarking import machine_info, print_table, write_result
from mlplatform.config import load_serving_settings
from mlplatform.fresh_platform import free_port, fresh_platform
from mlplatform.recommender import MODEL_NAME, movielens
from mlplatform.recommender.baselines import BiasBaseline
from mlplatform.recommender.splits import split_by_time
from mlplatform.recommender.tracked import train_and_log
from mlplatform.registry import CHAMPION, set_alias

ROOT = Path(__file__).resolve().parents[1]
LOAD = ROOT / "benchmarks" / "load"
SECONDS = float(os.environ.get("BENCH_SERVING_SECONDS", "20"))
MAX_REQUESTS = 50_000
N_USERS = 100  # the users both servers are asked about (known users, drawn once)
TARGET_P99_MS, TARGET_RATIO = 25.0, 3.0


def register_champion() -> tuple[str, object]:
    """Register BiasBaseline (chapter 05's model) and point `champion` at it; version and ratings."""
    mlflow.set_experiment("bench-serving")
    ratings = movielens.load_ratings()
    train, test = split_by_time(ratings, quantile=0.8)
    run = train_and_log(BiasBaseline(), train, test, run_name="bench", register_as=MODEL_NAME)
    set_alias(MODEL_NAME, CHAMPION, run.version.version)
    return str(run.version.version), ratings


def wait_for(url: str, process: subprocess.Popen | None = None, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")


def candidates(ratings, users: list[int]) -> dict[int, list[int]]:
    """Each user's unrated movies: the rows `mlflow models serve` has to score."""
    catalogue = np.sort(ratings["item_id"].unique())
    rated = ratings.groupby("user_id")["item_id"].apply(set)
    return {u: [int(i) for i in catalogue if i not in rated[u]] for u in users}


def main() -> None:
    rng = np.random.default_rng(0)
    with fresh_platform(ROOT) as fresh, tempfile.TemporaryDirectory() as folder:
        settings = fresh.settings
        mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
        version, ratings = register_champion()
        service = f"http://127.0.0.1:{load_serving_settings().recommender_port}"
        httpx.post(f"{service}/admin/reload", timeout=300).raise_for_status()
        wait_for(f"{service}/ready")
        users = sorted(int(u) for u in rng.choice(ratings["user_id"].unique(), N_USERS, False))
        payloads = Path(folder) / "candidates.json"
        payloads.write_text(json.dumps(candidates(ratings, users)))
        port = free_port()
        log = (Path(folder) / "mlflow-serve.log").open("w")
        serve = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "models", "serve", "-m",
             f"models:/{MODEL_NAME}@{CHAMPION}", "--env-manager", "local", "--workers", "1",
             "--host", "127.0.0.1", "--port", str(port)],
            # it runs `uvicorn` by name: the venv's bin folder must be on PATH
            env={**os.environ, "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
                 "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            try:
                wait_for(f"http://127.0.0.1:{port}/ping", serve)
            except RuntimeError:
                log.flush()
                print((Path(folder) / "mlflow-serve.log").read_text()[-3000:])
                raise
            env = {"LOADTEST_USER_IDS": ",".join(map(str, users)),
                   "LOADTEST_PAYLOADS": str(payloads)}  # fmt: skip
            ours, theirs = [], []
            for users_at_once in loadtest.LEVELS:  # interleaved: both see the same machine load
                ours.append(loadtest.run_level(LOAD / "recommender.py", service, users_at_once,
                                               SECONDS, MAX_REQUESTS, env))  # fmt: skip
                theirs.append(loadtest.run_level(LOAD / "mlflow_serve.py", f"http://127.0.0.1:{port}",
                                                 users_at_once, SECONDS, MAX_REQUESTS, env))  # fmt: skip
        finally:
            serve.terminate()
            serve.wait(30)
            log.close()
    result: dict[str, object] = {
        "benchmark": "serving",
        "model": f"{MODEL_NAME} v{version} (BiasBaseline) @champion",
        "client": "locust FastHttpUser, no wait, one level after the other, same run",
        "task": "top-10 for one of 100 known users",
        "seconds_per_level": SECONDS,
        "target_p99_ms_at_c50": TARGET_P99_MS,
        "target_throughput_ratio": TARGET_RATIO,
        **machine_info(["mlflow", "fastapi", "uvicorn", "locust", "feast"]),
    }
    rows = []
    for mine, base in zip(ours, theirs, strict=True):
        result |= mine.row("service_") | base.row("mlflow_serve_")
        ratio = mine.throughput_rps / base.throughput_rps if base.throughput_rps else float("inf")
        result[f"c{mine.users}_throughput_ratio"] = round(ratio, 2)
        result[f"c{mine.users}_p99_ratio"] = round(mine.p99_ms / base.p99_ms, 2)
        for name, level in (("service", mine), ("mlflow serve", base)):
            rows.append({"server": name, **vars(level)})
    c50 = ours[-1]
    result["meets_p99_target"] = bool(c50.p99_ms <= TARGET_P99_MS)
    result["meets_throughput_target"] = bool(result["c50_throughput_ratio"] >= TARGET_RATIO)
    print_table(rows)
    print_table([{"users": m.users, "throughput_ratio": result[f"c{m.users}_throughput_ratio"],
                  "p99_ratio": result[f"c{m.users}_p99_ratio"]} for m in ours])  # fmt: skip
    print(f"targets at c=50: p99 {c50.p99_ms} ms (<= {TARGET_P99_MS}: {result['meets_p99_target']}), "
          f"throughput x{result['c50_throughput_ratio']} (>= {TARGET_RATIO}: "
          f"{result['meets_throughput_target']})")  # fmt: skip
    print(write_result("serving", result, ROOT))


if __name__ == "__main__":
    main()
