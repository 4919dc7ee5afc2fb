"""Notice a submission that rewrites the grader's cells (the IPython input-transformer trick).

A learner's cell can register an input transformer (or an AST transformer, or replace the shell's
`run_cell`) so that every later cell, the grader's checks included, is rewritten before it runs. Two
looks catch it: the submission's source is searched for the hooks by name, and a probe cell run
before and after the learner's cells compares the shell's hook lists. A probe that comes back changed,
or does not come back as written, marks the submission. Neither look is proof against every trick a
learner can play inside their own kernel; docs/instructors.md says what is left.
"""

from __future__ import annotations

import re

_HOOK_NAMES = re.compile(
    r"input_transformers_(?:cleanup|post)|ast_transformers|input_transformer_manager"
    r"|\b(?:line|token)_transforms\b|\.(?:run_cell|run_cell_async|transform_cell|run_ast_nodes)\s*="
)
_OVERRIDABLE = ("run_cell", "run_cell_async", "transform_cell", "run_ast_nodes", "run_code")


def hooks_named_in(source: str) -> list[str]:
    """The cell-rewriting hooks a submission's source names (sorted, unique)."""
    return sorted(set(_HOOK_NAMES.findall(source)))


def probe_source(token: str) -> str:
    """A cell whose result is the token followed by the shell's hook counts and overrides."""
    return (
        "__grader_shell = get_ipython()\n"
        "__grader_manager = __grader_shell.input_transformer_manager\n"
        "__grader_hooks = [__grader_manager.cleanup_transforms, __grader_manager.line_transforms,\n"
        "                  __grader_manager.token_transformers, __grader_shell.input_transformers_post,\n"
        "                  __grader_shell.ast_transformers]\n"
        f"__grader_overridden = [n for n in {_OVERRIDABLE!r} if n in vars(__grader_shell)]\n"
        f"' '.join([{token!r}, *(str(len(h)) for h in __grader_hooks), *__grader_overridden])\n"
    )


def probe_finding(before: str | None, after: str | None, token: str) -> str | None:
    """Why the shell looks tampered with, from the probe's results before and after, or None."""
    if before is None or not before.startswith(token):
        return None  # the grader's own baseline failed: nothing to compare against
    if after is None or not after.startswith(token):
        return "the grader's probe cell did not run as written"
    if after != before:
        return "cell-rewriting hooks were registered in the kernel"
    return None
