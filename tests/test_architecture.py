"""The layout is the architecture: layers import only downward, and no module imports itself back.

Layers, lowest first: the basics (settings, contract, text, language, timing, offline), components
(embedder, store, LLM), indexing, answering, the services (Assistant, Engine), then the
shells (CLI, HTTP server, UI) and the evals. Imports under ``TYPE_CHECKING`` count too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT

LAYERS = [
    ("basics", ("rag.settings", "rag.contract", "rag.text", "rag.language", "rag.timing", "rag.offline")),
    ("components", ("rag.components",)),
    ("indexing", ("rag.indexing",)),
    ("answering", ("rag.answering",)),
    ("services", ("rag.assistant", "rag.engine", "rag.conversations", "rag")),  # "rag" itself: the public API
    ("evals", ("evals",)),
    ("shells", ("rag.cli", "rag.cli_arguments", "rag.client", "rag.terminal", "rag.server", "ui", "rag.__main__")),
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


def _reachable(module: str) -> set[str]:
    graph, seen, todo = _graph(), set(), [module]
    while todo:
        for dep in graph[todo.pop()] - seen:
            seen.add(dep)
            todo.append(dep)
    return seen


def test_the_decide_stage_imports_neither_answerer():
    reached = _reachable("rag.answering.decision")
    assert not reached & {"rag.answering.extractive", "rag.answering.generation"}, sorted(reached)


def test_only_the_read_stage_calls_the_spelling_corrector():
    """The question is corrected once, when it is read; later stages take the corrected text."""
    speller_methods = {"correct", "closest", "unknown", "known"}
    callers = set()
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            if call and node.func.attr in speller_methods:  # type: ignore[attr-defined]
                callers.add(name)
    assert callers <= {"rag.answering.question", "rag.answering.spelling"}, sorted(callers)


def documented_stages() -> list[str]:
    """The stages docs/architecture.md lists, in its order ("1. **read** — …")."""
    page = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    path = page.split("## A question's path", 1)[1]
    return re.findall(r"^\d+\. \*\*(\w+)\*\*", path, re.M)


def _trace(monkeypatch: pytest.MonkeyPatch, ran: list[str], owner: Any, attribute: str, stage: str) -> None:
    original: Callable[..., Any] = getattr(owner, attribute)

    def traced(*args: Any, **kwargs: Any) -> Any:
        ran.append(stage)
        return original(*args, **kwargs)

    def traced_generator(*args: Any, **kwargs: Any) -> Any:  # Generator.generate yields deltas
        ran.append(stage)
        return (yield from original(*args, **kwargs))

    wrapper = traced_generator if attribute == "generate" else traced
    monkeypatch.setattr(owner, attribute, wrapper)


def _instrument(monkeypatch: pytest.MonkeyPatch, assistant: Any) -> list[str]:
    import rag.assistant

    ran: list[str] = []
    _trace(monkeypatch, ran, assistant.reader, "read", "read")
    _trace(monkeypatch, ran, rag.assistant, "asks_about_statements", "route")
    _trace(monkeypatch, ran, assistant.retriever, "retrieve", "retrieve")
    _trace(monkeypatch, ran, assistant.decider, "decide", "decide")
    _trace(monkeypatch, ran, assistant.answerer, "compose", "compose")
    if assistant.generator is not None:
        _trace(monkeypatch, ran, assistant.generator, "generate", "compose")
        _trace(monkeypatch, ran, assistant.generator.checker, "check", "check")
    return ran


def test_a_question_runs_the_documented_stages_in_order_each_once(assistant, monkeypatch):
    stages = documented_stages()
    assert stages == ["read", "route", "retrieve", "decide", "compose", "check"]
    ran = _instrument(monkeypatch, assistant)
    answer = assistant.ask("How many people were injured in the drone attack on Kyiv?")
    assert not answer.abstained
    assert ran == stages[:5]  # an extractive answer quotes the files verbatim: nothing to check
    ran.clear()
    assistant.ask("How old is Steve Witkoff?")  # refused by the decision, composed as a refusal
    assert ran == stages[:5]


def test_an_llm_answer_runs_every_stage_once(seed_index, monkeypatch):
    from rag import Assistant
    from rag.components import build_components
    from rag.components.scripted_llm import ScriptedLLM

    settings = seed_index.model_copy(update={"llm_model": "scripted"})
    llm = ScriptedLLM().always("At least 14 people were injured in the attack on Kyiv [1].")
    assistant = Assistant(settings, build_components(settings, llm=llm))
    ran = _instrument(monkeypatch, assistant)
    answer = assistant.ask("How many people were injured in the drone attack on Kyiv?")
    assert answer.mode == "llm" and answer.fallback is None, answer
    assert ran == documented_stages()
