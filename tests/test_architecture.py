"""The layers of the code (docs/ARCHITECTURE.md), enforced on every import in the tree.

app and CLI -> experiments -> analysis -> engine, one way:
- the engine (``sim`` outside ``sim.experiments`` and ``sim.cli``) imports no analysis, no
  experiment and no CLI code, not even lazily or for type hints;
- ``analysis`` imports no experiment and no CLI code, and never SimPy or Streamlit;
- the experiments import no CLI code; nothing but the app imports Streamlit; the app never
  imports SimPy or the model (checked in tests/test_app.py);
- no import cycle between modules (imports under ``if TYPE_CHECKING:`` do not run and are not
  counted; the stages do not even name the model for typing, they see a ``RunContext``);
- ``sim.cli.common`` imports none of the commands.

The import graph is read from the source with ``ast`` (module-level, function-level and
type-only imports), so a lazy import inside a function cannot hide an edge.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sim", "analysis")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the two packages, by dotted name."""
    return {_module_name(f): f for pkg in PACKAGES for f in sorted((ROOT / pkg).rglob("*.py"))}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skip |= {id(n) for n in ast.walk(child)}
    return skip


def raw_imports(path: Path, runtime_only: bool = False) -> set[str]:
    """Dotted names a file imports (``from a.b import c`` gives ``a.b`` and ``a.b.c``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _type_checking_nodes(tree) if runtime_only else set()
    name = _module_name(path) if path.is_relative_to(ROOT) else ""
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import
                base = name.split(".")
                if path.name != "__init__.py":
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
    return out


def project_imports(path: Path, runtime_only: bool = False) -> set[str]:
    """The project modules a file imports (each name resolved to the module that holds it)."""
    mods = modules()
    own = _module_name(path)
    out = set()
    for name in raw_imports(path, runtime_only):
        while name and name not in mods:
            name = name.rpartition(".")[0]
        if name and name != own:
            out.add(name)
    return out


def layer(module: str) -> str:
    """``cli``, ``experiments``, ``analysis`` or ``engine``."""
    if module == "sim.cli" or module.startswith("sim.cli."):
        return "cli"
    if module == "sim.experiments" or module.startswith("sim.experiments."):
        return "experiments"
    if module.split(".")[0] == "analysis":
        return "analysis"
    return "engine"


#: What each layer may import (besides itself).
ALLOWED = {
    "engine": {"engine"},
    "analysis": {"analysis", "engine"},
    "experiments": {"experiments", "analysis", "engine"},
    "cli": {"cli", "experiments", "analysis", "engine"},
}


def test_the_layer_of_the_main_modules():
    # an independent reading of the tree: a wrong classification would make the test vacuous
    assert layer("sim.model") == layer("sim.stages.picking") == layer("sim.config.root")
    assert layer("sim.model") == "engine"
    assert layer("sim.experiments.store") == "experiments"
    assert layer("sim.cli.compare") == layer("sim.cli") == "cli"
    assert layer("analysis.kpis.run_kpis") == "analysis"
    assert {"sim.model", "sim.experiments.runner", "sim.cli.run", "analysis.kpis.run_kpis"} <= set(
        modules()
    )


@pytest.mark.parametrize("module", sorted(modules()))
def test_every_import_respects_the_layers(module):
    path = modules()[module]
    own = layer(module)
    wrong = sorted(m for m in project_imports(path) if layer(m) not in ALLOWED[own])
    assert not wrong, f"{module} ({own}) imports {wrong}: see docs/ARCHITECTURE.md"


def test_the_layer_check_catches_a_wrong_import(tmp_path):
    # the checker itself: an engine file importing analysis (lazily, inside a function) and
    # an analysis file importing the experiments are both seen
    engine = ROOT / "sim" / "_probe_tmp.py"
    text = "def f():\n    from analysis.kpis.run_kpis import run_kpis\n    return run_kpis\n"
    try:
        engine.write_text(text)
        assert "analysis.kpis.run_kpis" in project_imports(engine)
    finally:
        engine.unlink()
    fake = tmp_path / "x.py"
    fake.write_text("from sim.experiments.store import RunStore\n")
    assert "sim.experiments.store" in raw_imports(fake)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules():
    graph = {m: project_imports(p, runtime_only=True) for m, p in modules().items()}
    assert _cycles(graph) == []


def test_the_stages_see_a_run_context_not_the_model():
    for f in [*(ROOT / "sim" / "stages").glob("*.py"), ROOT / "sim/customers.py",
              ROOT / "sim/inventory.py"]:  # fmt: skip
        assert "sim.model" not in project_imports(f), f


def test_the_shared_cli_helpers_import_no_command():
    deps = project_imports(ROOT / "sim" / "cli" / "common.py")
    assert not [d for d in deps if layer(d) == "cli"], deps


def third_party(path: Path) -> set[str]:
    """Top-level names of every import of a file."""
    return {n.split(".")[0] for n in raw_imports(path)}


def test_analysis_never_imports_simpy_or_streamlit():
    files = list((ROOT / "analysis").rglob("*.py"))
    assert files
    for f in files:
        assert not third_party(f) & {"simpy", "streamlit"}, f


def test_model_code_never_imports_streamlit():
    for f in (ROOT / "sim").rglob("*.py"):
        assert "streamlit" not in third_party(f), f


def test_no_print_in_library_code_except_the_cli():
    for pkg in ("sim", "analysis"):
        for f in (ROOT / pkg).rglob("*.py"):
            if layer(_module_name(f)) == "cli":  # the command-line front end prints
                continue
            tree = ast.parse(f.read_text())
            calls = [
                n for n in ast.walk(tree)
                if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "print"
            ]  # fmt: skip
            assert not calls, f


def test_the_picking_registry_and_the_schema_agree():
    from sim.config import PICKING_METHODS as names
    from sim.stages.methods import PICKING_METHODS as registry

    assert set(names) == set(registry)
