"""Detection quality per recorded distortion, as one table and as one picture of small panels.

Chapter 08 breaks the detectors' mean IoU down by eight distortions (background, shadow, glare, blur,
noise, JPEG quality, scale, rotation). As a table that is 27 rows to read; as panels, one per
distortion with one line per detector, the weak groups stand out at a glance.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mlplatform.ocr.detection_eval import DetectionResult, compare_by

DISTORTIONS = (
    "background",
    "shadow",
    "glare",
    "blur_bin",
    "noise_bin",
    "jpeg_quality_bin",
    "scale_bin",
    "rotation_bin",
)


def distortion_table(
    results: dict[str, Sequence[DetectionResult]], distortions: Sequence[str] = DISTORTIONS
) -> pd.DataFrame:
    """Mean IoU per detector and the count n, indexed by (distortion, group)."""
    tables = {column: compare_by(results, column) for column in distortions}
    return pd.concat(tables, names=["distortion", "group"])


def plot_by_distortion(table: pd.DataFrame, columns: int = 4) -> Figure:
    """One panel per distortion: each detector's mean IoU per group, with the groups' sizes.

    Args:
        table: from `distortion_table` (an `n` column, then one column per detector).
        columns: panels per row.
    """
    detectors = [c for c in table.columns if c != "n"]
    distortions = list(dict.fromkeys(table.index.get_level_values("distortion")))
    rows = int(np.ceil(len(distortions) / columns))
    figure = Figure(figsize=(3.2 * columns, 2.6 * rows), layout="constrained")
    FigureCanvasAgg(figure)  # renderable to pixels (viz.show_figure) without pyplot's state
    axes = figure.subplots(rows, columns, sharey=True, squeeze=False).ravel()
    low = float(table[detectors].min().min())
    for axis, distortion in zip(axes, distortions, strict=False):
        part = table.loc[distortion]
        positions = np.arange(len(part))
        for detector in detectors:
            axis.plot(positions, part[detector], marker="o", label=detector)
        labels = [f"{group}\nn={n}" for group, n in zip(part.index, part["n"], strict=True)]
        axis.set_xticks(positions, labels, fontsize=7)
        axis.set_title(distortion.removesuffix("_bin"), fontsize=9)
        axis.set_xlim(-0.5, len(part) - 0.5)  # room for the outer groups' labels
        axis.set_ylim(max(0.0, low - 0.03), 1.0)
        axis.grid(axis="y", alpha=0.3)
    for axis in axes[len(distortions) :]:
        axis.axis("off")
    axes[0].set_ylabel("mean IoU")
    axes[0].legend(fontsize=7, loc="lower left")
    return figure
