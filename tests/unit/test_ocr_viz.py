"""Drawing ground truth and tiling images for the notebooks."""

import cv2
import numpy as np

from mlplatform.ocr import viz


def test_draw_ground_truth_marks_the_outline_and_leaves_the_input_alone() -> None:
    image = np.zeros((100, 160, 3), np.uint8)
    corners = np.array([[20, 20], [140, 20], [140, 80], [20, 80]], float)
    drawn = viz.draw_ground_truth(image, corners, {"id_number": corners * 0.5 + 30})
    assert image.max() == 0
    assert tuple(drawn[50, 140]) == viz.CARD_COLOUR
    yellowish = (drawn[..., 0] > 100) & (drawn[..., 1] > 80) & (drawn[..., 2] == 0)
    assert yellowish[30:70, 35:105].any()  # the ID quad sits around (40..100, 40..70)


def test_image_grid_tiles_and_resizes() -> None:
    images = [np.full((10, 20, 3), 0, np.uint8), np.full((5, 10, 3), 100, np.uint8)] * 3
    grid = viz.image_grid(images, columns=4, pad=2)
    assert grid.shape == (2 * 12 + 2, 4 * 22 + 2, 3)
    assert grid[2, 2].tolist() == [0, 0, 0] and grid[2, 24].tolist() == [100, 100, 100]
    assert grid[-1, -1].tolist() == [255, 255, 255]


def test_show_gives_a_small_jpeg() -> None:
    image = np.random.default_rng(0).integers(0, 255, (800, 2000, 3), dtype=np.uint8)
    shown = viz.show(image, max_width=500)
    assert shown.format == "jpeg"
    assert shown.data[:2] == b"\xff\xd8"
    decoded = cv2.imdecode(np.frombuffer(shown.data, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (200, 500, 3)


def test_show_figure_renders_a_jpeg_and_closes_the_figure() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(4, 2), dpi=50)
    axis.imshow(np.zeros((10, 20, 3), np.uint8))
    pixels_shape = viz.figure_pixels(figure).shape
    assert pixels_shape == (100, 200, 3)
    assert not plt.fignum_exists(figure.number)

    figure, _ = plt.subplots(figsize=(40, 2), dpi=50)
    shown = viz.show_figure(figure, max_width=300)
    assert shown.format == "jpeg"
    assert shown.data[:2] == b"\xff\xd8"  # JPEG start-of-image marker
