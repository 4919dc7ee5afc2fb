"""Drift detection: requests until each detector fires, per shift and strength, and false alarms.

For each project, a monitor checks consecutive windows of requests against a reference window
(tumbling windows: 500 requests for the recommender, 50 photos for the OCR service). For each
shift and strength, the stream after the shift is cut into such windows; the delay is the number
of requests seen when a detector first fires (none within the budget: "-"). Strength 0 of a
shift is the unshifted stream (the same rows for every shift), so its row, "none (same stream)",
is the control: a delay there is the time to the first false alarm, and a shifted delay no
shorter than it says nothing. False alarms: the share of 20 other unshifted windows on which each
detector fires. The four detectors (`mlplatform.monitoring.detectors`) see the same windows.
One stream per shift and strength: the delays are one draw each, not an average.

Usage: .venv/bin/python benchmarks/bench_drift.py
"""

import sys
import time

from mlplatform.benchmarking import machine_info, print_table, write_result
from mlplatform.config import load_settings
from mlplatform.monitoring.detectors import DETECTORS, tumbling_windows
from mlplatform.ocr import shifts as ocr_shifts
from mlplatform.recommender import shifts as rec_shifts

STRENGTHS = (0.1, 0.25, 0.5, 1.0)
N_UNSHIFTED = 20
REC_WINDOW, REC_MAX_WINDOWS = 500, 10
OCR_WINDOW, OCR_MAX_WINDOWS, OCR_REFERENCE = 50, 4, 300


def recommender_rows() -> tuple[list[dict], dict]:
    """Delays and false alarms of the recommender's request log."""
    log = rec_shifts.build_request_log(load_settings(), seed=0)
    spec, reference = rec_shifts.REQUEST_SPEC, log.reference
    rows, result = [], {}
    unshifted = [
        rec_shifts.shifted_window(log, "new_users", 0.0, REC_WINDOW, seed=100 + k)
        for k in range(N_UNSHIFTED)
    ]
    rows.append(_false_alarm_row("recommender", reference, unshifted, spec, result))
    control = rec_shifts.shifted_window(log, "new_users", 0.0, REC_WINDOW * REC_MAX_WINDOWS, seed=7)
    windows = tumbling_windows(control, REC_WINDOW)
    rows.append(
        _delay_row("recommender", "none (same stream)", 0.0, reference, windows, spec, result)
    )
    for shift in rec_shifts.SHIFTS:
        for strength in STRENGTHS:
            stream = rec_shifts.shifted_window(
                log, shift, strength, REC_WINDOW * REC_MAX_WINDOWS, seed=7
            )
            windows = tumbling_windows(stream, REC_WINDOW)
            rows.append(
                _delay_row("recommender", shift, strength, reference, windows, spec, result)
            )
    return rows, result


def _ocr_windows(shift: str, strength: float, seed: int, count: int) -> list:
    """Lazily generated consecutive photo windows (photos cost ~20-70 ms each)."""
    for k in range(count):
        yield ocr_shifts.photo_window(shift, strength, OCR_WINDOW, seed=seed, start=k * OCR_WINDOW)


def ocr_rows() -> tuple[list[dict], dict]:
    """Delays and false alarms of the OCR service's photos."""
    spec = ocr_shifts.PHOTO_SPEC
    reference = ocr_shifts.photo_window("darker", 0.0, OCR_REFERENCE, seed=1)
    rows, result = [], {}
    unshifted = list(_ocr_windows("darker", 0.0, seed=2, count=N_UNSHIFTED))
    rows.append(_false_alarm_row("ocr", reference, unshifted, spec, result))
    control = _ocr_windows("darker", 0.0, seed=3, count=OCR_MAX_WINDOWS)
    rows.append(_delay_row("ocr", "none (same stream)", 0.0, reference, control, spec, result))
    for shift in ocr_shifts.SHIFTS:
        for strength in STRENGTHS:
            windows = _ocr_windows(shift, strength, seed=3, count=OCR_MAX_WINDOWS)
            rows.append(_delay_row("ocr", shift, strength, reference, windows, spec, result))
    return rows, result


def _false_alarm_row(project, reference, windows, spec, result) -> dict:
    row = {"project": project, "shift": "none (false alarms)", "strength": 0.0}
    for name, detector in DETECTORS.items():
        fired = sum(detector.detect(reference, window, spec).drifted for window in windows)
        row[name] = f"{fired}/{len(windows)}"
        result[f"{project}_false_alarm_rate_{name}"] = fired / len(windows)
    result[f"{project}_unshifted_windows"] = len(windows)
    return row


def _delay_row(project, shift, strength, reference, windows, spec, result) -> dict:
    """Requests until each detector first fires on consecutive `windows` (as `first_alarm`).

    Windows are drawn one at a time and only the detectors that have not fired yet test the
    next one, so a strong shift costs one window.
    """
    row = {"project": project, "shift": shift, "strength": strength}
    delays: dict[str, int | None] = dict.fromkeys(DETECTORS)
    seen = 0
    for window in windows:
        seen += len(window)
        for name in [n for n, delay in delays.items() if delay is None]:
            if DETECTORS[name].detect(reference, window, spec).drifted:
                delays[name] = seen
        if all(delays.values()):
            break
    tag = "control" if strength == 0 else f"{shift}_{int(strength * 100)}"
    for name, delay in delays.items():
        row[name] = "-" if delay is None else delay
        result[f"{project}_{tag}_{name}_requests"] = delay or -1
    print(f"  {row}", file=sys.stderr, flush=True)  # progress: photos are slow to make
    return row


def main() -> None:
    """Measure, print the table and write results/drift.json."""
    start = time.perf_counter()
    rec, rec_result = recommender_rows()
    rec_seconds = time.perf_counter() - start
    ocr, ocr_result = ocr_rows()
    seconds = time.perf_counter() - start
    print_table(rec + ocr)
    print(
        f"windows: recommender {REC_WINDOW} requests, OCR {OCR_WINDOW} photos; '-' = no alarm "
        f"within {REC_MAX_WINDOWS} / {OCR_MAX_WINDOWS} windows; {seconds:.0f} s"
    )
    result = {
        "benchmark": "drift",
        "recommender_window": REC_WINDOW,
        "ocr_window": OCR_WINDOW,
        "ocr_reference_photos": OCR_REFERENCE,
        "recommender_reference_requests": 5000,
        "recommender_seconds": round(rec_seconds, 1),
        "total_seconds": round(seconds, 1),
        **rec_result,
        **ocr_result,
        **machine_info(["evidently", "scipy"]),
    }
    print(f"wrote {write_result('drift', result)}")


if __name__ == "__main__":
    main()
