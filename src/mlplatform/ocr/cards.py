"""Flat ID cards rendered with Pillow from a seeded random identity.

A card is the layout's template (background print, header band, title, field labels; drawn once per
layout and cached) plus the identity's values and a face placeholder. Every value's box is the ink
box Pillow reports for the text, in card pixels; `photos` maps these boxes into the photograph.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from mlplatform.ocr import icao
from mlplatform.ocr.fonts import load_font
from mlplatform.ocr.layouts import CARD_SIZE, FIELDS, LABELS, Layout

GIVEN_NAMES = (
    "Anna", "Ben", "Chiara", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ivan", "Jonas", "Kofi",
    "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sami", "Tomas", "Ulla",
    "Vera", "Wiktor", "Xenia", "Yusuf", "Zoe",
)  # fmt: skip
SURNAMES = (
    "ANDERSEN", "BERGSTROM", "CASTILLO", "DUBOIS", "ERIKSSON", "FISCHER", "GARCIA", "HOLM",
    "IVANOVA", "JANSEN", "KOWALSKI", "LINDQVIST", "MORENO", "NOVAK", "OKAFOR", "PETERS",
    "QUINN", "ROSSI", "SANTOS", "TANAKA", "URBAN", "VOGEL", "WEBER", "XU", "YILMAZ", "ZIELINSKI",
)  # fmt: skip
NATIONALITIES = ("UTO", "AUT", "BEL", "DEU", "ESP", "FRA", "IRL", "ITA", "NLD", "POL", "PRT", "SWE")
DATE_FORMAT = "%d.%m.%Y"
SKIN_TONES = ((241, 194, 160), (224, 172, 132), (198, 134, 94), (141, 85, 54), (94, 60, 40))
REFERENCE_DAY = dt.date(2026, 1, 1)  # fixed, so the data does not depend on the day it was made


@dataclass(frozen=True)
class Identity:
    """The printed values of one card, as text."""

    name: str
    date_of_birth: str
    expiry_date: str
    nationality: str
    id_number: str

    def text(self, field: str) -> str:
        """The value of `field` (one of `layouts.FIELDS`)."""
        return str(getattr(self, field))


@dataclass(frozen=True)
class FlatCard:
    """A rendered card: RGB pixels and, per field, its text and ink box (x0, y0, x1, y1)."""

    image: np.ndarray  # H x W x 3 uint8
    layout: str
    identity: Identity
    boxes: dict[str, tuple[float, float, float, float]]


def random_identity(rng: np.random.Generator) -> Identity:
    """Draw a name, dates, nationality and a valid ID number from `rng`."""
    born = REFERENCE_DAY - dt.timedelta(days=int(rng.integers(18 * 365, 80 * 365)))
    expires = REFERENCE_DAY + dt.timedelta(days=int(rng.integers(30, 10 * 365)))
    return Identity(
        name=f"{SURNAMES[rng.integers(len(SURNAMES))]} {GIVEN_NAMES[rng.integers(len(GIVEN_NAMES))]}",
        date_of_birth=born.strftime(DATE_FORMAT),
        expiry_date=expires.strftime(DATE_FORMAT),
        nationality=NATIONALITIES[rng.integers(len(NATIONALITIES))],
        id_number=icao.random_id(rng),
    )


def _px(layout_xy: tuple[float, float]) -> tuple[int, int]:
    return round(layout_xy[0] * CARD_SIZE[0]), round(layout_xy[1] * CARD_SIZE[1])


def _draw_pattern(draw: ImageDraw.ImageDraw, layout: Layout) -> None:
    width, height = CARD_SIZE
    tint = tuple(max(0, c - 18) for c in layout.background)
    if layout.pattern == "waves":
        for k in range(0, height, 9):
            points = [(x, k + 4 * math.sin(x / 23 + k / 17)) for x in range(0, width + 8, 8)]
            draw.line(points, fill=tint, width=1)
    elif layout.pattern == "stripes":
        for k in range(-height, width, 12):
            draw.line([(k, height), (k + height, 0)], fill=tint, width=2)
    elif layout.pattern == "dots":
        for y in range(4, height, 10):
            for x in range(4 + (y // 10) % 2 * 5, width, 10):
                draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=tint)
    elif layout.pattern == "rings":
        for r in range(10, 2 * width, 14):
            draw.ellipse(
                (width * 0.7 - r, height * 0.6 - r, width * 0.7 + r, height * 0.6 + r),
                outline=tint,
                width=2,
            )


@lru_cache(maxsize=8)
def template(layout: Layout) -> Image.Image:
    """The card without personal values: background print, band, title and labels (cached)."""
    image = Image.new("RGB", CARD_SIZE, layout.background)
    draw = ImageDraw.Draw(image)
    _draw_pattern(draw, layout)
    band = round(layout.band_height * CARD_SIZE[1])
    draw.rectangle((0, 0, CARD_SIZE[0], band), fill=layout.band)
    title_font = load_font(layout.value_font, round(band * 0.42))
    draw.text(
        (CARD_SIZE[0] * 0.05, band / 2),
        layout.title,
        fill=layout.title_colour,
        font=title_font,
        anchor="lm",
    )
    label_font = load_font(layout.label_font, 11)
    for field in FIELDS:
        x, y = _px(layout.fields[field])
        draw.text((x, y - 4), LABELS[field], fill=layout.label, font=label_font, anchor="ls")
    return image


def _draw_face(draw: ImageDraw.ImageDraw, layout: Layout, rng: np.random.Generator) -> None:
    x0, y0 = _px(layout.photo_box[:2])
    x1, y1 = _px(layout.photo_box[2:])
    draw.rectangle((x0, y0, x1, y1), fill=(200, 205, 210), outline=layout.label, width=2)
    skin = SKIN_TONES[rng.integers(len(SKIN_TONES))]
    cx, w, h = (x0 + x1) / 2, x1 - x0, y1 - y0
    draw.ellipse((cx - 0.42 * w, y0 + 0.68 * h, cx + 0.42 * w, y1 + 0.3 * h), fill=(70, 80, 100))
    draw.ellipse((cx - 0.22 * w, y0 + 0.18 * h, cx + 0.22 * w, y0 + 0.62 * h), fill=skin)
    draw.rectangle((x0, y1, x1, y1 + 0.3 * h), fill=layout.background)  # trim the shoulders


def render_card(layout: Layout, identity: Identity, rng: np.random.Generator) -> FlatCard:
    """Print `identity` on `layout`'s template; `rng` only varies the face placeholder."""
    image = template(layout).copy()
    draw = ImageDraw.Draw(image)
    _draw_face(draw, layout, rng)
    boxes = {}
    for field in FIELDS:
        size = layout.id_size if field == "id_number" else layout.value_size
        font = load_font(layout.id_font if field == "id_number" else layout.value_font, size)
        xy = _px(layout.fields[field])
        text = identity.text(field)
        draw.text(xy, text, fill=layout.text, font=font, anchor="lt")
        boxes[field] = tuple(float(v) for v in draw.textbbox(xy, text, font=font, anchor="lt"))
    return FlatCard(np.asarray(image), layout.name, identity, boxes)
