"""Validation against reality: simulated and real timing distributions of the same orders.

``omsim validate-history`` replays an order history with a (calibrated) scenario and compares,
measure by measure, the real durations in the file with the simulated ones of the same orders:

=============  ======================================  =====
measure        real (order file)                       unit
=============  ======================================  =====
approval       paid_at - placed_at                     h
handling       shipped_at - paid_at (to the carrier)   h
transit        delivered_at - shipped_at               days
lateness       delivered_at - promised_at              days
placed to      shipped_at - placed_at (end to end;     h
shipped        Shopify: Fulfilled at vs label time)
=============  ======================================  =====

The simulated measures are the same differences of the run's ``orders`` table (minutes from
the run's start). Real orders with a ``timing_flag`` (e.g. carrier before approval) are left
out of the real side and counted. For each measure: both sample sizes, quantiles (p10, p25,
p50, p75, p90, p99) of each side, and the two-sample Kolmogorov-Smirnov statistic (the largest
gap between the two empirical CDFs, 0 = identical, 1 = disjoint) with its p-value.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from scipy import stats

from sim.atomic import write_atomic, write_bytes_atomic, write_text_atomic

QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90, 0.99)
#: measure -> (start column, end column, unit, minutes per unit)
MEASURES: dict[str, tuple[str, str, str, float]] = {
    "approval": ("placed_at", "paid_at", "h", 60.0),
    "handling": ("paid_at", "shipped_at", "h", 60.0),
    "transit": ("shipped_at", "delivered_at", "days", 1440.0),
    "lateness": ("promised_at", "delivered_at", "days", 1440.0),
    # end to end, per order: placed to handed over (Shopify: Fulfilled at, against the
    # simulated label time, ``SHOPIFY_SIM_SHIPPED``)
    "placed to shipped": ("placed_at", "shipped_at", "h", 60.0),
}
#: the simulated milestone a Shopify ``Fulfilled at`` corresponds to (the label is bought);
#: handling and placed to shipped both end there for Shopify
SHOPIFY_SIM_SHIPPED = "labelled_at"


@dataclass(frozen=True)
class MeasureComparison:
    """One measure, real against simulated."""

    measure: str
    unit: str
    n_real: int
    n_sim: int
    n_flagged: int
    real_q: tuple[float, ...]
    sim_q: tuple[float, ...]
    ks: float
    p_value: float
    real: np.ndarray
    sim: np.ndarray
    ks_min: float = float("nan")
    ks_max: float = float("nan")
    n_runs: int = 1


def real_durations(orders: pl.DataFrame) -> tuple[dict[str, np.ndarray], int]:
    """Each measure's real durations (in its unit) from an imported orders table, unflagged
    orders only; and how many orders were flagged."""
    flagged = (
        orders["timing_flag"].is_not_null()
        if "timing_flag" in orders.columns
        else pl.Series([False] * orders.height)
    )
    ok = orders.filter(~flagged)
    out = {}
    for name, (a, b, _unit, per) in MEASURES.items():
        if a not in ok.columns or b not in ok.columns:
            out[name] = np.array([])
            continue
        d = (ok[b] - ok[a]).dt.total_seconds() / 60.0 / per
        out[name] = d.drop_nulls().to_numpy()
    return out, int(flagged.sum())


def simulated_durations(
    sim_orders: pl.DataFrame, shipped: str = "shipped_at"
) -> dict[str, np.ndarray]:
    """Each measure's simulated durations (in its unit) from a run's orders table (orders
    that reached both milestones); ``shipped`` is the milestone placed-to-shipped ends at."""
    out = {}
    for name, (a, b, _unit, per) in MEASURES.items():
        if b == "shipped_at":  # handling and placed to shipped end at the same milestone
            b = shipped
        d = (sim_orders[b].cast(pl.Float64) - sim_orders[a].cast(pl.Float64)) / per
        out[name] = d.drop_nulls().drop_nans().to_numpy()
    return out


def compare_histories(
    real_orders: pl.DataFrame,
    sim_orders: pl.DataFrame | list[pl.DataFrame],
    shipped: str = "shipped_at",
) -> list[MeasureComparison]:
    """Real against simulated, for every measure both sides have.

    With several runs (replications), the simulated quantiles are of all runs pooled, ``ks``
    and ``p_value`` are the mean over runs, and ``ks_min``/``ks_max`` their spread.
    """
    runs = sim_orders if isinstance(sim_orders, list) else [sim_orders]
    real, n_flagged = real_durations(real_orders)
    sims = [simulated_durations(s, shipped) for s in runs]
    rows = []
    for name, (_a, _b, unit, _per) in MEASURES.items():
        r = real[name]
        per_run = [s[name] for s in sims if len(s[name])]
        if len(r) == 0 or not per_run:
            continue
        s = np.concatenate(per_run)
        res = [stats.ks_2samp(r, x) for x in per_run]
        ks = [float(x.statistic) for x in res]
        rows.append(
            MeasureComparison(
                name, unit, len(r), len(s), n_flagged,
                tuple(np.quantile(r, QUANTILES).tolist()),
                tuple(np.quantile(s, QUANTILES).tolist()),
                float(np.mean(ks)), float(np.mean([x.pvalue for x in res])), r, s,
                min(ks), max(ks), len(per_run),
            )
        )  # fmt: skip
    return rows


def comparison_table(rows: list[MeasureComparison]) -> pl.DataFrame:
    """One row per (measure, side) with the quantiles, plus the KS statistic and p-value."""
    records = []
    for c in rows:
        for side, q, n in (("real", c.real_q, c.n_real), ("simulated", c.sim_q, c.n_sim)):
            rec = {"measure": c.measure, "unit": c.unit, "side": side, "n": n}
            rec.update({f"p{round(p * 100)}": v for p, v in zip(QUANTILES, q, strict=True)})
            rec.update({"ks": c.ks, "ks_min": c.ks_min, "ks_max": c.ks_max, "runs": c.n_runs})
            rec["p_value"] = c.p_value
            records.append(rec)
    return pl.DataFrame(records)


def ecdf_figure(rows: list[MeasureComparison]):
    """Real and simulated empirical CDFs, one panel per measure, KS in each title."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = max(1, len(rows))
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.4), squeeze=False)
    for ax, c in zip(axes[0], rows, strict=False):
        for data, label, color in ((c.real, "real", "#1f77b4"), (c.sim, "simulated", "#d62728")):
            x = np.sort(data)
            lo, hi = np.quantile(x, [0.005, 0.995]) if len(x) > 20 else (x[0], x[-1])
            keep = (x >= lo) & (x <= hi)
            y = np.arange(1, len(x) + 1) / len(x)
            ax.step(x[keep], y[keep], where="post", label=label, color=color)
        ax.set_title(f"{c.measure}: KS {c.ks:.2f}")
        ax.set_xlabel(c.unit)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("share of orders")
    axes[0][0].legend(loc="lower right")
    fig.tight_layout()
    return fig


def write_report(
    rows: list[MeasureComparison], out_dir: Path, title: str, notes: list[str]
) -> Path:
    """validation.csv (the table), validation.png (the CDFs), validation.html (both, with
    notes); returns the HTML path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = comparison_table(rows)
    write_atomic(out_dir / "validation.csv", table.write_csv)
    fig = ecdf_figure(rows)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    write_bytes_atomic(out_dir / "validation.png", buf.getvalue())
    import matplotlib.pyplot as plt

    plt.close(fig)
    img = base64.b64encode(buf.getvalue()).decode()
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in r) + "</tr>" for r in table.iter_rows()
    )
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    page = (
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
        "td,th{padding:2px 8px;text-align:right}table{border-collapse:collapse}"
        "tr:nth-child(4n+1),tr:nth-child(4n+2){background:#f3f3f3}</style>"
        f"<h1>{html.escape(title)}</h1><ul>{items}</ul>"
        f"<table><tr>{head}</tr>{body}</table>"
        f"<p><img alt='real and simulated CDFs' src='data:image/png;base64,{img}'></p>"
        "<p>KS: the largest gap between the real and simulated cumulative distributions "
        "(0 = the same distribution, 1 = no overlap).</p>"
    )
    path = out_dir / "validation.html"
    return write_text_atomic(path, page)


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return html.escape(str(v))
