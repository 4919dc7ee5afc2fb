"""Detector evaluation: per-photo scores, summaries per group, misses, worst cases and the plot."""

from dataclasses import replace
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from mlplatform.ocr import dataset, detection_eval
from mlplatform.ocr.detect_heuristic import NoCardFoundError

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> list[dataset.Sample]:
    root = Path(tmp_path_factory.mktemp("cards")) / "set"
    dataset.generate_dataset(root, {"test": 6}, seed=3, progress=False)
    return dataset.load_split(root, "test")


def oracle(samples):
    """A detector that looks up the true corners of a photo by its pixels."""
    by_pixels = {s.load().tobytes(): s.corners for s in samples}
    return lambda image: by_pixels[image.tobytes()]


def test_a_perfect_detector_scores_one(samples) -> None:
    results = detection_eval.evaluate_detector(oracle(samples), samples)
    summary = detection_eval.summarize(results)
    assert summary["n"] == 6
    assert summary["mean_iou"] == pytest.approx(1.0)
    assert summary["share_iou_ge_0.95"] == 1.0
    assert summary["mean_corner_error_px"] == pytest.approx(0.0)
    assert summary["missed"] == 0


def test_a_shifted_detector_has_known_corner_error(samples) -> None:
    lookup, offset = oracle(samples), np.array([3.0, 4.0])  # 5 pixels at every corner
    results = detection_eval.evaluate_detector(lambda image: lookup(image) + offset, samples)
    assert detection_eval.summarize(results)["mean_corner_error_px"] == pytest.approx(5.0)
    assert all(0.9 < r.iou < 1 for r in results)


def test_a_miss_counts_as_iou_zero(samples) -> None:
    def never(image: np.ndarray) -> np.ndarray:
        raise NoCardFoundError("nothing here")

    results = detection_eval.evaluate_detector(never, samples)
    summary = detection_eval.summarize(results)
    assert summary["mean_iou"] == 0.0
    assert summary["missed"] == 6
    assert np.isnan(summary["mean_corner_error_px"])
    assert {r.error for r in results} == {"NoCardFoundError"}


@pytest.mark.parametrize("column", detection_eval.GROUPS)
def test_groups_cover_every_photo(samples, column) -> None:
    results = detection_eval.evaluate_detector(oracle(samples), samples)
    table = detection_eval.summarize_by(results, column)
    assert table["n"].sum() == 6
    assert table[column].nunique() == len(table)


def test_distortions_are_binned_from_the_recorded_draws(samples) -> None:
    results = detection_eval.evaluate_detector(oracle(samples), samples)
    frame = detection_eval.results_frame(results)
    for name, edges in detection_eval.DISTORTION_BINS.items():
        assert frame[name].between(edges[0], edges[-1]).all()
        assert frame[f"{name}_bin"].notna().all()
    assert set(frame["shadow"]) <= {"yes", "no"}
    recorded = [s.distortions["background"] for s in samples]
    assert list(frame["background"]) == recorded


def test_unknown_or_unrecorded_groups_raise(samples) -> None:
    results = detection_eval.evaluate_detector(oracle(samples), samples)
    with pytest.raises(ValueError, match="Cannot group by"):
        detection_eval.summarize_by(results, "blur")  # the raw value; the bins are `blur_bin`
    old = [replace(r, sample=replace(r.sample, distortions={})) for r in results]
    assert "blur_bin" not in detection_eval.results_frame(old)
    with pytest.raises(ValueError, match="regenerate the set"):
        detection_eval.summarize_by(old, "blur_bin")


def test_worst_cases_come_first_and_plot(samples) -> None:
    good = oracle(samples)
    bad_id = samples[2].image_id

    def mixed(image: np.ndarray) -> np.ndarray:
        quad = good(image)
        return quad + 40 if np.allclose(quad, samples[2].corners) else quad

    results = detection_eval.evaluate_detector(mixed, samples)
    worst = detection_eval.worst_cases(results, k=2)
    assert worst[0].sample.image_id == bad_id
    figure = detection_eval.plot_detections(worst, columns=2)
    assert len(figure.axes) == 2
    assert "IoU" in figure.axes[0].get_title()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: detection_eval.evaluate_detector(lambda i: i, []), "No samples"),
        (lambda: detection_eval.worst_cases([], k=0), "at least 1"),
        (lambda: detection_eval.plot_detections([]), "Nothing to plot"),
    ],
)
def test_bad_arguments_raise(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_compare_by_puts_detectors_side_by_side(samples) -> None:
    lookup = oracle(samples)
    perfect = detection_eval.evaluate_detector(lookup, samples)
    shifted = detection_eval.evaluate_detector(lambda image: lookup(image) + 30, samples)
    table = detection_eval.compare_by({"perfect": perfect, "shifted": shifted}, "glare")
    assert list(table.columns) == ["n", "perfect", "shifted"]
    assert table["n"].sum() == 6
    assert (table["perfect"] == 1.0).all() and (table["shifted"] < 1.0).all()
    with pytest.raises(ValueError, match="Unknown metric"):
        detection_eval.compare_by({"perfect": perfect}, "layout", "accuracy")
