"""Locust load on the OCR service: `POST /read` with photos of the generated test split.

Run by `mlplatform loadtest` (`make loadtest`), which sets the host, the concurrency and the bounds.
The photos are the data set's test split (`mlplatform data`/chapter 07 makes it; it is generated
here if missing); `LOADTEST_OCR_PHOTOS` (default 20) says how many are cycled through.
"""

import os
import random

from locust import FastHttpUser, constant, task

from mlplatform.config import load_settings
from mlplatform.loadtest import record_requests
from mlplatform.ocr.dataset import ensure_dataset, load_split

record_requests()
_test = load_split(ensure_dataset(load_settings(), progress=False), "test")
PHOTOS = [(s.path.name, s.path.read_bytes()) for s in _test[: int(os.environ.get("LOADTEST_OCR_PHOTOS", "20"))]]  # fmt: skip


class OCRUser(FastHttpUser):
    """One client uploading a card photo, back to back."""

    wait_time = constant(0)

    @task
    def read(self) -> None:
        name, photo = random.choice(PHOTOS)
        files = {"file": (name, photo, "image/jpeg")}
        with self.client.post("/read", files=files, catch_response=True) as answer:
            if answer.status_code == 200 and answer.json()["verdict"] not in (
                "accepted",
                "corrected",
                "rejected",
            ):
                answer.failure(f"unexpected verdict {answer.json()['verdict']!r}")
