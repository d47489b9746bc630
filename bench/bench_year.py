"""A simulated year: the careful scenario (customers, returns, reviews) over 365 days.

    python bench/bench_year.py [--days 365] [--scenario scenarios/careful.toml]
                               [--markdown docs/BENCHMARKS.md]

One run in this process, on one core: wall time, orders, microseconds per order and peak
resident memory. Target (issue 7): a simulated year of the baseline demand (about 700,000
orders) runs in a few minutes on one core. Customer messages, follow-ups, return requests and
reviews are computed times, not waiting processes, so the cost per order stays that of the
warehouse.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pipeline import machine, write_section  # noqa: E402

from sim.model import run_replication  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

TARGET_S = 300.0  # "a few minutes"


def main(argv: list[str] | None = None) -> int:
    """Run the year, print the table, optionally write it into the markdown file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=365.0)
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "careful.toml")
    ap.add_argument("--markdown", type=Path)
    args = ap.parse_args(argv)
    sc = load_scenario(args.scenario, {"simulation.horizon_days": args.days})
    t0 = time.perf_counter()
    r = run_replication(sc, 1)
    wall = time.perf_counter() - t0
    n = r.orders.height
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = "PASS" if wall <= TARGET_S else "FAIL"
    lines = [
        "## A simulated year (`bench/bench_year.py`)",
        "",
        f"`{args.scenario.relative_to(ROOT)}` (customers, returns, reviews, follow-ups) over "
        f"{args.days:g} days of arrivals plus {sc.simulation.drain_days:g} of drain, one run, "
        "one core.",
        "",
        "Machine: " + "; ".join(f"{key}: {v}" for key, v in machine().items()),
        "",
        "| orders | customers | returns | reviews | wall s | us per order | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {n:,} | {r.customers.height:,} | {r.returns.height:,} | {r.reviews.height:,} | "
        f"{wall:.0f} | {wall / n * 1e6:.0f} | {rss_mb:,.0f} |",
        "",
        f"Target: a simulated year in a few minutes (at most {TARGET_S:.0f} s) on one core: "
        f"**{verdict}** ({wall:.0f} s).",
    ]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        write_section(args.markdown, "bench_year.py", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
