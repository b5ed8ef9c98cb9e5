"""The layers of the code, read from the source with `ast`: no import circle between modules, no import against
the direction of the layers (README, "How the code is laid out"), and no module or function too long to read.

Every import counts, at module level or inside a function: a lazy import is still a dependency. Importing
`appeals.lifecycle.rules` also runs `appeals/lifecycle/__init__.py`, so it depends on that package too (except
from inside the package itself, as Python allows).

The layers, from the bottom (a layer imports only layers below it, and the edge imports anything):

    models      appeals.models (with choices, validators), agencies.models, agencies.choices
    calendar    appeals.calendar: working days, the statutory terms, the overrides
    access      appeals.access (who sees what: selectors, personal data, integrations), agencies.selectors
    notices     appeals.notices: outbox, mail, webhooks, and `notifications`, the lifecycle's one door to them
    lifecycle   appeals.lifecycle, agencies.services (may also use dashboard.rollups and listening.matching)
    reminders   appeals.reminders: the deadline scan (reminders, escalation) and the daily digest
    desk        appeals.desk: what the pages need (queues, filters, rows, forms, saved views, canned responses)
    features    appeals.dashboard, appeals.listening, appeals.routing, appeals.datasets (not their pages/API)
    edge        pages (views), the API, the admin, Celery tasks, commands, urls, apps, templatetags, config
    infra       appeals.infra (middleware, gc, the hand-off to Celery): importable by all, imports only models
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("appeals", "agencies", "config")
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80

ORDER = ["models", "calendar", "access", "notices", "lifecycle", "reminders", "desk", "features", "edge"]

# Modules (or packages) of an upper layer that a lower one may use, each for a reason the README gives.
ALLOWED_UPWARDS = {
    ("lifecycle", "appeals.dashboard.rollups"),  # an executor's rolled-up counts move with the appeal, same transaction
    ("lifecycle", "appeals.listening.matching"),  # the applicant's key at registration, matching after commit
}
# The lifecycle reaches the notices through this module only.
NOTICES_DOOR = "appeals.notices.notifications"

# Long modules and functions not split yet, each with why; the test fails once one is short enough (a ratchet).
LONG_MODULES: dict[str, str] = {}
LONG_FUNCTIONS = {
    "appeals/datasets/national_appeals.py:_one": "one generated appeal's whole life, called a million times by the "
    "benchmarks' generator: kept in one frame for its speed",
    "appeals/listening/planted.py:planted_rows": "the recall test's planted data, case by case (data, not logic)",
}


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    is_package: bool


def modules() -> dict[str, Module]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            found[".".join(parts)] = Module(".".join(parts), path, is_package)
    return found


MODULES = modules()


def _project_module(name: str) -> str | None:
    """The project module `name` refers to (a name inside a module refers to the module), or None."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _with_parents(target: str, importer: str) -> Iterator[str]:
    """`target` and the packages above it that importing it runs, except the importer's own packages."""
    yield target
    parent = target.rpartition(".")[0]
    while parent:
        if not (importer == parent or importer.startswith(parent + ".")) and parent in MODULES:
            yield parent
        parent = parent.rpartition(".")[0]


def imports_of(module: Module) -> dict[str, tuple[int, bool]]:
    """Every project module `module` imports (at any depth of its code) -> (the line of the first import, whether
    it is only the package that importing a module below it runs)."""
    tree = ast.parse(module.path.read_text(), filename=str(module.path))
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    found: dict[str, tuple[int, bool]] = {}
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            # `from package import submodule` imports the submodule; `from module import name`, the module.
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source for alias in node.names
            ]
        for target in targets:
            resolved = _project_module(target)
            if resolved is None or resolved == module.name:
                continue
            for name in _with_parents(resolved, module.name):
                implicit = name != resolved
                if name not in found or (found[name][1] and not implicit):
                    found[name] = (node.lineno, implicit)
    return found


GRAPH = {name: imports_of(module) for name, module in MODULES.items()}

EDGE_NAMES = ("views", "api", "admin", "tasks", "urls", "apps", "management", "templatetags", "forms")


def layer_of(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] == "config":
        return "edge"
    if parts[0] == "agencies":
        return {
            "models": "models",
            "choices": "models",
            "selectors": "access",
            "services": "lifecycle",
        }.get(parts[1] if len(parts) > 1 else "", "edge" if len(parts) > 1 else None)
    if len(parts) == 1:
        return None  # appeals/__init__.py: empty
    if any(part in EDGE_NAMES for part in parts[1:]) and parts[1] != "desk":
        return "edge"  # pages, the API, the admin, tasks, commands… wherever they live (dashboard/views.py too)
    top = parts[1]
    if top == "infra":
        return "infra"
    if top in {"dashboard", "listening", "routing", "datasets"}:
        return "features"
    return top if top in ORDER else "edge"


def test_every_module_has_a_layer():
    assert not [name for name in MODULES if name.count(".") and layer_of(name) not in {*ORDER, "infra"}]


def test_there_is_no_import_circle():
    """Tarjan's strongly connected components over the module graph: any component of two or more is a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for name in GRAPH:
        if name not in index:
            visit(name)
    assert not circles, "import circles (each a set of modules that import each other round):\n" + "\n".join(
        " <-> ".join(circle) for circle in circles
    )


def violations() -> list[str]:
    found = []
    for importer, targets in GRAPH.items():
        mine = layer_of(importer)
        if mine is None or mine == "edge":
            continue
        for target, (line, implicit) in targets.items():
            theirs = layer_of(target)
            if implicit:
                continue  # a package's __init__ run on the way (its own imports are checked as its own)
            where = f"{MODULES[importer].path.relative_to(ROOT)}:{line} imports {target}"
            if theirs is None or theirs == "infra" or theirs == mine:
                continue
            if mine == "infra":
                if theirs != "models":
                    found.append(f"{where}: infra imports only models")
                continue
            if mine == "lifecycle" and theirs == "notices" and target != NOTICES_DOOR:
                found.append(f"{where}: the lifecycle asks for notices through {NOTICES_DOOR} only")
                continue
            allowed = any(
                layer == mine and (target == module or target.startswith(module + "."))
                for layer, module in ALLOWED_UPWARDS
            )
            if ORDER.index(theirs) > ORDER.index(mine) and not allowed:
                found.append(f"{where}: {mine} may not import {theirs}")
    return found


def test_no_import_runs_against_the_layers():
    assert not violations(), "imports against the layers (tests/test_layering.py's docstring):\n" + "\n".join(
        violations()
    )


def test_only_the_edge_imports_celery():
    """The lifecycle and everything below it never touch Celery: they reach a task through appeals.infra.handoff."""
    offenders = []
    for name, module in MODULES.items():
        if layer_of(name) in {"edge", None}:
            continue
        for node in ast.walk(ast.parse(module.path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            offenders += [f"{name}:{node.lineno}" for n in names if n.split(".")[0] == "celery"]
    assert not offenders


def _source_files() -> Iterator[Path]:
    for package in ("appeals", "agencies"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_module_is_too_long_to_read():
    long = {
        str(path.relative_to(ROOT)): n
        for path in _source_files()
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not {p: n for p, n in long.items() if p not in LONG_MODULES}, f"modules over {MAX_MODULE_LINES} lines"
    assert not set(LONG_MODULES) - set(long), "split now: remove it from LONG_MODULES"


def test_no_function_is_too_long_to_read():
    long = {}
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if (n := node.end_lineno - node.lineno + 1) > MAX_FUNCTION_LINES:
                long[f"{path.relative_to(ROOT)}:{node.name}"] = n
    assert not {f: n for f, n in long.items() if f not in LONG_FUNCTIONS}, f"functions over {MAX_FUNCTION_LINES} lines"
    assert not set(LONG_FUNCTIONS) - set(long), "split now: remove it from LONG_FUNCTIONS"


@pytest.mark.parametrize(
    "package",
    sorted(
        name
        for name, module in MODULES.items()
        if module.is_package
        and name.startswith("appeals.")
        and name.count(".") == 1
        and name not in {"appeals.management", "appeals.templatetags"}
    ),
)
def test_every_package_says_what_it_owns(package):
    """Each part of the app says what it owns and what it may import (the map a newcomer reads first)."""
    docstring = ast.get_docstring(ast.parse(MODULES[package].path.read_text())) or ""
    assert docstring, f"{package} has no docstring"
    assert "import" in docstring.lower(), f"{package}'s docstring does not say what it may import"
