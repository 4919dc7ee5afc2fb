import base64
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from mlplatform.ocr.dataset import Sample, generate_dataset, load_split, read_manifest
from mlplatform.ocr.images import InvalidImageError
from mlplatform.ocr.reader import Reading
from mlplatform.ocr.reader_registry import register_reader, signature
from mlplatform.ocr.registered_reader import (
    OUTPUT_COLUMNS,
    IDReaderModel,
    image_of,
    model_name_for,
    read_row,
    readings_frame,
)
from mlplatform.tracking import temporary_tracking_uri

SIZES = {"train": 2, "val": 1, "test": 2, "test_heldout": 1}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cards") / "set"
    generate_dataset(root, SIZES, seed=5, progress=False)
    return root


@pytest.fixture(scope="module")
def sample(root: Path) -> Sample:
    return load_split(root, "test")[0]


class FakeReader:
    """Returns the truth for a real photo; raises like the real detector on a blank one."""

    def __init__(self, truth: str) -> None:
        self.truth = truth

    def read(self, image: np.ndarray) -> Reading:
        if image.std() < 1:
            raise RuntimeError("No card-sized shape found")
        return Reading(self.truth, self.truth, "accepted", 0.9)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_image_of_accepts_bytes_base64_and_paths(sample: Sample) -> None:
    data = sample.path.read_bytes()
    for row in ({"image": data}, {"image": _b64(data)}, {"path": str(sample.path)}):
        assert image_of(pd.Series(row)).shape == (sample.height, sample.width, 3)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"image": b""}, "empty"),
        ({"image": ""}, "empty"),
        ({"image": "not base64!"}, "not base64"),
        ({"image": _b64(b"%PDF-1.4 not an image")}, "not an image"),
        ({"image": None}, "row has no image"),
        ({"path": "/no/such/file.jpg"}, "does not exist"),
    ],
)
def test_bad_rows_raise_invalid_image(row: dict, message: str) -> None:
    with pytest.raises(InvalidImageError, match=message):
        image_of(pd.Series(row))


def test_a_bad_row_becomes_an_error_row_and_the_batch_goes_on(sample: Sample) -> None:
    model = IDReaderModel()
    model.reader = FakeReader(sample.card_id)  # type: ignore[assignment]
    blank = np.full((40, 60, 3), 90, np.uint8)
    import cv2

    blank_png = cv2.imencode(".png", blank)[1].tobytes()
    frame = pd.DataFrame(
        {"image": [_b64(sample.path.read_bytes()), "", _b64(b"hello"), _b64(blank_png)]}
    )
    out = model.predict(None, frame)
    assert out.columns.tolist() == list(OUTPUT_COLUMNS)
    assert out["id"].tolist() == [sample.card_id, "", "", ""]
    assert out["status"].tolist() == ["accepted", "error", "error", "error"]
    assert "No card" in out["error"].iloc[3]
    assert out["error"].iloc[0] == ""


def test_predict_needs_an_image_or_path_column() -> None:
    model = IDReaderModel()
    model.reader = FakeReader("X")  # type: ignore[assignment]
    with pytest.raises(ValueError, match="`image` or a `path` column"):
        model.predict(None, pd.DataFrame({"photo": [b""]}))


def test_an_unloaded_model_says_how_to_load_it() -> None:
    with pytest.raises(RuntimeError, match=r"mlflow\.pyfunc\.load_model"):
        IDReaderModel().predict(None, pd.DataFrame({"image": [b""]}))


def test_read_row_catches_reader_failures() -> None:
    reading = read_row(FakeReader("X"), pd.Series({"image": b"\xff\xd8junk"}))  # type: ignore[arg-type]
    assert reading.status == "error" and "not an image" in reading.error


def test_readings_frame_flags() -> None:
    frame = readings_frame([Reading("A", "A", "corrected", 0.5), Reading("B", "", "rejected", 0.1)])
    assert frame["accepted"].tolist() == [True, False]
    assert frame["corrected"].tolist() == [True, False]


@pytest.mark.parametrize(("fast", "name"), [(True, "ocr-id-reader-fast"), (False, "ocr-id-reader")])
def test_model_name_for(fast: bool, name: str) -> None:
    assert model_name_for(fast) == name


def test_signature_names_the_columns() -> None:
    assert signature().inputs.input_names() == ["image"]
    assert signature().outputs.input_names() == list(OUTPUT_COLUMNS)


def test_register_load_and_read_a_photo(root: Path, sample: Sample, tmp_path: Path) -> None:
    import torch

    from mlplatform.ocr.crnn import build_network
    from mlplatform.registry import aliases

    weights = tmp_path / "reader.pt"
    torch.save(build_network().state_dict(), weights)
    manifest = read_manifest(root)
    with temporary_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}"):
        first = register_reader(weights, None, manifest, {"test_exact_match_rule": 0.5}, name="r")
        again = register_reader(weights, None, manifest, {"test_exact_match_rule": 0.9}, name="r")
        assert str(first.version.version) == str(again.version.version) == "1"  # same fingerprint
        assert aliases("r") == {"champion": 1}
        model = mlflow.pyfunc.load_model("models:/r@champion")
        import cv2

        no_card = cv2.imencode(".jpg", np.full((400, 640, 3), 128, np.uint8))[1].tobytes()
        photos = [_b64(sample.path.read_bytes()), "", _b64(b"GIF89a?"), _b64(no_card)]
        out = model.predict(pd.DataFrame({"image": photos}))
    assert out["status"].tolist()[1:] == ["error", "error", "error"]
    assert "empty" in out["error"].iloc[1] and "not an image" in out["error"].iloc[2]
    assert "No card-sized shape" in out["error"].iloc[3]
    assert len(out) == 4 and isinstance(out["id"].iloc[0], str)


def test_register_without_the_metric_raises(root: Path, tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="test_exact_match_rule"):
        register_reader(tmp_path / "x.pt", None, read_manifest(root), {}, name="r")


def test_a_reader_with_onnx_files_runs_on_onnxruntime_as_on_torch(
    sample: Sample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    from mlplatform.ocr.crnn import CRNNRecognizer, build_network
    from mlplatform.ocr.onnx_runtime import OnnxCRNNRecognizer
    from mlplatform.ocr.reader_registry import save_reader_model

    weights = tmp_path / "reader.pt"
    torch.save(build_network().state_dict(), weights)
    model_dir = save_reader_model(tmp_path / "model", weights, None, onnx=True)
    frame = pd.DataFrame({"image": [_b64(sample.path.read_bytes()), "", _b64(b"GIF89a?")]})
    outputs = {}
    for backend, kind in (("onnx", OnnxCRNNRecognizer), ("torch", CRNNRecognizer)):
        monkeypatch.setenv("MLPLATFORM_OCR_BACKEND", backend)
        model = mlflow.pyfunc.load_model(str(model_dir))
        assert isinstance(model.unwrap_python_model().reader.recognizer, kind)
        outputs[backend] = model.predict(frame)
    on_onnx, on_torch = outputs["onnx"], outputs["torch"]
    assert on_onnx[["id", "status", "error"]].equals(on_torch[["id", "status", "error"]])
    assert on_onnx["status"].tolist()[1:] == ["error", "error"]
    np.testing.assert_allclose(on_onnx["confidence"], on_torch["confidence"], atol=1e-3)


def test_an_unknown_ocr_backend_is_refused() -> None:
    from mlplatform.config import ConfigError, load_serving_settings

    assert load_serving_settings({}).ocr_backend == "onnx"
    assert load_serving_settings({"MLPLATFORM_OCR_BACKEND": " Torch "}).ocr_backend == "torch"
    with pytest.raises(ConfigError, match="MLPLATFORM_OCR_BACKEND='tpu' must be one of"):
        load_serving_settings({"MLPLATFORM_OCR_BACKEND": "tpu"})


def test_reader_on_refuses_an_unknown_backend_and_onnx_without_onnx_files(tmp_path: Path) -> None:
    config = tmp_path / "reader_config.json"
    config.write_text('{"alphabet": null, "detector": "heuristic"}')
    model = IDReaderModel()
    model.artifacts = {"config": str(config), "recognizer": str(tmp_path / "weights.pt")}
    with pytest.raises(ValueError, match="carries no ONNX files"):
        model.reader_on("onnx")
    with pytest.raises(ValueError, match="'torch' or 'onnx', not 'tflite'"):
        model.reader_on("tflite")
