"""The OCR service's request log from synthetic photos, and graded shifts of the camera.

Each photo is a request. What is monitored is cheap to compute per photo (about 15 ms, no
reader): `brightness` and `contrast` (mean and standard deviation of the grey image), `sharpness`
(variance of the Laplacian), `rotation` (degrees, from the heuristic detector's corners), `tilt`
(the perspective jitter the generator recorded), and the card's colour (`card_warmth`, red minus
blue, and `card_green`, green minus the mean of red and blue, inside the detected corners). The
prediction is the detector's score; the label is the photo's annotated corners, which a reviewer
supplies `LABEL_DELAY_DAYS` later, and its `iou` with the detected card is the per-request score.
The reader's own confidence is left out: reading a photo costs 0.6-0.9 s.

Shifts, each with a strength in [0, 1] (0 = the camera of the training data):

- `darker`: exposure falls to 1 - 0.6 * strength;
- `blurrier`: the blur sigma range grows by 1.5 * strength (low) and 2.5 * strength (high);
- `tilted`: rotation up to 20 + 25 * strength degrees, perspective jitter 0.05 + 0.10 * strength;
- `heldout_layout`: a share `strength` of the cards use the layout training never saw.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pandas as pd

from mlplatform.monitoring.windows import MonitorSpec
from mlplatform.ocr.cards import random_identity, render_card
from mlplatform.ocr.detect_heuristic import NoCardFoundError, detect_card
from mlplatform.ocr.geometry import quad_iou, rotation_degrees
from mlplatform.ocr.layouts import HELDOUT_LAYOUT, TRAINING_LAYOUTS, get_layout
from mlplatform.ocr.photos import CameraConfig, Photo, photograph, rectify

SHIFTS = ("darker", "blurrier", "tilted", "heldout_layout")
LABEL_DELAY_DAYS = 2.0
START = pd.Timestamp("2026-01-05", tz="UTC")
PHOTO_SPEC = MonitorSpec(
    numerical=("brightness", "contrast", "sharpness", "rotation", "tilt", "card_warmth",
               "card_green"),
    prediction="detector_score",
    score="iou",
)  # fmt: skip


def camera_for(shift: str, strength: float) -> CameraConfig:
    """The camera of `shift` at `strength` (the default camera at 0 and for the layout shift).

    Raises:
        ValueError: unknown shift or a strength outside [0, 1].
    """
    if shift not in SHIFTS:
        raise ValueError(f"unknown shift {shift!r}; choose one of {', '.join(SHIFTS)}.")
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must lie in [0, 1] (0 = no shift), got {strength}.")
    base = CameraConfig()
    if strength == 0 or shift == "heldout_layout":
        return base
    if shift == "darker":
        return replace(base, exposure=1.0 - 0.6 * strength)
    if shift == "blurrier":
        low, high = base.blur_sigma
        return replace(base, blur_sigma=(low + 1.5 * strength, high + 2.5 * strength))
    return replace(base, max_rotation=base.max_rotation + 25 * strength, tilt=0.05 + 0.1 * strength)


def shifted_photo(seed: int, index: int, shift: str, strength: float) -> tuple[str, Photo]:
    """Photo `index` of a seeded stream under `shift` at `strength`: (layout name, photo)."""
    camera = camera_for(shift, strength)
    rng = np.random.default_rng([seed, index])
    heldout = rng.random() < (strength if shift == "heldout_layout" else 0.0)
    name = HELDOUT_LAYOUT if heldout else TRAINING_LAYOUTS[int(rng.integers(len(TRAINING_LAYOUTS)))]
    layout = get_layout(name)
    card = render_card(layout, random_identity(rng), rng)
    return name, photograph(card.image, rng, camera)


def photo_features(photo: Photo) -> dict[str, float]:
    """The monitored numbers of one photo, the detector's score and its IoU with the truth."""
    image = photo.image
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    found = {
        "brightness": float(grey.mean()),
        "contrast": float(grey.std()),
        "sharpness": float(cv2.Laplacian(grey, cv2.CV_64F).var()),
        "tilt": float(photo.distortions["tilt"]),
    }
    try:
        detection = detect_card(image)
    except NoCardFoundError:  # a photo the detector misses still counts as a request
        return found | {"rotation": np.nan, "card_warmth": np.nan, "card_green": np.nan,
                        "detector_score": 0.0, "iou": 0.0}  # fmt: skip
    card = rectify(image, detection.quad, (64, 40)).reshape(-1, 3).astype(float).mean(axis=0)
    return found | {
        "rotation": abs(rotation_degrees(detection.quad)),
        "card_warmth": float(card[0] - card[2]),
        "card_green": float(card[1] - (card[0] + card[2]) / 2),
        "detector_score": float(detection.score),
        "iou": float(quad_iou(detection.quad, photo.corners)),
    }


def photo_window(
    shift: str, strength: float, n: int, seed: int = 0, start: int = 0
) -> pd.DataFrame:
    """Photos `start` to `start + n - 1` of a seeded stream as monitored requests, in time order.

    One request a minute; each label (the annotated corners, hence `iou`) arrives
    LABEL_DELAY_DAYS later. The same seed and indices give the same photos under strength 0 of
    any shift, so strength 0 is exactly the unshifted stream.
    """
    rows = []
    for index in range(start, start + n):
        layout, photo = shifted_photo(seed, index, shift, strength)
        rows.append({"photo": index, "layout": layout, **photo_features(photo)})
    frame = pd.DataFrame(rows)
    served = START + pd.to_timedelta(frame["photo"], unit="min")
    return frame.assign(served_at=served, label_time=served + pd.Timedelta(days=LABEL_DELAY_DAYS))
