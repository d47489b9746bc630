"""``omsim calibrate`` and ``omsim validate-history``: a scenario from an order history, and
the model checked against the history's real timings."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.atomic import write_text_atomic
from sim.cli.common import UsageError
from sim.cli.replay import add_import_args, read_history, rejects_path, replay_scenario
from sim.cli.replay import write_rejects as _write_rejects
from sim.strict_numbers import count_arg, seed_arg

ROOT = Path(__file__).resolve().parents[2]  # the repository (sim/cli/history.py)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """omsim calibrate: fit a scenario to an order history and write it with its figures."""
    from analysis.calibration.calibrate import calibrate
    from analysis.calibration.plots import gof_figures
    from analysis.calibration.toml_doc import to_toml
    from sim.replay import local_times
    from sim.scenario import load_scenario

    out: Path = args.output
    if out.suffix != ".toml":
        raise UsageError(f"-o {out}: expected a .toml file name, found {out.suffix or 'none'}")
    base = args.base.resolve()
    load_scenario(base)  # a bad base is reported before the work
    history = read_history(args.orders, args.format, args.tz, args)
    _write_rejects(history, rejects_path(args))
    orders = history.orders.with_columns(
        local_times(history.orders[c]).alias(c)
        for c in ("placed_at", "paid_at", "shipped_at", "delivered_at", "promised_at")
        if c in history.orders.columns
    )
    name = args.name or out.stem
    cal = calibrate(orders, history.lines, base=base, name=name, source=str(args.orders))
    write_text_atomic(out, to_toml(cal, out))
    if fit_release_hold(cal, out, history, args):
        write_text_atomic(out, to_toml(cal, out))
    scenario = load_scenario(out)  # what we wrote must load
    figs = args.figures or out.with_name(f"{out.stem}_fits")
    paths = gof_figures(cal, figs)
    for line in summary_lines(cal.summary):
        print(f"  {line}")
    print(
        f"wrote {out} (scenario {scenario.name!r}, fingerprint {scenario.fingerprint()}) and "
        f"{len(paths)} goodness-of-fit figures to {figs}"
    )
    return 0


def fit_release_hold(cal, out: Path, history, args: argparse.Namespace) -> bool:
    """Fit the release hold (:mod:`analysis.calibration.hold`) by pilot replays of the history
    with the scenario just written (seed 1, replication 0); True when ``cal`` changed."""
    import numpy as np

    from analysis.calibration.hold import (
        corrected_shift,
        needs_hold,
        note_no_hold,
        real_handling_h,
        set_hold,
        simulated_handling_h,
    )
    from analysis.calibration.toml_doc import to_toml
    from analysis.calibration.validation import SHOPIFY_SIM_SHIPPED
    from sim.model import Model
    from sim.scenario import load_scenario

    real = real_handling_h(cal)
    if real is None or real.size == 0:
        return False
    from_placed = "capture_at_fulfilment" in cal.summary.get("timings", {})
    # Shopify's Fulfilled at is the label, as validate-history compares it
    shipped = SHOPIFY_SIM_SHIPPED if args.format == "shopify" else "shipped_at"
    replay = {
        "replay.orders": str(Path(args.orders).resolve()),
        "replay.format": args.format,
        "replay.tz": args.tz or "",
        "replay.delimiter": args.delimiter or "",
        "replay.encoding": args.encoding or "",
    }

    def pilot():
        scenario = load_scenario(out, replay)
        orders = Model(scenario, 1, 0, replay_history=history).run().orders
        return simulated_handling_h(orders, from_placed, shipped)

    print("  pilot replay for the release hold (work alone)...", file=sys.stderr)
    model = pilot()
    if model.size == 0 or not needs_hold(real, model):
        if model.size:
            note_no_hold(cal, real, model)
        return bool(model.size)
    shift = float(np.median(model))
    set_hold(cal, real, model, shift)
    write_text_atomic(out, to_toml(cal, out))
    print("  pilot replay with the hold (one correction)...", file=sys.stderr)
    set_hold(cal, real, model, corrected_shift(shift, real, pilot()))
    return True


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_short(v)}" for k, v in value.items())
    return str(value)


def summary_lines(summary: dict) -> list[str]:
    """The calibration's headline figures, one short line each."""
    out = []
    for key, value in summary.items():
        if key in ("source", "description"):
            continue
        if key == "repeat_purchases":
            value = {
                "mean orders per year": value.mean_orders_per_year,
                "rate cv": value.cv,
                "lapse probability": value.lapse_prob,
            }
        elif key == "timings":
            for measure, fit in value.items():
                if isinstance(fit, dict) and "p50_h" in fit:
                    best = f"{fit['best']}, KS {fit['ks']:.3f}; " if "best" in fit else ""
                    out.append(
                        f"{measure}: {best}median {fit['p50_h']:.3g} h, p90 {fit['p90_h']:.3g} h"
                    )
                else:
                    out.append(f"{measure}: {_short(fit)}")
            continue
        out.append(f"{key.replace('_', ' ')}: {_short(value)}")
    return out


def cmd_validate_history(args: argparse.Namespace) -> int:
    """omsim validate-history: replay the history and compare real and simulated timings."""
    from rich.console import Console
    from rich.table import Table

    from analysis.calibration.validation import (
        QUANTILES,
        SHOPIFY_SIM_SHIPPED,
        compare_histories,
        write_report,
    )
    from sim.model import Model

    if args.format in ("generic", "online-retail"):  # refused before any work
        raise UsageError(
            f"--format {args.format}: expected timing columns (paid, shipped, delivered, "
            "promised; formats olist and shopify have them), found a format without them"
        )
    history = read_history(args.orders, args.format, args.tz, args)
    _write_rejects(history, rejects_path(args))
    scenario = replay_scenario(args)
    if args.runs < 1:
        raise UsageError(f"--runs: expected at least 1, found {args.runs}")
    runs = []
    for rep in range(args.replication, args.replication + args.runs):
        model = Model(scenario, args.seed, rep, replay_history=history)
        runs.append(model.run().orders)
    shipped = SHOPIFY_SIM_SHIPPED if args.format == "shopify" else "shipped_at"
    rows = compare_histories(history.orders, runs, shipped)
    if not rows:
        raise UsageError(
            f"{args.orders}: expected timing columns (paid, shipped, delivered, promised; "
            f"formats olist and shopify have them), found none to compare"
        )
    table = Table(title=f"{scenario.name} against {Path(args.orders).name}: real vs simulated")
    cols = ("measure", "side", "n", *(f"p{round(q * 100)}" for q in QUANTILES), "KS", "KS range")
    for col in cols:
        table.add_column(col, justify="left" if col in ("measure", "side") else "right")
    for c in rows:
        for side, q, n in (("real", c.real_q, c.n_real), ("simulated", c.sim_q, c.n_sim)):
            table.add_row(
                f"{c.measure} ({c.unit})" if side == "real" else "", side, f"{n:,}",
                *(f"{v:.3g}" for v in q), f"{c.ks:.2f}" if side == "real" else "",
                f"{c.ks_min:.2f}-{c.ks_max:.2f}" if side == "real" else "",
            )  # fmt: skip
    Console(width=None if sys.stdout.isatty() else 130).print(table)
    notes = [
        f"{history.orders.height:,} orders replayed with scenario {scenario.name!r} "
        f"(seed {args.seed}, replications {args.replication}..{args.replication + args.runs - 1}:"
        " simulated quantiles pooled, KS the mean over runs with its range)",
        f"{rows[0].n_flagged:,} real orders with a timing flag left out of the real side",
        *model.replay.notes,
    ]
    path = write_report(rows, args.out, f"Validation: {scenario.name} vs real orders", notes)
    print(f"wrote {path}, validation.csv and validation.png", file=sys.stderr)
    return 0


def add_history_parsers(sub) -> None:
    """Register ``omsim calibrate`` and ``omsim validate-history``."""
    c = sub.add_parser(
        "calibrate",
        help="fit a scenario to an order history",
        description="Fit a scenario to an order history: demand, contents, catalogue, services, "
        "customers, timings, staffing (a workload rule per shift) and, when the real handling "
        "is much longer than the warehouse's own (a pilot replay, seed 1), a release hold "
        "([hold]: time outside the modelled warehouse).",
    )
    add_import_args(c)
    c.add_argument("-o", "--output", type=Path, required=True, help="scenario file to write")
    c.add_argument(
        "--base",
        type=Path,
        default=ROOT / "scenarios" / "baseline.toml",
        help="scenario the fitted one builds on (default scenarios/baseline.toml)",
    )
    c.add_argument("--name", help="scenario name (default: the output file's stem)")
    c.add_argument(
        "--figures", type=Path, help="folder for the fit figures (default <output>_fits/)"
    )
    c.set_defaults(func=cmd_calibrate)

    v = sub.add_parser(
        "validate-history", help="replay a history and compare real and simulated timings"
    )
    add_import_args(v)
    v.add_argument("--scenario", type=Path, required=True, help="(calibrated) scenario file")
    v.add_argument("--seed", type=seed_arg, default=1, help="random seed (default 1)")
    v.add_argument("--replication", type=count_arg, default=0, help="first replication (default 0)")
    v.add_argument(
        "--runs",
        type=count_arg,
        default=3,
        help="replications to run (default 3): the KS is their mean, with its range",
    )
    v.add_argument(
        "--out", type=Path, default=Path("validation"), help="report folder (default validation/)"
    )
    v.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a scenario key")
    v.set_defaults(func=cmd_validate_history)
