"""Project 1, OCR: read the ID number off photographed identity cards; the notebooks' front door.

    from mlplatform import ocr
    root = ocr.ensure_dataset(settings)
    samples = ocr.load_split(root, "test")

The names below are loaded on first use (PEP 562): `import mlplatform.ocr` loads neither torch nor
EasyOCR.

Modules: `icao` (check digits), `fonts`, `layouts` (card templates as data), `cards` (flat cards),
`photos` (the synthetic camera), `coco` (annotations), `manifest` (versions), `dataset` (generate
and load splits), `images` (read and decode photos), `validation` (checks on a generated set),
`versioning` (DVC with a local remote).
Detection (chapter 08): `geometry` (quads, IoU, corner error), `detect_heuristic` (the OpenCV
baseline), `corner_model` (the trained detector), `corner_training` and `corner_augment` (its
training), `mask_quad` (mask to corners), `detection_eval` (scores per layout and distortion).
Recognition (chapter 09): `reader` (rectify, find the text lines, read the ID), `crnn` and
`recognizer_training`, `field_patches` and `letter_crops` (fine-tuning EasyOCR's recogniser),
`id_rules` (the check-digit rule),
`text_metrics` and `reading_eval` (exact match and character error rate), `registered_reader`,
`reader_registry` and `reader_pyfunc_entry` (the `ocr-id-reader` pyfunc), `pipeline` (the KFP
training pipeline).
Serving (chapter 10): `photo_reading` (one untrusted photo: checked decoding, reading, timing),
`service` and `service_schemas` (the FastAPI app), `folder_reading` (batch scoring to a CSV),
`first_champion` (train one with the pipeline when there is none), `upload_probes` (bad uploads
and the status each must get), `latency_budget` (time per stage), `backend_comparison` (PyTorch
vs ONNX Runtime on the same photos).
Monitoring: `shifts` (graded camera shifts and cheap per-photo features for drift checks).
"""

from __future__ import annotations

from mlplatform.lazy import lazy_exports

_EXPORTS = {
    "dataset": ["generate_dataset", "ensure_dataset", "verified_dataset", "load_split",
                "split_sizes", "read_coco", "write_coco", "Sample", "SPLITS"],
    "images": ["load_image", "decode_image", "InvalidImageError"],
    "validation": ["validate_dataset"],
    "manifest": ["read_manifest", "log_manifest", "content_hashes"],
    "detect_heuristic": ["detect_quad", "NoCardFoundError"],
    "corner_model": ["CornerDetector"],
    "corner_training": ["CornerTrainConfig", "train_corner_detector"],
    "distortion_plot": ["distortion_table", "plot_by_distortion"],
    "reader": ["IDReader", "EasyOCRRecognizer", "easyocr_reader", "flatten_card", "id_likeness",
               "load_or_train_detector"],
    "id_rules": ["apply_rule"],
    "recognizer_training": ["ReaderTrainConfig", "train_recognizer", "save_recognizer"],
    "reading_eval": ["evaluate_readers", "summarize", "headline_metrics"],
    "registered_reader": ["MODEL_NAME", "model_name_for"],
    "reader_registry": ["register_reader"],
    "pipeline": ["ocr_training_pipeline"],
    "photo_reading": ["read_photo", "reader_of"],
    "folder_reading": ["read_folder"],
    "shifts": ["photo_window", "PHOTO_SPEC"],
    "first_champion": ["ensure_champion"],
    "service": ["create_ocr_app"],
    "upload_probes": ["upload_probes"],
    "latency_budget": ["time_stages", "time_photos", "budget_table", "stage_to_optimise"],
    "backend_comparison": ["compare_backends", "backend_summary", "agreement", "backend_files"],
}  # fmt: skip
__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
