"""The local Prometheus server: where its binary is, its command line and its configuration.

`mlplatform up` runs the `prometheus` binary from the system (Debian's package `prometheus`, or
Homebrew's on macOS; there is no Python package of the server). Before it starts, the scrape
configuration is written to `.platform/prometheus/prometheus.yml` from the settings: one job per
model service (named after it, as the SLO rules expect) on the port the service listens on, and
the rules file `mlplatform.config.SLO_RULES`, the same file the cluster's Prometheus loads. The
server binds 127.0.0.1 and keeps its data in `.platform/prometheus/data/`.

`mlplatform.services` turns this into a service like the others (pid file, status, `down`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from mlplatform.config import LOCALHOST, SLO_RULES, ServingSettings, Settings, load_serving_settings

BINARY = "prometheus"
INSTALL_HINT = (
    "Prometheus is not installed: on Debian or Ubuntu run `sudo apt-get install -y "
    "--no-install-recommends prometheus` (or `make system-packages`), on macOS `brew install "
    "prometheus`; then `mlplatform up` again. The rest of the platform runs without it."
)
# Local scrapes and rule evaluations every 5 s, so a learner sees a request in a graph at once;
# the rules' shortest window (5m) still holds 60 samples.
SCRAPE_INTERVAL = "5s"
RETENTION = "7d"  # longer than the rules' longest window (6h); a laptop's disk is not a server's
# The model services' scrape jobs, each named after the service (`MODEL_SERVICES` in services),
# with the variable that holds its port.
SCRAPED_SERVICES = {"recommender": "RECOMMENDER_PORT", "ocr": "OCR_PORT"}


def find_binary() -> str | None:
    """The path of the `prometheus` binary on PATH, or None when it is not installed."""
    return shutil.which(BINARY)


def state_dir(settings: Settings) -> Path:
    """Where the local Prometheus keeps its configuration and its data."""
    return settings.platform_dir / "prometheus"


def config_file(settings: Settings) -> Path:
    """The configuration `prepare` writes and the server reads."""
    return state_dir(settings) / "prometheus.yml"


def render_config(
    serving: ServingSettings,
    rules: Path = SLO_RULES,
    interval: str = SCRAPE_INTERVAL,
    prometheus_port: int | None = None,
) -> dict:
    """The scrape configuration: a job per model service, Prometheus itself, the SLO rules."""
    jobs = [
        {
            "job_name": name,
            "metrics_path": "/metrics",
            "static_configs": [{"targets": [f"{LOCALHOST}:{serving.ports[variable]}"]}],
        }
        for name, variable in SCRAPED_SERVICES.items()
    ]
    if prometheus_port is not None:
        jobs.append(
            {
                "job_name": "prometheus",
                "static_configs": [{"targets": [f"{LOCALHOST}:{prometheus_port}"]}],
            }
        )
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [str(rules)],
        "scrape_configs": jobs,
    }


def write_config(settings: Settings) -> Path:
    """Write `.platform/prometheus/prometheus.yml` for this platform's ports; return its path."""
    path = config_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    config = render_config(load_serving_settings(), prometheus_port=settings.prometheus_port)
    header = "# Written by `mlplatform up` from the settings (mlplatform.config); edits are lost.\n"
    path.write_text(header + yaml.safe_dump(config, sort_keys=False))
    return path


def command(settings: Settings, binary: str) -> list[str]:
    """The server's command line: on loopback, data under `.platform/prometheus/data/`."""
    return [
        binary,
        f"--config.file={config_file(settings)}",
        f"--storage.tsdb.path={state_dir(settings) / 'data'}",
        f"--storage.tsdb.retention.time={RETENTION}",
        f"--web.listen-address={LOCALHOST}:{settings.prometheus_port}",
    ]
