"""Find the submissions in a folder and screen them before anything runs.

Each entry of the folder is one learner: a file (`alice.ipynb`, or anything else, which then gets a
row saying it is not a notebook) or a folder (`bob/`) holding the learner's notebook.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

MAX_NOTEBOOK_BYTES = 20_000_000
_CHECKER_CALL = re.compile(r"""checker\(\s*["'](lab\d\d)["']\s*\)""")
_TITLE = re.compile(r"^#\s*Lab\s+(\d\d)\b", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Submission:
    """One learner's entry in the submissions folder."""

    learner: str
    path: Path  # the notebook, or the entry itself when no notebook was found
    problem: str | None = None  # set when the entry cannot be run at all


def _learner_id(entry: Path) -> str:
    name = entry.name[: -len(".ipynb")] if entry.name.endswith(".ipynb") else entry.name
    return re.sub(r"[^\w.@-]+", "_", name) or "unnamed"


def find_submissions(folder: Path, lab: str) -> list[Submission]:
    """List one submission per entry of `folder`, sorted by learner id; hidden entries are ignored.

    Raises:
        FileNotFoundError: the folder does not exist.
    """
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of submissions.")
    found: dict[str, Submission] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        learner = _learner_id(entry)
        if learner in found:  # alice.ipynb and alice/ both present: keep both, distinctly
            learner = f"{learner}__{entry.name}"
        if entry.is_dir():
            notebooks = sorted(entry.glob("*.ipynb"))
            preferred = [p for p in notebooks if p.name.startswith(lab)] or notebooks
            if len(preferred) == 1:
                found[learner] = Submission(learner, preferred[0])
            else:
                what = "no notebook" if not preferred else f"{len(preferred)} notebooks"
                found[learner] = Submission(
                    learner, entry, f"the folder holds {what}; hand in one {lab} notebook"
                )
        else:
            found[learner] = Submission(learner, entry)
    return list(found.values())


def sha256_of_file(path: Path) -> str:
    """Content hash, so a resubmitted notebook is graded again."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def code_of(path: Path) -> str:
    """All code cells of a notebook, joined (empty when it cannot be read)."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception:  # screened before: an unreadable notebook never gets here
        return ""
    return "\n".join(c.source for c in notebook.cells if c.cell_type == "code")


def screen(submission: Submission, lab: str) -> tuple[str, str] | None:
    """Return (status, reason) when a submission cannot be graded, or None when it can run."""
    if submission.problem:
        return "not a notebook", submission.problem
    path = submission.path
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        return "not a notebook", f"the file is larger than {MAX_NOTEBOOK_BYTES // 1_000_000} MB"
    try:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # any parse or schema failure means the same thing here
        return (
            "not a notebook",
            f"{path.name} cannot be read as a Jupyter notebook ({type(error).__name__})",
        )
    code = [c.source for c in notebook.cells if c.cell_type == "code" and c.source.strip()]
    if not code:
        return "empty", "the notebook has no code"
    text = "\n".join(c.source for c in notebook.cells)
    # The lab's own setup cell names it (`checker("labNN")`); the title is the fallback.
    labs = set(_CHECKER_CALL.findall(text)) or {f"lab{n}" for n in _TITLE.findall(text)}
    if labs and lab not in labs:
        return "wrong lab", f"this looks like {', '.join(sorted(labs))}, not {lab}"
    return None
