"""The OCR training pipeline, as Kubeflow Pipelines code.

generate the card set -> validate it -> train the corner detector -> fine-tune the reader ->
evaluate on the test (and held-out) split -> register `ocr-id-reader` (with ONNX files, see
`reader_registry.reader_package`), which becomes `champion` only if it beats the current champion on the same test split (`registry.promote_if_better`).

The data set is large, deterministic and content-hashed (its manifest), so steps pass its content
hash, not its files: each step finds the set in the data folder, or regenerates it in a fresh pod
(cluster mode), and `dataset.verified_dataset` refuses to go on if the bytes differ. The
two trained models pass as `Model` artefacts; the evaluation as `Metrics` plus a JSON report. Like
`recommender.pipeline`, every step is a lightweight component whose imports live in its body.
Fast runs (`fast=True`) register under `ocr-id-reader-fast`, so tests never move the real aliases.

Example:
    >>> from mlplatform.pipelines import run_pipeline
    >>> result = run_pipeline(ocr_training_pipeline, {"fast": True})  # doctest: +SKIP
"""

# No `from __future__ import annotations` here: KFP reads the real annotation objects.
from kfp import dsl
from kfp.dsl import Artifact, Input, Metrics, Model, Output

from mlplatform.pipelines import RUNTIME_IMAGE

component = dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)


@component
def generate_data_op(fast: bool, seed: int) -> str:
    """Generate the card set for this mode and seed (a no-op when it exists); returns its hash."""
    from mlplatform.config import load_settings
    from mlplatform.ocr.dataset import ensure_dataset, split_sizes
    from mlplatform.ocr.manifest import read_manifest

    root = ensure_dataset(load_settings(), split_sizes(fast), seed, progress=False)
    return read_manifest(root).content_hash


@component
def validate_data_op(data_hash: str, fast: bool, seed: int) -> str:
    """Check hashes, annotations and images; a broken set stops the run here. Returns the hash."""
    from mlplatform.ocr.dataset import verified_dataset
    from mlplatform.ocr.validation import validate_dataset

    root = verified_dataset(data_hash, fast, seed)
    report = validate_dataset(root)
    if not report.ok:
        raise ValueError(f"The card set in {root} failed validation:\n{report}")
    return data_hash


@component
def train_detector_op(data_hash: str, fast: bool, seed: int, detector: Output[Model]) -> None:
    """Train the corner detector from scratch and save it."""
    from pathlib import Path

    import torch

    from mlplatform.ocr.corner_training import CornerTrainConfig, train_corner_detector
    from mlplatform.ocr.dataset import load_split, verified_dataset

    torch.set_num_threads(1)
    root = verified_dataset(data_hash, fast, seed)
    config = CornerTrainConfig.for_mode(fast, seed=seed)
    trained, _ = train_corner_detector(
        load_split(root, "train"), load_split(root, "val"), config, progress=False
    )
    trained.save(Path(detector.path))
    detector.metadata["framework"] = "mlplatform.CornerDetector"


@component
def finetune_reader_op(data_hash: str, fast: bool, seed: int, recognizer: Output[Model]) -> float:
    """Fine-tune EasyOCR's recogniser on the training crops; returns the last val exact match."""
    import torch

    from mlplatform.ocr.dataset import load_split, verified_dataset
    from mlplatform.ocr.recognizer_training import (
        ReaderTrainConfig,
        save_recognizer,
        train_recognizer,
    )

    torch.set_num_threads(1)
    root = verified_dataset(data_hash, fast, seed)
    trained, history = train_recognizer(
        load_split(root, "train"),
        load_split(root, "val"),
        ReaderTrainConfig.for_mode(fast, seed=seed),
        progress=False,
    )
    save_recognizer(trained, recognizer.path)
    recognizer.metadata["framework"] = "easyocr english_g2, fine-tuned"
    return float(history["val_exact_match"].iloc[-1])


@component
def evaluate_reader_op(
    data_hash: str,
    fast: bool,
    seed: int,
    detector: Input[Model],
    recognizer: Input[Model],
    metrics: Output[Metrics],
    report: Output[Artifact],
) -> float:
    """Read the test and held-out splits; returns the test exact match after the rule."""
    import json
    from pathlib import Path

    import pandas as pd
    import torch

    from mlplatform.ocr.corner_model import CornerDetector
    from mlplatform.ocr.crnn import CRNNRecognizer
    from mlplatform.ocr.dataset import load_split, verified_dataset
    from mlplatform.ocr.reading_eval import evaluate_readers, headline_metrics

    torch.set_num_threads(1)
    root = verified_dataset(data_hash, fast, seed)
    found = CornerDetector.load(Path(detector.path))
    reader = {"fine-tuned": CRNNRecognizer.load(Path(recognizer.path))}
    frame = pd.concat(
        evaluate_readers(load_split(root, s), found, reader, s, progress=False)
        for s in ("test", "test_heldout")
    )
    values = headline_metrics(frame, "fine-tuned")
    for key, value in values.items():
        metrics.log_metric(key, round(value, 4))
    with open(report.path, "w") as handle:
        json.dump(values, handle)
    return values["test_exact_match_rule"]


@component
def register_reader_op(
    data_hash: str,
    fast: bool,
    seed: int,
    detector: Input[Model],
    recognizer: Input[Model],
    report: Input[Artifact],
    model_name: str,
) -> str:
    """Register the reader with its data version; `champion` only if better. Returns the outcome."""
    import json
    from pathlib import Path

    from mlplatform.ocr.dataset import verified_dataset
    from mlplatform.ocr.manifest import read_manifest
    from mlplatform.ocr.reader_registry import register_reader
    from mlplatform.ocr.registered_reader import model_name_for
    from mlplatform.tracking import use_tracking_server

    use_tracking_server()
    model_name = model_name or model_name_for(fast)
    with open(report.path) as handle:
        values = json.load(handle)
    done = register_reader(
        Path(recognizer.path),
        Path(detector.path),
        read_manifest(verified_dataset(data_hash, fast, seed)),
        values,
        name=model_name,
        onnx=True,  # the service runs the networks on onnxruntime (MLPLATFORM_OCR_BACKEND)
    )
    return done.describe()


@dsl.pipeline(name="ocr-training", description="Data, detector, reader, evaluation, registry.")
def ocr_training_pipeline(fast: bool = True, seed: int = 42, model_name: str = "") -> str:
    """The whole OCR project in one run; returns what happened in the registry.

    `model_name` "" means `ocr-id-reader` in full mode and `ocr-id-reader-fast` in fast mode.
    """
    data = generate_data_op(fast=fast, seed=seed)
    checked = validate_data_op(data_hash=data.output, fast=fast, seed=seed)
    detector = train_detector_op(data_hash=checked.output, fast=fast, seed=seed)
    reader = finetune_reader_op(data_hash=checked.output, fast=fast, seed=seed)
    evaluation = evaluate_reader_op(
        data_hash=checked.output,
        fast=fast,
        seed=seed,
        detector=detector.outputs["detector"],
        recognizer=reader.outputs["recognizer"],
    )
    register = register_reader_op(
        data_hash=checked.output,
        fast=fast,
        seed=seed,
        detector=detector.outputs["detector"],
        recognizer=reader.outputs["recognizer"],
        report=evaluation.outputs["report"],
        model_name=model_name,
    )
    return register.output
