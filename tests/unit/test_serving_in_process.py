"""`serving.in_process`: an app served in a thread answers over real HTTP, and stops."""

from __future__ import annotations

from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from mlplatform.serving.in_process import ServerStartError, running, start_in_thread


def tiny_app() -> FastAPI:
    app = FastAPI(title="tiny")

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"answer": "pong"}

    return app


def test_the_app_answers_on_a_loopback_port_and_stops() -> None:
    with running(tiny_app()) as server:
        assert server.url.startswith("http://127.0.0.1:") and not server.url.endswith(":0")
        assert httpx.get(server.url + "/ping", timeout=10).json() == {"answer": "pong"}
        assert server.is_running
    assert not server.is_running
    with pytest.raises(httpx.ConnectError, match=r"\w"):
        httpx.get(server.url + "/ping", timeout=2)


def test_two_servers_get_different_ports() -> None:
    with running(tiny_app()) as first, running(tiny_app()) as second:
        assert first.url != second.url


def test_a_failing_start_up_is_reported() -> None:
    @asynccontextmanager
    async def broken(app: FastAPI):
        raise RuntimeError("the model would not load")
        yield

    app = FastAPI(title="broken", lifespan=broken)
    with pytest.raises(ServerStartError, match="'broken' did not start listening"):
        start_in_thread(app, timeout=20)
