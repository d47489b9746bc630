"""The direction of imports: analysis never imports SimPy; nothing but the app imports Streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def test_analysis_never_imports_simpy_or_streamlit():
    files = list((ROOT / "analysis").rglob("*.py"))
    assert files
    for f in files:
        assert not imports(f) & {"simpy", "streamlit"}, f


def test_model_code_never_imports_streamlit():
    for f in (ROOT / "sim").rglob("*.py"):
        assert "streamlit" not in imports(f), f


def test_no_print_in_library_code_except_the_cli():
    for pkg in ("sim", "analysis"):
        for f in (ROOT / pkg).rglob("*.py"):
            if f.name == "cli.py" or f.name.endswith("_cli.py"):  # command-line front ends
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
