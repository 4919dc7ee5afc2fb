"""Card layouts as data: colours, where each field sits, and which fonts print it.

Three layouts are used for training, validation and test; a fourth, `HELDOUT_LAYOUT`, appears only
in the `test_heldout` split, so a model's score on it measures how well it generalises to a card
design it has never seen. Positions are fractions of the card's width and height, so a layout can
be rendered at any resolution. The card has the ID-1 aspect ratio (85.60 x 53.98 mm).
"""

from __future__ import annotations

from dataclasses import dataclass

CARD_SIZE = (512, 323)  # pixels, ID-1 aspect ratio 1.586
FIELDS = ("name", "date_of_birth", "expiry_date", "nationality", "id_number")
LABELS = {
    "name": "Name",
    "date_of_birth": "Date of birth",
    "expiry_date": "Date of expiry",
    "nationality": "Nationality",
    "id_number": "Document no.",
}

RGB = tuple[int, int, int]
XY = tuple[float, float]


@dataclass(frozen=True, eq=False)  # hashed by identity, so a template can be cached per layout
class Layout:
    """One card template. `fields` maps a field to the top-left of its value, as fractions."""

    name: str
    title: str
    background: RGB
    band: RGB  # the header band
    title_colour: RGB
    text: RGB
    label: RGB
    band_height: float
    label_font: str  # keys of `mlplatform.ocr.fonts.FONT_FILES`
    value_font: str
    id_font: str
    value_size: int
    id_size: int
    fields: dict[str, XY]
    photo_box: tuple[float, float, float, float]  # x0, y0, x1, y1
    pattern: str  # "waves", "stripes", "dots" or "rings": the security background print


AZURE = Layout(
    name="azure", title="REPUBLIC OF UTOPIA  IDENTITY CARD",
    background=(222, 234, 247), band=(31, 78, 140), title_colour=(255, 255, 255),
    text=(20, 24, 40), label=(70, 90, 130), band_height=0.16,
    label_font="sans", value_font="sans-bold", id_font="mono-bold", value_size=17, id_size=22,
    fields={"name": (0.36, 0.27), "date_of_birth": (0.36, 0.45), "expiry_date": (0.68, 0.45),
            "nationality": (0.36, 0.63), "id_number": (0.36, 0.81)},
    photo_box=(0.05, 0.24, 0.30, 0.90), pattern="waves",
)  # fmt: skip
SAND = Layout(
    name="sand", title="UTOPIA  NATIONAL ID",
    background=(244, 232, 206), band=(150, 96, 40), title_colour=(255, 244, 220),
    text=(50, 30, 10), label=(140, 100, 60), band_height=0.14,
    label_font="serif", value_font="serif-bold", id_font="mono", value_size=17, id_size=23,
    fields={"name": (0.05, 0.25), "date_of_birth": (0.05, 0.43), "nationality": (0.40, 0.43),
            "expiry_date": (0.05, 0.61), "id_number": (0.05, 0.80)},
    photo_box=(0.70, 0.22, 0.95, 0.88), pattern="stripes",
)  # fmt: skip
MINT = Layout(
    name="mint", title="IDENTITY DOCUMENT  UTOPIA",
    background=(218, 240, 226), band=(24, 110, 80), title_colour=(235, 255, 240),
    text=(10, 40, 25), label=(60, 120, 90), band_height=0.15,
    label_font="sans", value_font="sans", id_font="sans-bold", value_size=18, id_size=22,
    fields={"id_number": (0.36, 0.24), "name": (0.36, 0.42), "date_of_birth": (0.36, 0.60),
            "nationality": (0.72, 0.60), "expiry_date": (0.36, 0.78)},
    photo_box=(0.05, 0.22, 0.30, 0.88), pattern="dots",
)  # fmt: skip
CRIMSON = Layout(
    name="crimson", title="CARTE D'IDENTITE  UTOPIA",
    background=(246, 226, 228), band=(140, 24, 44), title_colour=(255, 236, 236),
    text=(40, 10, 16), label=(150, 70, 80), band_height=0.18,
    label_font="stix", value_font="stix-bold", id_font="serif-bold", value_size=19, id_size=22,
    fields={"name": (0.33, 0.28), "nationality": (0.33, 0.46), "date_of_birth": (0.62, 0.46),
            "id_number": (0.33, 0.64), "expiry_date": (0.33, 0.82)},
    photo_box=(0.04, 0.27, 0.27, 0.93), pattern="rings",
)  # fmt: skip

LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (AZURE, SAND, MINT, CRIMSON)}
HELDOUT_LAYOUT = "crimson"
TRAINING_LAYOUTS: tuple[str, ...] = tuple(name for name in LAYOUTS if name != HELDOUT_LAYOUT)


def get_layout(name: str) -> Layout:
    """The layout called `name`.

    Raises:
        KeyError: unknown name; the message lists the known layouts.
    """
    if name not in LAYOUTS:
        raise KeyError(f"no layout called {name!r}; choose one of {', '.join(LAYOUTS)}.")
    return LAYOUTS[name]
