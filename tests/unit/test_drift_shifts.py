"""The projects' graded shifts: strength 0 is no shift, a strong shift is caught, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from mlplatform.monitoring.detectors import DETECTORS
from mlplatform.ocr import shifts as ocr_shifts
from mlplatform.ocr.photos import CameraConfig
from mlplatform.recommender import shifts as rec_shifts


@pytest.fixture(scope="module")
def log(settings) -> rec_shifts.RequestLog:
    return rec_shifts.build_request_log(settings, reference_size=3000, seed=0)


@pytest.mark.parametrize("shift", rec_shifts.SHIFTS)
def test_recommender_strength_zero_is_the_unshifted_window(log, shift) -> None:
    other = "new_users" if shift == "later_window" else "later_window"
    window = rec_shifts.shifted_window(log, shift, 0.0, 300, seed=5)
    pd.testing.assert_frame_equal(window, rec_shifts.shifted_window(log, other, 0.0, 300, seed=5))
    assert window["served_at"].is_monotonic_increasing
    assert (window["label_time"] > window["served_at"]).all()


@pytest.mark.parametrize("shift", rec_shifts.SHIFTS)
def test_a_full_recommender_shift_is_caught_and_none_is_not(log, shift) -> None:
    spec, detector = rec_shifts.REQUEST_SPEC, DETECTORS["evidently"]
    shifted = rec_shifts.shifted_window(log, shift, 1.0, 500, seed=6)
    assert detector.detect(log.reference, shifted, spec).drifted
    clean = rec_shifts.shifted_window(log, shift, 0.0, 500, seed=6)
    assert not detector.detect(log.reference, clean, spec).drifted


def test_new_users_are_new_and_the_label_delay_is_as_stated(log) -> None:
    window = rec_shifts.shifted_window(log, "new_users", 1.0, 400, seed=7)
    assert not set(window["user_id"]) & set(log.reference["user_id"])
    delay_days = (window["label_time"] - window["served_at"]).dt.total_seconds() / 86400
    assert delay_days.mean() == pytest.approx(rec_shifts.LABEL_DELAY_DAYS, rel=0.3)


def test_recommender_bad_shift_or_strength_is_refused(log) -> None:
    with pytest.raises(ValueError, match="unknown shift 'holidays'"):
        rec_shifts.shifted_window(log, "holidays", 0.5, 10)
    with pytest.raises(ValueError, match=r"strength must lie in \[0, 1\]"):
        rec_shifts.shifted_window(log, "new_users", 1.5, 10)


@pytest.mark.parametrize("shift", ocr_shifts.SHIFTS)
def test_ocr_strength_zero_is_the_default_camera_and_the_same_photos(shift) -> None:
    assert ocr_shifts.camera_for(shift, 0.0) == CameraConfig()
    pd.testing.assert_frame_equal(
        ocr_shifts.photo_window(shift, 0.0, 3, seed=4),
        ocr_shifts.photo_window("darker", 0.0, 3, seed=4),
    )


def test_ocr_shifts_move_the_feature_they_should() -> None:
    base = ocr_shifts.photo_window("darker", 0.0, 12, seed=8)
    moved = {
        "darker": ("brightness", -1),
        "blurrier": ("sharpness", -1),
        "tilted": ("tilt", +1),
    }
    for shift, (column, sign) in moved.items():
        strong = ocr_shifts.photo_window(shift, 1.0, 12, seed=8)
        assert sign * (strong[column].median() - base[column].median()) > 0, shift
    heldout = ocr_shifts.photo_window("heldout_layout", 1.0, 4, seed=8)
    assert set(heldout["layout"]) == {"crimson"}


def test_a_strong_ocr_shift_is_caught_by_every_detector() -> None:
    reference = ocr_shifts.photo_window("darker", 0.0, 60, seed=1)
    darker = ocr_shifts.photo_window("darker", 1.0, 40, seed=2)
    for name, detector in DETECTORS.items():
        verdict = detector.detect(reference, darker, ocr_shifts.PHOTO_SPEC)
        assert verdict.drifted and "brightness" in verdict.drifted_columns, name
