"""Project 1, OCR: synthetic ID cards, their photographs, annotations, validation and versions.

Modules: `icao` (check digits), `fonts`, `layouts` (card templates as data), `cards` (flat cards),
`photos` (the synthetic camera), `coco` (annotations), `manifest` (versions), `dataset` (generate
and load splits), `validation` (checks on a generated set), `versioning` (DVC with a local remote).
"""
