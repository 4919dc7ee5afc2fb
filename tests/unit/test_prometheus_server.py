"""The local Prometheus: its configuration, `up` without the binary, and a real server end to end.

The end-to-end test starts the real `prometheus` through `services.up(only="monitoring")` in a
temporary home, scraping an in-test HTTP server that serves a real `ServiceMetrics` on the port the
recommender would use, waits for a scrape and reads the series back over the HTTP API.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mlplatform import services
from mlplatform.cli import app
from mlplatform.config import SLO_RULES, Settings, load_settings
from mlplatform.health import ServiceNotRunningError
from mlplatform.monitoring import prometheus_api, prometheus_server
from mlplatform.serving.metrics import CONTENT_TYPE, ServiceMetrics


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def ports(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    chosen = {name: _free_port() for name in ("PROMETHEUS_PORT", "RECOMMENDER_PORT", "OCR_PORT")}
    for name, port in chosen.items():
        monkeypatch.setenv(name, str(port))
    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    return chosen


@pytest.fixture
def home(tmp_path: Path, ports: dict[str, int]) -> Settings:
    return load_settings(
        {"MLPLATFORM_HOME": str(tmp_path), **{k: str(v) for k, v in ports.items()}}
    )


def test_the_config_scrapes_each_model_service_on_its_port_with_the_slo_rules(
    home: Settings, ports: dict[str, int]
) -> None:
    path = prometheus_server.write_config(home)
    assert path == home.platform_dir / "prometheus" / "prometheus.yml"
    config = yaml.safe_load(path.read_text())
    targets = {
        job["job_name"]: job["static_configs"][0]["targets"] for job in config["scrape_configs"]
    }
    assert targets == {
        "recommender": [f"127.0.0.1:{ports['RECOMMENDER_PORT']}"],
        "ocr": [f"127.0.0.1:{ports['OCR_PORT']}"],
        "prometheus": [f"127.0.0.1:{ports['PROMETHEUS_PORT']}"],
    }
    assert config["rule_files"] == [str(SLO_RULES)] and SLO_RULES.is_file()


def test_promtool_accepts_the_written_config_and_the_rules_it_names(
    home: Settings, promtool: str
) -> None:
    path = prometheus_server.write_config(home)
    result = subprocess.run(
        [promtool, "check", "config", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 13 rules found" in result.stdout + result.stderr


def test_the_server_binds_loopback_and_keeps_its_data_under_the_platform_folder(
    home: Settings,
) -> None:
    spec = services.prometheus_spec(home)
    command = " ".join(spec.command)
    assert f"--web.listen-address=127.0.0.1:{home.prometheus_port}" in command
    assert f"--storage.tsdb.path={home.platform_dir / 'prometheus' / 'data'}" in command
    assert (spec.url, spec.health_path, spec.port_variable) == (
        home.prometheus_url, "/-/healthy", "PROMETHEUS_PORT",
    )  # fmt: skip


@pytest.fixture
def without_prometheus(monkeypatch: pytest.MonkeyPatch, home: Settings) -> Iterator[Settings]:
    """A platform of one small web server plus Prometheus, on a machine without the binary."""

    def web(settings: Settings) -> services.ServiceSpec:
        port = settings.mlflow_port
        command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
        return services.ServiceSpec("web", port, "/", command, settings.platform_dir / "web")

    monkeypatch.setattr(prometheus_server, "find_binary", lambda: None)
    monkeypatch.setattr(services, "SERVICES", {"web": web, "prometheus": services.prometheus_spec})
    settings = load_settings({"MLPLATFORM_HOME": str(home.home), "MLFLOW_PORT": str(_free_port())})
    yield settings
    services.down(settings)


def test_up_without_the_binary_starts_the_rest_and_says_how_to_install_it(
    without_prometheus: Settings,
) -> None:
    web, prometheus = services.up(without_prometheus)
    assert web.is_healthy
    assert prometheus.state == "missing"
    assert (
        "apt-get install" in prometheus.not_ready
        and "brew install prometheus" in prometheus.not_ready
    )
    assert services.down(without_prometheus) == {"prometheus": False, "web": True}


def test_status_lists_a_missing_prometheus_without_failing(
    without_prometheus: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.up(without_prometheus)
    monkeypatch.setenv("MLPLATFORM_HOME", str(without_prometheus.home))
    monkeypatch.setenv("MLFLOW_PORT", str(without_prometheus.mlflow_port))
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].split()[:2] == ["prometheus", "missing"]
    assert "prometheus: Prometheus is not installed: on Debian or Ubuntu" in result.output
    with pytest.raises(ServiceNotRunningError, match="brew install prometheus"):
        services.require("prometheus", without_prometheus)


def test_the_api_says_how_to_start_prometheus_when_it_does_not_answer(home: Settings) -> None:
    with pytest.raises(
        ServiceNotRunningError,
        match=r"not answering at http://127\.0\.0\.1:\d+/api/v1/query .*make platform-up",
    ):
        prometheus_api.query("up", settings=home)


class _MetricsHandler(BaseHTTPRequestHandler):
    metrics: ServiceMetrics

    def do_GET(self) -> None:
        body = self.metrics.render()
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def recommender_metrics(ports: dict[str, int]) -> Iterator[ServiceMetrics]:
    """A prometheus-client exposition of real service metrics on the recommender's port."""
    metrics = ServiceMetrics()
    handler = type("Handler", (_MetricsHandler,), {"metrics": metrics})
    server = ThreadingHTTPServer(("127.0.0.1", ports["RECOMMENDER_PORT"]), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield metrics
    server.shutdown()
    server.server_close()


@pytest.mark.services
def test_a_real_prometheus_scrapes_a_service_and_answers_over_the_api(
    prometheus_binary: str,
    home: Settings,
    recommender_metrics: ServiceMetrics,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prometheus_server, "SCRAPE_INTERVAL", "1s")
    for _ in range(3):
        recommender_metrics.observe("POST", "/recommendations", 200, 0.01)
    recommender_metrics.observe("POST", "/recommendations", 500, 0.02)
    try:
        (status,) = services.up(home, only="monitoring")
        assert status.is_healthy and status.url == home.prometheus_url
        deadline, up = time.monotonic() + 20, {}
        while len(up) < 3 and time.monotonic() < deadline:  # each job scraped once (1 s apart)
            up = {s.labels["job"]: s.value for s in prometheus_api.query("up", settings=home)}
            time.sleep(0.5)
        assert up == {"recommender": 1.0, "ocr": 0.0, "prometheus": 1.0}  # nothing on OCR_PORT
        found = prometheus_api.query('http_requests_total{job="recommender"}', settings=home)
        by_status = {sample.labels["status"]: sample.value for sample in found}
        assert by_status == {"200": 3.0, "500": 1.0}
        assert {s.labels["route"] for s in found} == {"/recommendations"}
        now = time.time()
        (series,) = prometheus_api.query_range(
            'http_requests_total{job="recommender", status="500"}', now - 10, now, 1, settings=home
        )
        assert series.points and {value for _, value in series.points} == {1.0}
        assert prometheus_api.alerts(settings=home) == []  # one error in a minute burns no budget
        with pytest.raises(prometheus_api.PrometheusQueryError, match="bad_data"):
            prometheus_api.query("sum(", settings=home)
        assert services.service_status("prometheus", home).state == "healthy"
    finally:
        stopped = services.down(home, only="monitoring")
    assert stopped == {"prometheus": True}
    assert services.service_status("prometheus", home).state == "stopped"
    assert (home.platform_dir / "prometheus" / "data").is_dir()
