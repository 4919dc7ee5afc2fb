"""Measure readers on a split: exact match and CER of the ID, before and after the check-digit rule.

`evaluate_readers` runs the detector and CRAFT once per photo and lets every recogniser read the
same lines, so EasyOCR out of the box and the fine-tuned network are compared on identical crops.
One row per photo and reader; `summarize` turns the rows into the table of the chapter and the
benchmark:

- `exact_match` / `cer`: the recogniser's raw reading of the chosen line (normalised);
- `exact_match_rule`: the rule's output equals the truth (a rejected reading counts as a miss);
- `cer_rule`: CER of the rule's output, falling back to the raw reading when rejected;
- `accepted`, `corrected`, `rejected`: the rule's decisions; `wrong_accepted`: IDs the rule let
  through that are wrong (the dangerous errors: the check digit cannot catch two compensating
  mistakes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from mlplatform.ocr.dataset import Sample
from mlplatform.ocr.reader import (
    Detector,
    Reading,
    Recognizer,
    flatten_card,
    read_lines,
    text_boxes,
)
from mlplatform.ocr.text_metrics import character_error_rate

ERROR = "error"


def _error_rows(sample: Sample, split: str, names: Sequence[str], message: str) -> list[dict]:
    return [_row(sample, split, name, Reading("", "", ERROR, 0.0, message)) for name in names]


def _row(sample: Sample, split: str, name: str, reading: Reading) -> dict:
    output = reading.id if reading.accepted else reading.raw
    return {
        "split": split,
        "image_id": sample.image_id,
        "layout": sample.layout,
        "reader": name,
        "truth": sample.card_id,
        "raw": reading.raw,
        "id": reading.id,
        "status": reading.status,
        "confidence": reading.confidence,
        "char_confidences": reading.char_confidences,
        "error": reading.error,
        "exact": reading.raw == sample.card_id,
        "exact_rule": reading.id == sample.card_id,
        "cer": character_error_rate(reading.raw, sample.card_id),
        "cer_rule": character_error_rate(output, sample.card_id),
    }


def evaluate_readers(
    samples: Sequence[Sample],
    detector: Detector,
    recognizers: Mapping[str, Recognizer],
    split: str,
    progress: bool = True,
) -> pd.DataFrame:
    """Read every sample with every recogniser; one row per (photo, reader)."""
    from mlplatform.progress import progress_bar

    rows: list[dict] = []
    for sample in progress_bar(samples, desc=split, disable=not progress, leave=False):
        try:
            card = flatten_card(sample.load(), detector)
        except (RuntimeError, ValueError) as error:  # no card found, bad image
            rows += _error_rows(sample, split, list(recognizers), str(error))
            continue
        boxes = text_boxes(card)
        for name, recognizer in recognizers.items():
            reading = (
                read_lines(card, boxes, recognizer) if boxes else Reading("", "", "rejected", 0.0)
            )
            rows.append(_row(sample, split, name, reading))
    return pd.DataFrame(rows)


def summarize(frame: pd.DataFrame, by: Sequence[str] = ("split", "reader")) -> pd.DataFrame:
    """Per group: photos, exact match and CER before and after the rule, the rule's decisions."""
    grouped = frame.groupby(list(by), sort=False)
    table = grouped.agg(
        n=("exact", "size"),
        exact_match=("exact", "mean"),
        cer=("cer", "mean"),
        exact_match_rule=("exact_rule", "mean"),
        cer_rule=("cer_rule", "mean"),
        accepted=("status", lambda s: int((s == "accepted").sum())),
        corrected=("status", lambda s: int((s == "corrected").sum())),
        rejected=("status", lambda s: int(s.isin(["rejected", ERROR]).sum())),
    )
    wrong = frame[frame["status"].isin(["accepted", "corrected"]) & ~frame["exact_rule"]]
    table["wrong_accepted"] = (
        wrong.groupby(list(by)).size().reindex(table.index).fillna(0).astype(int)
    )
    return table.round(4)


def comparison(frame: pd.DataFrame) -> pd.DataFrame:
    """The headline table: rows reader (+ rule), columns exact match and CER per split."""
    table = summarize(frame)
    rows = {}
    for (split, reader), values in table.iterrows():
        rows.setdefault(reader, {})[(split, "exact_match")] = values["exact_match"]
        rows[reader][(split, "cer")] = values["cer"]
        rows.setdefault(f"{reader} + rule", {})[(split, "exact_match")] = values["exact_match_rule"]
        rows[f"{reader} + rule"][(split, "cer")] = values["cer_rule"]
    out = pd.DataFrame(rows).T
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    return out


def failures(frame: pd.DataFrame, reader: str, k: int = 6) -> pd.DataFrame:
    """The reader's worst rows after the rule: wrong or rejected, highest CER first."""
    wrong = frame[(frame["reader"] == reader) & ~frame["exact_rule"]]
    return wrong.sort_values("cer", ascending=False).head(k)


def headline_metrics(frame: pd.DataFrame, reader: str) -> dict[str, float]:
    """Flat metrics of one reader for MLflow: `<split>_exact_match`, `<split>_cer_rule`, ...

    The split `test_heldout` is shortened to `heldout` (`heldout_exact_match_rule`, ...).
    """
    table = summarize(frame[frame["reader"] == reader])
    metrics = {}
    for (split, _), values in table.iterrows():
        prefix = "heldout" if split == "test_heldout" else split
        for key in (
            "exact_match",
            "cer",
            "exact_match_rule",
            "cer_rule",
            "rejected",
            "wrong_accepted",
        ):
            metrics[f"{prefix}_{key}"] = float(values[key])
    return metrics


def char_confusions(frame: pd.DataFrame, reader: str) -> pd.Series:
    """How often each true character was read as another, over readings of the right length.

    Index: (truth character, read character); only substitutions are counted, most frequent first.
    """
    rows = frame[(frame["reader"] == reader) & (frame["raw"].str.len() == frame["truth"].str.len())]
    pairs = [(t, r) for truth, raw in zip(rows["truth"], rows["raw"], strict=True)
             for t, r in zip(truth, raw, strict=True) if t != r]  # fmt: skip
    if not pairs:
        return pd.Series(dtype=int, name="count")
    index = pd.MultiIndex.from_tuples(pairs, names=["truth", "read"])
    return (
        pd.Series(1, index=index)
        .groupby(level=[0, 1])
        .sum()
        .sort_values(ascending=False)
        .rename("count")
    )


def failure_images(frame: pd.DataFrame, samples: Sequence[Sample], detector: Detector) -> list:
    """The flat card of each row of `frame` with the truth and the reading written under it."""
    import cv2
    import numpy as np

    by_key = {(s.path.parent.parent.name, s.image_id): s for s in samples}
    images = []
    for row in frame.itertuples():
        sample = by_key[(row.split, row.image_id)]
        try:
            card = flatten_card(sample.load(), detector)
        except (RuntimeError, ValueError):
            card = cv2.resize(sample.load(), (512, 323))
        strip = np.full((56, card.shape[1], 3), 255, np.uint8)
        cv2.putText(
            strip, f"truth {row.truth}", (6, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.65, (0, 0, 0), 2
        )
        label = f"read  {row.raw or '-'} -> {row.id or row.status}"
        cv2.putText(strip, label, (6, 48), cv2.FONT_HERSHEY_SIMPLEX, 0.65, (200, 0, 0), 2)
        images.append(np.vstack([card, strip]))
    return images
