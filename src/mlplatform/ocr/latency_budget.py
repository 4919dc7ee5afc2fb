"""Where the time of one photo goes: decode, card detector, text detector, recogniser.

`time_stages` runs the reader's own steps (`IDReader.read`, unrolled) with a clock between them,
on the photo's bytes as a client sends them; `time_photos` does it for many photos, and
`budget_table` turns the timings into the latency budget: each stage's median, p95, mean and its
share of the mean total. The share says which stage to make faster first: halving a stage of 5%
saves 2.5% at best. `benchmarks/bench_ocr_onnx.py` times the same stages.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlplatform.config import ServingSettings
from mlplatform.ocr.detect_heuristic import NoCardFoundError
from mlplatform.ocr.id_rules import REJECTED
from mlplatform.ocr.images import decode_checked
from mlplatform.ocr.reader import IDReader, Reading, flatten_card, read_lines

STAGES = ("decode", "card_detector", "text_detector", "recognizer")
MAX_PIXELS = ServingSettings().max_image_pixels  # the service's default limit


@dataclass(frozen=True)
class StagedReading:
    """One photo's reading and the milliseconds of each stage (0 for a stage not reached)."""

    reading: Reading
    ms: dict[str, float]

    @property
    def total_ms(self) -> float:
        """The whole read, decode included."""
        return sum(self.ms.values())


def time_stages(reader: IDReader, data: bytes, max_pixels: int = MAX_PIXELS) -> StagedReading:
    """Read the photo in `data` (file bytes) stage by stage, as `IDReader.read` does.

    Raises:
        InvalidImageError: `data` is not a readable photo (see `images.decode_checked`).
    """
    ticks = [time.perf_counter()]
    image = decode_checked(data, max_pixels, "the photo")
    ticks.append(time.perf_counter())
    try:
        card = flatten_card(image, reader.detector)
    except NoCardFoundError as error:
        reading = Reading("", "", REJECTED, 0.0, str(error))
    else:
        ticks.append(time.perf_counter())
        boxes = reader.find_lines(card)
        ticks.append(time.perf_counter())
        if boxes:
            reading = read_lines(card, boxes, reader.recognizer)
        else:
            reading = Reading("", "", REJECTED, 0.0, "no text found on the card")
    ticks.append(time.perf_counter())
    spans = [1000 * (later - earlier) for earlier, later in itertools.pairwise(ticks)]
    spans += [0.0] * (len(STAGES) - len(spans))
    return StagedReading(reading, dict(zip(STAGES, spans, strict=True)))


def time_photos(reader: IDReader, photos: Iterable[tuple[str, bytes]]) -> pd.DataFrame:
    """One row per (name, bytes) photo: each stage's milliseconds, the total, the ID and verdict.

    The first photo is read once before timing: the first call of each network allocates.
    """
    photos = list(photos)
    if photos:
        time_stages(reader, photos[0][1])
    rows = []
    for name, data in photos:
        staged = time_stages(reader, data)
        row = {"photo": name, **staged.ms, "total": staged.total_ms}
        rows.append(row | {"id": staged.reading.id, "verdict": staged.reading.status})
    return pd.DataFrame(rows)


def budget_table(timings: pd.DataFrame, stages: Iterable[str] = STAGES) -> pd.DataFrame:
    """The latency budget: p50, p95 and mean milliseconds of each stage, and its share of the mean.

    `timings` has one row per photo and one column of milliseconds per stage (as `time_photos`).
    The last row, `total`, is the percentiles of the per-photo totals: the p95 of a sum is not the
    sum of the stages' p95s.

    Raises:
        KeyError: a stage has no column in `timings`.
    """
    stages = list(stages)
    missing = [stage for stage in stages if stage not in timings]
    if missing:
        raise KeyError(f"timings has no column for {missing}; it has {list(timings.columns)}.")
    frame = timings[stages].astype(float)
    per_photo = frame.sum(axis=1)
    rows = {stage: frame[stage].to_numpy() for stage in stages} | {"total": per_photo.to_numpy()}
    table = pd.DataFrame(
        {
            "p50_ms": {name: float(np.percentile(v, 50)) for name, v in rows.items()},
            "p95_ms": {name: float(np.percentile(v, 95)) for name, v in rows.items()},
            "mean_ms": {name: float(np.mean(v)) for name, v in rows.items()},
        }
    )
    table["share"] = table["mean_ms"] / float(per_photo.mean())
    table.index.name = "stage"
    return table


def stage_to_optimise(table: pd.DataFrame) -> str:
    """The stage with the largest share of the mean total (the `total` row excluded)."""
    return str(table.drop(index="total", errors="ignore")["share"].idxmax())
