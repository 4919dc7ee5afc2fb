"""The SLO rules file: valid for promtool, its alerts behave on synthetic traffic, and it names
the series, bucket edges and jobs the services and the local Prometheus really produce.

`promtool test rules` runs the cases in promtool/slo_rules_test.yaml: an error burst fires both
availability alerts (and not before the fast one's threshold), normal traffic with some 5xx and
many 4xx fires nothing, slow OCR reads fire the latency alerts while a fast recommender does not.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml
from prometheus_client.utils import floatToGoString

from mlplatform.config import SLO_RULES
from mlplatform.monitoring import prometheus_server
from mlplatform.services import MODEL_SERVICES
from mlplatform.serving.metrics import LATENCY_BUCKETS, ServiceMetrics

CASES = Path(__file__).parent / "promtool" / "slo_rules_test.yaml"


def _promtool(binary: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120)


def _expressions() -> list[str]:
    groups = yaml.safe_load(SLO_RULES.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def test_the_rules_file_passes_promtool_check(promtool: str) -> None:
    result = _promtool(promtool, "check", "rules", str(SLO_RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 13 rules found" in result.stdout


def test_the_alerts_fire_on_bursts_and_stay_silent_on_normal_traffic(promtool: str) -> None:
    result = _promtool(promtool, "test", "rules", str(CASES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_test_fails_when_an_alert_is_expected_and_does_not_fire(
    promtool: str, tmp_path: Path
) -> None:
    # The same cases with the burst's expected alert moved before the burst: promtool must fail.
    cases = yaml.safe_load(CASES.read_text())
    cases["rule_files"] = [str(SLO_RULES)]
    cases["tests"] = cases["tests"][:1]  # the burst only: the others take seconds to evaluate
    burst = cases["tests"][0]["alert_rule_test"]
    firing = next(case for case in burst if case["exp_alerts"])
    firing["eval_time"] = "30m"
    broken = tmp_path / "broken_test.yaml"
    broken.write_text(yaml.safe_dump(cases))
    result = _promtool(promtool, "test", "rules", str(broken))
    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr


def test_the_rules_use_the_series_the_services_export() -> None:
    metrics = ServiceMetrics()
    metrics.observe("POST", "/recommendations", 500, 0.01)
    exported = {
        line.split("{")[0].split(" ")[0]
        for line in metrics.render().decode().splitlines()
        if line and not line.startswith("#")
    }
    used = {name for expr in _expressions() for name in re.findall(r"\b(http_[a-z_]+)\{", expr)}
    assert used == {
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "http_request_duration_seconds_count",
    }
    assert used <= exported


def test_the_latency_thresholds_are_bucket_edges_and_the_jobs_are_the_services() -> None:
    text = "\n".join(_expressions())
    edges = set(re.findall(r'le="([^"]+)"', text))
    assert edges == {"0.25", "2.5"}
    assert edges <= {floatToGoString(edge) for edge in LATENCY_BUCKETS}
    jobs = set(re.findall(r'job="([a-z]+)"', text))
    jobs |= {job for group in re.findall(r'job=~"([a-z|]+)"', text) for job in group.split("|")}
    assert jobs == {service.name for service in MODEL_SERVICES}
    assert jobs == set(prometheus_server.SCRAPED_SERVICES)


def test_the_route_pattern_counts_predictions_and_not_the_probes() -> None:
    patterns = set(re.findall(r'route=~"([^"]+)"', "\n".join(_expressions())))
    assert patterns, "the rules select routes"
    for pattern in patterns:
        for probe in ("/ready", "/health", "/metrics", "/admin/reload", "unmatched"):
            assert not re.fullmatch(pattern, probe), (pattern, probe)
    combined = "/recommendations(/.*)?|/read(/.*)?"
    for route in ("/recommendations", "/recommendations/batch", "/read", "/read/batch"):
        assert re.fullmatch(combined, route)
    assert combined in patterns
