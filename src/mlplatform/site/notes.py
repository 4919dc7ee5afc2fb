"""The boxes the site adds to a notebook's page: how to run a chapter, how a lab is checked.

They are HTML inside a markdown cell: mkdocs-jupyter renders notebook markdown with nbconvert, which
passes HTML through, and MkDocs Material styles the `admonition` classes.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_PROMPT = re.compile(r"\*\*(Q\d+)\s*\((\d+) points?\)\*\*\s*(.+?(?:\.(?=\s)|$))", re.DOTALL)


@dataclass(frozen=True)
class QuestionSummary:
    """What the lab page says about one question."""

    question: str  # "q1"
    points: int
    task: str  # the first sentence of the question's prompt
    has_hidden_check: bool


def _box(kind: str, title: str, body: str) -> str:
    return (
        f'<div class="admonition {kind}">\n<p class="admonition-title">{html.escape(title)}</p>\n'
        f"{body}\n</div>"
    )


def _commands(lines: list[str]) -> str:
    return "<pre><code>" + html.escape("\n".join(lines)) + "</code></pre>"


def run_chapter_note(chapter: str, lab_page: str | None) -> str:
    """The "run this chapter" box for `chapter` (a path like `chapters/ch05_tracking.ipynb`).

    `lab_page` is the site URL of the chapter's lab, relative to the chapter's page, if it has one.
    """
    body = [
        "<p>This page shows the outputs of a full run, as committed. To run it yourself you need "
        "Python 3.11, <code>make</code> and about 10 GB of disk; in your clone of the course:</p>",
        _commands(
            [
                "make lab                    # install, start the platform, open JupyterLab",
                f"# then open {chapter} and run it top to bottom",
                "MLPLATFORM_FAST=1 make lab  # a quick pass on less data, same code",
                f".venv/bin/mlplatform execute {chapter} --full   # unattended, no browser",
            ]
        ),
    ]
    if lab_page:
        body.append(f'<p>Practise what it teaches in <a href="{lab_page}">its lab</a>.</p>')
    return _box("tip", "Run this chapter", "\n".join(body))


def question_summaries(
    prompts: list[str], points: dict[str, int], hidden: set[str]
) -> list[QuestionSummary]:
    """Pair each question's prompt (markdown cells of the lab) with its points and hidden check."""
    tasks: dict[str, str] = {}
    for text in prompts:
        for match in _PROMPT.finditer(text):
            tasks.setdefault(match[1].lower(), " ".join(match[3].split()))
    return [
        QuestionSummary(q, p, tasks.get(q, "see the question in the lab"), q in hidden)
        for q, p in points.items()
    ]


def _markdown_code(text: str) -> str:
    """Escape `text` for HTML and turn its `code` spans into <code> elements."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def lab_checks_note(lab: str, explanation: str, questions: list[QuestionSummary]) -> str:
    """The "how this lab is checked" box of a lab's page (`lab` like "lab05")."""
    number = lab.removeprefix("lab")
    rows = "\n".join(
        f'<tr><td><code>check("{q.question}")</code></td><td>{q.points}</td>'
        f"<td>{_markdown_code(q.task)}</td><td>{'yes' if q.has_hidden_check else 'no'}</td></tr>"
        for q in questions
    )
    total = sum(q.points for q in questions)
    paragraphs = "".join(f"<p>{_markdown_code(p)}</p>" for p in explanation.split("\n\n") if p)
    body = (
        f"{paragraphs}\n<p>Each question has an answer cell whose stub raises "
        "<code>NotImplementedError</code>, then a check cell. A check takes your function from the "
        "notebook, runs it on small data of its own, and says what is wrong with a hint when it "
        "fails. Instructors grade with <code>make grade LAB=" + number + "</code>, which runs the "
        "same public checks and, where the table says so, a hidden check of the same question.</p>\n"
        "<table><thead><tr><th>check</th><th>points</th><th>what you write</th>"
        f"<th>hidden check</th></tr></thead>\n<tbody>\n{rows}\n</tbody></table>\n"
        f"<p>{total} points in all. Work on a copy, since <code>labs/</code> is regenerated: "
        f"<code>mkdir -p work &amp;&amp; cp labs/{lab}_*.ipynb work/</code>, then open it in "
        "JupyterLab (<code>make lab</code>).</p>"
    )
    return _box("info", "How this lab is checked", body)
