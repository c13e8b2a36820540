"""The import graph of service/, workers/ and workflows/ points one way.

Views (service.api, service.web) → commands / queries → models → workflows; the worker package
runs the service's commands, never the reverse. Each rule is read from the source with `ast`, so
an import that breaks one fails here, naming the file, before it shows up as a circular import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("service", "workers", "workflows")
VIEWS = ("service.api", "service.web")


@dataclass(frozen=True)
class Import:
    path: str  # the importing file, relative to the repository
    source: str  # the importing module, e.g. service.documents.render
    target: str  # the imported module, e.g. service.models

    def __str__(self) -> str:
        return f"{self.path} imports {self.target}"


def node(module: str) -> str:
    """Each subpackage and top-level module of `service` is a node; workers and workflows are one
    node each."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "service" and len(parts) > 1 else parts[0]


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _targets(module: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """Every module `module` imports, relative imports resolved; `from a import b` is a.b when
    that is a module, else a."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for statement in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(statement, ast.Import):
            yield from (alias.name for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom):
            base = statement.module or ""
            if statement.level:
                anchor = package.split(".")[: len(package.split(".")) - statement.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in statement.names:
                name = f"{base}.{alias.name}"
                yield name if name in modules else base


@cache
def imports() -> tuple[Import, ...]:
    """Every import between modules of our packages, once per file and imported module."""
    modules = _modules()
    found: dict[Import, None] = {}
    for module, path in modules.items():
        for target in _targets(module, path, modules):
            if target.split(".")[0] in PACKAGES:
                found[Import(str(path.relative_to(ROOT)), module, target)] = None
    return tuple(found)


def _between(sources: Iterable[str], targets: Iterable[str]) -> list[Import]:
    """Imports from a node in `sources` to a node in `targets` (a node itself, or its prefix)."""
    sources, targets = tuple(sources), tuple(targets)
    return [
        i
        for i in imports()
        if any(_within(i.source, s) for s in sources) and any(_within(i.target, t) for t in targets)
    ]


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _listing(found: Iterable[Import]) -> str:
    return "\n".join(sorted(str(i) for i in found))


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for i in imports():
        if node(i.source) != node(i.target):
            edges.setdefault(node(i.source), set()).add(node(i.target))
    return edges


def _shortest_path(edges: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    paths = {start: [start]}
    todo = [start]
    while todo:
        here = todo.pop(0)
        if here == goal:
            return paths[here]
        for nxt in sorted(edges.get(here, ())):
            if nxt not in paths:
                paths[nxt] = [*paths[here], nxt]
                todo.append(nxt)
    return None


def _cycles() -> list[list[str]]:
    """For each node-to-node import that closes a loop, the shortest such loop, each once."""
    edges = _edges()
    cycles: dict[frozenset[tuple[str, str]], list[str]] = {}
    for here in sorted(edges):
        for there in sorted(edges[here]):
            back = _shortest_path(edges, there, here)
            if back is not None:
                cycle = [here, *back]
                cycles.setdefault(frozenset(pairwise(cycle)), cycle)
    return list(cycles.values())


def _describe(cycle: list[str]) -> str:
    """The loop, and the files behind each of its steps."""
    steps = [i for i in imports() if (node(i.source), node(i.target)) in set(pairwise(cycle))]
    return " -> ".join(cycle) + "\n" + _listing(steps)


def test_the_graph_is_read() -> None:
    assert len(imports()) > 100
    assert Import("service/app.py", "service.app", "service.config") in imports()


def test_no_cycle_between_packages() -> None:
    cycles = _cycles()
    assert not cycles, "import cycles:\n" + "\n\n".join(_describe(c) for c in cycles)


def test_api_and_web_never_import_each_other() -> None:
    found = _between(["service.api"], ["service.web"]) + _between(["service.web"], ["service.api"])
    assert not found, "service.api and service.web import each other:\n" + _listing(found)


def test_only_the_app_factory_imports_the_views() -> None:
    found = [
        i
        for i in _between(PACKAGES, VIEWS)
        if node(i.source) not in ("service.app", node(i.target))
    ]
    assert not found, "only service.app may import service.api or service.web:\n" + _listing(found)


def test_workflows_import_nothing_from_service_or_workers() -> None:
    found = _between(["workflows"], ["service", "workers"])
    assert not found, "workflows must stay plain Python:\n" + _listing(found)


def test_models_import_no_use_case_and_no_view() -> None:
    layers = ("service.commands", "service.queries", *VIEWS)
    found = _between(["service.models"], layers)
    assert not found, "service.models imports a layer above it:\n" + _listing(found)


def test_only_the_demo_and_cli_import_the_seed() -> None:
    allowed = ("service.seed", "service.demo", "service.cli")
    found = [i for i in _between(PACKAGES, ["service.seed"]) if node(i.source) not in allowed]
    assert not found, "the demo data is for the demo only:\n" + _listing(found)


def test_the_service_never_imports_workers() -> None:
    found = _between(["service"], ["workers"])
    assert not found, "service imports the worker package:\n" + _listing(found)


def _written_api_paths(path: Path) -> Iterator[str]:
    """Each "/api/" path written by hand in `path`: string constants (f-string pieces too) of a
    Python file, the text of a template or script."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        strings = (
            n.value
            for n in ast.walk(ast.parse(text, str(path)))
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        )
        yield from (s for s in strings if "/api/" in s)
    else:
        yield from (line.strip() for line in text.splitlines() if "/api/" in line)


def test_the_ui_links_to_the_api_through_url_for() -> None:
    """A written "/api/v1/…" in the UI breaks silently when a route moves; url_for fails loudly."""
    web = ROOT / "service" / "web"
    files = [p for p in sorted(web.rglob("*")) if p.suffix in (".py", ".html", ".js")]
    files = [p for p in files if "vendor" not in p.relative_to(web).parts]
    assert any(p.name == "progress.py" for p in files)
    found = [f"{p.relative_to(ROOT)}: {s}" for p in files for s in _written_api_paths(p)]
    assert not found, "the UI writes API paths by hand; use url_for('api.…'):\n" + "\n".join(found)
