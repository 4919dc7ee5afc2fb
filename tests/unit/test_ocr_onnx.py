import numpy as np
import pytest
import torch

from mlplatform.ocr import onnx_export, onnx_runtime
from mlplatform.ocr.corner_model import CornerDetector, NetworkConfig
from mlplatform.ocr.crnn import CRNNRecognizer, build_network, prepare
from mlplatform.ocr.dataset import Sample, generate_dataset, load_split
from mlplatform.ocr.detect_heuristic import NoCardFoundError
from mlplatform.ocr.reader import IDReader, flatten_card, text_boxes


@pytest.fixture(scope="module")
def crnn(tmp_path_factory: pytest.TempPathFactory):
    network = build_network()
    path = onnx_export.export_crnn(network, tmp_path_factory.mktemp("onnx") / "crnn.onnx")
    return CRNNRecognizer(network), onnx_runtime.OnnxCRNNRecognizer.load(path)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[Sample]:
    root = tmp_path_factory.mktemp("cards") / "set"
    generate_dataset(
        root, {"train": 1, "val": 1, "test": 2, "test_heldout": 1}, seed=7, progress=False
    )
    return load_split(root, "test") + load_split(root, "test_heldout")


def test_crnn_onnx_scores_match_torch_at_any_width_and_batch(crnn) -> None:
    torch_reader, onnx_reader = crnn
    rng = np.random.default_rng(0)
    crops = [rng.integers(0, 255, (30, w), dtype=np.uint8) for w in (40, 210, 333)]
    batch = prepare(crops)
    with torch.no_grad():
        expected = torch_reader.network(batch, None).numpy()
    (got,) = onnx_reader.session.run(None, {"input": batch.numpy()})
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-3)


def test_corner_detector_onnx_matches_torch(tmp_path) -> None:
    detector = CornerDetector.new(NetworkConfig((96, 60), 8), seed=3)
    path = onnx_export.export_corner_detector(detector, tmp_path / "corner.onnx")
    onnx_detector = onnx_runtime.OnnxCornerDetector.load(path)
    image = np.random.default_rng(1).integers(0, 255, (200, 320, 3), dtype=np.uint8)
    np.testing.assert_allclose(
        onnx_detector.probabilities(image), detector.probabilities(image), atol=1e-5
    )
    with pytest.raises(ValueError, match="image is empty"):
        onnx_detector(np.zeros((0, 0, 3), np.uint8))
    with pytest.raises(NoCardFoundError, match="No card found"):
        onnx_detector(np.full((200, 320, 3), 128, np.uint8))


def test_onnx_reader_reads_cards_as_the_torch_one(crnn, samples, tmp_path) -> None:
    torch_reader, onnx_reader = crnn
    craft = onnx_runtime.OnnxTextBoxes.load(onnx_export.export_craft(tmp_path / "craft.onnx"))
    for sample in samples:
        detector = lambda image, s=sample: s.corners  # noqa: E731 - the true corners
        card = flatten_card(sample.load(), detector)
        assert craft(card) == text_boxes(card)
        on_torch = IDReader(detector, torch_reader).read(sample.load())
        on_onnx = IDReader(detector, onnx_reader, craft).read(sample.load())
        assert (on_onnx.raw, on_onnx.id, on_onnx.status) == (
            on_torch.raw,
            on_torch.id,
            on_torch.status,
        )
        assert on_onnx.confidence == pytest.approx(on_torch.confidence, abs=1e-3)


def test_missing_onnx_file_says_how_to_make_it(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="onnx_export"):
        onnx_runtime.OnnxCRNNRecognizer.load(tmp_path / "nope.onnx")


def test_no_crops_read_nothing(crnn) -> None:
    assert crnn[1].read([]) == []


def test_intra_op_threads_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert onnx_runtime.intra_op_threads() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "lots")
    assert onnx_runtime.intra_op_threads() == 1
