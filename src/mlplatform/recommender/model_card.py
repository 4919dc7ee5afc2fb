"""Model cards: a Markdown page that says what a model is, what it was trained on and how it does.

A card is rendered from `CardFacts`, which a notebook fills in by hand or reads from an MLflow run
with `facts_from_run`: parameters, metrics, the dataset inputs (name, digest, rows) and tags.
Metrics per slice follow one naming convention, `slice.<slice>.<group>.<metric>` (for example
`slice.gender.F.ndcg`), so they can be logged as ordinary run metrics and read back as a table;
`slice_metric_keys` turns the tidy frame of `evaluation.slice_metrics` into those names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

SLICE_PREFIX = "slice."
METRIC_COLUMNS = ("precision", "recall", "ndcg", "map")
# MLflow metric names allow only letters, digits, "_", "-", ".", " ", "/" and ":"; slice groups
# such as "<18", "55+" or "cold (0)" are spelled out, and dots are kept as the key's separators.
_SPELLED = {"<": "under ", ">": "over ", "+": " plus", "(": "", ")": ""}
DEFAULT_ETHICS = (
    "Popularity bias: collaborative models learn from what many people rated, so popular movies "
    "are recommended more and the long tail less; compare coverage with a popularity baseline.",
    "Demographic slices: quality differs between gender, age and activity groups; the table of "
    "metrics per slice shows the gaps, and small groups have noisy numbers.",
)


@dataclass(frozen=True)
class DataFacts:
    """One data set a model was trained or evaluated on."""

    context: str  # "training" or "evaluation"
    name: str
    digest: str
    rows: int | None = None


@dataclass(frozen=True)
class CardFacts:
    """Everything a model card states; only `name` is required."""

    name: str
    version: str = "unregistered"
    description: str = ""
    data: Sequence[DataFacts] = ()
    params: Mapping[str, object] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    slice_metrics: Mapping[tuple[str, str], Mapping[str, float]] = field(default_factory=dict)
    intended_use: str = ""
    limitations: Sequence[str] = ()
    ethical_considerations: Sequence[str] = DEFAULT_ETHICS
    run_id: str | None = None


def metric_safe(group: str) -> str:
    """A slice group as MLflow accepts it in a metric name: `"<18"` -> `"under 18"`."""
    for char, words in _SPELLED.items():
        group = group.replace(char, words)
    return re.sub(r"[^\w\- ]", "_", group).strip()


def slice_metric_keys(tidy: pd.DataFrame, model: str) -> dict[str, float]:
    """Run-metric names and values for one model's rows of `evaluation.slice_metrics`.

    Group names are passed through `metric_safe`, so `slice.age_group.under 18.ndcg` is the NDCG
    of users under 18.

    Raises:
        ValueError: the frame has no rows for `model`; the message lists the models it has.
    """
    rows = tidy[tidy["model"] == model]
    if rows.empty:
        known = ", ".join(sorted(map(str, tidy["model"].unique())))
        raise ValueError(f"No slice metrics for model {model!r}; the frame has: {known}.")
    keys = {}
    for row in rows.itertuples(index=False):
        for metric in METRIC_COLUMNS:
            if metric in rows.columns:
                key = f"{SLICE_PREFIX}{metric_safe(str(row.slice))}.{metric_safe(str(row.group))}.{metric}"
                keys[key] = float(getattr(row, metric))
    return keys


def split_slice_metrics(
    metrics: Mapping[str, float],
) -> tuple[dict[str, float], dict[tuple[str, str], dict[str, float]]]:
    """Separate overall metrics from `slice.<slice>.<group>.<metric>` ones (grouped by slice)."""
    overall: dict[str, float] = {}
    slices: dict[tuple[str, str], dict[str, float]] = {}
    for key, value in metrics.items():
        parts = key.removeprefix(SLICE_PREFIX).split(".")
        if key.startswith(SLICE_PREFIX) and len(parts) >= 3:
            slices.setdefault((parts[0], ".".join(parts[1:-1])), {})[parts[-1]] = float(value)
        else:
            overall[key] = float(value)
    return overall, slices


def facts_from_run(
    run_id: str, name: str, version: str = "unregistered", **extra: object
) -> CardFacts:
    """Read parameters, metrics, dataset inputs and the description of an MLflow run.

    Args:
        run_id: the run that trained (or evaluated) the model.
        name: the model's name, e.g. the registered name.
        version: the registered version, if any.
        **extra: further `CardFacts` fields (intended_use, limitations, ...).

    Raises:
        TypeError: `extra` names a field `CardFacts` does not have.
    """
    from mlplatform.tracking import tracking_client

    run = tracking_client().get_run(run_id)
    overall, slices = split_slice_metrics(run.data.metrics)
    data = []
    for item in run.inputs.dataset_inputs:
        tags = {tag.key: tag.value for tag in item.tags}
        rows = tags.get("rows")
        data.append(
            DataFacts(
                context=tags.get("mlflow.data.context", ""),
                name=item.dataset.name,
                digest=item.dataset.digest,
                rows=int(rows) if rows and rows.isdigit() else None,
            )
        )
    description = run.data.tags.get("mlflow.note.content", "")
    return CardFacts(
        name=name,
        version=version,
        description=str(extra.pop("description", description)),
        data=data,
        params=dict(run.data.params),
        metrics=overall,
        slice_metrics=slices,
        run_id=run_id,
        **extra,  # type: ignore[arg-type]
    )


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value).replace("|", "\\|")


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_format(cell) for cell in row) + " |" for row in rows]
    return lines


def _bullets(items: Sequence[str], empty: str) -> list[str]:
    return [f"- {item}" for item in items] if items else [f"_{empty}_"]


def _slice_table(slices: Mapping[tuple[str, str], Mapping[str, float]]) -> list[str]:
    if not slices:
        return ["_No metrics per slice were recorded._"]
    metrics = sorted({metric for values in slices.values() for metric in values})
    rows = [
        [slice_, group, *(values.get(metric, "") for metric in metrics)]
        for (slice_, group), values in sorted(slices.items())
    ]
    return _table(["slice", "group", *metrics], rows)


def render(facts: CardFacts) -> str:
    """The model card as Markdown: headline, data, parameters, metrics, use, limits and ethics."""
    lines = [f"# Model card: {facts.name} (version {facts.version})", ""]
    if facts.description:
        lines += [facts.description, ""]
    if facts.run_id:
        lines += [f"Trained in MLflow run `{facts.run_id}`.", ""]
    lines += ["## Training and evaluation data", ""]
    if facts.data:
        rows = [
            [d.context, d.name, f"`{d.digest}`", "" if d.rows is None else d.rows]
            for d in facts.data
        ]
        lines += _table(["context", "name", "digest", "rows"], rows)
    else:
        lines.append("_No data set was recorded: the model cannot be traced to its data._")
    lines += ["", "## Parameters", ""]
    params = sorted(facts.params.items())
    lines += _table(["parameter", "value"], params) if params else ["_None recorded._"]
    lines += ["", "## Metrics", ""]
    metrics = sorted(facts.metrics.items())
    lines += _table(["metric", "value"], metrics) if metrics else ["_None recorded._"]
    lines += ["", "## Metrics per slice", "", *_slice_table(facts.slice_metrics)]
    lines += ["", "## Intended use", "", facts.intended_use or "_Not stated._"]
    lines += ["", "## Limitations", "", *_bullets(facts.limitations, "None stated.")]
    lines += ["", "## Ethical considerations", ""]
    lines += _bullets(facts.ethical_considerations, "None stated.")
    return "\n".join(lines) + "\n"


def render_from_mapping(facts: Mapping[str, object]) -> str:
    """Render a card from a plain dict with `CardFacts` field names (data as dicts too).

    Raises:
        ValueError: a key is not a `CardFacts` field; the message lists the valid ones.
    """
    known = set(CardFacts.__dataclass_fields__)
    unknown = sorted(set(facts) - known)
    if unknown:
        raise ValueError(f"Unknown model card fields {unknown}; use: {', '.join(sorted(known))}.")
    values = dict(facts)
    values["data"] = [
        d if isinstance(d, DataFacts) else DataFacts(**d) for d in values.get("data", ())
    ]
    return render(CardFacts(**values))  # type: ignore[arg-type]


def log_card(facts: CardFacts, artifact_file: str = "model_card.md") -> str:
    """Render the card and store it as an artifact of the active MLflow run; returns the Markdown.

    Raises:
        RuntimeError: no run is active; the message says how to start one.
    """
    import mlflow

    if mlflow.active_run() is None:
        raise RuntimeError(
            "No active MLflow run to attach the card to: call it inside `with mlflow.start_run():`."
        )
    text = render(facts)
    mlflow.log_text(text, artifact_file)
    return text
