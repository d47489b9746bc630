"""``omsim sweep``: (being written)."""

from __future__ import annotations

import argparse


def add_sweep_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``sweep`` subcommand."""
    p = sub.add_parser("sweep", help="(being written)")
    p.set_defaults(func=lambda args: 0)
