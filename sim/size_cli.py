"""``omsim size``: (being written)."""

from __future__ import annotations

import argparse


def add_size_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``size`` subcommand."""
    p = sub.add_parser("size", help="(being written)")
    p.set_defaults(func=lambda args: 0)
