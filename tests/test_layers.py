"""The package's layers: every import inside ``dictate_app/`` points down or sideways, never up, and
no modules (nor two parts of the table) import each other in a circle.

The table is :data:`LAYERS` below (the README's "Layout" section states the same layers). Imports are
read from the source with :mod:`ast`, so nothing of the package is imported or run. Counted: imports
at the top, lazy imports inside functions (they run as surely, only later) and imports under
``if TYPE_CHECKING:`` (an annotation that names a higher layer's type is knowledge of that layer), and a
string constant that is exactly a module's dotted name (``desktop.choose`` loads its backends by name
through :mod:`importlib`). Not seen: a module name built at run time (``cli`` builds
``dictate_app.commands.<name>``; it is at the top layer, so nothing it loads can be above it).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

import dictate_app

PACKAGE = Path(dictate_app.__file__).resolve().parent

# Bottom to top: (name, parts, why). A module may import its own layer and those below. A part is a
# module or a package (its modules included); the longest part that holds a module decides its layer.
LAYERS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("base", ("dictate_app", "dictate_app.errors", "dictate_app.resources", "dictate_app.paths", "dictate_app.net"),
     "facts every layer may use: user-facing errors, data files, where the user's files go, loopback"),
    ("machine", ("dictate_app.desktop", "dictate_app.audio"),
     "the computer: keyboard, screen and clipboard; the microphone and audio maths"),
    ("core", ("dictate_app.engine", "dictate_app.output", "dictate_app.lifecycle"),
     "speech to a Transcript, text into the focused app, the take's state machine"),
    ("store", ("dictate_app.store",),
     "what is kept: the settings schema (it names the choices of the layers below), history, model files"),
    ("text", ("dictate_app.text",),
     "words for a person: replacement rules (kept in a private file), vocabulary, tag labels"),
    ("modes/server", ("dictate_app.modes", "dictate_app.server"),
     "where the words go on: AI modes, the HTTP server"),
    ("app", ("dictate_app.app",), "the Qt shell of the tray app"),
    ("entry", ("dictate_app.commands", "dictate_app.cli", "dictate_app.__main__"), "the command line"),
)
_LAYER_OF_PART = {part: level for level, (_, parts, _) in enumerate(LAYERS) for part in parts}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def part_of(module: str) -> str:
    """The longest part of :data:`LAYERS` that is ``module`` or one of its packages (the package
    itself, ``dictate_app``, is a part only for its ``__init__``: a new package must be placed)."""
    name = module
    while name not in _LAYER_OF_PART or (name == "dictate_app" != module):
        if "." not in name:
            raise KeyError(module)
        name = name.rsplit(".", 1)[0]
    return name


def _known(name: str) -> str | None:
    """``name`` or its nearest enclosing package among the package's modules."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> list[tuple[str, int]]:
    """(imported module of the package, line) for every import ``module`` makes, wherever it stands."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            # ``from pkg import sub`` imports the module pkg.sub; ``from pkg import name``, pkg.
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in MODULES:
            names = [node.value]
        for name in names:
            target = _known(name) if name.startswith("dictate_app") else None
            if target and target != module:
                found.append((target, node.lineno))
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def layer_of(module: str) -> int:
    try:
        return _LAYER_OF_PART[part_of(module)]
    except KeyError:
        pytest.fail(f"{module} is in no layer: add it (or its package) to LAYERS in tests/test_layers.py "
                    "and to the README's Layout section.")


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def _example(edges: dict[str, set[str]], circle: list[str], where: dict[tuple[str, str], str]) -> str:
    """The imports of one shortest loop through ``circle``'s first member, for the failure message."""
    members, start = set(circle), circle[0]
    came_from: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(edges[node] & members):
            if child == start:
                steps, at = [where[(node, start)]], node
                while at != start:
                    steps.append(where[(came_from[at], at)])
                    at = came_from[at]
                return "; ".join(reversed(steps))
            if child not in came_from:
                came_from[child] = node
                queue.append(child)
    return ""


def test_every_module_has_a_layer():
    for module in MODULES:
        layer_of(module)


def test_no_import_points_up_a_layer():
    upward = []
    for module, imported in GRAPH.items():
        for target, line in imported:
            low, high = layer_of(module), layer_of(target)
            if high > low:
                upward.append(f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} imports {target}, "
                              f"from the {LAYERS[low][0]} layer up to the {LAYERS[high][0]} layer: move the code "
                              "down, or pass it in from above (LAYERS in tests/test_layers.py).")
    assert not upward, "\n".join(upward)


@pytest.mark.parametrize("unit", ["module", "part"])
def test_no_import_circles(unit):
    """No modules import each other in a circle, and no two parts of the table either (a loop of
    packages such as engine -> text -> engine is a circle even when no two files form one)."""
    edges: dict[str, set[str]] = defaultdict(set)
    where: dict[tuple[str, str], str] = {}
    for module, imported in GRAPH.items():
        source = module if unit == "module" else part_of(module)
        edges[source]
        for target, line in imported:
            dest = target if unit == "module" else part_of(target)
            if dest != source:
                edges[source].add(dest)
                seen = f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} imports {target}"
                where.setdefault((source, dest), seen)
    circles = list(_circles(edges))
    assert not circles, "\n".join(
        f"{' and '.join(c)} import each other in a circle ({_example(edges, c, where)}): "
        "move what they share into the lower one, or pass it in." for c in circles)
