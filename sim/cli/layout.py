"""``omsim layout`` and ``omsim timeline``: pictures of the warehouse and of its staff's day.

``omsim layout [SCENARIO] [--run DIR] [--tours] -o layout.png|svg`` draws the floor to scale;
with a run (``omsim run --out DIR`` or ``omsim replay --out DIR``; its stored scenario is drawn,
so SCENARIO, --days and --set need not be repeated) each slot
is shaded by its picks and each station labelled with its utilisation and queue, and
``--tours`` adds sample pick tours routed as the model routes them. ``omsim timeline DIR
[--day N] -o timeline.png`` draws each worker's day and, for wave picking, the waves.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from analysis.importers.history import history_of
from analysis.plots.stations import station_stats
from sim import paths
from sim.cli.common import UsageError, add_override_args, overrides_from
from sim.run_dir_check import run_kpis_problem, run_manifest_problem, run_table_problem
from sim.strict_numbers import count_arg

log = logging.getLogger("omsim")

#: The routing policies drawn side by side on one pick list.
POLICIES = ("return", "s_shape", "midpoint", "largest_gap")


@dataclass(frozen=True)
class RunTables:
    """A run directory's tables and files."""

    root: Path
    manifest: dict[str, Any]
    kpis: dict[str, Any]
    orders: pl.DataFrame
    steps: pl.DataFrame
    roster: pl.DataFrame


def read_run(run_dir: Path) -> RunTables:
    """A run directory written by ``omsim run/replay --out`` (one-line error if it is not)."""
    need = ("manifest.json", "kpis.json", "orders.parquet", "steps.parquet", "roster.parquet")
    missing = [n for n in need if not (run_dir / n).is_file()]
    if missing:
        raise UsageError(
            f"{run_dir}: expected a run directory (omsim run --out), missing {', '.join(missing)}"
        )

    def checked(name: str, found: Any, problem: str | None) -> Any:
        if problem is not None:
            raise UsageError(f"{run_dir / name}: {problem}")
        return found

    def json_file(name: str, check: Any) -> Any:
        found = json.loads(paths.read_text(run_dir / name, paths.MAX_JSON_BYTES))
        return checked(name, found, check(found))

    def table(name: str) -> pl.DataFrame:
        found = pl.read_parquet(paths.check_file(run_dir / name, paths.MAX_TABLE_BYTES))
        return checked(name, found, run_table_problem(name, found))

    name = need[0]
    try:
        manifest = json_file(name, run_manifest_problem)
        kpis = json_file(name := "kpis.json", run_kpis_problem)
        tables = [table(name := n) for n in need[2:]]
        return RunTables(run_dir, manifest, kpis, *tables)
    except paths.PathError as exc:
        raise UsageError(str(exc)) from None
    except (OSError, ValueError, pl.exceptions.PolarsError) as exc:
        # a reader's message may quote the file: name the kind of problem only
        raise UsageError(
            f"{run_dir / name}: expected a readable file of a run directory, found a damaged "
            f"file ({type(exc).__name__})"
        ) from None


def sample_tours(scenario, layout, run: RunTables, lines: pl.DataFrame) -> tuple[list, str]:
    """Sample tours of a run and a note saying what they are. Single-order picking: the
    largest error-free order of the first thousand, routed by every policy (the scenario's
    own is the one the model walked). Batch: also the longest error-free batch tour."""
    from analysis.plots.layout import Tour
    from sim.routing_paths import path_length, tour_path

    method, policy = scenario.picking.method, scenario.picking.routing
    o = run.orders
    clean = o.filter(
        pl.col("picked_at").is_not_null()
        & (pl.col("pick_errors_caught") == 0)
        & (pl.col("order_id") < 1000)
    )
    tours: list = []
    if method in ("zone", "wave"):
        return tours, (
            f"{method} pickers walk tours inside their zone: tours are drawn for single-order "
            "and batch picking"
        )
    if method == "single" and clean.height:
        pick = clean.sort(["n_lines", "order_id"], descending=[True, False]).row(0, named=True)
        slots = lines.filter(pl.col("order_id") == pick["order_id"])["slot"].to_list()
        for p in POLICIES:
            path = tour_path(layout, slots, p)
            mine = " (the model's)" if p == policy else ""
            tours.append(Tour(f"{p}{mine}", path, path_length(path)))
        note = (
            f"order {pick['order_id']} ({pick['n_lines']} lines) routed by each policy; the "
            f"model walked {policy}: recorded travel {pick['travel_m']:.1f} m"
        )
        return tours, note
    if method == "batch":
        pick_steps = run.steps.filter(
            (pl.col("step") == "pick") & pl.col("batch_id").is_not_null()
        ).select("order_id", "batch_id")
        ok = pick_steps.join(clean.select("order_id", "travel_m"), on="order_id")
        full = pick_steps.group_by("batch_id").len().rename({"len": "n"})
        batches = (
            ok.group_by("batch_id")
            .agg(pl.len().alias("k"), pl.col("travel_m").sum(), pl.col("order_id"))
            .join(full, on="batch_id")
            .filter(pl.col("k") == pl.col("n"))  # every order of the batch is error-free
            .sort(["travel_m", "batch_id"], descending=[True, False])
        )
        if batches.height:
            b = batches.row(0, named=True)
            slots = lines.filter(pl.col("order_id").is_in(b["order_id"]))["slot"].to_list()
            path = tour_path(layout, slots, policy)
            tours.append(Tour(f"longest batch tour ({b['k']} orders)", path, path_length(path)))
            return tours, (
                f"the longest error-free batch tour ({b['k']} orders, {policy} routing): "
                f"recorded travel {b['travel_m']:.1f} m"
            )
    return tours, "no error-free tour to draw"


def run_scenario(args: argparse.Namespace, run: RunTables):
    """The scenario a run was made with, read from its manifest (its --days/--set included).
    A SCENARIO given too must be that scenario: the same fingerprint with the given
    --days/--set, or, without them, the same scenario name."""
    from sim.config import Scenario
    from sim.scenario import load_scenario

    if not isinstance(run.manifest.get("scenario"), dict):
        raise UsageError(f"{args.run}: expected a run whose manifest.json stores its scenario")
    stored = Scenario.model_validate(run.manifest["scenario"])
    if args.scenario is None:
        return stored
    overrides = overrides_from(args)
    given = load_scenario(args.scenario, overrides)
    same = (
        given.fingerprint() == run.manifest.get("fingerprint")
        if overrides
        else given.name == stored.name
    )
    if not same:
        raise UsageError(
            f"{args.run}: a run of another scenario ({stored.name!r}, fingerprint "
            f"{run.manifest.get('fingerprint')}; {args.scenario} gives {given.name!r}, "
            f"{given.fingerprint()}): leave out SCENARIO to draw the run's own scenario"
        )
    return stored


def cmd_layout(args: argparse.Namespace) -> int:
    """omsim layout: the floor to scale, with a run's pick heat, station loads and tours."""
    from analysis.plots.layout import draw_layout, save
    from sim.order_lines import picks_per_slot, regenerate_lines
    from sim.scenario import load_scenario

    if args.output.suffix.lower() not in (".png", ".svg"):
        raise UsageError(f"-o {args.output}: expected a .png or .svg file")
    if args.scenario is None and args.run is None:
        raise UsageError("layout: expected a SCENARIO file, a --run DIR, or both")
    heat = stations = tours = None
    notes: list[str] = []
    if args.run is None:
        if args.tours:
            raise UsageError("--tours: expected --run DIR too (tours come from a run)")
        shown = load_scenario(args.scenario, overrides_from(args))
    else:
        run = read_run(args.run)
        scenario = run_scenario(args, run)
        n = int(run.orders.filter(pl.col("order_id") < 2**31)["order_id"].max() or 0) + 1
        model, lines = regenerate_lines(
            scenario,
            int(run.manifest["seed"]),
            int(run.manifest["replication"]),
            n,
            history_of(scenario),
        )
        shown = model.scenario
        heat = picks_per_slot(lines, run.orders, model.layout.n_slots)
        stations = station_stats(run.kpis)
        if args.tours:
            tours, note = sample_tours(shown, model.layout, run, lines)
            notes.append(note)
    title = f"{shown.name}: warehouse layout"
    if heat is not None:
        title += f" and picks of {args.run.name}"
    fig = draw_layout(shown, heat=heat, stations=stations, tours=tours, title=title)
    save(fig, args.output)
    for note in notes:
        print(f"tours: {note}", file=sys.stderr)
    print(f"wrote {args.output}")
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    """omsim timeline: every worker's day (and the waves) from a run's steps."""
    from analysis.plots.layout import save
    from analysis.plots.timelines import (
        wave_segments,
        wave_timeline_figure,
        worker_segments,
        worker_timeline_figure,
    )
    from sim.config import Scenario

    run = read_run(args.run)
    scenario = Scenario.model_validate(run.manifest["scenario"])
    days = int(np.ceil(run.manifest["end_min"] / 1440))
    if not 0 <= args.day < days:
        raise UsageError(f"--day {args.day}: expected a day of the run, 0 to {days - 1}")
    seg = worker_segments(
        run.steps, run.roster, run.orders, day=args.day,
        walking_speed_m_per_s=scenario.picking.walking_speed_m_per_s,
    )  # fmt: skip
    if seg.height == 0:
        raise UsageError(f"--day {args.day}: expected a day with staff on duty, found none")
    if args.output.suffix.lower() not in (".png", ".svg"):
        raise UsageError(f"-o {args.output}: expected a .png or .svg file")
    written = [save(worker_timeline_figure(seg, title=f"{scenario.name}: day {args.day}"),
                    args.output)]  # fmt: skip
    waves = wave_segments(run.steps, run.orders)
    if waves.height:
        wpath = args.output.with_name(f"{args.output.stem}_waves{args.output.suffix}")
        written.append(save(wave_timeline_figure(waves, title=f"{scenario.name}: waves"), wpath))
    print(f"wrote {', '.join(map(str, written))}")
    return 0


def add_layout_parsers(sub) -> None:
    """Register ``omsim layout`` and ``omsim timeline``."""
    p = sub.add_parser("layout", help="draw the warehouse (with a run: pick heat, loads, tours)")
    p.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        help="scenario TOML file (optional with --run: the run's stored scenario is drawn)",
    )
    p.add_argument(
        "--run",
        type=Path,
        help="run directory (omsim run/replay --out); its stored scenario, --days/--set "
        "included, is the one drawn",
    )
    p.add_argument("--tours", action="store_true", help="draw sample pick tours of the run")
    p.add_argument("-o", "--output", type=Path, required=True, help="layout.png or layout.svg")
    add_override_args(p, "the scenario (as given to the run)")
    p.set_defaults(func=cmd_layout)

    t = sub.add_parser("timeline", help="draw each worker's day from a run (and the waves)")
    t.add_argument("run", type=Path, help="run directory (omsim run --out)")
    t.add_argument("--day", type=count_arg, default=0, help="day of the run, from 0 (default 0)")
    t.add_argument("-o", "--output", type=Path, required=True, help="timeline.png or .svg")
    t.set_defaults(func=cmd_timeline)
