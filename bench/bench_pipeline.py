"""Benchmark: cost per order of the full model against a minimal SimPy pipeline, and scaling.

Three measurements, all of wall-clock time on this machine:

1. **Ratio.** In one process, at the same number of orders, the full model (baseline scenario,
   scaled to about N orders) and a minimal, idiomatic SimPy pipeline (pick 8 servers exp 4 min
   -> pack 4 servers exp 2 min -> label 1 server fixed 0.3 min, 20 % priority orders, Poisson
   arrivals 100/h), interleaved K times; the median of the K pairwise ratios is reported.
   The full model configured as that same pipeline (``mmc_raw`` from ``tests/conftest.py``
   plus packing and label overrides) is measured too, to separate the cost of the model's
   machinery from the cost of the richer baseline scenario.
2. **Scaling.** Per-order cost of the full model (and of the minimal pipeline) at 10 thousand,
   100 thousand and 1 million orders, each size in a fresh ``spawn`` subprocess so sizes do not
   pollute each other's heap or peak RSS.
3. **Memory.** Event-log bytes per order (sum of ``DataFrame.estimated_size()`` of the four
   tables / orders) and the peak RSS of each subprocess.

Usage (from the repository root)::

    python bench/bench_pipeline.py [--quick] [--max-orders N] [--repeat K]
                                   [--markdown docs/BENCHMARKS.md] [--profile N]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import cProfile
import datetime as dt
import hashlib
import importlib.metadata
import importlib.util
import io
import multiprocessing as mp
import os
import platform
import pstats
import resource
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import simpy

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.config import Scenario  # noqa: E402
from sim.model import Model  # noqa: E402
from sim.run_result import RunResult  # noqa: E402
from sim.scenario import ScenarioError, load_scenario, validate, with_overrides  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.toml"

# --- the minimal pipeline's parameters (the numbers) -----------------------------
ARRIVALS_PER_HOUR = 100.0
PICK_SERVERS, PICK_MEAN_MIN = 8, 4.0
PACK_SERVERS, PACK_MEAN_MIN = 4, 2.0
LABEL_SERVERS, LABEL_FIXED_MIN = 1, 0.3
PRIORITY_SHARE = 0.2
BLOCK = 4096  # random numbers are drawn in blocks, as the full model's OrderSource does

# --- targets -----------------------------------------------------------------------------
TARGET_RATIO = 2.0
TARGET_FLAT = 0.20
TARGET_BYTES = 300.0

DRAIN_DAYS = 3.0  # baseline: days simulated after the last arrival
SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 50_000)
RATIO_ORDERS, QUICK_RATIO_ORDERS = 50_000, 10_000
WARMUP_ORDERS = 2_000
SCALING_BUDGET = 200_000  # orders per size for repeats: 10k -> K repeats, 100k -> 2, 1M -> 1

STEP_NAMES = ("pick", "pack", "label")
PROBE_EVERY = 2_000  # orders between speed probes in the minimal pipeline (~ a baseline day)


# =========================================================================================
# Clocks and the speed probe
# =========================================================================================


#: Markers of the section of docs/BENCHMARKS.md that bench_methods.py writes.
METHODS_BEGIN = "<!-- bench_methods.py: begin -->"
METHODS_END = "<!-- bench_methods.py: end -->"


def section_markers(script: str) -> tuple[str, str]:
    """The begin/end markers of the section of docs/BENCHMARKS.md a script writes."""
    return f"<!-- {script}: begin -->", f"<!-- {script}: end -->"


def kept_sections(text: str) -> list[str]:
    """The sections other scripts wrote (between their markers), in order."""
    import re

    pattern = re.compile(r"<!-- (bench_\w+\.py): begin -->.*?<!-- \1: end -->", re.S)
    return [m.group(0) for m in pattern.finditer(text)]


def write_section(path: Path, script: str, text: str) -> None:
    """Put the text between the script's markers in the file (append them if absent)."""
    begin, end = section_markers(script)
    block = f"{begin}\n{text}\n{end}"
    old = path.read_text() if path.exists() else ""
    if begin in old and end in old:
        a, b = old.index(begin), old.index(end) + len(end)
        new = old[:a] + block + old[b:]
    else:
        new = old.rstrip("\n") + ("\n\n" if old else "") + block + "\n"
    path.write_text(new)


def _clock() -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of this process)."""
    return time.perf_counter(), time.process_time()


def _probe_work() -> None:
    """A small fixed SimPy workload (a few ms): 150 jobs through a 2-server priority queue."""
    env = simpy.Environment()
    res = simpy.PriorityResource(env, 2)

    def job(i: int):
        """One job: queue, hold, release."""
        with res.request(priority=i & 1) as req:
            yield req
            yield env.timeout(1.0 + (i % 7) * 0.1)

    def source():
        """Fixed arrivals."""
        for i in range(150):
            yield env.timeout(0.5)
            env.process(job(i))

    env.process(source())
    env.run()


class SpeedProbe:
    """Times the fixed probe workload between stretches of a run.

    The machine's speed for the same work drifts by tens of percent over seconds (other
    virtual machines on the host); probing every ~2,000 orders lets each stretch of the run
    be divided by the speed measured around it. Probe time is excluded from the run's times.
    """

    def __init__(self) -> None:
        _probe_work()  # warm-up, not recorded
        self.marks: list[tuple[float, float, float]] = []  # (wall start, wall dt, CPU dt)

    def tick(self) -> None:
        """Run and time the probe once."""
        t0, c0 = _clock()
        _probe_work()
        t1, c1 = _clock()
        self.marks.append((t0, t1 - t0, c1 - c0))

    def excluded(self, a: float, b: float) -> tuple[float, float]:
        """Wall and CPU seconds of the probes that started in [a, b)."""
        inside = [(dw, dc) for t, dw, dc in self.marks if a <= t < b]
        return sum(dw for dw, _ in inside), sum(dc for _, dc in inside)

    def normalized(self) -> float:
        """Sum over the stretches between consecutive probes of stretch / mean(adjacent
        probe times): the run's cost in probe units, free of the machine's speed drift."""
        total = 0.0
        for (t_a, dw_a, _), (t_b, dw_b, _) in zip(self.marks, self.marks[1:], strict=False):
            total += (t_b - (t_a + dw_a)) / ((dw_a + dw_b) / 2)
        return total


def _timing(n: int, probe: SpeedProbe, c0, c1, c2, c3) -> dict[str, Any]:
    """Seconds of a run less the probes: total c0..c3, setup c0..c1, SimPy run c1..c2,
    tables c2..c3 (keys ``*_s`` wall, ``*_cpu`` CPU), and its cost in probe units."""
    out: dict[str, Any] = {"orders": float(n)}
    for name, a, b in (("total", c0, c3), ("setup", c0, c1), ("sim", c1, c2), ("tables", c2, c3)):
        ex_wall, ex_cpu = probe.excluded(a[0], b[0])
        out[name + "_s"] = b[0] - a[0] - ex_wall
        out[name + "_cpu"] = b[1] - a[1] - ex_cpu
    out["norm_units"] = probe.normalized()
    out["probe_s"] = [dw for _, dw, _ in probe.marks]
    return out


# =========================================================================================
# The minimal pipeline
# =========================================================================================


def minimal_pipeline(n: int, seed: int = 1) -> tuple[dict[str, float], dict[str, pl.DataFrame]]:
    """Run n orders through the minimal SimPy pipeline; return timings and its two tables.

    One process per order, a ``simpy.PriorityResource`` per step; each step appends
    (order, step, t_ready, t_start, t_end) to plain Python lists, each order appends
    (order, priority, placed_at). The lists become polars frames at the end (timed apart).
    """
    probe = SpeedProbe()
    probe.tick()
    c0 = _clock()
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    pick = simpy.PriorityResource(env, PICK_SERVERS)
    pack = simpy.PriorityResource(env, PACK_SERVERS)
    label = simpy.PriorityResource(env, LABEL_SERVERS)
    o_id: list[int] = []
    o_prio: list[int] = []
    o_placed: list[float] = []
    s_order: list[int] = []
    s_step: list[int] = []
    s_ready: list[float] = []
    s_start: list[float] = []
    s_end: list[float] = []

    def order(i: int, prio: int, t_pick: float, t_pack: float):
        """One order through the three steps."""
        for step, res, dur in ((0, pick, t_pick), (1, pack, t_pack), (2, label, LABEL_FIXED_MIN)):
            t_ready = env.now
            with res.request(priority=prio) as req:
                yield req
                t_start = env.now
                yield env.timeout(dur)
            s_order.append(i)
            s_step.append(step)
            s_ready.append(t_ready)
            s_start.append(t_start)
            s_end.append(env.now)

    def arrivals():
        """Poisson arrivals; random numbers drawn in blocks."""
        mean_gap = 60.0 / ARRIVALS_PER_HOUR
        i = 0
        while i < n:
            m = min(BLOCK, n - i)
            gaps = rng.exponential(mean_gap, m).tolist()
            prio = (rng.random(m) >= PRIORITY_SHARE).astype(np.int64).tolist()  # 0 = priority
            t_pick = rng.exponential(PICK_MEAN_MIN, m).tolist()
            t_pack = rng.exponential(PACK_MEAN_MIN, m).tolist()
            for j in range(m):
                if i and i % PROBE_EVERY == 0:
                    probe.tick()
                yield env.timeout(gaps[j])
                o_id.append(i)
                o_prio.append(prio[j])
                o_placed.append(env.now)
                env.process(order(i, prio[j], t_pick[j], t_pack[j]))
                i += 1

    env.process(arrivals())
    env.run()
    c1 = _clock()
    probe.tick()
    tables = {
        "orders": pl.DataFrame(
            {
                "order_id": pl.Series(o_id, dtype=pl.UInt32),
                "is_priority": pl.Series(o_prio, dtype=pl.UInt8) == 0,
                "placed_at": pl.Series(o_placed, dtype=pl.Float64),
            }
        ),
        "steps": pl.DataFrame(
            {
                "order_id": pl.Series(s_order, dtype=pl.UInt32),
                "step": pl.Series(STEP_NAMES, dtype=pl.Enum(STEP_NAMES)).gather(
                    pl.Series(s_step, dtype=pl.UInt8)
                ),
                "t_ready": pl.Series(s_ready, dtype=pl.Float64),
                "t_start": pl.Series(s_start, dtype=pl.Float64),
                "t_end": pl.Series(s_end, dtype=pl.Float64),
            }
        ).sort("order_id", "t_ready", maintain_order=True),
    }
    c2 = _clock()
    probe.tick()
    return _timing(n, probe, c0, c0, c1, c2), tables


# =========================================================================================
# The full model
# =========================================================================================


def baseline_scenario(n: int) -> Scenario:
    """scenarios/baseline.toml with a horizon giving about n orders (2,000 a day on average)."""
    base = load_scenario(BASELINE)
    per_day = base.demand.orders_per_day  # weekday multipliers average 1.0 in the baseline
    return with_overrides(
        base, {"simulation.horizon_days": n / per_day, "simulation.drain_days": DRAIN_DAYS}
    )


def _mmc_raw():
    """``mmc_raw`` from tests/conftest.py (loaded by path: tests/ is not a package)."""
    spec = importlib.util.spec_from_file_location("_omsim_conftest", ROOT / "tests" / "conftest.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.mmc_raw


def _set(table: dict[str, Any], names: tuple[str, ...], value: Any) -> None:
    """Set the first of ``names`` that the dumped section has (the schema's field names are
    still moving; the benchmark should not break on a rename)."""
    for name in names:
        if name in table:
            table[name] = value
            return
    raise KeyError(f"none of {names} in {sorted(table)}")


def pipeline_scenario(n: int) -> Scenario:
    """The full model configured as the minimal pipeline: M/M/8 picking (mmc_raw), 4 packers
    with exponential 2 min, 1 label printer with a fixed 0.3 min, 20 % priority orders."""
    per_min = ARRIVALS_PER_HOUR / 60.0
    days = n / (ARRIVALS_PER_HOUR * 24.0)
    raw = _mmc_raw()(per_min, PICK_MEAN_MIN, PICK_SERVERS, days, priority_share=PRIORITY_SHARE)
    raw["simulation"]["drain_days"] = 1.0
    raw["staffing"]["shifts"][1]["headcount"] = PACK_SERVERS
    full = validate(raw, "pipeline-equivalent scenario").model_dump(mode="json")
    pa, lb = full["packing"], full["labels"]
    _set(pa, ("base_time_s",), PACK_MEAN_MIN * 60.0)
    _set(pa, ("time_per_unit_s",), 0.0)
    _set(pa, ("time_variability",), "exponential")
    _set(pa, ("verification",), "none")
    for material in pa["materials"]:
        _set(material, ("time_s",), 0.0)
    _set(lb, ("n_printers", "printers"), LABEL_SERVERS)
    _set(lb, ("print_time_s",), LABEL_FIXED_MIN * 60.0)
    _set(lb, ("packing_slip",), False)
    _set(lb, ("jam_prob",), 0.0)
    return validate(full, "pipeline-equivalent scenario")


SCENARIOS = {"full": baseline_scenario, "full_pipeline": pipeline_scenario}


def full_model(scenario: Scenario, seed: int = 1) -> tuple[dict[str, float], RunResult]:
    """One replication (exactly what ``run_replication`` does), timed: setup, SimPy run,
    building the tables. The SimPy run ends at the last progress call of ``Model.run``; the
    speed probe runs at each progress call (once per simulated day)."""
    last = [(0.0, 0.0)]
    probe = SpeedProbe()

    def progress(_day: float, _end: float) -> None:
        """Called after each simulated day; the last call ends the SimPy run."""
        last[0] = _clock()
        probe.tick()

    probe.tick()
    c0 = _clock()
    model = Model(scenario, seed, 0)
    c1 = _clock()
    result = model.run(progress)
    c3 = _clock()
    probe.tick()
    return _timing(result.orders.height, probe, c0, c1, last[0], c3), result


def log_bytes(tables: dict[str, pl.DataFrame]) -> dict[str, int]:
    """``estimated_size()`` of each table."""
    return {name: int(df.estimated_size()) for name, df in tables.items()}


def run_kind(kind: str, n: int, seed: int) -> tuple[dict[str, float], dict[str, int]]:
    """Run one of 'minimal', 'full', 'full_pipeline' at about n orders; timing and log bytes."""
    if kind == "minimal":
        timing, tables = minimal_pipeline(n, seed)
    else:
        scenario = SCENARIOS[kind](n)
        timing, result = full_model(scenario, seed)
        tables = result.tables()
    return timing, log_bytes(tables)


# =========================================================================================
# Measurements
# =========================================================================================

METRICS = ("total", "sim", "tables", "setup")


def per_order_us(timing: dict[str, float], key: str = "total_s") -> float:
    """Microseconds per order of one timing entry."""
    return timing[key] / timing["orders"] * 1e6


def summarize(timings: list[dict[str, float]]) -> dict[str, Any]:
    """Medians over runs of the per-order wall (``*_us``) and CPU (``*_cpu_us``) costs, and
    of the speed-normalized cost (``norm_pu``, probe units per order)."""
    out: dict[str, Any] = {"orders": statistics.median(t["orders"] for t in timings)}
    for m in METRICS:
        out[f"{m}_us"] = statistics.median(per_order_us(t, f"{m}_s") for t in timings)
        out[f"{m}_cpu_us"] = statistics.median(per_order_us(t, f"{m}_cpu") for t in timings)
    out["norm_pu"] = statistics.median(t["norm_units"] / t["orders"] for t in timings)
    out["all_total_us"] = [per_order_us(t) for t in timings]
    out["all_norm_pu"] = [t["norm_units"] / t["orders"] for t in timings]
    out["probe_s"] = [x for t in timings for x in t["probe_s"]]
    return out


def measure_ratio(n: int, repeat: int) -> dict[str, Any]:
    """Interleave the minimal pipeline and the full model at n orders in this process."""
    kinds = ["minimal", "full", "full_pipeline"]
    try:
        pipeline_scenario(WARMUP_ORDERS)
    except (ScenarioError, KeyError) as exc:  # optional variant: report, do not fail
        print(f"  skipping the pipeline-equivalent full model: {exc}", flush=True)
        kinds.remove("full_pipeline")
    for kind in kinds:  # warm-up: first-call costs
        run_kind(kind, WARMUP_ORDERS, seed=999)
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
    for rep in range(repeat):
        order = kinds if rep % 2 == 0 else kinds[::-1]  # alternate who goes first
        for kind in order:
            timing, _ = run_kind(kind, n, seed=1 + rep)
            runs[kind].append(timing)
            print(f"  ratio rep {rep + 1}/{repeat} {kind:>13}: "
                  f"{per_order_us(timing):7.1f} us/order wall, "
                  f"{per_order_us(timing, 'total_cpu'):7.1f} CPU, "
                  f"{timing['norm_units'] / timing['orders'] * 1e3:6.2f} mPU normalized "
                  f"({int(timing['orders'])} orders)",
                  flush=True)  # fmt: skip
    out: dict[str, Any] = {"n": n, "repeat": repeat, "kinds": {}}
    for kind in kinds:
        row = summarize(runs[kind])
        if kind != "minimal":
            pairs = list(zip(runs[kind], runs["minimal"], strict=True))
            for key, name in (("total_s", "ratio"), ("total_cpu", "ratio_cpu"),
                              ("sim_s", "sim_ratio"), ("norm_units", "ratio_norm")):  # fmt: skip
                ratios = [per_order_us(a, key) / per_order_us(b, key) for a, b in pairs]
                row[name] = statistics.median(ratios)
                row[name + "s"] = ratios
        out["kinds"][kind] = row
    return out


def _status_kb(field_name: str) -> int:
    """A ``Vm*`` field (kB) of /proc/self/status."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def scaling_worker(kind: str, n: int, repeat: int) -> dict[str, Any]:
    """Runs in a fresh subprocess: repeat runs of one kind at n orders; timings and memory.

    Peak RSS is VmHWM after resetting it once the imports are done: ``ru_maxrss`` of a
    spawned child starts at the parent's RSS (it survives fork and exec on Linux), so it
    would hide the run's own peak.
    """
    rss_base_kb = _status_kb("VmRSS")  # after imports, before any run
    reset = _reset_peak_rss()
    timings, sizes = [], []
    for rep in range(repeat):
        timing, nbytes = run_kind(kind, n, seed=1 + rep)
        timings.append(timing)
        sizes.append(nbytes)
    peak_kb = _status_kb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    row = summarize(timings)
    first = sizes[0]
    row.update(
        kind=kind,
        n=n,
        repeat=repeat,
        log_bytes_per_order=sum(first.values()) / timings[0]["orders"],
        table_bytes_per_order={k: v / timings[0]["orders"] for k, v in first.items()},
        rss_base_mb=rss_base_kb / 1024,
        rss_peak_mb=peak_kb / 1024,
        rss_growth_bytes_per_order=(peak_kb - rss_base_kb) * 1024 / row["orders"],
        peak_source="VmHWM" if reset else "ru_maxrss",
    )
    return row


def measure_scaling(kinds: list[str], sizes: list[int], repeat: int) -> list[dict[str, Any]]:
    """Each (kind, size) in its own fresh spawn subprocess, one at a time."""
    ctx = mp.get_context("spawn")
    rows = []
    for n in sizes:
        reps = max(1, min(repeat, round(SCALING_BUDGET / n)))
        for kind in kinds:
            t = time.perf_counter()
            with cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
                row = pool.submit(scaling_worker, kind, n, reps).result()
            rows.append(row)
            print(f"  scaling {kind:>13} n={n:>9,}: {row['total_us']:7.1f} us/order wall, "
                  f"{row['total_cpu_us']:7.1f} CPU, {row['norm_pu'] * 1e3:6.2f} mPU normalized, "
                  f"{row['log_bytes_per_order']:6.1f} B/order log, "
                  f"peak RSS {row['rss_peak_mb']:7.1f} MB ({time.perf_counter() - t:.0f} s)",
                  flush=True)  # fmt: skip
    return rows


def profile_full(n: int, top: int = 25) -> str:
    """cProfile of one full-model run at about n orders, top entries by tottime."""
    scenario = baseline_scenario(n)
    prof = cProfile.Profile()
    prof.enable()
    _, result = full_model(scenario)
    prof.disable()
    buf = io.StringIO()
    print(f"full model, baseline scenario, {result.orders.height} orders", file=buf)
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    return buf.getvalue()


# =========================================================================================
# Machine description and report
# =========================================================================================


def _first_field(path: str, prefix: str) -> str | None:
    """The value after ':' of the first line of a /proc file starting with prefix."""
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def contention() -> str:
    """Load average and CPU pressure (PSI) right now: other work sharing the CPUs."""
    text = "load average (1, 5, 15 min) " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    try:
        with open("/proc/pressure/cpu") as fh:
            psi = fh.readline().strip()
    except OSError:
        return text
    return f"{text}; CPU pressure `{psi}`"


def source_hash() -> str:
    """Short hash of the model's source (``sim/**/*.py``), to tell which code was measured."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "sim").rglob("*.py")):
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    versions = []
    for pkg in ("omsim", "simpy", "numpy", "polars", "scipy", "pydantic"):
        try:
            versions.append(f"{pkg} {importlib.metadata.version(pkg)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{pkg} (not installed)")
    mem = _first_field("/proc/meminfo", "MemTotal")
    mem_text = f"{int(mem.split()[0]) / 1024**2:.1f} GiB (MemTotal)" if mem else "unknown"
    cpu = _first_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown"
    return {
        "platform": platform.platform(),
        "processor": f"{cpu} ({platform.machine()})",
        "CPUs": f"{len(os.sched_getaffinity(0))} usable (nproc), {os.cpu_count()} online",
        "memory": mem_text,
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": ", ".join(versions),
        "contention at start": contention(),
    }


LABELS = {
    "minimal": "minimal SimPy pipeline",
    "full": "full model, baseline scenario",
    "full_pipeline": "full model, pipeline-equivalent scenario",
}


def all_probes(ratio: dict[str, Any], scaling: list[dict[str, Any]]) -> list[float]:
    """Every probe time (s) of the benchmark."""
    out = [x for row in ratio["kinds"].values() for x in row["probe_s"]]
    return out + [x for row in scaling for x in row["probe_s"]]


def norm_us(row: dict[str, Any], p_ref: float) -> float:
    """Speed-normalized microseconds per order: probe units per order x reference probe time."""
    return row["norm_pu"] * p_ref * 1e6


def _flat(rows: list[dict[str, Any]], costs: list[float]) -> tuple[float, str]:
    """Spread (max/min - 1) of per-order costs over sizes, and its description."""
    spread = max(costs) / min(costs) - 1.0
    detail = ", ".join(f"{row['n']:,}: {c:.1f} us" for row, c in zip(rows, costs, strict=True))
    return spread, f"max/min - 1 = {spread:.1%} ({detail})"


def evaluate(
    ratio: dict[str, Any], scaling: list[dict[str, Any]], p_ref: float
) -> list[dict[str, Any]]:
    """Each target on raw wall-clock time and on speed-normalized time."""
    out = []
    full = ratio["kinds"]["full"]
    where = f"median of {ratio['repeat']} interleaved pairs at {ratio['n']:,} orders"
    out.append(
        {
            "target": f"full model at most {TARGET_RATIO:g}x the minimal pipeline per order",
            "wall": f"{full['ratio']:.2f}x ({where})",
            "wall_ok": full["ratio"] <= TARGET_RATIO,
            "norm": f"{full['ratio_norm']:.2f}x",
            "norm_ok": full["ratio_norm"] <= TARGET_RATIO,
        }
    )
    rows = sorted((r for r in scaling if r["kind"] == "full"), key=lambda r: r["n"])
    if len(rows) >= 2:
        s_wall, d_wall = _flat(rows, [r["total_us"] for r in rows])
        s_norm, d_norm = _flat(rows, [norm_us(r, p_ref) for r in rows])
        out.append(
            {
                "target": f"per-order cost flat within {TARGET_FLAT:.0%} from "
                f"{rows[0]['n']:,} to {rows[-1]['n']:,} orders",
                "wall": d_wall,
                "wall_ok": s_wall <= TARGET_FLAT,
                "norm": d_norm,
                "norm_ok": s_norm <= TARGET_FLAT,
            }
        )
    worst = max(r["log_bytes_per_order"] for r in rows)
    detail = ", ".join(f"{r['n']:,}: {r['log_bytes_per_order']:.1f}" for r in rows)
    out.append(
        {
            "target": f"event log at most {TARGET_BYTES:g} bytes per order in memory",
            "wall": f"{worst:.1f} B/order at worst ({detail})",
            "wall_ok": worst <= TARGET_BYTES,
            "norm": "(same: not a time)",
            "norm_ok": worst <= TARGET_BYTES,
        }
    )
    return out


def _verdict(ok: bool) -> str:
    """PASS or FAIL in bold."""
    return "**PASS**" if ok else "**FAIL**"


def targets_table(verdicts: list[dict[str, Any]]) -> str:
    """Markdown table of the targets."""
    lines = [
        "| target | measured (raw wall-clock) | verdict | measured (speed-normalized) | verdict |",
        "|---|---|---|---|---|",
    ]
    for v in verdicts:
        lines.append(
            f"| {v['target']} | {v['wall']} | {_verdict(v['wall_ok'])} | {v['norm']} | "
            f"{_verdict(v['norm_ok'])} |"
        )
    return "\n".join(lines)


def ratio_table(ratio: dict[str, Any], p_ref: float) -> str:
    """Markdown table of the same-process comparison."""
    lines = [
        "| variant | orders | wall | CPU | normalized | SimPy run (wall) | tables (wall) | "
        "setup (wall) | ratio, wall | ratio, normalized | ratio, SimPy run only (wall) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, row in ratio["kinds"].items():

        def fmt(key: str, row: dict[str, Any] = row) -> str:
            """A ratio cell (1 for the reference)."""
            return f"{row[key]:.2f}x" if key in row else "1"

        lines.append(
            f"| {LABELS[kind]} | {int(row['orders']):,} | {row['total_us']:.1f} | "
            f"{row['total_cpu_us']:.1f} | {norm_us(row, p_ref):.1f} | {row['sim_us']:.1f} | "
            f"{row['tables_us']:.1f} | {row['setup_us']:.1f} | {fmt('ratio')} | "
            f"{fmt('ratio_norm')} | {fmt('sim_ratio')} |"
        )
    return "\n".join(lines)


def scaling_table(scaling: list[dict[str, Any]], p_ref: float) -> str:
    """Markdown table of the per-size subprocess runs."""
    lines = [
        "| variant | target orders | orders | runs | wall | vs smallest | normalized | "
        "vs smallest | CPU | SimPy run (wall) | tables (wall) | setup (wall) | "
        "event log B/order | peak RSS MB | RSS growth B/order |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    smallest: dict[str, tuple[float, float]] = {}
    for row in sorted(scaling, key=lambda r: (r["kind"] != "full", r["kind"], r["n"])):
        nu = norm_us(row, p_ref)
        bw, bn = smallest.setdefault(row["kind"], (row["total_us"], nu))
        lines.append(
            f"| {LABELS[row['kind']]} | {row['n']:,} | {int(row['orders']):,} | "
            f"{row['repeat']} | {row['total_us']:.1f} | {row['total_us'] / bw - 1:+.1%} | "
            f"{nu:.1f} | {nu / bn - 1:+.1%} | {row['total_cpu_us']:.1f} | "
            f"{row['sim_us']:.1f} | {row['tables_us']:.1f} | {row['setup_us']:.1f} | "
            f"{row['log_bytes_per_order']:.1f} | {row['rss_peak_mb']:.0f} | "
            f"{row['rss_growth_bytes_per_order']:.0f} |"
        )
    return "\n".join(lines)


def table_bytes(scaling: list[dict[str, Any]]) -> str:
    """Bytes per order of each event-log table, at the largest full-model size."""
    full = [row for row in scaling if row["kind"] == "full"]
    if not full:
        return ""
    row = max(full, key=lambda r: r["n"])
    per = row["table_bytes_per_order"]
    head = "| event-log table | " + " | ".join(per) + " | total |"
    sep = "|---|" + "---:|" * (len(per) + 1)
    body = (
        f"| B/order at {row['n']:,} orders | "
        + " | ".join(f"{v:.1f}" for v in per.values())
        + f" | {sum(per.values()):.1f} |"
    )
    return "\n".join([head, sep, body])


def probe_summary(probes: list[float]) -> str:
    """Spread of the probe's time over the benchmark: the machine's speed drift."""
    q = statistics.quantiles(probes, n=20)
    return (
        f"{len(probes):,} probes: median {statistics.median(probes) * 1e3:.2f} ms, "
        f"5th-95th percentile {q[0] * 1e3:.2f}-{q[-1] * 1e3:.2f} ms "
        f"(min {min(probes) * 1e3:.2f}, max {max(probes) * 1e3:.2f})"
    )


WHAT = """\
Time per order, single-threaded CPython, of (a) the full model, i.e. exactly what
`run_replication` does: building the model (calendar, catalogue, stations: "setup"), the
SimPy run, and building the four polars tables of the event log ("tables"); and (b) a minimal,
idiomatic SimPy pipeline with the issue's parameters (pick: 8 servers, exponential 4 min;
pack: 4 servers, exponential 2 min; label: 1 server, fixed 0.3 min; 20 % priority orders;
Poisson arrivals at 100 orders/hour): one process per order, one `simpy.PriorityResource` per
step, exponential draws from a numpy Generator in blocks of 4096, and per step the facts a
minimal log needs (order, step, t_ready, t_start, t_end) appended to Python lists and turned
into polars frames at the end. Both include building their tables. The full model runs
CPython's cyclic garbage collector with larger thresholds (`sim.model.GC_THRESHOLDS`); the
minimal pipeline keeps the defaults, as a plain SimPy program would.

The full model runs `scenarios/baseline.toml` with `simulation.horizon_days = N / 2000` and
`simulation.drain_days = 3`, so it generates about N orders with the baseline's whole process
(several lines per order, routing, shifts and breaks, barcode verification and re-picks, box
choice, label jams, carriers and delivery). The "pipeline-equivalent" row runs the same model
code on the issue's pipeline (`mmc_raw` from `tests/conftest.py` with 20 % priority orders,
plus 4 packers with exponential 2 min and 1 label printer with a fixed 0.3 min, shifts 24/7),
which separates the cost of the model's machinery from that of the richer baseline scenario.

The ratio is measured in one process at the same N, the runs interleaved (their order
alternating each repeat) with the same seeds, as the median of the pairwise ratios. Each
scaling row runs in a fresh `spawn` subprocess, its cost the median over the runs in that
subprocess.

**Speed normalization.** On a virtual machine the same work can take a varying time: when
this benchmark was written, the same 10,000-order minimal run, repeated back to back on an
otherwise idle 2-vCPU machine, took 44 to 74 us/order, with CPU time equal to wall time (the
drift is in the CPU's speed, not in waiting for it, so CPU time does not remove it); the
"speed probe" line above shows this run's drift. Every ~2,000 orders (each simulated day in
the full model, every 2,000 arrivals in the minimal pipeline) the benchmark therefore runs a
small fixed SimPy workload (the probe, a few ms) and times it. Each stretch of the run
between two probes is divided by the mean of those two probe times; the sum, per order, is
the cost in probe units, shown as microseconds at the median probe time of the whole
benchmark ("normalized"). Probe time is excluded from every time shown. "Wall" is
`time.perf_counter`; "CPU" is `time.process_time`.

**Memory.** Event-log memory is the sum of `DataFrame.estimated_size()` of the four tables
(orders, steps, events, roster) divided by the number of orders. Peak RSS is the subprocess's
high-water mark (VmHWM, reset after the imports; `ru_maxrss` of a spawned child would start at
the parent's RSS), and RSS growth is (peak - RSS after imports) / orders, which also counts
the transient buffers of the run and of building the frames."""


def markdown(
    cmd: str,
    mach: dict[str, str],
    ratio: dict[str, Any],
    scaling: list[dict[str, Any]],
    verdicts: list[dict[str, Any]],
    extra: dict[str, str],
    p_ref: float,
) -> str:
    """The whole BENCHMARKS.md document."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rss_base = statistics.median(row["rss_base_mb"] for row in scaling) if scaling else 0.0
    full = ratio["kinds"]["full"]
    parts = [
        "# Benchmarks",
        "",
        "Generated by `bench/bench_pipeline.py` (see `bench/README.md`); rerun it to refresh.",
        "",
        f"- Date: {now}",
        f"- Command: `{cmd}` (from the repository root; took {extra['elapsed']})",
        f"- Model source: {extra['code']}",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in mach.items()],
        f"- contention at end: {extra['contention_end']}",
        f"- speed probe: {extra['probes']}",
        "",
        "## Targets",
        "",
        "Raw wall-clock is the targets' measure; the speed-normalized column divides out the",
        "machine's speed drift (see below), which on this machine is larger than the 20 %",
        "flatness tolerance, so it is the one that tells whether the model itself scales.",
        "",
        targets_table(verdicts),
        "",
        f"## Full model vs minimal pipeline (same process, {ratio['n']:,} orders, "
        f"median of {ratio['repeat']})",
        "",
        "Costs in microseconds per order; ratios are to the minimal pipeline.",
        "",
        ratio_table(ratio, p_ref),
        "",
        "Pairwise ratios, full model (baseline) / minimal: wall "
        + ", ".join(f"{x:.2f}" for x in full["ratios"])
        + "; normalized "
        + ", ".join(f"{x:.2f}" for x in full["ratio_norms"])
        + ".",
        "",
        "## Scaling (each size in a fresh subprocess)",
        "",
        "Costs in microseconds per order.",
        "",
        scaling_table(scaling, p_ref),
        "",
        f"RSS after imports, before any run: about {rss_base:.0f} MB.",
        "",
        table_bytes(scaling),
        "",
        "## What this measures",
        "",
        WHAT,
        "",
    ]
    return "\n".join(parts)


# =========================================================================================
# Command line
# =========================================================================================


def scaling_sizes(quick: bool, max_orders: int | None) -> list[int]:
    """Sizes for the scaling runs, capped by --max-orders (added itself when it cuts the list)."""
    sizes = list(QUICK_SIZES if quick else SIZES)
    if max_orders is None:
        return sizes
    kept = [s for s in sizes if s <= max_orders]
    if max_orders < sizes[-1] and (not kept or max_orders > kept[-1]):
        kept.append(max_orders)
    return kept


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the tables, optionally write the Markdown report."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="ratio at 10k, scaling 10k/50k only")
    p.add_argument("--max-orders", type=int, default=None, help="largest scaling size")
    p.add_argument("--repeat", type=int, default=None, help="interleaved pairs (default 5; 3)")
    p.add_argument("--ratio-orders", type=int, default=None, help="orders per ratio run")
    p.add_argument("--markdown", type=Path, default=None, help="write the report to this file")
    p.add_argument(
        "--profile",
        type=int,
        default=None,
        metavar="N",
        help="only profile the full model at N orders (cProfile, top 25 by tottime)",
    )
    args = p.parse_args(argv)
    if args.profile is not None:
        print(profile_full(args.profile))
        return 0
    repeat = args.repeat or (3 if args.quick else 5)
    n_ratio = args.ratio_orders or (QUICK_RATIO_ORDERS if args.quick else RATIO_ORDERS)
    if args.max_orders is not None:
        n_ratio = min(n_ratio, args.max_orders)
    sizes = scaling_sizes(args.quick, args.max_orders)
    cmd = shlex.join(
        ["python", "bench/bench_pipeline.py", *(sys.argv[1:] if argv is None else argv)]
    )
    mach = machine()
    code = source_hash()
    t_start = time.perf_counter()

    print(f"ratio: {n_ratio:,} orders, {repeat} interleaved repeats", flush=True)
    ratio = measure_ratio(n_ratio, repeat)
    print(f"scaling: sizes {sizes}", flush=True)
    scaling = measure_scaling(["full", "minimal"], sizes, repeat)
    probes = all_probes(ratio, scaling)
    p_ref = statistics.median(probes)
    verdicts = evaluate(ratio, scaling, p_ref)
    elapsed = time.perf_counter() - t_start
    end_contention = contention()
    code_end = source_hash()
    code_note = f"`{code}` (sha256 of `sim/**/*.py`)"
    if code_end != code:
        code_note += f"; **changed during the run** (`{code_end}` at the end): rerun"
        print(f"WARNING: the model's source changed during the run ({code} -> {code_end})")

    print()
    for text in (ratio_table(ratio, p_ref), scaling_table(scaling, p_ref), table_bytes(scaling)):
        print(text, end="\n\n")
    for v in verdicts:
        print(f"{'PASS' if v['wall_ok'] else 'FAIL'} (wall) / "
              f"{'PASS' if v['norm_ok'] else 'FAIL'} (normalized)  {v['target']}: "
              f"{v['wall']} | normalized: {v['norm']}")  # fmt: skip
    print(f"contention at start: {mach['contention at start']}; at end: {end_contention}")
    print(f"speed probe: {probe_summary(probes)}")
    if args.markdown is not None:
        extra = {
            "elapsed": f"{elapsed / 60:.1f} min",
            "code": code_note,
            "contention_end": end_contention,
            "probes": probe_summary(probes),
        }
        text = markdown(cmd, mach, ratio, scaling, verdicts, extra, p_ref)
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        # keep the sections written by the other scripts (bench_methods.py, ...)
        old = args.markdown.read_text() if args.markdown.exists() else ""
        for kept in kept_sections(old):
            text = text.rstrip("\n") + "\n\n" + kept + "\n"
        args.markdown.write_text(text)
        print(f"\nwrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
