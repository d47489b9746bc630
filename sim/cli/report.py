"""``omsim report``: an HTML report of a stored experiment (compare, size or sweep)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.experiments.store import RunStore
from sim.experiments.store_check import check_store


def cmd_report(args: argparse.Namespace) -> int:
    """omsim report: read the run directory and write one self-contained HTML file."""
    from analysis.reports.report import write_report
    from sim.experiments.warehouse_figures import warehouse_figures_current, write_warehouse_figures

    store = RunStore.open(args.run_dir)  # StoreError: one line, exit 2 (sim.cli.main)
    check_store(store)
    if not args.no_warehouse and not warehouse_figures_current(store):
        write_warehouse_figures(store)  # one more run of the scenario the report leads with
    out = args.output if args.output is not None else args.run_dir / "report.html"
    written = write_report(store, out)
    sys.stdout.write(f"report written to {written}\n")
    return 0


def add_report_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``report`` subcommand."""
    p = sub.add_parser(
        "report",
        help="write an HTML report of a stored experiment",
        description="Write one self-contained HTML file (figures embedded, no external "
        "resources) reporting an experiment stored by 'omsim compare', 'size' or 'sweep': "
        "what differs between the scenarios, the headline KPIs with paired differences, "
        "figures and the methods used.",
    )
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="run directory of the experiment")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="HTML file to write (default RUN_DIR/report.html)",
    )
    p.add_argument(
        "--no-warehouse",
        action="store_true",
        help="leave out the warehouse pictures (they take one more run of the scenario shown: "
        "a sizing's recommended staffing, else the first scenario)",
    )
    p.set_defaults(func=cmd_report)
