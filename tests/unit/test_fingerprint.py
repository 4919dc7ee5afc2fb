"""Tests of mlplatform.registry.fingerprint: the one fingerprint every registration uses."""

from pathlib import Path

import pytest

from mlplatform.registry import fingerprint

BASE = {"model": "svd", "params": {"k": 1}, "data": {"training": "a"}}


@pytest.mark.parametrize(
    ("change", "same"),
    [
        ({}, True),
        ({"params": {"k": 2}}, False),
        ({"model": "nmf"}, False),
        ({"data": {"training": "b"}}, False),
    ],
    ids=["identical", "parameters", "model", "data"],
)
def test_fingerprint_changes_with_any_part(change: dict, same: bool) -> None:
    assert (fingerprint(BASE) == fingerprint(BASE | change)) is same


def test_key_order_does_not_matter() -> None:
    assert fingerprint({"a": 1, "b": {"x": 1, "y": 2}}) == fingerprint(
        {"b": {"y": 2, "x": 1}, "a": 1}
    )


def test_files_count_by_content_not_by_path(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.pt", tmp_path / "b.pt", tmp_path / "c.pt"
    a.write_bytes(b"one")
    b.write_bytes(b"one")
    c.write_bytes(b"two")
    assert fingerprint({"weights": a}) == fingerprint({"weights": b})
    assert fingerprint({"weights": a}) != fingerprint({"weights": c})
    assert len(fingerprint({"weights": a})) == 16
