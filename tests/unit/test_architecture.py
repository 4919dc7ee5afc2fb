"""The layer rule of docs/architecture.md, checked on every import statement of the package.

Layers, bottom to top: base (config and small leaf helpers) -> platform services -> projects ->
grading and the CLI. A module may import its own layer or a lower one, never a higher one, and a
project never imports another project. Imports inside functions count as much as module-level
ones: an upward import hidden in a function is still an upward dependency. The same walk finds
import cycles between modules, which the rule forbids too (the shared piece moves down instead).
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "mlplatform"

PLATFORM = ["tracking", "registry", "features", "pipelines", "cluster", "quality", "serving", "services",
            "monitoring",
            "service_processes", "service_records", "fresh_platform", "pipeline_graph", "loadtest",
            "session", "notebooks"]  # fmt: skip
# Top-level name inside mlplatform -> layer. A new module must be placed here (the test says so).
LAYERS: dict[str, int] = {
    **dict.fromkeys(
        [
            "",
            "config",
            "digests",
            "health",
            "lazy",
            "lockfile",
            "benchmarking",
            "maturity",
            "stack",
            "progress",
        ],
        0,
    ),
    **dict.fromkeys(PLATFORM, 1),
    **dict.fromkeys(["recommender", "ocr", "assistant"], 2),
    **dict.fromkeys(["grading", "cli", "__main__", "site", "site_cli", "ocr_cli"], 3),
}
LAYER_NAMES = {0: "base", 1: "platform", 2: "project", 3: "grading/CLI"}
PROJECTS = {name for name, layer in LAYERS.items() if layer == 2}


def module_name(path: Path, root: Path) -> str:
    """`mlplatform.registry.versions` for `<root>/registry/versions.py`."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["mlplatform", *parts])


def imported_modules(path: Path, module: str) -> set[str]:
    """Every `mlplatform...` module `path` imports, at any depth (functions included)."""
    tree = ast.parse(path.read_text(), str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                package = module.split(".")[: -node.level or None]
                if path.name == "__init__.py":
                    package = module.split(".")[: len(module.split(".")) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from pkg import module`
    return {name for name in found if name == "mlplatform" or name.startswith("mlplatform.")}


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the package modules it imports (names that are not modules are dropped)."""
    paths = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    return {
        module: {name for name in imported_modules(path, module) if name in paths} - {module}
        for module, path in paths.items()
    }


def top_level(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def violations(root: Path) -> list[str]:
    """One line per import that breaks the layer rule, or per module with no layer."""
    problems = []
    for module, targets in import_graph(root).items():
        source = top_level(module)
        if source not in LAYERS:
            problems.append(f"{module} has no layer: add {source!r} to LAYERS and the docs.")
            continue
        for target in sorted(targets):
            name = top_level(target)
            if name == source or name not in LAYERS:
                continue
            upward = LAYERS[name] > LAYERS[source]
            across = source in PROJECTS and name in PROJECTS
            if upward or across:
                problems.append(
                    f"{module} ({LAYER_NAMES[LAYERS[source]]}) imports {target} "
                    f"({LAYER_NAMES[LAYERS[name]]})"
                )
    return problems


def cycles(root: Path) -> list[list[str]]:
    """Import cycles between modules (each reported once), found by depth-first search."""
    graph = import_graph(root)
    # A package's __init__ re-exporting its submodules is not a cycle of the code's design.
    graph = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in graph.items()}
    found, state = [], dict.fromkeys(graph, 0)  # 0 new, 1 on the stack, 2 done

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state[target] == 1:
                found.append([*stack[stack.index(target) :], target])
            elif state[target] == 0:
                visit(target, [*stack, target])
        state[node] = 2

    for module in sorted(graph):
        if state[module] == 0:
            visit(module, [module])
    return found


def test_no_module_imports_a_higher_layer_or_another_project() -> None:
    assert violations(PACKAGE) == []


def test_there_are_no_import_cycles() -> None:
    assert [" -> ".join(cycle) for cycle in cycles(PACKAGE)] == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "mlplatform"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


@pytest.mark.parametrize(
    "source",
    [
        "from mlplatform.recommender import movielens\n",
        "def load():\n    from mlplatform.recommender.movielens import load_ratings\n",
        "import mlplatform.recommender.movielens\n",
        "from mlplatform import recommender\n",
    ],
    ids=["module level", "inside a function", "import statement", "from package"],
)
def test_a_planted_upward_import_is_found(tmp_path: Path, source: str) -> None:
    root = _tree(
        tmp_path,
        {
            "registry/__init__.py": "",
            "registry/planted.py": source,
            "recommender/__init__.py": "",
            "recommender/movielens.py": "def load_ratings():\n    return None\n",
        },
    )
    assert violations(root) == [
        f"mlplatform.registry.planted (platform) imports {target} (project)"
        for target in (
            ["mlplatform.recommender"]
            if source.startswith("from mlplatform import")
            else ["mlplatform.recommender", "mlplatform.recommender.movielens"]
            if "from mlplatform.recommender import" in source
            else ["mlplatform.recommender.movielens"]
        )
    ]


def test_projects_may_not_import_each_other_and_new_modules_need_a_layer(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {"ocr/__init__.py": "", "recommender/__init__.py": "import mlplatform.ocr\n", "new.py": ""},
    )
    assert violations(root) == [
        "mlplatform.new has no layer: add 'new' to LAYERS and the docs.",
        "mlplatform.recommender (project) imports mlplatform.ocr (project)",
    ]


def test_a_planted_cycle_is_found(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {"features.py": "import mlplatform.services\n", "services.py": "def up():\n"
         "    from mlplatform import features\n"},
    )  # fmt: skip
    assert cycles(root) == [["mlplatform.features", "mlplatform.services", "mlplatform.features"]]
