"""The layers hold: the domain never imports Flask or the web/API layers, the API never imports the pages,
the shared app modules never reach up into either, the reader daemon and the label renderer never import
the app, and no module imports itself round a cycle (function-level imports counted too)."""
import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = {}
for _pkg in ("app", "readers", "labels"):
    for _path in (ROOT / _pkg).rglob("*.py"):
        _parts = list(_path.relative_to(ROOT).with_suffix("").parts)
        MODULES[".".join(_parts[:-1] if _parts[-1] == "__init__" else _parts)] = _path


def _imports(name: str, path: Path, source: str | None = None) -> set[str]:
    """Every module `name` imports, anywhere in its body (absolute names, relative ones resolved)."""
    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(source if source is not None else path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                target = ".".join(base[:len(base) - node.level + 1] + ([node.module] if node.module else []))
            submodules = {f"{target}.{alias.name}" for alias in node.names} & MODULES.keys()
            # `from app import custody` imports the module app.custody (and runs app/__init__, which only wires)
            found.update(submodules or {target})
    return {t for t in found if t}


IMPORTS = {name: _imports(name, path) for name, path in MODULES.items()}

# (importer prefix, forbidden imported prefixes, except these)
RULES = [
    ("app.custody", ("flask", "flask_babel", "flask_login", "flask_wtf", "werkzeug", "app"), ("app.custody", "app.db")),
    ("app.api", ("app.web",), ()),
    ("app.i18n", ("app.web", "app.api"), ()),
    ("app.security", ("app.web", "app.api"), ()),
    ("app.errors", ("app.web", "app.api"), ()),
    ("app.db", ("app.web", "app.api", "app.custody"), ()),
    ("readers", ("app",), ()),
    ("labels", ("app",), ()),
]


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("importer, forbidden, allowed", RULES, ids=[r[0] for r in RULES])
def test_no_import_runs_back_up_the_layers(importer, forbidden, allowed):
    wrong = sorted((name, target) for name, targets in IMPORTS.items() if _under(name, importer)
                   for target in targets
                   if any(_under(target, f) for f in forbidden) and not any(_under(target, a) for a in allowed))
    assert wrong == [], f"{importer} must not import these: {wrong}"


def _module_of(target: str) -> str:
    while target and target not in MODULES:
        target = target.rpartition(".")[0]
    return target


def test_no_import_cycles():
    # a package's own submodules importing the package (`from . import bp`) is how a package is built, not a cycle
    graph = {name: {m for t in targets if (m := _module_of(t)) and m != name and not name.startswith(m + ".")}
             for name, targets in IMPORTS.items()}
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
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
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == [], f"import cycles: {cycles}"


def test_the_check_sees_a_back_import_even_inside_a_function():
    source = "from .. import audit\nfrom .x import y\n\ndef f():\n    from app.web import helpers\n"
    found = _imports("app.custody.area.mod", ROOT / "app" / "custody" / "area" / "mod.py", source)
    assert {"app.custody.audit", "app.custody.area.x", "app.web.helpers"} <= found


# No domain module past this many lines (issue 11: "no domain module over ~400 lines"); a module that grows
# past it splits by what it does, as handovers/ and media/ did (docs/architecture.md).
MAX_DOMAIN_LINES = 450
# modules still over the limit, each with the length it may not grow beyond until it is split
OVER_THE_LIMIT = {
}


def test_no_domain_module_grows_past_the_limit():
    lengths = {path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
               for name, path in MODULES.items() if _under(name, "app.custody")}
    too_long = {path: n for path, n in sorted(lengths.items())
                if n > max(MAX_DOMAIN_LINES, OVER_THE_LIMIT.get(path, 0))}
    assert too_long == {}, f"split these by what they do (at most {MAX_DOMAIN_LINES} lines a module): {too_long}"
    # an entry left in OVER_THE_LIMIT after its module was split would let the module grow back unseen
    stale = sorted(path for path, cap in OVER_THE_LIMIT.items() if lengths.get(path, 0) <= MAX_DOMAIN_LINES)
    assert stale == [], f"these are within the limit now: take them out of OVER_THE_LIMIT: {stale}"
