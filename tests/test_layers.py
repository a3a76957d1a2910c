"""The shape of the house, checked: which package may import which, no import cycles, no
reaching into another module's private names, Chroma and LlamaIndex's vector stores only in
the store, and no module over 600 lines.

Layers, lowest first: ``index`` (articles, embeddings, the store) < ``qa`` (retrieval and
answers, the command line's own commands) < ``ui`` and ``eval`` (siblings: neither imports
the other). ``benchmarks`` sits above everything. Every import counts, also one inside a
function: a lazy import is still an arrow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("index", "qa", "ui", "eval", "benchmarks")
LAYER = {"index": 0, "qa": 1, "ui": 2, "eval": 2, "benchmarks": 3}
MAX_LINES = 600
# Only the store talks to Chroma or to LlamaIndex's vector stores. Two benchmarks measure
# those libraries themselves: the HNSW recall of Chroma's index (scale) and LlamaIndex's
# default pipeline as the baseline we compare against (baselines).
STORE_LIBRARIES = ("chromadb", "llama_index.vector_stores", "llama_index.core.vector_stores")
STORE_LIBRARY_USERS = ("index/store/", "benchmarks/scale.py", "benchmarks/baselines.py")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported module, dotted
    names: tuple[str, ...]  # for ``from target import a, b``
    line: int


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> Iterator[Import]:
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names = tuple(alias.name for alias in node.names)
            yield Import(module, target, names, node.lineno)


IMPORTS = [imp for module, path in MODULES.items() for imp in _imports(module, path)]


def _ours(target: str) -> str | None:
    """The project module ``target`` names (a ``from package import module`` names the
    package here), or None for a third-party one."""
    while target and target not in MODULES:
        target = target.rpartition(".")[0]
    return target or None


def _where(imp: Import) -> str:
    return f"{MODULES[imp.source].relative_to(ROOT)}:{imp.line} imports {imp.target}"


def test_no_package_imports_a_higher_one() -> None:
    wrong = []
    for imp in IMPORTS:
        target = _ours(imp.target)
        if target is None:
            continue
        source_top, target_top = imp.source.split(".")[0], target.split(".")[0]
        sideways = source_top != target_top and LAYER[source_top] == LAYER[target_top]
        if LAYER[target_top] > LAYER[source_top] or sideways:
            wrong.append(_where(imp))
    assert not wrong, "imports that point up (or between ui and eval):\n" + "\n".join(wrong)


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for imp in IMPORTS:
        targets = [imp.target, *(f"{imp.target}.{name}" for name in imp.names)]
        for target in targets:
            ours = _ours(target)
            # a package's __init__ re-exporting its own modules is not a cycle of design
            if ours is not None and ours != imp.source and not imp.source.startswith(ours + "."):
                graph[imp.source].add(ours)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_module_imports_another_modules_private_names() -> None:
    wrong = [
        f"{_where(imp)}: {name}"
        for imp in IMPORTS
        if _ours(imp.target) is not None and imp.target != imp.source
        for name in imp.names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not wrong, "\n".join(wrong)


def test_only_the_store_touches_chroma_and_vector_stores() -> None:
    wrong = [
        _where(imp)
        for imp in IMPORTS
        if imp.target.startswith(STORE_LIBRARIES)
        or (imp.target == "llama_index.core" and "VectorStoreIndex" in imp.names)
        if not str(MODULES[imp.source].relative_to(ROOT)).startswith(STORE_LIBRARY_USERS)
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_600_lines(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[module].relative_to(ROOT)} has {lines} lines"


def test_the_command_line_lists_the_commands_ui_and_eval_register() -> None:
    from click.testing import CliRunner

    from qa.cli import main

    shown = CliRunner().invoke(main, ["--help"]).output
    commands = shown.split("Commands:")[1].split()
    for name in ("ask", "chat", "eval", "ingest", "list", "models", "remove", "serve"):
        assert name in commands, shown
