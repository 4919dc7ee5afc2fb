"""The OCR service through FastAPI's test client: every route and every bad input.

Most tests serve `CardReader` (the real card detector, a chosen text); the last one serves a real
`ocr-id-reader` registered in a temporary MLflow registry, through the registry adapter.
"""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from fastapi.testclient import TestClient
from ocr_service_fakes import (
    MAX_PIXELS,
    CardReader,
    FakeSource,
    blank_photo,
    card_photo,
    encoded,
    make_app,
)
from PIL import Image

from mlplatform.ocr.detect_heuristic import detect_quad
from mlplatform.ocr.images import decode_checked
from mlplatform.ocr.service_schemas import MAX_BATCH_FILES
from mlplatform.serving import ServedModel


@pytest.fixture(scope="module")
def client():
    with TestClient(make_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def _upload(data: bytes, name: str = "photo.jpg", kind: str = "image/jpeg") -> dict:
    return {"file": (name, data, kind)}


def test_a_photo_gives_the_id_verdict_corners_model_and_timing(client: TestClient) -> None:
    photo, _, corners = card_photo()
    answer = client.post("/read", files=_upload(photo))
    assert answer.status_code == 200
    body = answer.json()
    assert (body["id"], body["verdict"], body["check_digit_valid"]) == (
        "MN01846O80",
        "accepted",
        True,
    )
    assert body["filename"] == "photo.jpg" and body["reason"] is None
    assert body["model"] == {"name": "ocr-id-reader-test", "version": "1", "alias": "champion"}
    assert body["image_size"] == [640, 400]
    found = np.array(body["corners"])
    # The detector's corners, in the photo's pixels (rounded to 0.1 px), near the true ones.
    assert np.abs(found - detect_quad(decode_checked(photo, MAX_PIXELS))).max() <= 0.05
    assert np.abs(found - corners).max() < 50 and found.shape == (4, 2)
    timing = body["timing"]
    assert timing["decode_ms"] > 0 and 0 < timing["read_ms"] <= timing["total_ms"]


@pytest.mark.parametrize(
    ("text", "verdict", "returned", "valid", "reason"),
    [
        ("MN01846O8O", "corrected", "MN01846O80", False, None),  # O for 0 in a digit position
        ("MN01846O8", "rejected", None, False, "9 characters, expected 10"),
        ("MN01846O81", "rejected", None, False, "check digit fails and no single fix"),
        ("MNO1846O80", "rejected", None, False, "3 equally good corrections"),
    ],
)
def test_the_rule_verdict_is_reported(text, verdict, returned, valid, reason) -> None:
    with TestClient(make_app(text=text)) as client:
        body = client.post("/read", files=_upload(card_photo()[0])).json()
    assert (body["verdict"], body["id"], body["check_digit_valid"]) == (verdict, returned, valid)
    assert body["raw"] == text
    if reason is None:
        assert body["reason"] is None
    else:
        assert body["reason"] == f"the check-digit rule rejects {text!r}: {reason}"


def test_a_photo_without_a_card_is_a_rejected_reading_not_an_error(client: TestClient) -> None:
    answer = client.post("/read", files=_upload(blank_photo()))
    assert answer.status_code == 200
    body = answer.json()
    assert (body["verdict"], body["id"], body["corners"]) == ("rejected", None, None)
    assert "No card-sized shape found" in body["reason"]


def _truncated() -> bytes:
    photo = card_photo()[0]
    return photo[: len(photo) // 2]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 a document, not a photo", "is not a JPEG, PNG or WebP image"),
        (b"", "is empty"),
        (_truncated(), "damaged or truncated JPEG"),
        (encoded(np.zeros((1, 1, 3), np.uint8)), "1 x 1 pixels: too small"),
        (encoded(np.zeros((20, 400, 3), np.uint8)), "too small to hold a readable card"),
        (encoded(Image.new("L", (64, 64)), "TIFF"), "is not a JPEG, PNG or WebP image"),
    ],
)
def test_what_is_not_a_readable_photo_is_422(client: TestClient, data: bytes, message: str) -> None:
    answer = client.post("/read", files=_upload(data, "upload.bin"))
    assert answer.status_code == 422
    assert message in answer.json()["detail"] and "upload.bin" in answer.json()["detail"]


@pytest.mark.parametrize("side", [8000, 2001])
def test_an_image_over_the_pixel_limit_is_413_before_decoding(
    client: TestClient, side: int
) -> None:
    bomb = encoded(Image.new("L", (side, side)))  # a few kB of PNG for millions of pixels
    assert len(bomb) < 100_000 and side * side > MAX_PIXELS
    answer = client.post("/read", files=_upload(bomb, "bomb.png", "image/png"))
    assert answer.status_code == 413
    assert f"over the limit of {MAX_PIXELS:,}" in answer.json()["detail"]
    assert "MLPLATFORM_MAX_IMAGE_PIXELS" in answer.json()["detail"]


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK", "I;16"])
def test_other_colour_modes_are_read(client: TestClient, mode: str) -> None:
    image = Image.open(io.BytesIO(card_photo()[0])).convert("RGB" if mode == "I;16" else mode)
    if mode == "I;16":
        image = image.convert("L").convert("I;16")
    data = encoded(image, "JPEG" if mode == "CMYK" else "PNG")
    answer = client.post("/read", files=_upload(data, "photo"))
    assert answer.status_code == 200 and answer.json()["image_size"] == [640, 400]


def test_an_exif_rotated_photo_is_read_upright(client: TestClient) -> None:
    image = Image.open(io.BytesIO(card_photo()[0]))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    buffer = io.BytesIO()
    image.transpose(Image.Transpose.ROTATE_90).save(buffer, "JPEG", exif=exif)
    body = client.post("/read", files=_upload(buffer.getvalue())).json()
    assert body["image_size"] == [640, 400]


def test_transport_errors_415_413_and_422(client: TestClient) -> None:
    photo = card_photo()[0]
    as_json = client.post("/read", json={"file": "photo.jpg"})
    as_form = client.post("/read", data={"file": "photo.jpg"})
    raw = client.post("/read", content=photo, headers={"content-type": "image/jpeg"})
    assert as_json.status_code == as_form.status_code == raw.status_code == 415
    assert "send multipart/form-data" in raw.json()["detail"]
    with TestClient(make_app(max_body_bytes=10_000)) as small:
        huge = small.post("/read", files=_upload(photo))
    assert huge.status_code == 413 and "larger than 10000 bytes" in huge.json()["detail"]
    missing = client.post("/read", files={"photo": ("p.jpg", photo, "image/jpeg")})
    assert missing.status_code == 422 and "body.file: Field required" in missing.json()["detail"]
    text = client.post("/read", files={"file": (None, "just text")})
    assert text.status_code == 422 and "body.file" in text.json()["detail"]


def test_the_batch_route_reads_each_file_and_reports_the_bad_ones(client: TestClient) -> None:
    photo = card_photo()[0]
    files = [
        ("files", ("a.jpg", photo, "image/jpeg")),
        ("files", ("b.txt", b"not an image", "text/plain")),
        ("files", ("c.jpg", blank_photo(), "image/jpeg")),
        ("files", ("d.png", encoded(Image.new("L", (8000, 8000))), "image/png")),
    ]
    answer = client.post("/read/batch", files=files)
    assert answer.status_code == 200
    body = answer.json()
    assert [item["filename"] for item in body["results"]] == ["a.jpg", "b.txt", "c.jpg", "d.png"]
    assert (body["read"], body["failed"]) == (2, 2)
    first, second, third, fourth = body["results"]
    assert first["reading"]["id"] == "MN01846O80" and first["error"] is None
    assert second["reading"] is None and second["error"]["status"] == 422
    assert third["reading"]["verdict"] == "rejected"
    assert fourth["error"]["status"] == 413


@pytest.mark.parametrize("count", [0, MAX_BATCH_FILES + 1])
def test_a_batch_of_the_wrong_size_is_422(client: TestClient, count: int) -> None:
    files = [("files", (f"{k}.jpg", b"x", "image/jpeg")) for k in range(count)]
    answer = client.post("/read/batch", files=files or {"other": ("x", b"x")})
    assert answer.status_code == 422 and "body.files" in answer.json()["detail"]


class SlowReader(CardReader):
    """Counts how many reads run at once."""

    def __init__(self) -> None:
        super().__init__("MN01846O80")
        self.lock, self.active, self.most = threading.Lock(), 0, 0

    def read(self, image: np.ndarray):
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
        time.sleep(0.1)
        with self.lock:
            self.active -= 1
        return super().read(image)


def test_at_most_the_configured_number_of_photos_are_read_at_once() -> None:
    reader = SlowReader()

    class Source(FakeSource):
        def load(self, name, alias, version):
            return ServedModel(reader, name, version, alias)

    photo = card_photo()[0]
    with TestClient(make_app(source=Source({}), reads=2)) as client:
        reader.most = 0  # the warm-up read does not count
        with ThreadPoolExecutor(6) as pool:
            statuses = list(
                pool.map(lambda _: client.post("/read", files=_upload(photo)).status_code, range(6))
            )
    assert statuses == [200] * 6 and reader.most == 2


def test_health_ready_reload_and_metrics(client: TestClient) -> None:
    client.post("/read", files=_upload(card_photo()[0]))
    client.post("/read", files=_upload(b"junk"))
    assert client.get("/health").json() == {"status": "alive"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["model"]["version"] == "1"
    assert client.post("/admin/reload").json() == {"changed": False, "version": "1", "error": None}
    metrics = client.get("/metrics").text
    assert 'http_requests_total{method="POST",route="/read",status="200"}' in metrics
    assert 'http_errors_total{method="POST",route="/read",status="422"}' in metrics
    assert 'model_version_served{alias="champion",name="ocr-id-reader-test"} 1.0' in metrics


def test_the_openapi_schema_has_examples_and_the_error_model(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/read"]["post"]
    assert {"413", "415", "422", "503"} <= set(operation["responses"])
    assert "multipart/form-data" in operation["requestBody"]["content"]
    reading = schema["components"]["schemas"]["ReadingResponse"]
    assert reading["examples"][0]["verdict"] == "accepted"
    batch = schema["components"]["schemas"]["Body_read_batch_read_batch_post"]
    assert batch["properties"]["files"]["maxItems"] == MAX_BATCH_FILES
