"""``omsim validate`` and ``omsim schema``: check scenario files, print the documented schema."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.common import EXIT_BAD_INPUT, one_line
from sim.scenario import ScenarioError, load_scenario


def cmd_validate(args: argparse.Namespace) -> int:
    """omsim validate: check scenario files; one line per file."""
    bad = 0
    for path in args.files:
        try:
            sc = load_scenario(path)
        except ScenarioError as exc:
            print(one_line(str(exc)), file=sys.stderr)
            bad += 1
        else:
            print(f"{path}: ok ({sc.name}, fingerprint {sc.fingerprint()})")
    return EXIT_BAD_INPUT if bad else 0


def cmd_schema(args: argparse.Namespace) -> int:
    """omsim schema: the documented scenario schema."""
    from sim.schema_doc import schema_json, schema_markdown

    print(schema_json() if args.json else schema_markdown())
    return 0


def add_validate_parsers(sub) -> None:
    """The ``validate`` and ``schema`` subcommands."""
    v = sub.add_parser("validate", help="check scenario files")
    v.add_argument("files", nargs="+", type=Path)
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser("schema", help="print the documented scenario schema")
    s.add_argument("--json", action="store_true", help="JSON Schema instead of Markdown")
    s.set_defaults(func=cmd_schema)
