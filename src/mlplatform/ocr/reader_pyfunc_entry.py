"""Models-from-code entry point of `ocr-id-reader` (see `mlplatform.ocr.registered_reader`).

MLflow runs this file when the model is loaded, then calls `load_context` with the artifacts.
"""

import mlflow

from mlplatform.ocr.registered_reader import IDReaderModel

mlflow.models.set_model(IDReaderModel())
