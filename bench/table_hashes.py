"""Hash every table the shipped scenarios write, to prove a refactor changed no number.

Run it before and after a change that must not move a result (the issue-17 package split was
checked this way: 90 tables of the 10 shipped scenarios, identical):

    python bench/table_hashes.py write /tmp/before.json     # on the old commit
    python bench/table_hashes.py write /tmp/after.json      # on the new one
    python bench/table_hashes.py diff /tmp/before.json /tmp/after.json

Each table is hashed from its schema and its CSV text, so a changed column type, row order or
last digit shows; ``kpis.json`` is hashed with sorted keys. ``diff`` exits 1 when anything
differs and names each table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]


def table_hash(df: pl.DataFrame) -> str:
    """A short digest of a table's schema and every value (as CSV text)."""
    h = hashlib.sha256()
    h.update(str(df.schema).encode())
    h.update(df.write_csv().encode())
    return h.hexdigest()[:16]


def scenario_hashes(scenario: Path, out: Path) -> dict[str, str]:
    """Run one scenario with ``omsim run`` into ``out`` and hash what it wrote."""
    subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", str(scenario), "--out", str(out), "--force"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    found = {}
    for table in sorted(out.glob("*.parquet")):
        df = pl.read_parquet(table)
        found[f"{scenario.stem}/{table.name}"] = f"{df.height} rows {table_hash(df)}"
    kpis = out / "kpis.json"
    if kpis.exists():
        text = json.dumps(json.loads(kpis.read_text()), sort_keys=True)
        found[f"{scenario.stem}/kpis.json"] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return found


def write(target: Path) -> None:
    """Hash the tables of every scenario in ``scenarios/`` into ``target`` (JSON)."""
    hashes: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in sorted((ROOT / "scenarios").glob("*.toml")):
            hashes |= scenario_hashes(scenario, Path(tmp) / scenario.stem)
            print(f"{scenario.stem}: hashed", flush=True)
    target.write_text(json.dumps(hashes, indent=1, sort_keys=True))
    print(f"{len(hashes)} tables -> {target}")


def diff(before: Path, after: Path) -> int:
    """Print every table whose hash differs or that exists on one side only; 1 if any."""
    a, b = json.loads(before.read_text()), json.loads(after.read_text())
    changed = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    for key in changed:
        print(f"{key}: {a.get(key, 'missing')} -> {b.get(key, 'missing')}")
    print(f"{len(a.keys() & b.keys()) - len(changed)} identical, {len(changed)} differ")
    return 1 if changed else 0


def main() -> int:
    """Command line: ``write FILE`` or ``diff BEFORE AFTER``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("write").add_argument("target", type=Path)
    d = sub.add_parser("diff")
    d.add_argument("before", type=Path)
    d.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "write":
        write(args.target)
        return 0
    return diff(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
