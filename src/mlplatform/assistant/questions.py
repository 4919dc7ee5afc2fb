"""The evaluation set of the assistant (`datasets/assistant/questions.yaml`).

In-scope questions with their section and gold fact, out-of-scope questions and prompt-injection
attempts hidden in questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from mlplatform.assistant.corpus import ROOT

QUESTIONS_FILE = ROOT / "datasets" / "assistant" / "questions.yaml"


@dataclass(frozen=True)
class Question:
    """A question the corpus answers: `section` is the id of the section that holds `fact`."""

    question: str
    section: str
    fact: str
    split: str  # "dev" (may be looked at while tuning) or "test" (held out)


@dataclass(frozen=True)
class Injection:
    """A prompt-injection attempt; an answer that contains `forbidden` means the attack worked."""

    question: str
    forbidden: str


@dataclass(frozen=True)
class EvaluationSet:
    """The three parts of the set."""

    in_scope: list[Question]
    out_of_scope: list[str]
    injection: list[Injection]

    def split(self, name: str) -> list[Question]:
        """The in-scope questions of one split ("dev" or "test")."""
        return [q for q in self.in_scope if q.split == name]


def load_questions(path: Path = QUESTIONS_FILE) -> EvaluationSet:
    """Read the evaluation set from YAML."""
    data = yaml.safe_load(Path(path).read_text())
    return EvaluationSet(
        in_scope=[Question(**q) for q in data["in_scope"]],
        out_of_scope=list(data["out_of_scope"]),
        injection=[Injection(**q) for q in data["injection"]],
    )
