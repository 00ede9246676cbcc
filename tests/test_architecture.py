"""The package's shape: data flows one way, shared ideas have one home.

Read from the source with ``ast`` (nothing is imported): every import
between whitezone's own modules points to the same level or a lower one, so
there is no import circle and nothing that computes imports a writer; no
whitezone module is imported inside a function (only optional third-party
extras are); no two modules share a name; the model kind is asked only
inside ``models/``; classes are counted only by the one tally.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "whitezone"

#: Levels from the bottom up; a module may import its own level or lower ones.
LEVELS = [
    ("vocabulary", ["_version", "errors", "technology", "classes", "i18n", "crs", "project",
                    "files", "staging", "postgis", "assumptions"]),
    ("load", ["layers", "dem", "landcover", "viewshed"]),
    ("models", ["models"]),
    ("classify", ["classify", "grid", "engine", "result", "schema"]),
    ("indicators", ["indicators", "postal", "broadband", "facilities", "operators", "population",
                    "hexagons", "stream", "rasters", "capacity"]),
    ("computation", ["analysis", "scenarios", "siting", "validation", "tuning"]),
    ("writers", ["report", "maps", "outputs", "datasets", "qgis_plugin", "styles"]),
    ("pipeline", ["pipeline"]),
    ("cli", ["cli"]),
]  # fmt: skip


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(("whitezone", *parts))] = path
    return out


MODULES = _modules()


def _level(module: str) -> int:
    if module == "whitezone":
        return len(LEVELS)  # the package's __init__ re-exports everything
    first = module.split(".")[1]
    for i, (_, names) in enumerate(LEVELS):
        if first in names:
            return i
    raise AssertionError(f"{module} has no level: add it to LEVELS")


def _imports(module: str, path: Path):
    """(imported whitezone module, line, inside a function) for every import of ``module``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_function = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            in_function.update(id(n) for n in ast.walk(node) if n is not node)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
            if node.module:
                names.append(target)
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            if name in MODULES and name != module:
                yield name, node.lineno, id(node) in in_function


EDGES = {m: list(_imports(m, p)) for m, p in MODULES.items()}


def test_every_module_has_a_level():
    for module in MODULES:
        _level(module)


def test_imports_point_down_never_up():
    upward = [f"{m}:{line} imports {target} ({LEVELS[_level(target)][0]} above "
              f"{LEVELS[_level(m)][0]})"
              for m, edges in EDGES.items() for target, line, _ in edges
              if _level(target) > _level(m)]  # fmt: skip
    assert not upward, "\n".join(upward)


def test_no_import_circle():
    graph = {m: {t for t, _, _ in edges} for m, edges in EDGES.items()}
    seen, stack, circles = set(), [], []

    def visit(node):
        if node in stack:
            circles.append(stack[stack.index(node):] + [node])
            return
        if node in seen:
            return
        seen.add(node)
        stack.append(node)
        for nxt in sorted(graph[node]):
            visit(nxt)
        stack.pop()

    for module in sorted(graph):
        visit(module)
    assert not circles, circles


#: Modules allowed one import inside a function, and why.
LOCAL_IMPORT_ALLOWED = {
    # QGIS calls classFactory only inside QGIS; at the top, qgis.core would make the plugin's
    # runner (tested outside QGIS) and `whitezone qgis install` unimportable.
    "whitezone.qgis_plugin": "whitezone.qgis_plugin.plugin_entry",
}


def test_no_whitezone_import_inside_a_function():
    local = [f"{m}:{line} imports {t}" for m, edges in EDGES.items() for t, line, inside in edges
             if inside and LOCAL_IMPORT_ALLOWED.get(m) != t]  # fmt: skip
    assert not local, "\n".join(local)


def test_module_names_do_not_collide_across_levels():
    names: dict[str, list[str]] = {}
    for module, path in MODULES.items():
        if path.name in ("__init__.py", "__main__.py", "_common.py"):
            continue
        names.setdefault(path.stem.lstrip("_"), []).append(module)
    clashes = {k: v for k, v in names.items() if len(v) > 1}
    assert not clashes, clashes


SOURCES = {m: p.read_text(encoding="utf-8") for m, p in MODULES.items()}


@pytest.mark.parametrize("pattern, home", [
    # Which model ran is asked only where the models live.
    (r"\bmodel\w*\.kind\s*(==|!=|in\b)|type\(model\)|isinstance\(\w*model\s*,", "whitezone.models"),
    # Classes are counted by the one tally.
    (r"get_dummies|crosstab\(.*class|\bnp\.bincount\(\s*cell\b", "whitezone.classes"),
])  # fmt: skip
def test_one_home(pattern, home):
    found = [m for m, text in SOURCES.items()
             if re.search(pattern, text) and not m.startswith(home)]  # fmt: skip
    assert not found, found


def test_no_duck_typing_on_the_result():
    found = [m for m, text in SOURCES.items() if re.search(r"getattr\((result|model)\b", text)]
    assert not found, found
