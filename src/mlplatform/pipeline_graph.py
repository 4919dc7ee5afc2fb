"""Draw a compiled pipeline (KFP's IR YAML) as a graph: what the KFP UI shows, without a cluster.

The picture is read from the compiled spec, not from the Python function, so it shows what a cluster
would run: one box per task (a `dsl.If` or `dsl.ParallelFor` group is a box of its own, with the
tasks inside it below it), and one arrow per dependency, labelled with the artefact or parameter
that flows along it.

Example:
    >>> package = compile_pipeline(training_pipeline, Path("training.yaml"))  # doctest: +SKIP
    >>> draw_pipeline(package)  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from matplotlib.figure import Figure

STEP = 3.0  # distance between two columns of boxes, in data units
HALF_BOX = 0.95  # where an arrow leaves or enters a box, from its centre


@dataclass(frozen=True)
class Edge:
    """One arrow of the graph: `source` must finish before `target` starts."""

    source: str
    target: str
    label: str = ""  # what flows along it (an artefact or parameter name); "" for a plain `after`
    inside: bool = False  # from a group (condition or loop) to a task it contains


def _flows(task: dict[str, Any]) -> dict[str, str]:
    """The producer task of each input, with the output that is passed (one label per producer)."""
    found: dict[str, list[str]] = defaultdict(list)
    inputs = task.get("inputs", {})
    for kind, key in (("artifacts", "taskOutputArtifact"), ("parameters", "taskOutputParameter")):
        for value in inputs.get(kind, {}).values():
            if source := value.get(key):
                output = source.get("outputArtifactKey") or source.get("outputParameterKey", "")
                found[source["producerTask"]].append(output)
    return {producer: ", ".join(sorted(set(names))) for producer, names in found.items()}


def pipeline_edges(spec: dict[str, Any]) -> tuple[list[str], list[Edge]]:
    """The tasks of a compiled pipeline (nested groups included) and the arrows between them."""
    tasks: list[str] = []
    edges: list[Edge] = []

    def walk(dag: dict[str, Any], group: str | None) -> None:
        for name, task in dag.get("tasks", {}).items():
            tasks.append(name)
            flows = _flows(task)
            for producer in sorted(set(task.get("dependentTasks", [])) | set(flows)):
                edges.append(Edge(producer, name, flows.get(producer, "")))
            if group is not None and not task.get("dependentTasks"):
                edges.append(Edge(group, name, inside=True))
            nested = spec["components"].get(task["componentRef"]["name"], {}).get("dag")
            if nested:
                walk(nested, name)

    walk(spec["root"]["dag"], None)
    return tasks, edges


def layers(tasks: list[str], edges: list[Edge]) -> dict[str, int]:
    """Each task's column: the length of the longest chain of arrows that leads to it."""
    depth: dict[str, int] = {}
    incoming: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        incoming[edge.target].append(edge.source)

    def column(task: str, seen: frozenset[str] = frozenset()) -> int:
        if task not in depth:
            if task in seen:
                raise ValueError(f"the pipeline's graph has a cycle through {task!r}")
            sources = incoming.get(task, [])
            depth[task] = 1 + max((column(s, seen | {task}) for s in sources), default=-1)
        return depth[task]

    return {task: column(task) for task in tasks}


def _positions(tasks: list[str], edges: list[Edge]) -> dict[str, tuple[float, float]]:
    by_column: dict[int, list[str]] = defaultdict(list)
    for task, col in layers(tasks, edges).items():
        by_column[col].append(task)
    positions = {}
    for col, names in by_column.items():
        for row, name in enumerate(sorted(names)):
            positions[name] = (col * STEP, (len(names) - 1) / 2 - row)
    return positions


def draw_pipeline(package: str | Path, title: str | None = None) -> Figure:
    """Draw the compiled pipeline at `package` (IR YAML) left to right; returns the figure."""
    spec = yaml.safe_load(Path(package).read_text())
    tasks, edges = pipeline_edges(spec)
    positions = _positions(tasks, edges)
    columns = 1 + max(round(x / STEP) for x, _ in positions.values())
    rows = max(sum(1 for p in positions.values() if p[0] == x) for x, _ in positions.values())
    figure = Figure(figsize=(max(6.0, 1.9 * columns), max(2.2, 1.1 * rows + 1.2)))
    ax = figure.subplots()
    lanes = 0
    for edge in edges:
        start, end = positions[edge.source], positions[edge.target]
        skips = round((end[0] - start[0]) / STEP) > 1
        _draw_edge(ax, edge, start, end, lanes)
        lanes += skips
    conditions = _conditions(spec)
    for task, (x, y) in positions.items():
        group = bool(spec["components"].get(_component(spec, task), {}).get("dag"))
        box = {"boxstyle": "round", "fc": "white" if group else "#dbe9f6", "ec": "0.3"}
        ax.text(x, y, task, ha="center", va="center", fontsize=9, bbox=box)
        if task in conditions:
            ax.text(x, y - 0.3, f"runs if {conditions[task]}", ha="center", va="top", fontsize=7)
    skipping = sum(
        round((positions[e.target][0] - positions[e.source][0]) / STEP) > 1 for e in edges
    )
    ax.set_xlim(-STEP / 2, (columns - 0.5) * STEP)
    ax.set_ylim(-rows / 2 - 0.3, rows / 2 + 0.3 + 0.18 * skipping)
    ax.axis("off")
    ax.set_title(title or spec.get("pipelineInfo", {}).get("name", ""))
    return figure


def _draw_edge(
    ax: Any, edge: Edge, start: tuple[float, float], end: tuple[float, float], lane: int
) -> None:
    """An arrow from box to box; one that skips columns runs above the boxes, in its own lane."""
    (x0, y0), (x1, y1) = start, end
    colour, line = "0.4", ":" if edge.inside else "-"
    arrow = {"arrowstyle": "-|>", "color": colour, "linestyle": line, "shrinkA": 0, "shrinkB": 0}
    if round((x1 - x0) / STEP) <= 1:
        ax.annotate("", (x1 - HALF_BOX, y1), (x0 + HALF_BOX, y0), arrowprops=arrow)
        label_at = ((x0 + x1) / 2, (y0 + y1) / 2 + 0.08)
    else:
        top = max(y0, y1) + 0.35 + 0.18 * lane
        ax.plot([x0 + 0.3, x0 + 0.3, x1 - 0.3], [y0 + 0.12, top, top], color=colour, linestyle=line)
        ax.annotate("", (x1 - 0.3, y1 + 0.12), (x1 - 0.3, top), arrowprops=arrow)
        label_at = ((x0 + x1) / 2, top + 0.03)
    if edge.label:
        ax.text(*label_at, edge.label, ha="center", va="bottom", fontsize=8)


def _conditions(spec: dict[str, Any]) -> dict[str, str]:
    """`dsl.If` conditions by task, with KFP's channel names shortened to the pipeline's names."""
    found = {}
    for component in [spec["root"], *spec["components"].values()]:
        for name, task in component.get("dag", {}).get("tasks", {}).items():
            if condition := task.get("triggerPolicy", {}).get("condition"):
                short = re.sub(
                    r"inputs\.parameter_values\['pipelinechannel--([\w-]+)'\]", r"\1", condition
                )
                found[name] = short
    return found


def _component(spec: dict[str, Any], task: str) -> str:
    """The component a task (at any depth) runs."""

    def find(dag: dict[str, Any]) -> str | None:
        for name, entry in dag.get("tasks", {}).items():
            component = entry["componentRef"]["name"]
            if name == task:
                return component
            nested = spec["components"].get(component, {}).get("dag")
            if nested and (found := find(nested)):
                return found
        return None

    return find(spec["root"]["dag"]) or ""
