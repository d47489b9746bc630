"""Real orders: importing the complete UCI Online Retail file and replaying its whole year.

    python bench/bench_replay.py [--file ../shared/data/online_retail/online_retail_full.csv.gz]
                                 [--scenario scenarios/baseline.toml] [--repeat 5]
                                 [--markdown docs/BENCHMARKS.md]

Targets (issue 8): importing the complete Online Retail file (541,909 lines) takes under 5 s;
replaying its whole year runs in a few minutes on one core. The import is timed ``--repeat``
times (median, min, max); the replay once, from the imported history (the import is not
counted twice), with its peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pipeline import machine, write_section  # noqa: E402

from analysis.importers.read import read_online_retail  # noqa: E402
from sim.model import Model  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

IMPORT_TARGET_S = 5.0
REPLAY_TARGET_S = 300.0  # "a few minutes"
DEFAULT_FILE = ROOT.parent / "shared" / "data" / "online_retail" / "online_retail_full.csv.gz"


def main(argv: list[str] | None = None) -> int:
    """Time the import and the replay, print the table, optionally write it to markdown."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=DEFAULT_FILE)
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.toml")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--markdown", type=Path)
    args = ap.parse_args(argv)
    if not args.file.exists():
        print(f"{args.file}: not found (the shared data folder is needed)", file=sys.stderr)
        return 2
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        h = read_online_retail(args.file)
        times.append(time.perf_counter() - t0)
    imp = statistics.median(times)
    sc = load_scenario(
        args.scenario, {"replay.orders": str(args.file), "replay.format": "online-retail"}
    )
    t0 = time.perf_counter()
    model = Model(sc, 1, 0, replay_history=h)
    r = model.run()
    wall = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sim = model.scenario.simulation
    v_imp = "PASS" if imp <= IMPORT_TARGET_S else "FAIL"
    v_rep = "PASS" if wall <= REPLAY_TARGET_S else "FAIL"
    lines = [
        "## Real orders: import and replay (`bench/bench_replay.py`)",
        "",
        f"`{args.file.name}`: {h.rows_read:,} rows, {h.lines.height:,} lines and "
        f"{h.orders.height:,} orders imported, {h.rejects.height:,} rows rejected. Replayed "
        f"with `{args.scenario.relative_to(ROOT)}` over {sim.horizon_days:g} days plus "
        f"{sim.drain_days:g} of drain, one run, one core.",
        "",
        "Machine: " + "; ".join(f"{key}: {v}" for key, v in machine().items()),
        "",
        "| step | wall s | detail |",
        "|---|---:|---|",
        f"| import (median of {args.repeat}) | {imp:.2f} | min {min(times):.2f}, "
        f"max {max(times):.2f} |",
        f"| replay of the year | {wall:.1f} | {r.orders.height:,} orders, "
        f"{r.steps.height:,} steps, {wall / r.orders.height * 1e6:.0f} us per order, "
        f"peak RSS {rss_mb:,.0f} MB |",
        "",
        f"Targets: import under {IMPORT_TARGET_S:.0f} s: **{v_imp}** ({imp:.2f} s); replay of "
        f"the year in a few minutes (at most {REPLAY_TARGET_S:.0f} s): **{v_rep}** "
        f"({wall:.1f} s). The year has only {h.orders.height:,} orders (a wholesaler's, with "
        f"{h.lines.height / h.orders.height:.1f} lines per order on average), so the replay "
        "costs about what a synthetic run of the same orders and lines costs.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        write_section(args.markdown, "bench_replay.py", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
