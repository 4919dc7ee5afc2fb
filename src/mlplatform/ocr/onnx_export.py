"""Export the OCR networks to ONNX: the CRNN recogniser and the trained card (corner) detector.

Both use the TorchScript exporter at a pinned opset, with a dynamic batch axis (and, for the CRNN,
a dynamic width: crops are padded to the widest one in the batch). Every file is checked with
`onnx.checker` before it is returned. `onnx_runtime` runs the files with onnxruntime.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import onnx
import torch

from mlplatform.ocr.corner_model import CornerDetector
from mlplatform.ocr.crnn import IMAGE_HEIGHT

OPSET = 17


class _CRNNLogits(torch.nn.Module):
    """EasyOCR's `Model.forward(input, text)` without `text`, exportable at any crop width.

    EasyOCR pools the feature map with `AdaptiveAvgPool2d((None, 1))`, which the exporter refuses
    when the width is dynamic; over the last axis it is just a mean, which exports everywhere.
    """

    def __init__(self, network: torch.nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """B x 1 x 64 x W crops -> B x T x C class scores."""
        net = self.network
        features = net.FeatureExtraction(image).permute(0, 3, 1, 2).mean(dim=3)
        return net.Prediction(net.SequenceModeling(features).contiguous())


def _export(module: torch.nn.Module, example: torch.Tensor, path: Path, axes: dict) -> Path:
    """Export `module` at `OPSET`, check the file with `onnx.checker`, return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The TorchScript exporter (dynamo=False) is chosen on purpose; torch warns that it is legacy.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            module.eval(),
            (example,),
            str(path),
            input_names=["input"],
            output_names=["output"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    onnx.checker.check_model(str(path), full_check=True)
    return path


def export_crnn(network: torch.nn.Module, path: Path) -> Path:
    """The CRNN (`crnn.build_network`) as ONNX: input B x 1 x 64 x W, output B x T x 97 scores."""
    example = torch.zeros(2, 1, IMAGE_HEIGHT, 256)
    axes = {"input": {0: "batch", 3: "width"}, "output": {0: "batch", 1: "steps"}}
    return _export(_CRNNLogits(network), example, path, axes)


def export_corner_detector(detector: CornerDetector, path: Path) -> Path:
    """The card segmenter as ONNX (input N x 3 x H x W at its input size), config next to it.

    The network's input size goes into `<path>.json`, which `onnx_runtime.OnnxCornerDetector`
    reads back, so the pair replaces the torch file.
    """
    width, height = detector.config.input_size
    example = torch.zeros(1, 3, height, width)
    axes = {"input": {0: "batch"}, "output": {0: "batch"}}
    path = _export(detector.network, example, path, axes)
    config_path(path).write_text(json.dumps({"input_size": [width, height]}))
    return path


class _CRAFTScores(torch.nn.Module):
    """CRAFT's forward without its second output (a feature map `test_net` never reads)."""

    def __init__(self, network: torch.nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """B x 3 x H x W normalised pixels -> B x H/2 x W/2 x 2 region and link scores."""
        return self.network(image)[0]


def export_craft(path: Path) -> Path:
    """EasyOCR's CRAFT text detector (the loaded `reader.easyocr_reader()`'s) as ONNX.

    Traced at the size the reader feeds it (a flat card at `DETECT_CANVAS`, padded to 32), with
    dynamic batch, height and width so another canvas still runs.
    """
    from mlplatform.ocr.reader import easyocr_reader

    network = easyocr_reader().detector
    network = getattr(network, "module", network)  # EasyOCR wraps it in DataParallel
    example = torch.zeros(1, 3, 256, 384)
    axes = {"input": {0: "batch", 2: "height", 3: "width"}, "output": {0: "batch", 1: "h", 2: "w"}}
    return _export(_CRAFTScores(network), example, path, axes)


def config_path(onnx_path: Path) -> Path:
    """Where the corner detector's input size is kept next to its ONNX file."""
    return Path(onnx_path).with_suffix(".json")
