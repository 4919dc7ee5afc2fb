"""Quad geometry: corner order, IoU and corner error on hand-worked cases."""

import numpy as np
import pytest

from mlplatform.ocr import geometry

SQUARE = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], float)  # clockwise from top-left


@pytest.mark.parametrize(
    ("shift", "expected"),
    [
        ((0, 0), 1.0),  # identical
        ((5, 0), 50 / 150),  # half overlaps: intersection 50, union 150
        ((5, 5), 25 / 175),  # a quarter overlaps: 25 / (100 + 100 - 25)
        ((10, 0), 0.0),  # touching along an edge: no area in common
        ((30, 30), 0.0),  # disjoint
    ],
)
def test_iou_of_shifted_squares(shift, expected) -> None:
    assert geometry.quad_iou(SQUARE + shift, SQUARE) == pytest.approx(expected)


def test_iou_of_a_square_inside_another() -> None:
    inner = np.array([[2, 2], [7, 2], [7, 7], [2, 7]], float)  # 25 of 100
    assert geometry.quad_iou(inner, SQUARE) == pytest.approx(0.25)


@pytest.mark.parametrize("order", [[1, 2, 3, 0], [3, 2, 1, 0], [0, 3, 2, 1]])  # ccw too
def test_iou_ignores_the_corner_order_of_a_convex_quad(order) -> None:
    assert geometry.quad_iou(SQUARE[order] + (5, 0), SQUARE) == pytest.approx(1 / 3)


def test_a_bow_tie_counts_with_its_two_triangles() -> None:
    bow_tie = SQUARE[[0, 2, 1, 3]]  # crosses itself at (5, 5): two triangles of 25 each
    assert geometry.quad_area(bow_tie) == pytest.approx(50)
    assert geometry.quad_iou(bow_tie, SQUARE) == pytest.approx(0.5)


def test_a_degenerate_quad_has_iou_zero() -> None:
    line = np.array([[0, 0], [10, 0], [20, 0], [30, 0]], float)
    assert geometry.quad_iou(line, line) == 0.0


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (np.zeros((3, 2)), "shape \\(4, 2\\)"),
        (np.zeros(8), "shape \\(4, 2\\)"),
        (np.array([[0, 0], [1, 0], [1, np.nan], [0, 1]]), "NaN"),
    ],
)
def test_bad_quads_raise(points, message) -> None:
    with pytest.raises(ValueError, match=message):
        geometry.quad_iou(points, SQUARE)


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [2, 3, 0, 1], [3, 2, 1, 0], [1, 3, 0, 2]])
@pytest.mark.parametrize("degrees", [-30.0, -10.0, 0.0, 20.0, 40.0])
def test_order_corners_recovers_clockwise_from_top_left(order, degrees) -> None:
    card = np.array([[0, 0], [86, 0], [86, 54], [0, 54]], float) - (43, 27)
    theta = np.deg2rad(degrees)
    turn = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    quad = card @ turn.T + (300, 200)
    np.testing.assert_allclose(geometry.order_corners(quad[order]), quad)


def test_mean_corner_error_by_hand() -> None:
    pred = SQUARE + np.array([[3, 4], [0, 0], [0, 0], [-6, 8]])  # errors 5, 0, 0, 10 px
    assert geometry.mean_corner_error(pred, SQUARE) == pytest.approx(3.75)
    np.testing.assert_allclose(geometry.corner_errors(pred, SQUARE), [5, 0, 0, 10])


def test_corner_error_counts_a_wrong_order() -> None:
    assert geometry.mean_corner_error(np.roll(SQUARE, 1, axis=0), SQUARE) == pytest.approx(10)


@pytest.mark.parametrize(("degrees"), [-15.0, 0.0, 12.5])
def test_rotation_of_the_top_edge(degrees) -> None:
    theta = np.deg2rad(degrees)
    turn = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    assert geometry.rotation_degrees(SQUARE @ turn.T) == pytest.approx(degrees)
