"""``omsim runs``: (being written)."""

from __future__ import annotations

import argparse


def add_runs_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``runs`` subcommand."""
    p = sub.add_parser("runs", help="(being written)")
    p.set_defaults(func=lambda args: 0)
