"""Imports: every module of qmoe and qmoe_codegen imports on its own, and the modules of
qmoe.device import each other without a cycle (issue 15.4: build.py and projects/ imported each
other, one of the two lazily)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"qmoe": ROOT / "host" / "qmoe", "qmoe_codegen": ROOT / "codegen" / "qmoe_codegen"}


def module_files(package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of `package` (a package is its __init__)."""
    folder = PACKAGES[package]
    out = {}
    for path in sorted(folder.rglob("*.py")):
        parts = (package, *path.relative_to(folder).with_suffix("").parts)
        if parts[-1] == "__main__":
            continue
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of `known` that `name` (at `path`) imports anywhere in its text: at the top,
    inside functions and under `if TYPE_CHECKING` alike, as each is an edge of the import graph."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = base[: len(base) - node.level + 1]
                target = ".".join(parent + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in known:
                    found.add(sub)
                elif target in known:
                    found.add(target)
    found.discard(name)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def device_graph() -> dict[str, set[str]]:
    files = {n: p for n, p in module_files("qmoe").items() if n.startswith("qmoe.device")}
    known = set(files)
    return {n: imported_modules(n, p, known) for n, p in files.items()}


def test_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_import_graph_sees_lazy_and_relative_imports(tmp_path):
    pkg = tmp_path / "p"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from p.b import g\n")
    (pkg / "b.py").write_text("from . import a\nfrom .c import x\n")
    (pkg / "c.py").write_text("x = 1\n")
    known = {"p", "p.a", "p.b", "p.c"}
    assert imported_modules("p.a", pkg / "a.py", known) == {"p.b"}
    assert imported_modules("p.b", pkg / "b.py", known) == {"p.a", "p.c"}


def test_device_modules_have_no_import_cycle():
    graph = device_graph()
    assert {"qmoe.device.build", "qmoe.device.run", "qmoe.device.flash"} <= set(graph)
    assert "qmoe.device.projects" in graph["qmoe.device.build"]  # the graph sees real edges
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle among qmoe.device modules: " + " -> ".join(cycle)


def test_every_module_imports_first_in_a_fresh_interpreter():
    """Each module is imported first, with no qmoe or qmoe_codegen module loaded before it (one
    interpreter; the two packages' modules are dropped from sys.modules before each), so an
    import that works only after another module was loaded shows up here."""
    names = sorted(module_files("qmoe")) + sorted(module_files("qmoe_codegen"))
    script = (
        "import importlib, sys, traceback\n"
        "bad = []\n"
        f"for name in {names!r}:\n"
        "    for m in [m for m in sys.modules if m.split('.')[0] in ('qmoe', 'qmoe_codegen')]:\n"
        "        del sys.modules[m]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception:\n"
        "        bad.append(name + ': ' + traceback.format_exc(limit=3))\n"
        "print('\\n'.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=600
    )
    assert out.stdout.strip() == "", out.stdout
