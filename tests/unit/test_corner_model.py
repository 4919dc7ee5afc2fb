"""The trained-detector wrapper: input checks, no-card refusals, save/load, corner order."""

from pathlib import Path

import numpy as np
import pytest
import torch

from mlplatform.ocr import cards, dataset, layouts, photos
from mlplatform.ocr.corner_model import CardSegmenter, CornerDetector, NetworkConfig
from mlplatform.ocr.corner_training import CornerTrainConfig, train_corner_detector
from mlplatform.ocr.detect_heuristic import NoCardFoundError

TINY = NetworkConfig(input_size=(64, 40), width=4)


@pytest.fixture(scope="module")
def val_samples(tmp_path_factory) -> list[dataset.Sample]:
    root = tmp_path_factory.mktemp("cards") / "set"
    dataset.generate_dataset(root, {"train": 6, "val": 3}, seed=7, progress=False)
    return dataset.load_split(root, "val")


@pytest.fixture(scope="module")
def trained(val_samples) -> CornerDetector:
    """A detector trained for a moment (2 epochs on 3 photos): it only has to be deterministic."""
    config = CornerTrainConfig(epochs=2, batch_size=3, width=4, input_size=(64, 40))
    return train_corner_detector(val_samples, val_samples, config, progress=False)[0]


@pytest.fixture(scope="module")
def photo() -> photos.Photo:
    rng = np.random.default_rng(5)
    card = cards.render_card(layouts.get_layout("azure"), cards.random_identity(rng), rng)
    return photos.photograph(card.image, rng)


def _with_bias(bias: float) -> CornerDetector:
    """A tiny detector whose head says 'card' (bias > 0) or 'no card' (bias < 0) everywhere."""
    detector = CornerDetector.new(TINY, seed=0)
    with torch.no_grad():
        detector.network.head.weight.zero_()
        detector.network.head.bias.fill_(bias)
    return detector


def test_the_network_keeps_the_input_resolution() -> None:
    network = CardSegmenter(width=4)
    assert network(torch.zeros(2, 3, 40, 64)).shape == (2, 1, 40, 64)
    assert network(torch.zeros(1, 3, 25, 37)).shape == (1, 1, 25, 37)  # odd sizes too


def test_probabilities_have_the_input_size(photo) -> None:
    probability = CornerDetector.new(TINY).probabilities(photo.image)
    assert probability.shape == (40, 64)
    assert 0 <= probability.min() <= probability.max() <= 1


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((400, 640, 3), np.uint8),
        np.full((400, 640, 3), 200, np.uint8),
        np.random.default_rng(0).integers(0, 256, (400, 640, 3)).astype(np.uint8),
    ],
    ids=["black", "grey", "noise"],
)
@pytest.mark.parametrize("bias", [-10.0, 10.0], ids=["nothing", "everything"])
def test_a_photo_without_a_card_raises(image, bias) -> None:
    with pytest.raises(NoCardFoundError, match="No card found"):
        _with_bias(bias)(image)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((0, 0, 3), np.uint8), "empty"),
        (np.zeros((40, 60, 4), np.uint8), "H x W x 3"),
        (np.zeros((40, 60, 3), np.float32), "uint8"),
        ([[1, 2], [3, 4]], "numpy array"),
        (np.array(["not", "an", "image"]), "uint8"),
    ],
    ids=["empty", "four-channels", "float", "list", "strings"],
)
def test_bad_arrays_are_refused(image, message) -> None:
    with pytest.raises(ValueError, match=message):
        CornerDetector.new(TINY)(image)


def test_save_and_load_give_identical_predictions(photo, tmp_path: Path) -> None:
    detector = CornerDetector.new(TINY, seed=3)
    path = detector.save(tmp_path / "sub" / "detector.pt")
    loaded = CornerDetector.load(path)
    assert loaded.config == detector.config
    np.testing.assert_array_equal(
        loaded.probabilities(photo.image), detector.probabilities(photo.image)
    )


def test_a_trained_detector_round_trips_its_outputs(trained, val_samples, tmp_path: Path) -> None:
    loaded = CornerDetector.load(trained.save(tmp_path / "d.pt"))
    for sample in val_samples:
        image = sample.load()
        np.testing.assert_array_equal(loaded.probabilities(image), trained.probabilities(image))
        try:
            expected = trained(image)
        except NoCardFoundError:  # a barely trained network may see nothing: so must the copy
            with pytest.raises(NoCardFoundError, match="No card found"):
                loaded(image)
        else:
            np.testing.assert_array_equal(loaded(image), expected)


@pytest.mark.parametrize(
    ("content", "error", "message"),
    [(None, FileNotFoundError, "does not exist"), (b"junk", ValueError, "not a saved")],
    ids=["missing", "junk"],
)
def test_loading_a_missing_or_foreign_file_fails(content, error, message, tmp_path: Path) -> None:
    path = tmp_path / "detector.pt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(error, match=message):
        CornerDetector.load(path)


def test_a_mask_over_the_whole_photo_is_not_a_card(photo) -> None:
    with pytest.raises(NoCardFoundError, match="covers 99"):
        _with_bias(10.0)(photo.image)
    # a grey image uses the gray path and is refused by the same rule
    with pytest.raises(NoCardFoundError, match="covers 99"):
        _with_bias(10.0)(photo.image[..., 0].copy())
