"""``omsim runs``: the experiments stored in a runs directory."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_runs(args: argparse.Namespace) -> int:
    """omsim runs: one row per stored experiment, newest first."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from sim.cli.experiment_options import runs_dir
    from sim.experiments.store import list_stores

    parent = args.dir if args.dir is not None else runs_dir()
    stores = list_stores(parent)
    if not stores:
        sys.stdout.write(f"no stored experiments in {parent}\n")
        return 0
    table = Table(title=f"experiments in {parent}")
    for col in ("run directory", "kind", "created", "status", "runs", "scenarios"):
        table.add_column(col, overflow="fold")
    for s in stores:
        names = s["scenarios"]
        shown = ", ".join(names[:4]) + (f" (+{len(names) - 4} more)" if len(names) > 4 else "")
        status = s["status"] + (f" ({s['failures']} failed)" if s["failures"] else "")
        if s["damaged"]:
            status += f": {s['damaged']}"
        cells = (Path(s["path"]).name, s["kind"], s["created"], status, str(s["runs"]), shown)
        table.add_row(*(Text(str(c)) for c in cells))  # names are text, not rich markup
    Console().print(table)
    return 0


def add_runs_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``runs`` subcommand."""
    p = sub.add_parser("runs", help="list the stored experiments")
    p.add_argument(
        "dir",
        nargs="?",
        type=Path,
        help="directory holding run directories (default: $OMSIM_RUNS_DIR or runs)",
    )
    p.set_defaults(func=cmd_runs)
