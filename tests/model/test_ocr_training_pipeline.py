"""The OCR training pipeline in fast mode: it registers a reader whose champion reads photos."""

import base64

import pandas as pd

from mlplatform.ocr.dataset import ensure_dataset, load_split, split_sizes
from mlplatform.ocr.pipeline import ocr_training_pipeline
from mlplatform.pipelines import run_pipeline
from mlplatform.registry import CHAMPION, aliases, load_by_alias
from mlplatform.tracking import use_tracking_server

NAME = "ocr-id-reader-test"  # never the learner's registered models
STEPS = ["evaluate-reader-op", "finetune-reader-op", "generate-data-op", "register-reader-op",
         "train-detector-op", "validate-data-op"]  # fmt: skip


def test_fast_pipeline_registers_a_champion_that_reads_photos(platform) -> None:
    result = run_pipeline(ocr_training_pipeline, {"fast": True, "model_name": NAME}, platform)
    assert result.steps == STEPS
    recorded = result.step_metrics("evaluate-reader-op")
    assert 0.5 <= recorded["test_exact_match_rule"] <= 1.0
    assert result.outputs["Output"].startswith(f"{NAME} v")
    use_tracking_server(platform)
    assert CHAMPION in aliases(NAME)
    champion = load_by_alias(NAME, CHAMPION)
    photos = load_split(ensure_dataset(platform, split_sizes(fast=True), seed=42), "test")
    frame = pd.DataFrame(
        {"image": [base64.b64encode(p.path.read_bytes()).decode() for p in photos]}
    )
    answer = champion.predict(frame)
    assert list(answer.columns) == ["id", "accepted", "corrected", "status", "confidence", "error"]
    assert set(answer["status"]) <= {"accepted", "corrected", "rejected"}
    read_right = (answer["id"] == [p.card_id for p in photos]).mean()
    assert read_right >= 0.5
