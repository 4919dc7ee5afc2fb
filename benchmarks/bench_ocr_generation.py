"""Synthetic ID-card generation speed: render, photograph, and a whole full-size set, plus validation.

Times rendering a flat card and photographing it (per photo, median of N_PHOTOS), then generates the
full-mode set (1,800 photos) into a temporary folder and validates it, reporting seconds and
milliseconds per photo. The in-run baseline is JPEG encoding alone (`cv2.imencode` of a 640x400 photo):
`photo_over_jpeg_ratio` says how many JPEG encodes one whole photo costs on this machine.

Run: `.venv/bin/python benchmarks/bench_ocr_generation.py` (writes benchmarks/results/ocr_generation.json).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from mlplatform.benchmarking import machine_info, median, print_table, write_result
from mlplatform.config import load_settings
from mlplatform.ocr import cards, layouts, photos
from mlplatform.ocr.dataset import generate_dataset, split_sizes
from mlplatform.ocr.validation import validate_dataset

N_PHOTOS = 300
SEED = 42


def per_photo_millis() -> dict[str, float]:
    """Median milliseconds of each stage over N_PHOTOS photos."""
    render, shoot, jpeg = [], [], []
    for i in range(N_PHOTOS):
        rng = np.random.default_rng([SEED, i])
        layout = layouts.get_layout(layouts.TRAINING_LAYOUTS[i % 3])
        start = time.perf_counter()
        card = cards.render_card(layout, cards.random_identity(rng), rng)
        middle = time.perf_counter()
        photo = photos.photograph(card.image, rng)
        photographed = time.perf_counter()
        pixels = photo.image[..., ::-1]  # decoded lazily: keep it out of the baseline's time
        end = time.perf_counter()
        cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, 80])
        render.append((middle - start) * 1000)
        shoot.append((photographed - middle) * 1000)
        jpeg.append((time.perf_counter() - end) * 1000)
    return {"render_ms": median(render), "photograph_ms": median(shoot), "jpeg_ms": median(jpeg)}


def main() -> None:
    """Measure the stages, then a full-size set; print a table and write the JSON result."""
    settings = load_settings()
    stages = per_photo_millis()
    sizes = split_sizes(fast=False)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "cards"
        start = time.perf_counter()
        manifest = generate_dataset(root, sizes, SEED, progress=False)
        generate_seconds = time.perf_counter() - start
        start = time.perf_counter()
        report = validate_dataset(root)
        validate_seconds = time.perf_counter() - start
        megabytes = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6
    n = manifest.n_images
    result = {
        "benchmark": "ocr_generation",
        "photo_size": "640x400",
        **{f"{split}_photos": count for split, count in sizes.items()},
        **{key: round(value, 3) for key, value in stages.items()},
        "photo_over_jpeg_ratio": round(
            (stages["render_ms"] + stages["photograph_ms"]) / stages["jpeg_ms"], 1
        ),
        "full_set_photos": n,
        "full_set_generate_seconds": round(generate_seconds, 2),
        "full_set_ms_per_photo": round(generate_seconds / n * 1000, 2),
        "full_set_validate_seconds": round(validate_seconds, 2),
        "full_set_megabytes": round(megabytes, 1),
        "full_set_valid": report.ok,
    }
    result.update(machine_info(["numpy", "opencv-python-headless", "pillow"]))
    print_table([
        {"stage": "render card", "ms per photo": stages["render_ms"]},
        {"stage": "photograph", "ms per photo": stages["photograph_ms"]},
        {"stage": "JPEG encode (baseline)", "ms per photo": stages["jpeg_ms"]},
        {"stage": f"full set, {n} photos, incl. writing", "ms per photo": result["full_set_ms_per_photo"]},
    ])  # fmt: skip
    print(f"full set: {generate_seconds:.1f} s to generate, {validate_seconds:.1f} s to validate, "
          f"{megabytes:.0f} MB")  # fmt: skip
    print(f"wrote {write_result('ocr_generation', result, settings.home)}")


if __name__ == "__main__":
    main()
