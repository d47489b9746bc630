"""Writing a run to disk: the four tables as Parquet, its KPIs and its manifest."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sim.model import RunResult
from sim.versions import package_versions


def manifest(result: RunResult) -> dict[str, Any]:
    """What a run was: resolved scenario, its fingerprint, seed, replication, versions."""
    return {
        "scenario": result.scenario.model_dump(mode="json"),
        "fingerprint": result.scenario.fingerprint(),
        "seed": result.seed,
        "replication": result.replication,
        "start_minute_of_day": result.start_minute_of_day,
        "end_min": result.end_min,
        "arrivals_end_min": result.arrivals_end_min,
        "rows": {name: frame.height for name, frame in result.tables().items()},
        "versions": package_versions(),
    }


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def write_run(result: RunResult, out_dir: str | Path, kpis: dict[str, float]) -> Path:
    """Write orders/steps/events/roster .parquet, kpis.json and manifest.json into out_dir."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in result.tables().items():
        _atomic_write(out / f"{name}.parquet", frame.write_parquet)
    clean = {k: (None if v != v else v) for k, v in kpis.items()}  # NaN -> null in JSON

    def dump(obj: Any):
        return lambda p: p.write_text(json.dumps(obj, indent=2, default=str) + "\n")

    _atomic_write(out / "kpis.json", dump(clean))
    _atomic_write(out / "manifest.json", dump(manifest(result)))
    return out
