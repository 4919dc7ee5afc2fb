"""Fonts, layouts and flat cards."""

import numpy as np
import pytest

from mlplatform.ocr import cards, fonts, icao, layouts


def test_fonts_come_from_matplotlib_and_load() -> None:
    for name in fonts.FONT_FILES:
        assert fonts.font_path(name).suffix == ".ttf"
        assert fonts.load_font(name, 12).size == 12


def test_unknown_font_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="choose one of sans"):
        fonts.font_path("comic")


def test_layouts_differ_and_one_is_held_out() -> None:
    assert len(layouts.LAYOUTS) >= 4
    assert layouts.HELDOUT_LAYOUT in layouts.LAYOUTS
    assert layouts.HELDOUT_LAYOUT not in layouts.TRAINING_LAYOUTS
    assert len({layout.background for layout in layouts.LAYOUTS.values()}) == len(layouts.LAYOUTS)
    assert len({layout.id_font for layout in layouts.LAYOUTS.values()}) >= 3
    positions = {layout.fields["id_number"] for layout in layouts.LAYOUTS.values()}
    assert len(positions) == len(layouts.LAYOUTS)


def test_unknown_layout_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="choose one of azure"):
        layouts.get_layout("plaid")


def test_identity_is_plausible() -> None:
    identity = cards.random_identity(np.random.default_rng(3))
    assert icao.is_valid_id(identity.id_number)
    assert identity.nationality in cards.NATIONALITIES
    born, expires = (
        tuple(int(p) for p in reversed(d.split(".")))
        for d in (identity.date_of_birth, identity.expiry_date)
    )
    assert born < expires


@pytest.mark.parametrize("name", sorted(layouts.LAYOUTS))
def test_card_boxes_lie_inside_the_card_and_do_not_overlap(name: str) -> None:
    rng = np.random.default_rng(1)
    card = cards.render_card(layouts.get_layout(name), cards.random_identity(rng), rng)
    height, width = card.image.shape[:2]
    assert (width, height) == layouts.CARD_SIZE
    boxes = list(card.boxes.values())
    for x0, y0, x1, y1 in boxes:
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_text_is_printed_inside_its_box() -> None:
    rng = np.random.default_rng(2)
    layout = layouts.get_layout("azure")
    card = cards.render_card(layout, cards.random_identity(rng), rng)
    x0, y0, x1, y1 = (int(v) for v in card.boxes["id_number"])
    ink = np.abs(card.image[y0:y1, x0:x1].astype(int) - layout.text).sum(axis=2) < 60
    assert ink.mean() > 0.1  # the box holds dark text, not just background


def test_same_rng_same_card() -> None:
    def draw(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        return cards.render_card(layouts.get_layout("sand"), cards.random_identity(rng), rng).image

    assert np.array_equal(draw(5), draw(5))
    assert not np.array_equal(draw(5), draw(6))
