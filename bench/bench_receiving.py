"""Cost of receiving orders: channels, payments and stock against the plain baseline.

    python bench/bench_receiving.py [--orders 40000] [--repeat 5] [--markdown docs/BENCHMARKS.md]

The same demand (about N orders) through baseline.toml, integrated_oms.toml and
manual_consolidation.toml, interleaved in one process, best of k runs each (the machine's speed
drifts). Reported: microseconds per order placed, and the ratio to the baseline. Target: the
receiving layer at most doubles the cost per order. It adds an event per online order (the
delay before the back office has it), stock bookkeeping per line (channel views, allocation,
replenishment, the parcel leaving), computed payment outcomes, and the re-keying and
fraud-review stations.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pipeline import machine, write_section  # noqa: E402

from sim.model import run_replication  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

SCENARIOS = ("baseline", "integrated_oms", "manual_consolidation")
TARGET = 2.0


def scenario_for(name: str, n: int):
    """The scenario with its horizon set for about n orders."""
    sc = load_scenario(ROOT / "scenarios" / f"{name}.toml")
    days = n / sc.demand.orders_per_day
    return load_scenario(
        ROOT / "scenarios" / f"{name}.toml",
        {"simulation.horizon_days": days, "simulation.drain_days": 2},
    )


def timed(scenario) -> tuple[float, int]:
    """Wall seconds and orders of one run."""
    gc.collect()
    t0 = time.perf_counter()
    r = run_replication(scenario, 1)
    return time.perf_counter() - t0, r.orders.height


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, optionally write it into the markdown file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=40_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--markdown", type=Path)
    args = ap.parse_args(argv)
    scenarios = {name: scenario_for(name, args.orders) for name in SCENARIOS}
    best: dict[str, float] = {}
    orders: dict[str, int] = {}
    for _ in range(args.repeat):
        for name, sc in scenarios.items():
            wall, n = timed(sc)
            best[name] = min(best.get(name, float("inf")), wall)
            orders[name] = n
    base = best["baseline"] / orders["baseline"]
    lines = [
        "## Receiving orders (`bench/bench_receiving.py`)",
        "",
        f"About {args.orders:,} orders, best of {args.repeat} runs, interleaved in one process.",
        "",
        "Machine: " + "; ".join(f"{key}: {v}" for key, v in machine().items()),
        "",
        "| scenario | orders | wall s | us per order | x baseline |",
        "|---|---:|---:|---:|---:|",
    ]
    worst = 0.0
    for name in SCENARIOS:
        per = best[name] / orders[name]
        worst = max(worst, per / base)
        lines.append(
            f"| {name} | {orders[name]:,} | {best[name]:.2f} | {per * 1e6:.1f} | {per / base:.2f} |"
        )
    verdict = "PASS" if worst <= TARGET else "FAIL"
    lines += ["", f"Target: at most {TARGET}x the baseline per order: **{verdict}** "
              f"({worst:.2f}x)."]  # fmt: skip
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        write_section(args.markdown, "bench_receiving.py", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
