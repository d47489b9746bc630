"""Experiments: several scenarios, several replications each, one row of KPIs per run.

Replication ``k`` of every scenario uses the same ``(seed, k)`` and so sees the same orders
(common random numbers); the comparison in :mod:`analysis.stats.compare` pairs runs by replication.
Work items ship only the scenario in and the KPI dict out, never the event-log tables.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from concurrent.futures import as_completed
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import polars as pl

from sim.config import Scenario
from sim.experiments.store import Failure, RunStore

log = logging.getLogger(__name__)

#: ``progress(done, total)`` after each finished run.
ExperimentProgress = Callable[[int, int], None]

#: The identifying columns of an experiment table, before the KPI columns.
ID_COLUMNS = ("scenario_index", "scenario", "replication")


@dataclass(frozen=True)
class RunItem:
    """One unit of work: a replication of a scenario (pure: same item, same outcome)."""

    scenario: Scenario
    seed: int
    replication: int
    warmup_days: float = 0.0
    details: bool = False
    window_end_days: float | None = None  # end of the measured weeks (steady state)


@dataclass(frozen=True)
class RunOutcome:
    """What a work item sends back: KPIs and, if asked, the run's detail tables."""

    kpis: dict[str, float]
    details: dict[str, pl.DataFrame] | None = None


class ExperimentFailed(Exception):
    """Some replications raised; the others finished (and were stored).

    ``results`` is the experiment table of the runs that finished, ``failures`` the others.
    """

    def __init__(self, failures: list[Failure], results: pl.DataFrame) -> None:
        super().__init__("; ".join(f.describe() for f in failures))
        self.failures = failures
        self.results = results


def simulate(item: RunItem) -> RunOutcome:
    """Run one work item in whatever process receives it."""
    from analysis.kpis.run_details import run_details
    from sim.experiments.runner import run_with_kpis
    from sim.units import DAY

    result, kpis = run_with_kpis(
        item.scenario, item.seed, item.replication, item.warmup_days,
        window_end_days=item.window_end_days,
    )  # fmt: skip
    clean = {k: (math.nan if v is None else float(v)) for k, v in kpis.items()}
    details = None
    if item.details:
        details = run_details(
            result.orders,
            result.steps,
            start_minute_of_day=result.start_minute_of_day,
            start=item.warmup_days * DAY,
            arrivals_end=result.arrivals_end_min
            if item.window_end_days is None
            else min(item.window_end_days * DAY, result.arrivals_end_min),
            end=result.end_min,
        )
    return RunOutcome(clean, details)


def _results_frame(
    scenarios: Sequence[Scenario],
    reps: range,
    results: dict[tuple[int, int], dict[str, float]],
    labels: Sequence[str],
) -> pl.DataFrame:
    """The experiment table of the finished runs, ordered by scenario, then replication."""
    keys = [(i, r) for i in range(len(scenarios)) for r in reps if (i, r) in results]
    names: list[str] = []
    for key in keys:  # union of KPI names in first-seen order
        names.extend(k for k in results[key] if k not in names)
    ids = {
        "scenario_index": [i for i, _ in keys],
        "scenario": [labels[i] for i, _ in keys],
        "replication": [r for _, r in keys],
    }
    cols = {n: [results[key].get(n, math.nan) for key in keys] for n in names}
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
    *,
    store: RunStore | None = None,
    cluster: str | None = None,
    labels: Sequence[str] | None = None,
    window_end_days: float | None = None,
    executor: Any = None,
) -> pl.DataFrame:
    """Run every scenario for replications ``first .. first+replications-1`` (default from 0)
    with the same seed.

    Returns one row per (scenario index, scenario name, replication), in that order, and one
    float column per KPI (NaN where a KPI is absent or undefined in a run). ``jobs > 1`` runs
    the items in a pool of spawned processes, ``cluster`` (``tcp://HOST:PORT``) on a Dask
    cluster; the table is identical whatever ran it. ``progress(done, total)`` is called
    after each finished run. ``labels`` name the scenarios in the table (default: their
    names). ``executor``: an open process pool to use instead of opening one (a caller
    running many small experiments, like the staffing search, keeps one pool for all of
    them). ``window_end_days`` ends the KPI window of every run there (steady-state
    measurement, :mod:`sim.experiments.steady`; the scenarios must then already run past it).

    With a ``store``, runs already stored are read back instead of run, and every finished
    run is stored (with its detail tables) as soon as it arrives. A replication that raises
    does not stop the others: once they are done, :class:`ExperimentFailed` carries the
    failures and the table of the finished runs.
    """
    from sim.experiments.executors import open_executor

    if not scenarios:
        raise ValueError("need at least one scenario")
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    labels = list(labels) if labels is not None else [s.name for s in scenarios]
    reps = range(first_replication, first_replication + replications)
    keys = [store.add_scenario(s, lab) for s, lab in zip(scenarios, labels, strict=True)] if (
        store is not None
    ) else [s.fingerprint() for s in scenarios]  # fmt: skip
    total = len(scenarios) * replications
    results: dict[tuple[int, int], dict[str, float]] = {}
    failures: list[Failure] = []
    pending: dict[tuple[int, int], RunItem] = {}
    first_of_key: dict[tuple[str, int], tuple[int, int]] = {}
    for i, scenario in enumerate(scenarios):
        for rep in reps:
            stored = store.stored_kpis(keys[i], rep) if store is not None else None
            if stored is not None:  # a damaged stored run counts as missing: it runs again
                results[(i, rep)] = stored
            elif (keys[i], rep) not in first_of_key:  # the same scenario twice runs once
                first_of_key[(keys[i], rep)] = (i, rep)
                pending[(i, rep)] = RunItem(
                    scenario, seed, rep, warmup_days, store is not None, window_end_days
                )
    done = len(results)
    if progress is not None and done:
        progress(done, total)

    def finished(key: tuple[int, int], outcome: RunOutcome | BaseException) -> None:
        nonlocal done
        i, rep = key
        if isinstance(outcome, BaseException):
            message = f"{type(outcome).__name__}: {outcome}".splitlines()[0]
            failures.append(Failure(labels[i], keys[i], seed, rep, message))
        else:
            results[key] = outcome.kpis
            if store is not None:
                store.write_run(keys[i], rep, outcome.kpis, outcome.details)
        done += 1
        if progress is not None:
            progress(done, total)

    try:
        with (
            nullcontext(executor)
            if executor is not None and pending
            else open_executor(jobs, cluster, len(pending)) as executor
        ):
            if executor is None:
                for key, item in pending.items():
                    try:
                        outcome: RunOutcome | BaseException = simulate(item)
                    except Exception as exc:  # reported with its scenario, seed and replication
                        outcome = exc
                    finished(key, outcome)
            else:
                futures = {executor.submit(simulate, item): key for key, item in pending.items()}
                for future in as_completed(futures):
                    exc = future.exception()
                    finished(futures[future], exc if exc is not None else future.result())
    except BaseException as exc:  # Ctrl-C, SIGTERM, a lost cluster: the store says so
        if store is not None:
            try:
                store.abandon(f"{type(exc).__name__}: {exc}".splitlines()[0])
            except OSError as failed:  # e.g. a full disk: the original error matters more
                log.warning("could not record the interruption in %s: %s", store.root, failed)
        raise
    # a scenario given twice shares the runs of its first occurrence
    for i in range(len(scenarios)):
        for rep in reps:
            first = first_of_key.get((keys[i], rep))
            if (i, rep) not in results and first is not None and first in results:
                results[(i, rep)] = results[first]
                done += 1
                if progress is not None:
                    progress(done, total)
    table = _results_frame(scenarios, reps, results, labels)
    failures.sort(key=lambda f: (keys.index(f.scenario_key), f.replication))
    if failures:
        raise ExperimentFailed(failures, table)
    return table


def _shifted(progress: ExperimentProgress, offset: int) -> ExperimentProgress:
    """A progress callback counting on from ``offset`` runs already done."""
    return lambda done, total: progress(offset + done, offset + total)


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
    **options: Any,
) -> tuple[pl.DataFrame, int]:
    """Add replications until every chosen KPI's 95 % CI half-width is within
    ``rel_precision`` of its mean, for every scenario, or ``cap`` replications are run.

    Starts with ``start`` replications; after each round the number needed is estimated from
    the variance so far (:func:`analysis.stats.intervals.replications_needed`) and only the missing
    replications are run, at most doubling the count per round. ``kpis`` defaults to the
    headline KPIs that have values. ``options`` (store, cluster, labels) go to
    :func:`run_experiment`. Returns the experiment table (rows ordered by scenario, then
    replication) and the replications run.
    """
    from analysis.kpis.defs import headline_kpis
    from analysis.stats.intervals import replications_needed

    results = run_experiment(scenarios, start, seed, warmup_days, jobs, progress, **options)
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
        offset = n * len(scenarios)  # runs of the earlier rounds: the bar goes on from there
        more = run_experiment(
            scenarios,
            target - n,
            seed,
            warmup_days,
            jobs,
            None if progress is None else _shifted(progress, offset),
            n,
            **options,
        )
        results = pl.concat([results, more], how="diagonal_relaxed").sort(
            "scenario_index", "replication"
        )
        n = target
    return results, n
