"""The layout is the architecture: layers import only downward, and no module imports itself back.

Layers, lowest first: the basics (settings, contract, text, timing, offline), components
(embedder, store, LLM), indexing, answering, the services (Assistant, Engine), then the
shells (CLI, HTTP server, UI) and the evals. Imports under ``TYPE_CHECKING`` count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

LAYERS = [
    ("basics", ("rag.settings", "rag.contract", "rag.text", "rag.timing", "rag.offline")),
    ("components", ("rag.components",)),
    ("indexing", ("rag.indexing",)),
    ("answering", ("rag.answering",)),
    ("services", ("rag.assistant", "rag.engine", "rag.conversations", "rag")),  # "rag" itself: the public API
    ("evals", ("evals",)),
    ("shells", ("rag.cli", "rag.client", "rag.terminal", "rag.server", "ui", "rag.__main__")),
]


def _modules() -> dict[str, Path]:
    found = {}
    for package in ("rag", "ui", "evals"):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path, known: dict[str, Path]) -> set[str]:
    deps: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module in known:
                deps.add(node.module)
            deps |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known}
        elif isinstance(node, ast.Import):
            deps |= {a.name for a in node.names if a.name in known}
    return deps


def _layer(module: str) -> int:
    matches = [
        (len(p), rank)
        for rank, (_, prefixes) in enumerate(LAYERS)
        for p in prefixes
        if module == p or module.startswith(p + ".")
    ]
    if matches:
        return max(matches)[1]  # the most specific prefix ("rag.cli" over "rag")
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(path, known) - {name} for name, path in known.items()}


def test_every_module_has_a_layer_and_imports_only_downward():
    upward = []
    for module, deps in _graph().items():
        for dep in deps:
            if _layer(dep) > _layer(module) and not (module == "rag.cli" and dep.startswith("evals")):
                upward.append(f"{module} ({LAYERS[_layer(module)][0]}) imports {dep} ({LAYERS[_layer(dep)][0]})")
    assert not upward, "\n".join(sorted(upward))


def test_no_import_cycles():
    graph = _graph()
    cycles: list[list[str]] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        for dep in sorted(graph[module]):
            if dep in path:
                cycles.append([*path[path.index(dep) :], dep])
            elif dep not in done:
                visit(dep, [*path, dep])
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_modules_stay_small():
    long = {name: n for name, path in _modules().items() if (n := len(path.read_text().splitlines())) >= 400}
    assert not long, long
