"""Run the four picking-method scenarios and print their KPIs as Markdown tables.

    python bench/method_table.py [--seed 1] [--reps 3] [--volumes 500,2000,5000]

The first table runs scenarios/single.toml, batch.toml, zone.toml and wave.toml as they are
(the README's comparison table comes from it). The second runs each at other daily volumes,
with every shift's headcount scaled in proportion to the volume (at least one, and for zone
and wave picking at least one picker per zone), to show where each method wins. Replications
use common random numbers: replication k of every method sees the same orders.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.experiments.runner import run_with_kpis  # noqa: E402
from sim.scenario import load_scenario, with_overrides  # noqa: E402

METHODS = ("single", "batch", "zone", "wave")
COLUMNS = (
    ("lead_time_mean_h", "lead time, mean (h)", "{:.1f}"),
    ("time_to_ship_mean_h", "placed to shipped, mean (h)", "{:.1f}"),
    ("shipped_same_day", "shipped same day", "{:.1%}"),
    ("express_made_pickup", "express made pickup", "{:.1%}"),
    ("travel_m_per_order", "travel per order (m)", "{:.0f}"),
    ("travel_m_per_line", "travel per line (m)", "{:.0f}"),
    ("picks_per_busy_hour", "lines per busy picking hour", "{:.0f}"),
    ("picks_per_labour_hour", "lines per paid picking hour", "{:.1f}"),
    ("utilisation_pickers", "picker utilisation", "{:.0%}"),
    ("line_travel_min", "travel per line (s)", "sec"),
    ("line_setup_min", "set-up per line (s)", "sec"),
    ("line_pick_min", "search and pick per line (s)", "sec"),
    ("line_sort_min", "sort per line (s)", "sec"),
    ("line_consolidation_min", "consolidation per line (s)", "sec"),
    ("line_wait_release_min", "waiting for a wave per line (min)", "{:.1f}"),
    ("orders_per_tour", "orders per tour", "{:.2f}"),
    ("labour_cost_per_order", "labour cost per order", "{:.2f}"),
    ("overtime_cost_per_order", "overtime per order", "{:.3f}"),
    ("fixed_cost_per_order", "rent, systems, overhead per order", "{:.2f}"),
    ("equipment_cost_per_order", "equipment per order", "{:.3f}"),
    ("packaging_cost_per_order", "packaging per order", "{:.2f}"),
    ("label_cost_per_order", "labels per order", "{:.2f}"),
    ("warehouse_cost_per_order", "warehouse cost per order", "{:.2f}"),
    ("shipping_cost_per_order", "shipping per order", "{:.2f}"),
    ("cost_per_order", "cost per order shipped", "{:.2f}"),
    ("total_cost", "total cost, 14 days, incl. equipment", "{:,.0f}"),
    ("picking_cost_at_need", "picking labour + equipment per order, rostered to need", "{:.2f}"),
)
#: Busy share of paid time assumed when rostering a method's pickers to its need.
NEED_UTILISATION = 0.85
SCALED = (
    "time_to_ship_mean_h",
    "travel_m_per_order",
    "picks_per_busy_hour",
    "utilisation_pickers",
    "labour_cost_per_order",
    "equipment_cost_per_order",
    "warehouse_cost_per_order",
    "picking_cost_at_need",
)


def cell(fmt: str, value: float) -> str:
    """A table cell: ``sec`` shows minutes as seconds."""
    return f"{value * 60:.1f}" if fmt == "sec" else fmt.format(value)


def mean_kpis(scenario, seed: int, reps: int) -> dict[str, float]:
    """KPIs averaged over replications 0..reps-1, plus ``picking_cost_at_need``."""
    runs = [run_with_kpis(scenario, seed, rep)[1] for rep in range(reps)]
    out = {k: statistics.fmean(r[k] for r in runs) for k in runs[0]}
    out["picking_cost_at_need"] = picking_cost_at_need(scenario, out)
    return out


def picking_cost_at_need(scenario, k: dict[str, float]) -> float:
    """Picking labour per order if pickers, sorters and consolidators were rostered so that
    they are busy NEED_UTILISATION of their paid time (busy minutes per line from the time
    split x lines per order / utilisation x wage), plus the method's equipment per order."""
    wage = scenario.costs.wage_per_hour
    lines = k["travel_m_per_order"] / k["travel_m_per_line"]
    minutes = {
        "pickers": k["line_travel_min"] + k["line_setup_min"] + k["line_pick_min"],
        "sorters": k["line_sort_min"],
        "consolidators": k["line_consolidation_min"],
    }
    labour = sum(m * lines / 60 / NEED_UTILISATION * wage[r] for r, m in minutes.items())
    return labour + k["equipment_cost_per_order"]


def scaled(scenario, volume: float):
    """The scenario at another daily volume, every shift's headcount scaled in proportion."""
    factor = volume / scenario.demand.orders_per_day
    overrides: dict[str, object] = {"demand.orders_per_day": volume}
    zoned = scenario.picking.method in ("zone", "wave")
    for i, shift in enumerate(scenario.staffing.shifts):
        least = scenario.picking.zone.n_zones if zoned and shift.role == "pickers" else 1
        headcount = max(least, math.ceil(shift.headcount * factor))  # a picker in every zone
        overrides[f"staffing.shifts.{i}.headcount"] = headcount
    return with_overrides(scenario, overrides)


def main() -> int:
    """Print the two tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--volumes", default="500,2000,5000")
    args = ap.parse_args()
    scenarios = {m: load_scenario(ROOT / "scenarios" / f"{m}.toml") for m in METHODS}

    print(f"Seed {args.seed}, mean of {args.reps} replications (common random numbers).\n")
    print("| KPI | " + " | ".join(METHODS) + " |")
    print("|---|" + "---:|" * len(METHODS))
    results = {m: mean_kpis(sc, args.seed, args.reps) for m, sc in scenarios.items()}
    for key, label, fmt in COLUMNS:
        cells = [cell(fmt, results[m][key]) for m in METHODS]
        print(f"| {label} | " + " | ".join(cells) + " |")

    volumes = [float(v) for v in args.volumes.split(",")]
    print("\nStaff scaled with volume:\n")
    print("| orders/day | KPI | " + " | ".join(METHODS) + " |")
    print("|---:|---|" + "---:|" * len(METHODS))
    for volume in volumes:
        res = {
            m: mean_kpis(scaled(sc, volume), args.seed, args.reps) for m, sc in scenarios.items()
        }
        for key, label, fmt in COLUMNS:
            if key in SCALED:
                cells = [cell(fmt, res[m][key]) for m in METHODS]
                print(f"| {volume:,.0f} | {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
