from pathlib import Path

import yaml

from mlplatform.ocr.pipeline import ocr_training_pipeline
from mlplatform.pipelines import compile_pipeline, pipeline_name


def test_the_pipeline_compiles_with_every_step(tmp_path: Path) -> None:
    spec = yaml.safe_load(
        compile_pipeline(ocr_training_pipeline, tmp_path / "ocr.yaml").read_text()
    )
    tasks = spec["root"]["dag"]["tasks"]
    assert set(tasks) == {
        "generate-data-op",
        "validate-data-op",
        "train-detector-op",
        "finetune-reader-op",
        "evaluate-reader-op",
        "register-reader-op",
    }
    # Steps after validation take the validated content hash, so none can start on unchecked data.
    for step in ("train-detector-op", "finetune-reader-op"):
        assert tasks[step]["dependentTasks"] == ["validate-data-op"]
    assert set(tasks["register-reader-op"]["dependentTasks"]) == {
        "evaluate-reader-op",
        "finetune-reader-op",
        "train-detector-op",
        "validate-data-op",
    }
    assert spec["root"]["inputDefinitions"]["parameters"]["fast"]["defaultValue"] is True
    assert pipeline_name(ocr_training_pipeline) == "ocr-training"
