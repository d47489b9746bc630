"""Goodness-of-fit figures of a calibration (``omsim calibrate``): one PNG per figure.

Per fitted duration: left, the histogram (density; logarithmic bins and x axis when the data
are skewed) with every candidate's pdf, the chosen one drawn thick; right, the empirical CDF
against the chosen fit's, the KS statistic in the title. Then the orders per weekday x hour
(heat map) and the SKU rank-frequency with the fitted Zipf line. Figures are drawn on the Agg
canvas without pyplot, so no global figure state is left behind.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analysis.calibration.fit import CANDIDATES, DistributionFit, zipf_expected_counts
from sim.atomic import save_figure

if TYPE_CHECKING:
    from analysis.calibration.result import Calibration

log = logging.getLogger(__name__)

WEEKDAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_COLOURS = dict(zip(CANDIDATES, ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b"), strict=True))
_CHOSEN = "#d62728"


def gof_figures(cal: Calibration, out_dir: Path) -> list[Path]:
    """Write the calibration's figures as PNGs into ``out_dir`` and return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fit in cal.fits:
        slug = re.sub(r"[^a-z0-9]+", "_", fit.measure.lower()).strip("_")
        paths.append(_save(fit_figure(fit), out_dir / f"gof_{slug}.png"))
    paths.append(_save(profile_figure(cal.profile), out_dir / "demand_weekday_hour.png"))
    if cal.sku_counts.size:
        s = float(cal.summary.get("zipf_exponent", 0.0))
        paths.append(_save(zipf_figure(cal.sku_counts, s), out_dir / "sku_rank_frequency.png"))
    log.info("calibrate: %d figures written to %s", len(paths), out_dir)
    return paths


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    return save_figure(fig, path, dpi=110)


def is_skewed(values: np.ndarray) -> bool:
    """Whether to use a log x axis: positive data whose p99 exceeds 20 x the median."""
    v = np.asarray(values, dtype=float)
    return v.size > 1 and v.min() > 0 and np.quantile(v, 0.99) > 20 * np.median(v)


def fit_figure(fit: DistributionFit) -> Figure:
    """Histogram with the candidates' pdfs (left) and empirical vs fitted CDF (right)."""
    x = np.sort(fit.values)
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax, ax2 = fig.subplots(1, 2)
    skewed = is_skewed(x)
    if skewed:
        bins = np.geomspace(x[0], x[-1], 60)
        grid = np.geomspace(x[0], x[-1], 400)
        ax.set_xscale("log")
    else:
        top = float(np.quantile(x, 0.995))  # a few outliers would squash the plot
        bins = np.linspace(0.0, top, 60)
        grid = np.linspace(max(x[0] * 0.5, 1e-9), top, 400)
        ax.set_xlim(0, top)
        ax2.set_xlim(0, top)
    dens, _, _ = ax.hist(x, bins=bins, density=True, color="#cccccc", label="data")
    for name in fit.candidate_params:
        chosen = name == fit.best
        ax.plot(
            grid,
            fit.frozen(name).pdf(grid),
            color=_CHOSEN if chosen else _COLOURS.get(name, "grey"),
            lw=2.6 if chosen else 1.1,
            alpha=1.0 if chosen else 0.8,
            label=f"{name} (KS {fit.candidates_ks[name]:.3g})" + (" - chosen" if chosen else ""),
        )
    ax.set_ylim(0, max(float(dens.max()), 1e-12) * 1.4)
    ax.set_xlabel(f"{fit.measure} ({fit.unit})")
    ax.set_ylabel("density")
    ax.set_title(f"{fit.measure}: n = {fit.n:,} ({fit.n_zero:,} zeros left out)")
    ax.legend(fontsize=8)
    ecdf = np.arange(1, x.size + 1) / x.size
    ax2.step(x, ecdf, where="post", color="black", lw=1.2, label="empirical")
    ax2.plot(grid, fit.frozen().cdf(grid), color=_CHOSEN, lw=2.0, label=f"fitted {fit.best}")
    if skewed:
        ax2.set_xscale("log")
    ax2.set_ylim(0, 1)
    ax2.set_xlabel(f"{fit.measure} ({fit.unit})")
    ax2.set_ylabel("cumulative share")
    ax2.set_title(f"CDF: KS = {fit.ks:.3g} (p = {fit.p_value:.2g})")
    ax2.legend(fontsize=8, loc="lower right")
    return fig


def profile_figure(profile: np.ndarray) -> Figure:
    """Heat map of the orders per weekday (rows) and hour of day (columns)."""
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(profile, aspect="auto", cmap="viridis", interpolation="nearest")
    ax.set_yticks(range(7), WEEKDAY_LABELS)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel("hour of day")
    ax.set_title(f"orders by weekday and hour ({int(profile.sum()):,} orders)")
    fig.colorbar(im, ax=ax, label="orders")
    return fig


def zipf_figure(counts: np.ndarray, s: float) -> Figure:
    """Lines per SKU against rank (log-log) with the fitted Zipf law's expected counts."""
    c = np.sort(np.asarray(counts, dtype=float))[::-1]
    rank = np.arange(1, c.size + 1)
    fig = Figure(figsize=(6.5, 4.5), layout="constrained")
    ax = fig.subplots()
    ax.loglog(rank, c, ".", ms=3, color="#1f77b4", label=f"{c.size:,} SKUs")
    ax.loglog(
        rank, zipf_expected_counts(c.size, s, c.sum()), color=_CHOSEN, lw=2, label=f"Zipf s={s:.3g}"
    )
    ax.set_xlabel("SKU rank")
    ax.set_ylabel("order lines")
    ax.set_title("SKU popularity: rank-frequency")
    ax.legend()
    return fig
