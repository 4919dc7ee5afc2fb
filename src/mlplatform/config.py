"""Where everything is: the mode, the endpoints, the paths and the fast switch.

Settings are read from the environment each time `load_settings()` is called, so a notebook that
changes `os.environ` sees the change. Nothing here creates folders or opens connections.

| variable | default | meaning |
|---|---|---|
| `MLPLATFORM_MODE` | `local` | `local` (embedded services) or `cluster` (kind) |
| `MLPLATFORM_FAST` | `0` | `1` shrinks data and epochs (tests and CI), same code path |
| `MLPLATFORM_HOME` | the project root | where `data/` and `.platform/` live |
| `MLPLATFORM_SEED` | `42` | the seed every notebook starts from |
| `MLFLOW_PORT` | `5000` | port of the local MLflow server |
| `MLFLOW_TRACKING_URI` | `http://127.0.0.1:$MLFLOW_PORT` | overrides the MLflow endpoint |
| `FEAST_PORT` | `6566` | port of the local Feast feature server |
| `FEAST_URL` | `http://127.0.0.1:$FEAST_PORT` | overrides the feature server's address (in the cluster: `http://feature-server:6566`) |
| `KFP_HOST` | `http://localhost:8888` in cluster mode | Kubeflow Pipelines API |
| `PROMETHEUS_PORT` | `9090` | port of the local Prometheus server (it scrapes the model services) |
| `PROMETHEUS_URL` | `http://127.0.0.1:$PROMETHEUS_PORT` | overrides Prometheus's address (in cluster mode, e.g. a `kubectl port-forward`) |
| `SITE_PORT` | `8000` | port of `make site-serve` (the course website on 127.0.0.1) |
| `MLPLATFORM_TEXT_PROGRESS` | `0` | `1` draws progress bars as text on stdout, not as widgets (set by `mlplatform execute`: a saved widget renders frozen at 0%) |

The model services read theirs with `load_serving_settings()`:

| variable | default | meaning |
|---|---|---|
| `MLPLATFORM_SERVING_HOST` | `127.0.0.1` | interface the model services bind (loopback: not on the network) |
| `RECOMMENDER_PORT` | `8101` | port of the recommender service |
| `OCR_PORT` | `8102` | port of the OCR service |
| `MLPLATFORM_MAX_BODY_BYTES` | `8388608` (8 MiB) | larger request bodies get 413 |
| `MLPLATFORM_MODEL_POLL_SECONDS` | `30` | how often a service asks the registry where `champion` points; 0 = never |
| `RECOMMENDER_PRECOMPUTED` | `0` | `1`: the recommender answers known users from the batch job's lists in the online store (falling back to the model) |
| `MLPLATFORM_OCR_BACKEND` | `onnx` | `onnx` or `torch`: how the OCR reader runs its networks when its model carries ONNX files (`benchmarks/bench_ocr_onnx.py`: same IDs, faster) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Mode = Literal["local", "cluster"]
MODES: tuple[Mode, ...] = ("local", "cluster")
LOCALHOST = "127.0.0.1"
FEAST_REPO = Path(__file__).resolve().parents[2] / "platform" / "feast"  # the feature repository
# The SLO rules, one file for both modes: in the kustomize tree, which only reads files under its root.
SLO_RULES = FEAST_REPO.parent / "k8s" / "base" / "monitoring" / "slo-rules.yaml"


class ConfigError(ValueError):
    """A setting in the environment has a value the course cannot use."""


@dataclass(frozen=True)
class Settings:
    """The resolved configuration; build it with `load_settings()`."""

    mode: Mode
    fast: bool
    seed: int
    home: Path
    mlflow_port: int
    mlflow_tracking_uri: str
    kfp_host: str | None
    feast_port: int = 6566
    site_port: int = 8000
    text_progress: bool = False
    feast_url_override: str | None = None
    prometheus_port: int = 9090
    prometheus_url_override: str | None = None

    @property
    def feast_url(self) -> str:
        """Base URL of the Feast feature server (`FEAST_URL`, else the local one on loopback)."""
        return self.feast_url_override or f"http://{LOCALHOST}:{self.feast_port}"

    @property
    def prometheus_url(self) -> str:
        """Base URL of Prometheus (`PROMETHEUS_URL`, else the local one on loopback)."""
        return self.prometheus_url_override or f"http://{LOCALHOST}:{self.prometheus_port}"

    @property
    def data_dir(self) -> Path:
        """Downloaded and generated data (git-ignored)."""
        return self.home / "data"

    @property
    def platform_dir(self) -> Path:
        """State of the local platform: pid files, logs, MLflow store (git-ignored)."""
        return self.home / ".platform"

    @property
    def cache_dir(self) -> Path:
        """Downloaded archives (the recbole wheel), kept so `make data` is fast the second time."""
        return self.home / ".cache"

    @property
    def movielens_dir(self) -> Path:
        """The extracted MovieLens 100K files."""
        return self.data_dir / "ml-100k"

    def describe(self) -> str:
        """One line per setting, for the setup cell of every notebook."""
        lines = [
            f"mode          : {self.mode}",
            f"fast mode     : {'on' if self.fast else 'off'}",
            f"seed          : {self.seed}",
            f"MLflow        : {self.mlflow_tracking_uri}",
            f"Feast server  : {self.feast_url}",
        ]
        if self.mode == "cluster":
            lines.append(f"KFP           : {self.kfp_host}")
        return "\n".join(lines)


def find_project_root(start: Path | None = None) -> Path:
    """Return the nearest folder above `start` that holds the course's `pyproject.toml`.

    Falls back to the current directory, so the package also works when installed elsewhere.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "src" / "mlplatform").is_dir():
            return folder
    return here


def _flag(value: str, name: str) -> bool:
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"", "0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={value!r} is not a switch; use 1 or 0.")


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number.") from None


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Resolve the settings from `environ` (default: `os.environ`).

    Raises:
        ConfigError: a variable has a value that cannot be used; the message names it.
    """
    env = os.environ if environ is None else environ
    mode = env.get("MLPLATFORM_MODE", "local").strip().lower()
    if mode not in MODES:
        raise ConfigError(f"MLPLATFORM_MODE={mode!r} is not a mode; use 'local' or 'cluster'.")
    home_value = env.get("MLPLATFORM_HOME")
    home = Path(home_value).expanduser().resolve() if home_value else find_project_root()
    port = _int(env.get("MLFLOW_PORT", "5000"), "MLFLOW_PORT")
    default_kfp = "http://localhost:8888" if mode == "cluster" else None
    return Settings(
        mode=mode,  # type: ignore[arg-type]
        fast=_flag(env.get("MLPLATFORM_FAST", "0"), "MLPLATFORM_FAST"),
        seed=_int(env.get("MLPLATFORM_SEED", "42"), "MLPLATFORM_SEED"),
        home=home,
        mlflow_port=port,
        mlflow_tracking_uri=env.get("MLFLOW_TRACKING_URI", f"http://{LOCALHOST}:{port}"),
        kfp_host=env.get("KFP_HOST", default_kfp),
        feast_port=_int(env.get("FEAST_PORT", "6566"), "FEAST_PORT"),
        site_port=_int(env.get("SITE_PORT", "8000"), "SITE_PORT"),
        text_progress=_flag(env.get("MLPLATFORM_TEXT_PROGRESS", "0"), "MLPLATFORM_TEXT_PROGRESS"),
        feast_url_override=env.get("FEAST_URL", "").strip().rstrip("/") or None,
        prometheus_port=_int(env.get("PROMETHEUS_PORT", "9090"), "PROMETHEUS_PORT"),
        prometheus_url_override=env.get("PROMETHEUS_URL", "").strip().rstrip("/") or None,
    )


@dataclass(frozen=True)
class ServingSettings:
    """How the model services run; build it with `load_serving_settings()`."""

    host: str = LOCALHOST
    recommender_port: int = 8101
    ocr_port: int = 8102
    max_body_bytes: int = 8 * 1024 * 1024
    model_poll_seconds: float = 30.0
    # An image's width x height above which the OCR service refuses it before decoding any pixel:
    # 25 MP passes a phone photo and stops a small file that decodes to gigabytes (a "bomb").
    max_image_pixels: int = 25_000_000
    # Photos the OCR service decodes and reads at once; more requests wait their turn. Bounds the
    # memory (a 25 MP photo is 75 MB of pixels) and keeps each read near its one-core speed.
    ocr_concurrent_reads: int = 2
    recommender_precomputed: bool = False
    ocr_backend: str = "onnx"

    @property
    def ports(self) -> dict[str, int]:
        """Each model service's port, by the variable that sets it."""
        return {"RECOMMENDER_PORT": self.recommender_port, "OCR_PORT": self.ocr_port}


def _positive(value: str, name: str, allow_zero: bool = False) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a number.") from None
    if number < 0 or (number == 0 and not allow_zero):
        raise ConfigError(f"{name}={value!r} must be {'0 or more' if allow_zero else 'above 0'}.")
    return number


def load_serving_settings(environ: dict[str, str] | None = None) -> ServingSettings:
    """Resolve the model services' settings from `environ` (default: `os.environ`).

    Raises:
        ConfigError: a variable has a value that cannot be used; the message names it.
    """
    env = os.environ if environ is None else environ
    defaults = ServingSettings()
    poll = env.get("MLPLATFORM_MODEL_POLL_SECONDS", str(defaults.model_poll_seconds))
    return ServingSettings(
        host=env.get("MLPLATFORM_SERVING_HOST", defaults.host).strip() or LOCALHOST,
        recommender_port=_int(env.get("RECOMMENDER_PORT", "8101"), "RECOMMENDER_PORT"),
        ocr_port=_int(env.get("OCR_PORT", "8102"), "OCR_PORT"),
        max_body_bytes=int(
            _positive(
                env.get("MLPLATFORM_MAX_BODY_BYTES", str(defaults.max_body_bytes)),
                "MLPLATFORM_MAX_BODY_BYTES",
            )
        ),
        model_poll_seconds=_positive(poll, "MLPLATFORM_MODEL_POLL_SECONDS", allow_zero=True),
        max_image_pixels=int(
            _positive(
                env.get("MLPLATFORM_MAX_IMAGE_PIXELS", str(defaults.max_image_pixels)),
                "MLPLATFORM_MAX_IMAGE_PIXELS",
            )
        ),
        ocr_concurrent_reads=int(
            _positive(
                env.get("MLPLATFORM_OCR_CONCURRENT_READS", str(defaults.ocr_concurrent_reads)),
                "MLPLATFORM_OCR_CONCURRENT_READS",
            )
        ),
        recommender_precomputed=_flag(
            env.get("RECOMMENDER_PRECOMPUTED", "0"), "RECOMMENDER_PRECOMPUTED"
        ),
        ocr_backend=_choice(env.get("MLPLATFORM_OCR_BACKEND", defaults.ocr_backend), OCR_BACKENDS),
    )


OCR_BACKENDS = ("onnx", "torch")


def _choice(value: str, allowed: tuple[str, ...], name: str = "MLPLATFORM_OCR_BACKEND") -> str:
    clean = value.strip().lower()
    if clean not in allowed:
        raise ConfigError(f"{name}={value!r} must be one of {', '.join(allowed)}.")
    return clean
