"""Train the corner detector (`corner_model.CornerDetector`) from scratch on CPU.

The training set is the `train` split shrunk to the network's input size, optionally plus extra
photos made by the package's own generator with seeds disjoint from the data set's (training layouts
only, never the held-out one). Each batch is augmented (`corner_augment.augment`); the target is
the soft card mask; the loss is binary cross-entropy plus a soft Dice term (which keeps a small card
from being drowned by background pixels). After each epoch the validation split is scored twice: the
loss, and the mean IoU of the quads the full detector extracts, which is what we care about.

Example:
    >>> config = CornerTrainConfig.for_mode(fast=True)
    >>> detector, history = train_corner_detector(train, val, config)  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np
import pandas as pd
import torch

from mlplatform.ocr.cards import random_identity, render_card
from mlplatform.ocr.corner_augment import (
    augment,
    card_mask,
    load_arrays,
    no_card_image,
    shrink,
)
from mlplatform.ocr.corner_model import MEAN, STD, CornerDetector, NetworkConfig
from mlplatform.ocr.dataset import Sample
from mlplatform.ocr.detect_heuristic import NoCardFoundError
from mlplatform.ocr.geometry import quad_iou
from mlplatform.ocr.layouts import TRAINING_LAYOUTS, get_layout
from mlplatform.ocr.mask_quad import mask_to_quad
from mlplatform.ocr.photos import photograph

EXTRA_STREAM = 1000  # extra photos use seeds (seed, 1000, i): the data set uses (seed, 0..3, i)


@dataclass(frozen=True)
class CornerTrainConfig:
    """Everything that decides a training run (logged as MLflow parameters)."""

    epochs: int = 8
    batch_size: int = 16
    lr: float = 4e-3
    weight_decay: float = 1e-4
    width: int = 12  # channels of the network's first stage
    input_size: tuple[int, int] = (160, 100)
    extra_photos: int = 0  # generated on top of the train split
    augment: bool = True
    max_rotation: float = 10.0
    negatives: float = 0.05  # share of training images replaced by photos without a card
    max_train: int | None = None  # use only the first n training samples
    seed: int = 42
    threads: int = 1

    @classmethod
    def for_mode(cls, fast: bool, seed: int = 42) -> CornerTrainConfig:
        """Full mode: minutes on one CPU thread. Fast mode: a few seconds, a rough detector."""
        if fast:
            return cls(epochs=6, width=8, batch_size=4, lr=5e-3, extra_photos=30, seed=seed)
        return cls(seed=seed)


def extra_photos(n: int, seed: int, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """`n` freshly generated photos (training layouts), shrunk: images and corners."""
    images, corners = [], []
    for i in range(n):
        rng = np.random.default_rng([seed, EXTRA_STREAM, i])
        layout = get_layout(TRAINING_LAYOUTS[int(rng.integers(len(TRAINING_LAYOUTS)))])
        photo = photograph(render_card(layout, random_identity(rng), rng).image, rng)
        small, quad = shrink(photo.image, photo.corners, size)
        images.append(small)
        corners.append(quad)
    return np.stack(images), np.stack(corners)


def make_batch(
    images: np.ndarray, corners: np.ndarray, rng: np.random.Generator | None, max_rotation: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Network inputs and soft mask targets for a batch (augmented when `rng` is given)."""
    size = (images.shape[2], images.shape[1])
    inputs, targets = [], []
    for image, quad in zip(images, corners, strict=True):
        if rng is not None:
            image, quad = augment(image, quad, rng, max_rotation)
        inputs.append(((image.astype(np.float32) / 255.0 - MEAN) / STD).transpose(2, 0, 1))
        targets.append(card_mask(quad, size)[None])
    return torch.from_numpy(np.stack(inputs)), torch.from_numpy(np.stack(targets))


def _with_negatives(
    images: np.ndarray, corners: np.ndarray, share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Replace about `share` of a batch by photos without a card (corners NaN)."""
    images, corners = images.copy(), corners.copy()
    size = (images.shape[2], images.shape[1])
    for k in np.flatnonzero(rng.random(len(images)) < share):
        images[k], corners[k] = no_card_image(rng, size), np.nan
    return images, corners


def mask_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy plus soft Dice loss (1 - Dice) averaged over the batch."""
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
    prob = torch.sigmoid(logits)
    overlap = (prob * target).sum(dim=(1, 2, 3))
    dice = (2 * overlap + 1) / (prob.sum(dim=(1, 2, 3)) + target.sum(dim=(1, 2, 3)) + 1)
    return bce + (1 - dice).mean()


def _validate(
    detector: CornerDetector, images: np.ndarray, corners: np.ndarray, photo_sizes: list
) -> tuple[float, float]:
    """Validation loss and mean IoU of the extracted quads (in photo pixels; a miss counts 0)."""
    network = detector.network.eval()
    losses, ious = [], []
    for start in range(0, len(images), 32):
        x, y = make_batch(images[start : start + 32], corners[start : start + 32], None, 0.0)
        with torch.inference_mode():
            logits = network(x)
        losses.append(float(mask_loss(logits, y)) * len(x))
        for k, prob in enumerate(torch.sigmoid(logits)[:, 0].numpy()):
            width, height, true = photo_sizes[start + k]
            full = cv2.resize(prob, (width, height), interpolation=cv2.INTER_LINEAR)
            try:
                ious.append(quad_iou(mask_to_quad(full), true))
            except NoCardFoundError:
                ious.append(0.0)
    return sum(losses) / len(images), float(np.mean(ious))


def _log_params(config: CornerTrainConfig, n_train: int) -> None:
    import mlflow

    params = {k: str(v) for k, v in asdict(config).items()}
    mlflow.log_params({**params, "n_train_photos": n_train, "model": "unet-mask"})


def _training_arrays(
    train: Sequence[Sample], config: CornerTrainConfig
) -> tuple[np.ndarray, np.ndarray]:
    """The (shrunk) training photos and corners, plus the extra generated photos if any."""
    train = list(train)[: config.max_train] if config.max_train else list(train)
    images, corners = load_arrays(train, config.input_size)
    if config.extra_photos:
        more = extra_photos(config.extra_photos, config.seed, config.input_size)
        images, corners = np.concatenate([images, more[0]]), np.concatenate([corners, more[1]])
    return images, corners


@dataclass
class _Trainer:
    """The moving parts of one training run: network, optimiser, schedule, random state, bar."""

    network: torch.nn.Module
    optimizer: torch.optim.Optimizer
    schedule: torch.optim.lr_scheduler.LRScheduler
    rng: np.random.Generator
    bar: Any

    def epoch(
        self, images: np.ndarray, corners: np.ndarray, config: CornerTrainConfig, epoch: int
    ) -> float:
        """One pass over the shuffled training arrays; returns the mean training loss."""
        self.network.train()
        order, total = self.rng.permutation(len(images)), 0.0
        for first in range(0, len(images), config.batch_size):
            chosen = order[first : first + config.batch_size]
            batch = _with_negatives(images[chosen], corners[chosen], config.negatives, self.rng)
            augment_rng = self.rng if config.augment else None
            x, y = make_batch(*batch, augment_rng, config.max_rotation)
            loss = mask_loss(self.network(x), y)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.schedule.step()
            value = loss.item()
            total += value * len(chosen)
            self.bar.update()
            self.bar.set_postfix(epoch=epoch, loss=f"{value:.3f}")
        return total / len(images)


def train_corner_detector(
    train: Sequence[Sample],
    val: Sequence[Sample],
    config: CornerTrainConfig,
    *,
    progress: bool = True,
    log_mlflow: bool = False,
) -> tuple[CornerDetector, pd.DataFrame]:
    """Train a detector on `train` (plus `config.extra_photos`), validating on `val` each epoch.

    Returns:
        The trained detector and its history: one row per epoch with epoch, train_loss, val_loss,
        val_mean_iou and seconds. With `log_mlflow` the configuration is logged as parameters and
        each epoch's numbers as metrics (step = epoch) on the active MLflow run.
    """
    from mlplatform.progress import progress_bar

    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    images, corners = _training_arrays(train, config)
    val_images, val_corners = load_arrays(val, config.input_size)
    photo_sizes = [(s.width, s.height, s.corners) for s in val]
    detector = CornerDetector.new(NetworkConfig(config.input_size, config.width), config.seed)
    optimizer = torch.optim.AdamW(
        detector.network.parameters(), config.lr, weight_decay=config.weight_decay
    )
    steps = config.epochs * -(-len(images) // config.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, config.lr, total_steps=steps, pct_start=0.15
    )
    bar = progress_bar(total=steps, desc="train", disable=not progress, leave=False)
    trainer = _Trainer(detector.network, optimizer, schedule, rng, bar)
    if log_mlflow:
        _log_params(config, len(images))
    rows = []
    for epoch in range(1, config.epochs + 1):
        start = time.perf_counter()
        train_loss = trainer.epoch(images, corners, config, epoch)
        val_loss, val_iou = _validate(detector, val_images, val_corners, photo_sizes)
        seconds = time.perf_counter() - start
        rows.append(dict(epoch=epoch, train_loss=train_loss, val_loss=val_loss,
                         val_mean_iou=val_iou, seconds=seconds))  # fmt: skip
        if log_mlflow:
            import mlflow

            mlflow.log_metrics({k: v for k, v in rows[-1].items() if k != "epoch"}, step=epoch)
    bar.close()
    detector.network.eval()
    return detector, pd.DataFrame(rows)


__all__ = [
    "CornerTrainConfig",
    "extra_photos",
    "make_batch",
    "mask_loss",
    "train_corner_detector",
]
