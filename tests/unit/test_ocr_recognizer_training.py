import numpy as np
import pytest
import torch

from mlplatform.ocr.crnn import CRNNRecognizer, build_network, characters
from mlplatform.ocr.dataset import Sample, generate_dataset, load_split
from mlplatform.ocr.recognizer_training import (
    ReaderTrainConfig,
    augment_crop,
    clean_crop,
    encode,
    expand_quad,
    field_patch,
    save_recognizer,
    train_recognizer,
    train_step,
)

SIZES = {"train": 4, "val": 2, "test": 1, "test_heldout": 1}


@pytest.fixture(scope="module")
def splits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Sample]]:
    root = tmp_path_factory.mktemp("cards") / "set"
    generate_dataset(root, SIZES, seed=11, progress=False)
    return {split: load_split(root, split) for split in ("train", "val")}


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)


def test_expand_quad_grows_each_side_by_a_share_of_the_height() -> None:
    quad = np.array([[10, 20], [110, 20], [110, 40], [10, 40]], float)
    grown = expand_quad(quad, [0.5, 0.0, 1.0, 0.25])
    assert grown.tolist() == [[0, 20], [130, 20], [130, 45], [0, 45]]


def test_expand_quad_follows_a_rotated_quad() -> None:
    turn = np.array([[0, -1], [1, 0]], float)  # 90 degrees
    quad = np.array([[0, 0], [100, 0], [100, 20], [0, 20]], float) @ turn.T
    grown = expand_quad(quad, [0, 0, 1.0, 0])
    assert np.allclose(grown[1] - quad[1], [0, 20])


def test_field_patch_contains_the_field(splits) -> None:
    patch = field_patch(splits["train"][0])
    height, width = patch.pixels.shape
    assert patch.pixels.ndim == 2
    assert (patch.quad >= 0).all() and (patch.quad[:, 0] <= width).all()
    assert (patch.quad[:, 1] <= height).all()
    assert patch.text == splits["train"][0].card_id


def test_augmented_crops_vary_and_keep_their_height(splits) -> None:
    patch = field_patch(splits["train"][0])
    config = ReaderTrainConfig()
    rng = np.random.default_rng(0)
    crops = [augment_crop(patch, rng, config) for _ in range(4)]
    assert all(config.crop_height[0] <= c.shape[0] < config.crop_height[1] for c in crops)
    assert all(c.shape[1] > 3 * c.shape[0] for c in crops)  # an ID is wide
    assert len({c.tobytes() for c in crops}) == 4
    assert clean_crop(patch).shape[0] == 32


def test_encode_maps_characters_to_classes() -> None:
    targets, lengths = encode(["AB", "0"])
    chars = characters()
    assert targets.tolist() == [chars.index("A") + 1, chars.index("B") + 1, chars.index("0") + 1]
    assert lengths.tolist() == [2, 1]


def test_training_steps_lower_the_loss_on_a_fixed_batch(splits) -> None:
    torch.manual_seed(0)
    network = build_network()
    optimiser = torch.optim.Adam(network.parameters(), lr=3e-4)
    patches = [field_patch(s) for s in splits["train"][:2]]
    crops, texts = [clean_crop(p) for p in patches], [p.text for p in patches]
    losses = [train_step(network, optimiser, crops, texts) for _ in range(4)]
    assert losses[-1] < losses[0]


def test_a_tiny_training_run_has_a_history_and_saves(splits, tmp_path) -> None:
    config = ReaderTrainConfig(epochs=1, batch_size=4, max_train=4, max_val=2)
    recognizer, history = train_recognizer(splits["train"], splits["val"], config, progress=False)
    assert history.columns.tolist() == [
        "epoch",
        "train_loss",
        "val_exact_match",
        "val_cer",
        "seconds",
    ]
    assert len(history) == 1 and np.isfinite(history["train_loss"]).all()
    assert len(history.attrs["step_loss"]) == 1  # 4 photos, batches of 4
    assert history["train_loss"].iloc[0] == pytest.approx(history.attrs["step_loss"][0])
    save_recognizer(recognizer, tmp_path / "reader.pt")
    again = CRNNRecognizer.load(tmp_path / "reader.pt")
    crop = clean_crop(field_patch(splits["val"][0]))
    assert again.read([crop]) == recognizer.read([crop])
    assert again.name == "fine-tuned"


def test_letter_fields_join_the_training_photos(splits) -> None:
    config = ReaderTrainConfig(epochs=1, batch_size=4, max_train=2, max_val=1, letter_fields=2)
    _, history = train_recognizer(splits["train"], splits["val"], config, progress=False)
    assert len(history.attrs["step_loss"]) == 1  # 2 photos + 2 letter fields, one batch of 4
    without = ReaderTrainConfig(epochs=1, batch_size=1, max_train=2, max_val=1)
    _, history = train_recognizer(splits["train"], splits["val"], without, progress=False)
    assert len(history.attrs["step_loss"]) == 2


@pytest.mark.parametrize(("fast", "epochs", "letters"), [(True, 1, 0), (False, 2, 400)])
def test_config_for_mode(fast: bool, epochs: int, letters: int) -> None:
    config = ReaderTrainConfig.for_mode(fast, seed=3)
    assert (config.epochs, config.seed, config.letter_fields) == (epochs, 3, letters)
    assert (config.max_train is not None) == fast
