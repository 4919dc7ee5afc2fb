"""Project 1, OCR: synthetic ID cards, their photographs, annotations, validation and versions.

Modules: `icao` (check digits), `fonts`, `layouts` (card templates as data), `cards` (flat cards),
`photos` (the synthetic camera), `coco` (annotations), `manifest` (versions), `dataset` (generate
and load splits), `validation` (checks on a generated set), `versioning` (DVC with a local remote).
Detection (chapter 08): `geometry` (quads, IoU, corner error), `detect_heuristic` (the OpenCV
baseline), `corner_model` (the trained detector), `corner_training` and `corner_augment` (its
training), `mask_quad` (mask to corners), `detection_eval` (scores per layout and distortion).
Recognition (chapter 09): `reader` (rectify, find the text lines, read the ID), `crnn` and
`recognizer_training` and `letter_crops` (fine-tuning EasyOCR's recogniser), `id_rules` (the check-digit rule),
`text_metrics` and `reading_eval` (exact match and character error rate), `registered_reader`,
`reader_registry` and `reader_pyfunc_entry` (the `ocr-id-reader` pyfunc), `pipeline` (the KFP
training pipeline).
"""
