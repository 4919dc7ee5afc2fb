"""Training the corner detector: configs per mode, batches, loss, history and MLflow logging."""

from dataclasses import replace

import mlflow
import numpy as np
import pandas as pd
import pytest
import torch

from mlplatform.ocr import dataset
from mlplatform.ocr.corner_model import CornerDetector
from mlplatform.ocr.corner_training import (
    CornerTrainConfig,
    extra_photos,
    make_batch,
    mask_loss,
    train_corner_detector,
)
from mlplatform.tracking import temporary_tracking_uri

TINY = CornerTrainConfig(epochs=3, batch_size=4, width=4, input_size=(64, 40), lr=1e-2)


@pytest.fixture(scope="module")
def splits(tmp_path_factory) -> dict[str, list[dataset.Sample]]:
    root = tmp_path_factory.mktemp("cards") / "set"
    dataset.generate_dataset(root, {"train": 8, "val": 3}, seed=11, progress=False)
    return {split: dataset.load_split(root, split) for split in ("train", "val")}


@pytest.mark.parametrize("fast", [True, False])
def test_configs_per_mode(fast) -> None:
    config = CornerTrainConfig.for_mode(fast, seed=7)
    assert config.seed == 7
    assert config.epochs >= 1 and config.batch_size >= 1
    full = CornerTrainConfig.for_mode(False)
    assert (config.epochs < full.epochs) == fast


def test_a_batch_holds_inputs_and_soft_masks() -> None:
    images = np.full((2, 40, 64, 3), 128, np.uint8)
    corners = np.array([[[10, 5], [50, 8], [48, 35], [8, 30]]] * 2, float)
    x, y = make_batch(images, corners, np.random.default_rng(0), 10.0)
    assert x.shape == (2, 3, 40, 64) and y.shape == (2, 1, 40, 64)
    assert x.dtype == torch.float32 and 0 <= float(y.min()) <= float(y.max()) <= 1
    plain, _ = make_batch(images, corners, None, 10.0)
    assert torch.allclose(plain, torch.full_like(plain, (128 / 255 - 0.5) / 0.25), atol=1e-6)


@pytest.mark.parametrize(
    ("logit", "target", "low"),
    [(20.0, 1.0, True), (-20.0, 0.0, True), (-20.0, 1.0, False), (20.0, 0.0, False)],
    ids=["card", "background", "missed-card", "false-card"],
)
def test_the_loss_is_small_only_when_right(logit, target, low) -> None:
    target_mask = torch.full((1, 1, 8, 8), target)
    loss = float(mask_loss(torch.full((1, 1, 8, 8), logit), target_mask))
    assert (loss < 0.05) == low


def test_extra_photos_are_new_and_reproducible() -> None:
    first, corners = extra_photos(2, seed=3, size=(64, 40))
    again, _ = extra_photos(2, seed=3, size=(64, 40))
    assert first.shape == (2, 40, 64, 3) and corners.shape == (2, 4, 2)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first[0], first[1])


def test_training_returns_a_detector_and_a_falling_loss(splits) -> None:
    detector, history = train_corner_detector(splits["train"], splits["val"], TINY, progress=False)
    assert isinstance(detector, CornerDetector)
    assert isinstance(history, pd.DataFrame)
    assert list(history["epoch"]) == [1, 2, 3]
    assert {"train_loss", "val_loss", "val_mean_iou"} <= set(history.columns)
    assert history["train_loss"].iloc[-1] < history["train_loss"].iloc[0]
    assert history["val_mean_iou"].between(0, 1).all()


def test_the_same_seed_trains_the_same_weights(splits) -> None:
    config = replace(TINY, epochs=1, extra_photos=2)
    first, _ = train_corner_detector(splits["train"], splits["val"], config, progress=False)
    second, _ = train_corner_detector(splits["train"], splits["val"], config, progress=False)
    for a, b in zip(first.network.parameters(), second.network.parameters(), strict=True):
        assert torch.equal(a, b)


def test_training_logs_params_and_loss_curves(splits, tmp_path) -> None:
    config = replace(TINY, epochs=2)
    with temporary_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}"):
        with mlflow.start_run() as run:
            train_corner_detector(
                splits["train"], splits["val"], config, progress=False, log_mlflow=True
            )
        client = mlflow.MlflowClient()
        logged = client.get_run(run.info.run_id).data
        losses = client.get_metric_history(run.info.run_id, "train_loss")
    assert logged.params["epochs"] == "2" and logged.params["width"] == "4"
    assert {"val_loss", "val_mean_iou"} <= set(logged.metrics)
    assert [m.step for m in losses] == [1, 2]


def test_training_without_samples_is_refused(splits) -> None:
    with pytest.raises(ValueError, match="No samples"):
        train_corner_detector([], splits["val"], TINY, progress=False)
