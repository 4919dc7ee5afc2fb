"""The per-distortion table and its picture: every group of every distortion, one line per detector."""

from pathlib import Path

import numpy as np
import pytest

from mlplatform.ocr import dataset, detection_eval
from mlplatform.ocr.distortion_plot import DISTORTIONS, distortion_table, plot_by_distortion


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, list[detection_eval.DetectionResult]]:
    root = Path(tmp_path_factory.mktemp("cards")) / "set"
    dataset.generate_dataset(root, {"test": 6}, seed=3, progress=False)
    samples = dataset.load_split(root, "test")
    by_pixels = {s.load().tobytes(): s.corners for s in samples}
    perfect = detection_eval.evaluate_detector(lambda i: by_pixels[i.tobytes()], samples)
    shifted = detection_eval.evaluate_detector(
        lambda i: by_pixels[i.tobytes()] + np.array([9.0, 0.0]), samples
    )
    return {"perfect": perfect, "shifted": shifted}


def test_the_table_has_every_distortion_and_every_photo_in_each(results) -> None:
    table = distortion_table(results)
    assert list(dict.fromkeys(table.index.get_level_values("distortion"))) == list(DISTORTIONS)
    assert (table.groupby(level="distortion")["n"].sum() == 6).all()
    assert np.allclose(table["perfect"], 1.0) and (table["shifted"] < 1.0).all()


def test_the_plot_has_one_panel_per_distortion_and_a_line_per_detector(results) -> None:
    table = distortion_table(results)
    figure = plot_by_distortion(table, columns=4)
    panels = [axis for axis in figure.axes if axis.has_data()]
    assert [axis.get_title() for axis in panels] == [d.removesuffix("_bin") for d in DISTORTIONS]
    assert all(len(axis.lines) == 2 for axis in panels)
    shadow = panels[DISTORTIONS.index("shadow")]
    ticks = [t.get_text() for t in shadow.get_xticklabels()]
    groups = table.loc["shadow"]
    assert ticks == [f"{g}\nn={n}" for g, n in zip(groups.index, groups["n"], strict=True)]
    assert list(shadow.lines[0].get_ydata()) == list(groups["perfect"])


def test_the_plot_renders_to_pixels_for_the_notebook(results) -> None:
    from mlplatform.ocr.viz import figure_pixels

    pixels = figure_pixels(plot_by_distortion(distortion_table(results)))
    assert pixels.ndim == 3 and pixels.shape[2] == 3 and pixels.std() > 0
