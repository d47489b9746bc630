"""Fuzzing the scenario documents and the command line (issue 20).

Hypothesis mutates the shipped scenarios (wrong types, huge, tiny, negative and non-finite
numbers, deep nesting, unicode and rich markup in text), writes them as TOML (or as raw
text) and runs ``omsim run`` in-process; it also generates ``omsim run`` argument lists.
Every outcome must be a successful run or exit code 2 with exactly one line on stderr, never
a traceback (an exception escaping ``main``), within a time bound.

Every run is kept tiny: a fraction of a day at 50 orders a day and ``--max-orders 2000``, so
any mutation that would make a big run is refused by the pre-run estimate instead.
"""

from __future__ import annotations

import contextlib
import os
import time
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))
#: Seconds one example may take (the tiny runs take well under one).
TIME_BOUND_S = 30.0
TINY = ["--set", "demand.orders_per_day=50", "--set", "simulation.drain_days=0.5",
        "--max-orders", "2000"]  # fmt: skip
FUZZ = settings(
    max_examples=int(os.environ.get("OMSIM_FUZZ_EXAMPLES", "40")),  # more for a deeper hunt
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

MARKUP = st.sampled_from(["[/bold]", "[bold]", "[red", "]", "[link=x]", "\\[", "<b>&amp;"])
TEXT = st.one_of(
    st.text(max_size=40),
    st.builds(lambda a, b: a + b, MARKUP, st.text(max_size=10)),
    st.sampled_from(["", " ", "\u0661", "\uff11", "\u202e", "x" * 300, "ünïcødé ✓"]),
)
NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e-300, 1e-9, 1e300, 5e9, float("inf"), float("-inf"), 2**64]),
)
SCALARS = st.one_of(NUMBERS, TEXT, st.booleans())


def _nest(depth: int, leaf: Any, table: bool) -> Any:
    for _ in range(depth):
        leaf = {"a": leaf} if table else [leaf]
    return leaf


VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=30),
    st.dictionaries(st.text(min_size=1, max_size=8), SCALARS, max_size=3),
    st.builds(_nest, st.integers(1, 60), SCALARS, st.booleans()),
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path of a TOML document (tables by key, arrays by index)."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _set(doc: Any, path: tuple, value: Any) -> None:
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


@st.composite
def documents(draw) -> str:
    """A shipped scenario with one to three keys replaced, as TOML; sometimes raw text."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=200))
    source = draw(st.sampled_from(SHIPPED))
    doc = tomllib.loads(source.read_text())
    doc.pop("base", None)
    base = doc  # mutations apply to the file's own keys; a new key may appear too
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(base) + [("name",), ("demand", "orders_per_day"), ("simulation", "start")]
        path = draw(st.sampled_from(paths))
        value = draw(VALUES)
        with contextlib.suppress(KeyError, IndexError, TypeError):
            _set(base, path, value)  # unless the path went away with an earlier mutation
    try:
        text = tomli_w.dumps(base)
    except (TypeError, ValueError):
        text = tomli_w.dumps({"name": "unwritable"})
    if source.name != "baseline.toml" and "base =" in source.read_text():
        text = f'base = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"\n' + text
    return text


def _outcome(capsys, argv: list[str]) -> None:
    """Run ``omsim argv``: success, or exit 2 with one stderr line; never a traceback."""
    start = time.perf_counter()
    try:
        rc = main(argv)
    except SystemExit as exc:
        rc = int(exc.code or 0)
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    if os.environ.get("OMSIM_FUZZ_LOG"):
        with open(os.environ["OMSIM_FUZZ_LOG"], "a") as log:
            log.write(f"{rc} {elapsed:.2f} {err[:150]!r}\n")
    assert "Traceback" not in err + out
    assert rc in (0, 2), (rc, err[:500])
    if rc == 2:
        lines = err.splitlines()
        assert len(lines) == 1, f"expected one line on stderr, found {len(lines)}: {err[:800]!r}"
    assert elapsed < TIME_BOUND_S, (elapsed, argv[:6])


@FUZZ
@given(text=documents(), days=st.sampled_from(["0.05", "0.2"]))
def test_fuzzed_scenario_documents_run_or_fail_in_one_line(capsys, tmp_path, text, days):
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _outcome(capsys, ["run", str(path), "--days", days, *TINY])


NUMBER_TEXT = st.one_of(
    st.sampled_from(["inf", "-inf", "nan", "-1", "1e400", "0", "1e3", "1_000", " 2 ", "0x10",
                     "\u0661", "\uff12", "1" * 5000, "-0", ".5", "1.", "1e-400", "", "--"]),
    NUMBERS.map(str),
    st.text(max_size=12),
)  # fmt: skip
OPTIONS = st.sampled_from(["--days", "--seed", "--replication", "--warmup-days", "--max-orders"])
SET_KEYS = st.sampled_from([
    "demand.orders_per_day", "simulation.horizon_days", "simulation.drain_days",
    "demand.order_value_cv", "name", "staffing.shifts.0.headcount", "staffing.shifts.\u0661.days",
    "demand.weekday_multipliers.mon", "picking.wave.interval_min", "demand.hourly_weights.3",
    "simulation.start", "catalog.n_skus", "x", "", "demand..orders_per_day", "demand.channels.9",
])  # fmt: skip


@st.composite
def arguments(draw) -> list[str]:
    """``omsim run baseline`` with random options and ``--set`` items."""
    argv = ["run", str(ROOT / "scenarios" / "baseline.toml"), "--days", "0.05", *TINY]
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            argv += [draw(OPTIONS), draw(NUMBER_TEXT)]
        else:
            value = draw(st.one_of(NUMBER_TEXT, TEXT))
            argv += ["--set", f"{draw(SET_KEYS)}={value}"]
    return argv


@FUZZ
@given(argv=arguments())
def test_fuzzed_command_lines_run_or_fail_in_one_line(capsys, argv):
    _outcome(capsys, argv)


EXPERIMENT_OPTIONS = st.sampled_from(
    ["--days", "--seed", "-r", "--warmup-days", "--max-orders", "--tail-days", "--weeks",
     "--warmup-weeks", "--precision", "--max-replications", "--jobs"]
)  # fmt: skip


@st.composite
def experiment_arguments(draw) -> list[str]:
    """``omsim compare`` (plain runs, two replications in this process) or ``omsim sweep``
    with random options and ``--set`` items."""
    baseline = str(ROOT / "scenarios" / "baseline.toml")
    command = draw(st.sampled_from(["compare", "sweep"]))
    argv = [command, baseline, "--plain", "-r", "2", "--jobs", "1", "--days", "0.05", *TINY]
    if command == "sweep":
        argv += ["--param", f"demand.orders_per_day={draw(st.sampled_from(['20,40', 'inf,2']))}"]
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            argv += [draw(EXPERIMENT_OPTIONS), draw(NUMBER_TEXT)]
        else:
            argv += ["--set", f"{draw(SET_KEYS)}={draw(st.one_of(NUMBER_TEXT, TEXT))}"]
    return argv


@settings(FUZZ, max_examples=int(os.environ.get("OMSIM_FUZZ_EXAMPLES", "15")))
@given(argv=experiment_arguments())
def test_fuzzed_experiment_command_lines_run_or_fail_in_one_line(capsys, argv):
    _outcome(capsys, argv)
