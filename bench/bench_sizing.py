"""Speed of the README's sizing example in steady state (target: at most 60 s on 2 cores).

    python bench/bench_sizing.py [--jobs 2] [--markdown docs/BENCHMARKS.md]

Runs the user's command in a fresh process, timed from launch to exit (start-up, the pool,
the run store and the printed answer included):

    omsim size scenarios/baseline.toml --sla "shipped_by_target_pickup >= 95%"
        --sla "time_to_ship_p95 <= 2d" --roles pickers,packers -r 3 --global-budget 0
        --tail-days 3 --jobs 2 --out DIR

and reports the wall and CPU seconds, the staffing found, how many staffings were simulated
and the load of the machine while it ran (other work sharing the CPUs slows it down). With
``--markdown`` the result replaces this script's section of the file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_experiment import timed_command  # noqa: E402
from bench_pipeline import contention, machine, write_section  # noqa: E402

TARGET_WALL_S = 60.0
README_ARGS = [
    "size", "scenarios/baseline.toml",
    "--sla", "shipped_by_target_pickup >= 95%", "--sla", "time_to_ship_p95 <= 2d",
    "--roles", "pickers,packers", "-r", "3", "--global-budget", "0", "--tail-days", "3",
]  # fmt: skip


def run(jobs: int, out: Path) -> tuple[float, float, dict]:
    """Wall and CPU seconds (children included) of the README's sizing command, and the
    manifest it stored."""
    cmd = [sys.executable, "-m", "sim.cli", *README_ARGS, "--jobs", str(jobs), "--out", str(out)]
    wall, cpu = timed_command(cmd)
    return wall, cpu, json.loads((out / "manifest.json").read_text())


def main() -> int:
    """Time the command once and print (or write) the result."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--markdown", type=Path)
    args = ap.parse_args()
    load_before = contention()
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu, manifest = run(args.jobs, Path(tmp) / "size")
    load_after = contention()
    summary = manifest["summary"]
    answer = summary["answer"] or {}
    simulated = sum(1 for _ in summary["frontier"])
    runs = sum(row.get("stopped_after") or 3 for row in summary["frontier"])
    stopped = sum(1 for row in summary["frontier"] if row.get("stopped_after"))
    verdict = "**PASS**" if wall <= TARGET_WALL_S else "**FAIL**"
    m = machine()
    text = "\n".join(
        [
            "## Sizing: the README example in steady state",
            "",
            f"Measured {dt.date.today().isoformat()} by `python bench/bench_sizing.py` "
            f"(`omsim {' '.join(README_ARGS)} --jobs {args.jobs}`).",
            "",
            "| target | measured | verdict |",
            "|---|---|---|",
            f"| README sizing example at most {TARGET_WALL_S:.0f} s on 2 cores | {wall:.1f} s "
            f"wall, {cpu:.1f} s CPU, {simulated} staffings simulated "
            f"({runs} runs of 24 days; {stopped} ruled out after 2 runs) | {verdict} |",
            "",
            f"Staffing found: `{answer.get('staffing', 'none')}`, weekly wage bill "
            f"{answer.get('weekly_cost', float('nan')):,.2f}.",
            "",
            f"Machine: {m['processor']}, {m['CPUs']} CPUs, {m['memory']}, {m['Python']}; "
            f"load before: {load_before}; after: {load_after}. The machine was shared with "
            "other agents' work when the load average exceeds the CPU count.",
        ]
    )
    print(text)
    if args.markdown:
        write_section(args.markdown, "bench_sizing.py", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
