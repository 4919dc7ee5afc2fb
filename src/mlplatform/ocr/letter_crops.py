"""Extra training fields for the reader: freshly rendered cards whose IDs have letters in the tail.

In the data set only 15% of the last seven document characters are letters (`icao.LETTER_SHARE`),
so a letter there is rare and the fine-tuned recogniser's remaining errors are `I`/`1`, `B`/`8`
and `O`/`0` at exactly those places. These fields over-sample them: each card is drawn with the
package's own generator (`cards.render_card`, `photos.photograph`, the training layouts only), with
one to three letters forced into the tail, from random streams that no split of the data set uses
(the set seeds photo *i* of split *s* with `(seed, s, i)`, `s` in 0-3; these use `s` = 100). No
validation or test photo is touched.

Example:
    >>> patches = letter_patches(4, seed=42)  # doctest: +SKIP
"""

from __future__ import annotations

import string
from dataclasses import replace

import cv2
import numpy as np

from mlplatform.ocr import icao
from mlplatform.ocr.cards import random_identity, render_card
from mlplatform.ocr.field_patches import FieldPatch, patch_around
from mlplatform.ocr.layouts import TRAINING_LAYOUTS, get_layout
from mlplatform.ocr.photos import box_to_quad, photograph, transform_points

EXTRA_STREAM = 100  # the data set's splits use streams 0-3


def letter_id(rng: np.random.Generator, letters: tuple[int, int] = (1, 3)) -> str:
    """A valid ID with at least one letter in its tail: `letters` (min, max) positions forced."""
    document = list(icao.random_id(rng)[: icao.DOCUMENT_LENGTH])
    count = int(rng.integers(letters[0], letters[1] + 1))
    for position in rng.choice(np.arange(2, icao.DOCUMENT_LENGTH), size=count, replace=False):
        document[int(position)] = string.ascii_uppercase[int(rng.integers(26))]
    return icao.make_id("".join(document))


def letter_patches(n: int, seed: int) -> list[FieldPatch]:
    """`n` ID fields of newly generated training-layout photos, IDs from `letter_id`."""
    patches = []
    for index in range(n):
        rng = np.random.default_rng([seed, EXTRA_STREAM, index])
        layout = get_layout(TRAINING_LAYOUTS[int(rng.integers(len(TRAINING_LAYOUTS)))])
        identity = replace(random_identity(rng), id_number=letter_id(rng))
        card = render_card(layout, identity, rng)
        photo = photograph(card.image, rng)
        quad = transform_points(photo.homography, box_to_quad(card.boxes["id_number"]))
        grey = cv2.cvtColor(photo.image, cv2.COLOR_RGB2GRAY)
        patches.append(patch_around(grey, quad, identity.id_number))
    return patches
