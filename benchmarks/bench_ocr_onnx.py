"""Edge vs server: the ID reader on PyTorch vs on ONNX Runtime, photo by photo, one CPU thread.

Both backends read the same photos (the first `BENCH_OCR_PHOTOS` of the full set's `test` split,
the reader benchmark's photos) with the same weights: chapter 08's trained corner detector,
EasyOCR's CRAFT and a fine-tuned CRNN (the weights in `BENCH_OCR_WEIGHTS`, else a fast-mode
fine-tune on the full set's train split, a few seconds). The ONNX files are exported in this run.

Measured: file sizes; per-photo latency p50/p95 (decoded photo in, reading out); per-stage time
(card detector, text detector, recogniser with the rule); exact match of the ID after the rule;
agreement of the two backends (same ID and status) photo by photo. Ratios are ONNX / PyTorch in
the same run.

Run: `.venv/bin/python benchmarks/bench_ocr_onnx.py` (writes benchmarks/results/ocr_onnx.json).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from mlplatform.benchmarking import machine_info, print_table, write_result
from mlplatform.config import load_settings
from mlplatform.ocr import dataset, onnx_export, onnx_runtime
from mlplatform.ocr.crnn import CRNNRecognizer
from mlplatform.ocr.reader import IDReader, flatten_card, load_or_train_detector, read_lines
from mlplatform.ocr.recognizer_training import ReaderTrainConfig, train_recognizer

STAGES = ("card_detector", "text_detector", "recognizer")


def recognizer_for(root: Path) -> CRNNRecognizer:
    """The CRNN to compare: `BENCH_OCR_WEIGHTS`, else a fast-mode fine-tune."""
    weights = os.environ.get("BENCH_OCR_WEIGHTS")
    if weights:
        return CRNNRecognizer.load(Path(weights))
    recognizer, _ = train_recognizer(
        dataset.load_split(root, "train"),
        dataset.load_split(root, "val"),
        ReaderTrainConfig.for_mode(True),
        progress=False,
    )
    return recognizer


def timed_read(reader: IDReader, image: np.ndarray) -> tuple[object, dict[str, float]]:
    """`reader.read(image)` stage by stage, with milliseconds per stage."""
    times = {}
    start = time.perf_counter()
    card = flatten_card(image, reader.detector)
    times["card_detector"] = time.perf_counter()
    boxes = reader.find_lines(card)
    times["text_detector"] = time.perf_counter()
    reading = read_lines(card, boxes, reader.recognizer) if boxes else None
    times["recognizer"] = time.perf_counter()
    stages, previous = {}, start
    for stage in STAGES:
        stages[stage] = 1000 * (times[stage] - previous)
        previous = times[stage]
    return reading, stages


def main() -> None:
    """Export, read with both backends, print the table and write the JSON."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    settings = load_settings()
    root = dataset.ensure_dataset(settings, dataset.split_sizes(fast=False), seed=42)
    detector, detector_path = load_or_train_detector(root, settings.data_dir, fast=False, seed=42)
    recognizer = recognizer_for(root)
    photos = dataset.load_split(root, "test")[: int(os.environ.get("BENCH_OCR_PHOTOS", "40"))]
    with tempfile.TemporaryDirectory() as folder:
        files = {
            "card_detector": onnx_export.export_corner_detector(detector, Path(folder) / "c.onnx"),
            "text_detector": onnx_export.export_craft(Path(folder) / "craft.onnx"),
            "recognizer": onnx_export.export_crnn(recognizer.network, Path(folder) / "r.onnx"),
        }
        sizes = {k: p.stat().st_size / 1e6 for k, p in files.items()}
        readers = {
            "torch": IDReader(detector, recognizer),
            "onnx": IDReader(
                onnx_runtime.OnnxCornerDetector.load(files["card_detector"]),
                onnx_runtime.OnnxCRNNRecognizer.load(files["recognizer"], recognizer.alphabet),
                onnx_runtime.OnnxTextBoxes.load(files["text_detector"]),
            ),
        }
        images = [s.load() for s in photos]
        for reader in readers.values():  # warm-up: first calls allocate
            timed_read(reader, images[0])
        runs: dict[str, list] = {name: [] for name in readers}
        for image in images:  # alternate backends photo by photo: same machine load for both
            for name, reader in readers.items():
                runs[name].append(timed_read(reader, image))
    torch_sizes = {
        "card_detector": detector_path.stat().st_size / 1e6,
        "text_detector": sum(p.numel() * p.element_size() for p in _craft().parameters()) / 1e6,
        "recognizer": sum(p.numel() * p.element_size() for p in recognizer.network.parameters())
        / 1e6,
    }
    result: dict[str, object] = {
        "benchmark": "ocr_onnx",
        "dataset": root.name,
        "photos": len(images),
    }
    rows = []
    for name, run in runs.items():
        total = [sum(stages.values()) for _, stages in run]
        ids = [r.id if r else "" for r, _ in run]
        exact = float(np.mean([i == s.card_id for i, s in zip(ids, photos, strict=True)]))
        result[f"{name}_latency_p50_ms"] = round(float(np.percentile(total, 50)), 1)
        result[f"{name}_latency_p95_ms"] = round(float(np.percentile(total, 95)), 1)
        result[f"{name}_exact_match"] = exact
        row = {"backend": name, "p50_ms": result[f"{name}_latency_p50_ms"]}
        row["p95_ms"] = result[f"{name}_latency_p95_ms"]
        for stage in STAGES:
            median = round(float(np.median([stages[stage] for _, stages in run])), 1)
            result[f"{name}_{stage}_p50_ms"] = row[f"{stage}_ms"] = median
            size = (sizes if name == "onnx" else torch_sizes)[stage]
            result[f"{name}_{stage}_mb"] = round(size, 2)
        row["exact_match"] = exact
        rows.append(row)
    same = [
        (a.id, a.status) == (b.id, b.status) if a and b else a is b
        for (a, _), (b, _) in zip(runs["torch"], runs["onnx"], strict=True)
    ]
    result["agreement"] = float(np.mean(same))
    for key in ("latency_p50_ms", "latency_p95_ms", *(f"{s}_p50_ms" for s in STAGES)):
        result[f"ratio_{key}"] = round(result[f"onnx_{key}"] / result[f"torch_{key}"], 3)
    result["target_latency_p50_ms"] = 300
    result.update(machine_info(["torch", "onnx", "onnxruntime", "easyocr"]))
    print_table(rows)
    print_table([{k: v for k, v in result.items() if k.startswith(("ratio", "agreement"))}])
    print(f"wrote {write_result('ocr_onnx', result, settings.home)}")


def _craft() -> torch.nn.Module:
    """EasyOCR's CRAFT network (for its weight size in memory)."""
    from mlplatform.ocr.reader import easyocr_reader

    return easyocr_reader().detector


if __name__ == "__main__":
    main()
