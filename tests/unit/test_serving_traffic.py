"""`serving.traffic`: latency summaries, answer tables and requests fired during a change."""

from __future__ import annotations

import threading
import time

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from mlplatform.serving.in_process import running
from mlplatform.serving.traffic import (
    answer_table,
    fire_while,
    summarise_latency,
    time_requests,
    wait_until_serving,
)


def test_summary_uses_numpy_percentiles_in_milliseconds() -> None:
    seconds = [0.001 * n for n in range(1, 101)]
    summary = summarise_latency(seconds)
    assert summary.requests == 100
    assert summary.p50_ms == pytest.approx(np.percentile(seconds, 50) * 1000)
    assert summary.p99_ms == pytest.approx(99.01)
    assert summary.mean_ms == pytest.approx(50.5)
    assert summary.throughput_per_s == pytest.approx(100 / sum(seconds))
    assert summarise_latency(seconds, wall_seconds=1.0).throughput_per_s == pytest.approx(100)


@pytest.mark.parametrize("bad", [[], [0.1, -0.1]], ids=["empty", "negative"])
def test_summary_refuses_unusable_timings(bad: list[float]) -> None:
    with pytest.raises(ValueError, match="non-negative timings"):
        summarise_latency(bad)


class Body(BaseModel):
    n: int = Field(strict=True, ge=1)


def versioned_app(state: dict[str, str]) -> FastAPI:
    app = FastAPI(title="echo")

    @app.post("/echo")
    def echo(body: Body) -> dict[str, object]:
        return {"n": body.n, "version": state["version"]}

    return app


def test_time_answer_and_fire_against_a_running_app() -> None:
    state = {"version": "1"}
    with running(versioned_app(state)) as server, httpx.Client(base_url=server.url) as client:
        timings = time_requests(client, "/echo", [{"n": 1}, {"n": 2}])
        assert len(timings) == 2 and all(t > 0 for t in timings)
        with pytest.raises(httpx.HTTPStatusError, match="422"):
            time_requests(client, "/echo", [{"n": 0}])
        table = answer_table(
            client,
            {
                "ok": {"method": "POST", "url": "/echo", "json": {"n": 3}},
                "float": {"method": "POST", "url": "/echo", "json": {"n": 1.5}},
                "missing route": {"method": "GET", "url": "/nowhere"},
            },
        )
        assert table.set_index("request")["status"].to_dict() == {
            "ok": 200,
            "float": 422,
            "missing route": 404,
        }

        def move() -> None:
            time.sleep(0.3)
            state["version"] = "2"
            time.sleep(0.3)

        traffic = fire_while(
            server.url, "/echo", [{"n": 1}, {"n": 0}], move, lambda a: a["version"]
        )
    assert set(traffic.seen) == {"1", "2"}
    assert traffic.statuses[422] > 0 and traffic.errors == traffic.statuses[422]
    assert traffic.requests == traffic.statuses[200] + traffic.statuses[422]
    times = [t for t, _ in traffic.timeline]
    assert times == sorted(times)
    assert (traffic.timeline[0][1], traffic.timeline[-1][1]) == ("1", "2")
    assert threading.active_count() < 20  # the client threads ended


def ready_app(state: dict[str, str]) -> FastAPI:
    app = FastAPI(title="ready")

    @app.get("/ready")
    def ready() -> dict[str, object]:
        return {"model": {"version": state["version"]}}

    return app


def test_wait_until_serving_returns_when_the_version_shows() -> None:
    state = {"version": "1"}
    with running(ready_app(state)) as server:
        assert wait_until_serving(server.url, 1) < 1
        timer = threading.Timer(0.3, state.update, kwargs={"version": "2"})
        timer.start()
        assert 0.2 < wait_until_serving(server.url, "2", timeout=10) < 5
        with pytest.raises(TimeoutError, match="still serves version 2 after 0 s, not 3"):
            wait_until_serving(server.url, 3, timeout=0.3)
