"""`ocr.upload_probes`: each probe gets the status it names from the real OCR app (fake reader)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from ocr_service_fakes import MAX_PIXELS, card_photo, make_app

from mlplatform.ocr.upload_probes import upload_probes

BODY_LIMIT = 200_000


@pytest.fixture(scope="module")
def client():
    with TestClient(make_app(max_body_bytes=BODY_LIMIT), raise_server_exceptions=False) as test:
        yield test


def test_every_probe_gets_its_status_and_none_a_5xx(client: TestClient) -> None:
    probes = upload_probes(card_photo()[0], max_body_bytes=BODY_LIMIT, max_pixels=MAX_PIXELS)
    got = {name: client.request(**probe.request).status_code for name, probe in probes.items()}
    assert got == {name: probe.expected for name, probe in probes.items()}
    assert sorted(set(got.values())) == [200, 413, 415, 422]


def test_the_limits_shape_the_oversize_probes() -> None:
    probes = upload_probes(b"photo", max_body_bytes=1000, max_pixels=100)
    assert "a 11x11 PNG (over the pixel limit)" in probes
    big = probes["an upload over the body limit"].request["files"]["file"][1]
    assert len(big) > 1000 + 2**20
