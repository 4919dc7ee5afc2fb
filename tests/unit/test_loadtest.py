"""The load-test runner: locust headless against a stand-in server, its bounds and its refusals."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mlplatform import loadtest, services
from mlplatform.config import load_settings

LOCUSTFILE = """
from locust import FastHttpUser, constant, task
from mlplatform.loadtest import record_requests

record_requests()


class Client(FastHttpUser):
    wait_time = constant(0)

    @task
    def ask(self):
        self.client.get("{path}")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("site")
    (folder / "index.html").write_text("hello")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(url)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)


def _locustfile(tmp_path: Path, path: str) -> Path:
    file = tmp_path / "locustfile.py"
    file.write_text(LOCUSTFILE.replace("{path}", path))
    return file


def test_a_level_stops_at_the_request_count_and_reports_percentiles(server, tmp_path) -> None:
    result = loadtest.run_level(_locustfile(tmp_path, "/index.html"), server, users=2,
                                seconds=30, max_requests=40)  # fmt: skip
    assert result.users == 2 and result.failures == 0
    # Stopped by the count, not the 30 s: each user may finish a request or two in flight (43 seen).
    assert 40 <= result.requests <= 50 and result.seconds < 20, result
    assert result.seconds < 25, "the count, not the 30 s, ended the level"
    assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms
    assert result.throughput_rps > 0
    assert set(result.row("web_")) >= {"web_c2_p99_ms", "web_c2_throughput_rps"}


def test_a_level_stops_at_the_time_limit_and_counts_errors(server, tmp_path) -> None:
    result = loadtest.run_level(_locustfile(tmp_path, "/missing"), server, users=1,
                                seconds=2, max_requests=10**9)  # fmt: skip
    assert result.requests > 0 and result.failures == result.requests, "404s are errors"
    assert result.seconds <= 4


def test_a_broken_locustfile_is_an_error_with_locusts_message(server, tmp_path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("import nothing_of_that_name\n")
    with pytest.raises(loadtest.LoadTestError, match="nothing_of_that_name"):
        loadtest.run_level(broken, server, users=1, seconds=1, max_requests=5)


def test_services_that_are_down_or_not_ready_are_refused_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = tmp_path / "x.log"
    statuses = [
        services.ServiceStatus("recommender", "healthy", "http://127.0.0.1:1", 1, log, ready=False,
                               not_ready="model: not loaded. To do: register one"),
        services.ServiceStatus("ocr", "stopped", "http://127.0.0.1:2", None, log),
    ]  # fmt: skip
    monkeypatch.setattr(services, "platform_status", lambda settings, only=None: statuses)
    settings = load_settings({"MLPLATFORM_HOME": str(tmp_path)})
    with pytest.raises(loadtest.LoadTestError, match="cannot load-test yet") as refused:
        loadtest.run_loadtest(settings, seconds=1)
    message = str(refused.value)
    assert "recommender is up but not ready: model: not loaded. To do: register one" in message
    assert "ocr is stopped" in message and "make platform-up" in message
    with pytest.raises(loadtest.LoadTestError, match="not a model service"):
        loadtest.ready_services(settings, only="nope")
