"""The picking stage against queueing theory: Erlang C, Little's law, non-preemptive priority.

Each test reduces the model to a textbook queue (Poisson arrivals, exponential pick times, one
24/7 shift, no routing, no cut-offs) and compares the simulated waits with the closed form.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from conftest import mmc_raw, scenario_from
from scipy import stats

from analysis.kpis.run_kpis import queue_length, time_weighted_mean
from sim.model import run_replication

WARMUP = 1440.0  # the system starts empty: drop the first day


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of M/M/c, written out from the definition (independent of analysis)."""
    a = lam / mu
    top = a**c / math.factorial(c) * c / (c - a)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


def pick_waits(result) -> pl.DataFrame:
    """Waits of orders that arrived after the warm-up and at least a day before the end (so
    every one of them has started: dropping unstarted ones would bias the mean down)."""
    s = result.steps.filter(
        pl.col("step") == "pick", pl.col("t_ready").is_between(WARMUP, result.end_min - 1440)
    )
    return s.with_columns((pl.col("t_start") - pl.col("t_ready")).alias("wait"))


def ci95(values: list[float]) -> tuple[float, float]:
    m = float(np.mean(values))
    h = stats.t.ppf(0.975, len(values) - 1) * np.std(values, ddof=1) / math.sqrt(len(values))
    return m, h


@pytest.mark.slow
def test_mmc_mean_wait_matches_erlang_c():
    lam, mean_s, c = 0.28125, 8.0, 3  # rho = 0.75
    exact = erlang_c_wait(lam, 1 / mean_s, c)
    sc = scenario_from(mmc_raw(lam, mean_s, c, days=20))
    means = []
    for rep in range(40):
        w = pick_waits(run_replication(sc, seed=11, replication=rep))
        assert w["t_start"].null_count() == 0
        means.append(w["wait"].mean())
    m, h = ci95(means)
    assert m - h <= exact <= m + h, (m, h, exact)
    assert abs(m - exact) / exact < 0.05, (m, exact)


@pytest.mark.slow
def test_littles_law_on_the_pick_queue():
    """Time-average queue length from the log's intervals equals arrival rate x mean wait."""
    sc = scenario_from(mmc_raw(0.3, 8.0, 3, days=20))
    r = run_replication(sc, seed=5, replication=0)
    end = r.end_min
    s = r.steps.filter(pl.col("step") == "pick")
    q = queue_length(s, "pick", start=WARMUP, end=end)
    lq = time_weighted_mean(q["t"], q["length"], WARMUP, end)
    in_window = s.filter(pl.col("t_ready") >= WARMUP)
    lam = in_window.height / (end - WARMUP)
    waits = (in_window["t_start"].fill_null(end) - in_window["t_ready"]).clip(upper_bound=None)
    wq = waits.mean()
    assert lq == pytest.approx(lam * wq, rel=0.03)
    # and the sanity of the magnitude: close to the M/M/3 value (L_q = lambda W_q)
    assert lq == pytest.approx(0.3 * erlang_c_wait(0.3, 1 / 8.0, 3), rel=0.25)


@pytest.mark.slow
def test_non_preemptive_priority_matches_cobham():
    """M/M/1 with two classes, highlighted orders first (non-preemptive): Cobham's formula."""
    lam, mean_s, share = 0.0875, 8.0, 0.3  # rho = 0.7, 30 % express
    mu = 1 / mean_s
    rho1 = lam * share / mu
    rho = lam / mu
    w0 = lam * 2 / mu**2 / 2  # sum lambda E[S^2] / 2, exponential: E[S^2] = 2/mu^2
    exact = {"express": w0 / (1 - rho1), "standard": w0 / ((1 - rho1) * (1 - rho))}
    sc = scenario_from(mmc_raw(lam, mean_s, 1, days=60, priority_share=share))
    per_class: dict[str, list[float]] = {"express": [], "standard": []}
    for rep in range(10):
        r = run_replication(sc, seed=3, replication=rep)
        w = pick_waits(r)
        svc = r.orders.select("order_id", "service")
        w = w.join(svc, on="order_id")
        for name in per_class:
            per_class[name].append(w.filter(pl.col("service") == name)["wait"].mean())
    for name, values in per_class.items():
        m, h = ci95(values)
        assert m - h <= exact[name] <= m + h, (name, m, h, exact[name])
        assert abs(m - exact[name]) / exact[name] < 0.08, (name, m, exact[name])
    # the priority actually matters: express waits far less than standard
    assert np.mean(per_class["express"]) < 0.5 * np.mean(per_class["standard"])
