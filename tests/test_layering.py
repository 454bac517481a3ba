"""The code's layers (issue 8): the core app imports no domain app, nothing imports in a circle.

Every import in every module counts, including those inside functions (that is where circles
hide). A module's import of `a.b.c` is an edge to the project module it names.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = "casework"
DOMAIN = {"missing", "panels", "referrals", "actions", "reporting", "intelligence"}
PACKAGES = {CORE, "config"} | DOMAIN


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules():
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            found[_module_name(path)] = path
    return found


def _imports(name, path, known):
    """The project modules `name` imports."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(), filename=str(path))
    targets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module for alias in node.names]
        else:
            continue
        for target in names:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                targets.add(target)
    return targets


def _graph():
    known = _modules()
    return {name: _imports(name, path, known) for name, path in known.items()}


def test_the_core_imports_no_domain_app():
    offending = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        if module.split(".")[0] == CORE
        for target in targets
        if target.split(".")[0] in DOMAIN
    )
    assert offending == []


def _cycles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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


def test_nothing_imports_in_a_circle():
    assert _cycles(_graph()) == []


def test_the_checker_sees_a_circle_and_a_core_import():
    """The two tests above can fail: a made-up graph with a circle and a core-to-domain edge."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
    known = {"casework.x": ROOT / "casework" / "x.py", "missing.y": ROOT / "missing" / "y.py"}
    assert "missing.y" in _imports("casework.x", _FakePath("from missing.y import thing\n"), known)


class _FakePath:
    name = "x.py"

    def __init__(self, text):
        self._text = text

    def read_text(self):
        return self._text

    def __str__(self):
        return "x.py"
