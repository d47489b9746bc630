"""``omsim report``: (being written)."""

from __future__ import annotations

import argparse


def add_report_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``report`` subcommand."""
    p = sub.add_parser("report", help="(being written)")
    p.set_defaults(func=lambda args: 0)
