"""The registered OCR reader behind a running service, and its alias moving under load.

A real MLflow registry (SQLite, in a temporary folder) holds two versions of `ocr-id-reader`
(EasyOCR's recogniser weights, the second nudged so that its fingerprint differs); the service
runs in uvicorn on a free loopback port and follows `champion` by polling every 50 ms and by
`/admin/reload`, while client threads upload photos. Most uploads are photos without a card (the
detector answers in milliseconds), some are real card photos (the whole reader, about 0.5 s).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import mlflow
import numpy as np
import pytest
from alias_swap import swap_under_load
from ocr_service_fakes import blank_photo, card_photo

from mlplatform.config import ServingSettings, load_settings
from mlplatform.ocr.dataset import generate_dataset, read_manifest
from mlplatform.ocr.detect_heuristic import detect_quad
from mlplatform.ocr.images import decode_checked
from mlplatform.ocr.reader_registry import EXPERIMENT, register_reader
from mlplatform.ocr.service import create_ocr_app
from mlplatform.registry import CHAMPION, set_alias
from mlplatform.serving import ModelHolder, running
from mlplatform.tracking import temporary_tracking_uri

NAME = "ocr-id-reader-swap-test"
MOVES, CLIENTS = 2, 3  # a move takes seconds: the new version is loaded and warmed up


def _weights(folder: Path, nudge: float) -> Path:
    import torch

    from mlplatform.ocr.crnn import build_network

    network = build_network()
    with torch.no_grad():
        next(network.parameters()).add_(nudge)  # another version, reading just the same
    path = folder / f"reader-{nudge}.pt"
    torch.save(network.state_dict(), path)
    return path


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("mlflow")
    root = folder / "cards"
    generate_dataset(
        root, {"train": 2, "val": 1, "test": 2, "test_heldout": 1}, seed=5, progress=False
    )
    with temporary_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}"):
        mlflow.MlflowClient().create_experiment(EXPERIMENT, artifact_location=str(folder / "art"))
        for nudge, score in ((0.0, 0.5), (1e-4, 0.4)):
            register_reader(_weights(folder, nudge), None, read_manifest(root),
                            {"test_exact_match_rule": score}, name=NAME)  # fmt: skip
        set_alias(NAME, CHAMPION, 1)
        yield


@pytest.fixture(scope="module")
def service(registry):
    app = create_ocr_app(
        holder=ModelHolder(NAME),
        settings=load_settings(),
        serving=ServingSettings(model_poll_seconds=0.05),
    )
    with running(app, timeout=120) as server:
        yield server.url


def test_the_registered_reader_answers_through_the_service(service: str) -> None:
    photo = card_photo(2)[0]
    answer = httpx.post(f"{service}/read", files={"file": ("card.jpg", photo)}, timeout=60)
    assert answer.status_code == 200
    body = answer.json()
    assert body["model"] == {"name": NAME, "version": "1", "alias": "champion"}
    assert body["verdict"] in ("accepted", "corrected", "rejected")
    expected = detect_quad(decode_checked(photo, 10**7))  # the registered reader's detector
    assert np.abs(np.array(body["corners"]) - expected).max() <= 0.05
    assert body["reason"] if body["verdict"] == "rejected" else body["id"]
    assert httpx.get(f"{service}/ready").json()["checks"] == {"model": "ok"}


PHOTOS = [blank_photo(), blank_photo(400, 300), blank_photo(), card_photo(1)[0]]


def _upload(client: httpx.Client, sent: int) -> httpx.Response:
    return client.post("/read", files={"file": ("p.jpg", PHOTOS[sent % len(PHOTOS)])})


def test_uploads_during_alias_moves_never_fail(service: str) -> None:
    # One move is picked up by the admin route, the other by polling.
    run = swap_under_load(service, NAME, _upload, clients=CLIENTS, moves=MOVES, reload_every=2,
                          timeout=60, poll=0.05, pause=0.5)  # fmt: skip
    served, statuses, versions = run.served, run.statuses, run.versions
    assert served == ["2", "1"] * (MOVES // 2)
    assert set(statuses) == {200}, f"some uploads failed: {dict(statuses)}"
    assert sum(statuses.values()) > 10 and set(versions) == {"1", "2"}
