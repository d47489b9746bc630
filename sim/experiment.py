"""Experiments: several scenarios, several replications each, one row of KPIs per run.

Replication ``k`` of every scenario uses the same ``(seed, k)`` and so sees the same orders
(common random numbers); the comparison in :mod:`analysis.compare` pairs runs by replication.
Work items ship only the scenario in and the KPI dict out, never the event-log tables.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

import polars as pl

from sim.config import Scenario

#: ``progress(done, total)`` after each finished run.
ExperimentProgress = Callable[[int, int], None]

#: The identifying columns of an experiment table, before the KPI columns.
ID_COLUMNS = ("scenario_index", "scenario", "replication")


def _run_item(item: tuple[Scenario, int, int, float]) -> dict[str, float]:
    """One work item: run (scenario, seed, replication) and return only its KPIs."""
    from sim.runner import run_with_kpis

    scenario, seed, replication, warmup_days = item
    _, kpis = run_with_kpis(scenario, seed, replication, warmup_days)
    return {k: (math.nan if v is None else float(v)) for k, v in kpis.items()}


def _results_frame(
    scenarios: Sequence[Scenario], reps: range, results: list[dict[str, float]]
) -> pl.DataFrame:
    """The experiment table from the KPI dicts in item order (scenario-major)."""
    names: list[str] = []
    for kpis in results:  # union of KPI names in first-seen order
        names.extend(k for k in kpis if k not in names)
    ids = {
        "scenario_index": [i for i in range(len(scenarios)) for _ in reps],
        "scenario": [s.name for s in scenarios for _ in reps],
        "replication": [r for _ in scenarios for r in reps],
    }
    cols = {n: [kpis.get(n, math.nan) for kpis in results] for n in names}
    schema = {"scenario_index": pl.Int64, "scenario": pl.String, "replication": pl.Int64}
    schema.update({n: pl.Float64 for n in names})
    return pl.DataFrame({**ids, **cols}, schema=schema)


def run_experiment(
    scenarios: list[Scenario],
    replications: int,
    seed: int,
    warmup_days: float = 0.0,
    jobs: int = 1,
    progress: ExperimentProgress | None = None,
    first_replication: int = 0,
) -> pl.DataFrame:
    """Run every scenario for replications ``first .. first+replications-1`` (default from 0)
    with the same seed.

    Returns one row per (scenario index, scenario name, replication), in that order, and one
    float column per KPI (NaN where a KPI is absent or undefined in a run). ``jobs > 1`` runs
    the items in a pool of spawned processes; results are collected in item order, so the
    table is identical whatever the number of jobs. ``progress(done, total)`` is called after
    each finished run.
    """
    if not scenarios:
        raise ValueError("need at least one scenario")
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    reps = range(first_replication, first_replication + replications)
    items = [(sc, seed, rep, warmup_days) for sc in scenarios for rep in reps]
    total = len(items)
    results: list[dict[str, float]] = []
    if jobs == 1 or total == 1:
        for done, item in enumerate(items, start=1):
            results.append(_run_item(item))
            if progress is not None:
                progress(done, total)
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=ctx) as pool:
            futures = [pool.submit(_run_item, item) for item in items]
            # collect in item order; report progress as each one in that order completes
            for done, future in enumerate(futures, start=1):
                results.append(future.result())
                if progress is not None:
                    progress(done, total)
    return _results_frame(scenarios, reps, results)


def kpi_columns(results: pl.DataFrame) -> list[str]:
    """The KPI columns of an experiment table (everything but the identifying columns)."""
    return [c for c in results.columns if c not in ID_COLUMNS]


def run_to_precision(
    scenarios: list[Scenario],
    seed: int,
    rel_precision: float,
    kpis: Sequence[str] | None = None,
    start: int = 5,
    cap: int = 100,
    warmup_days: float = 0.0,
    jobs: int = 1,
    progress: ExperimentProgress | None = None,
) -> tuple[pl.DataFrame, int]:
    """Add replications until every chosen KPI's 95 % CI half-width is within
    ``rel_precision`` of its mean, for every scenario, or ``cap`` replications are run.

    Starts with ``start`` replications; after each round the number needed is estimated from
    the variance so far (:func:`analysis.stats.replications_needed`) and only the missing
    replications are run, at most doubling the count per round. ``kpis`` defaults to the
    headline KPIs that have values. Returns the experiment table (rows ordered by scenario,
    then replication) and the replications run.
    """
    from analysis.kpi_defs import headline_kpis
    from analysis.stats import replications_needed

    results = run_experiment(scenarios, start, seed, warmup_days, jobs, progress)
    n = start
    names = list(kpis) if kpis else [
        k for k in headline_kpis(kpi_columns(results)) if results[k].is_not_nan().any()
    ]  # fmt: skip
    while n < cap:
        needed = n
        for i in range(len(scenarios)):
            rows = results.filter(pl.col("scenario_index") == i)
            for k in names:
                values = rows[k].drop_nans().drop_nulls().to_list()
                try:
                    needed = max(needed, replications_needed(values, rel_precision))
                except ValueError:  # fewer than two values or a zero mean: nothing to estimate
                    continue
        if needed <= n:
            break
        # at most double per round: a small pilot's t-quantile overestimates the need
        target = min(cap, needed, 2 * n)
        more = run_experiment(scenarios, target - n, seed, warmup_days, jobs, progress, n)
        results = pl.concat([results, more], how="diagonal_relaxed").sort(
            "scenario_index", "replication"
        )
        n = target
    return results, n
