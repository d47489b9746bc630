"""Worker and wave timelines: what every worker did, minute by minute, on one day.

Built from the event-log tables of one run (``steps``, ``roster``, ``orders``; see the README,
"The event log"); all times are minutes from the run start.

Worker segments
    A worker's *shift* on a day is [first ``t_on``, last ``t_off``] of its roster intervals that
    day (clipped to the day); a gap between two intervals is a ``break``. A job (the rows of one
    worker with the same ``t_start``: one order step, or a batch or wave tour of several orders)
    is drawn as its kind; a ``pick``/``repick`` job starts with ``travelling`` (its travel at the
    walking speed, at most the job's length) followed by ``picking``. On-duty time with no job is
    ``idle``. A job outliving the roster interval (a worker finishes the job in hand) shows as
    work, not as break; an unfinished job (``t_end`` null) runs to the shift's end. The segments
    of a worker tile the shift exactly: ``t1`` of one is ``t0`` of the next.

Travel of a job
    The model adds each pick tour's metres to its orders' ``travel_m`` (a batch or wave tour's
    metres shared in proportion to the order's lines on it). The log does not keep the metres of
    one tour, so an order's ``travel_m`` is given back to its started pick and re-pick rows in
    proportion to their ``n_lines``, and a job's travel is the sum over its rows. This is exact
    for single-order picks and batch tours without re-picks; for zone visits, wave tours and
    re-picks it is an estimate (an order's total is always exact).

Waves
    In a wave run (the only method with ``consolidate`` steps) an order's ``released_at`` is its
    wave's release, and its ``pick`` rows carry that time as ``t_ready`` and the tour id as
    ``batch_id`` (``sim/stages/wave.py``). Waves are numbered 1.. in release order.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

log = logging.getLogger(__name__)

DAY_MIN = 1440.0
#: Segment kinds, in legend order, with their colours.
KIND_COLOURS: dict[str, str] = {
    "picking": "#1f77b4", "travelling": "#9ecae1", "packing": "#2ca02c", "labelling": "#98df8a",
    "sorting": "#9467bd", "consolidating": "#ff7f0e", "other work": "#8c564b", "idle": "#d9d9d9",
    "break": "#ffffff",
}  # fmt: skip
KINDS: tuple[str, ...] = tuple(KIND_COLOURS)
#: The kind of each step (any other step is "other work").
STEP_KINDS: dict[str, str] = {
    "pick": "picking", "repick": "picking", "pack": "packing", "label": "labelling",
    "sort": "sorting", "consolidate": "consolidating",
}  # fmt: skip
PICK_STEPS: tuple[str, ...] = ("pick", "repick")
#: Resources drawn first, in this order; any other follows alphabetically.
RESOURCE_ORDER: tuple[str, ...] = ("pickers", "sorters", "consolidators", "packers")
SEGMENT_SCHEMA: dict[str, pl.DataType] = {
    "resource": pl.String(), "worker": pl.Int64(), "kind": pl.Enum(KINDS), "t0": pl.Float64(),
    "t1": pl.Float64(),
}  # fmt: skip
_F, _U = pl.Float64(), pl.UInt32()
WAVE_SCHEMA: dict[str, pl.DataType] = {
    "wave": _U, "released_at": _F, "first_pick_start": _F, "last_pick_end": _F,
    "last_consolidated": _F, "n_orders": _U, "n_tours": _U, "n_consolidated": _U,
}  # fmt: skip
#: Two jobs of one worker may overlap by this much (float rounding) before it is an error.
EPS = 1e-6
MAX_FIG_HEIGHT = 24.0

Segment = tuple[float, float, str]


def _figure(height: float) -> Figure:
    fig = Figure(figsize=(11.0, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _str(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String)


def _row_travel(steps: pl.DataFrame, orders: pl.DataFrame) -> pl.DataFrame:
    """``steps`` with ``travel_m``: each order's travel shared over its started pick and
    re-pick rows in proportion to their ``n_lines`` (0 on every other row)."""
    is_pick = _str("step").is_in(PICK_STEPS) & pl.col("t_start").is_not_null()
    travel = orders.select(pl.col("order_id").cast(pl.Int64).alias("_oid"), _order_m="travel_m")
    s = steps.with_columns(
        _oid=pl.col("order_id").cast(pl.Int64),
        _p=is_pick,
        _w=pl.when(is_pick).then(pl.col("n_lines").cast(pl.Float64)).otherwise(0.0),
    ).with_columns(
        _tot=pl.col("_w").sum().over("_oid"), _cnt=pl.col("_p").cast(pl.Float64).sum().over("_oid")
    )
    s = s.join(travel, on="_oid", how="left")
    share = pl.when(pl.col("_tot") > 0).then(pl.col("_w") / pl.col("_tot"))
    share = share.otherwise(1.0 / pl.col("_cnt"))
    travel = share * pl.col("_order_m").cast(pl.Float64).fill_null(0.0)
    s = s.with_columns(travel_m=pl.when(pl.col("_p")).then(travel).otherwise(0.0))
    return s.drop("_oid", "_p", "_w", "_tot", "_cnt", "_order_m")


def _jobs(steps: pl.DataFrame, lo: float, hi: float) -> pl.DataFrame:
    """One row per job (a worker's rows sharing ``t_start``) touching [lo, hi)."""
    end = pl.col("t_end")
    jobs = (
        steps.filter(pl.col("t_start").is_not_null() & pl.col("worker").is_not_null())
        .filter((pl.col("t_start") < hi) & (end.is_null() | (end > lo)))
        .group_by(_str("resource"), pl.col("worker").cast(pl.Int64), "t_start")
        .agg(
            step=_str("step").first(),
            n_steps=_str("step").n_unique(),
            t_end=pl.when(end.null_count() > 0).then(None).otherwise(end.max()),
            spread=(end.max() - end.min()).fill_null(0.0),
            travel_m=pl.col("travel_m").sum(),
        )
        .sort("resource", "worker", "t_start")
    )
    bad = jobs.filter((pl.col("n_steps") > 1) | (pl.col("spread") > EPS))
    if bad.height:
        r = bad.row(0, named=True)
        raise ValueError(
            f"{r['resource']} {r['worker']}: rows starting at {r['t_start']} are not one job "
            "(different steps or end times): a worker's steps overlap"
        )
    return jobs


def _on_duty(roster: pl.DataFrame, lo: float, hi: float) -> dict[tuple[str, int], list]:
    """Each worker's on-duty intervals clipped to [lo, hi), sorted and merged."""
    r = (
        roster.select(
            _str("resource"),
            pl.col("worker").cast(pl.Int64),
            on=pl.max_horizontal(pl.col("t_on"), pl.lit(lo)),
            off=pl.min_horizontal(pl.col("t_off"), pl.lit(hi)),
        )
        .filter(pl.col("off") > pl.col("on"))
        .sort("resource", "worker", "on")
    )
    duty: dict[tuple[str, int], list[list[float]]] = {}
    for res, w, on, off in r.iter_rows():
        ivs = duty.setdefault((res, w), [])
        if ivs and on <= ivs[-1][1]:
            ivs[-1][1] = max(ivs[-1][1], off)
        else:
            ivs.append([on, off])
    return duty


def _gap(a: float, b: float, duty: list[list[float]]) -> list[Segment]:
    """[a, b] without work: idle while on duty, break between intervals."""
    out: list[Segment] = []
    cur = a
    for on, off in duty:
        if off <= cur:
            continue
        if on >= b:
            break
        if on > cur:
            out.append((cur, on, "break"))
            cur = on
        end = min(off, b)
        out.append((cur, end, "idle"))
        cur = end
    if cur < b:
        out.append((cur, b, "break"))
    return out


def _tile(
    who: tuple[str, int], duty: list[list[float]], jobs: list[tuple], m_per_min: float
) -> list[Segment]:
    """The segments of one worker's shift: its jobs, and idle or break in between."""
    start, end = duty[0][0], duty[-1][1]
    out: list[Segment] = []
    cur = start
    prev_end = -math.inf
    for t_start, t_end, step, travel_m in jobs:
        if t_start < prev_end - EPS:
            raise ValueError(f"{who[0]} {who[1]}: a step at {t_start} starts before {prev_end}")
        t_end = math.inf if t_end is None else t_end
        prev_end = t_end
        kind = STEP_KINDS.get(step, "other work")
        if kind == "picking":
            mid = min(t_start + travel_m / m_per_min, t_end)
            parts = [(t_start, mid, "travelling"), (mid, t_end, "picking")]
        else:
            parts = [(t_start, t_end, kind)]
        for a, b, k in parts:
            a, b = max(a, cur), min(b, end)
            if b <= a:
                continue
            if a > cur:
                out.extend(_gap(cur, a, duty))
            out.append((a, b, k))
            cur = b
    if cur < end:
        out.extend(_gap(cur, end, duty))
    return out


def worker_segments(
    steps: pl.DataFrame,
    roster: pl.DataFrame,
    orders: pl.DataFrame,
    *,
    day: int,
    resource: str | None = None,
    walking_speed_m_per_s: float,
) -> pl.DataFrame:
    """What every worker on duty on ``day`` (0-based) did, as segments tiling its shift.

    Columns ``resource``, ``worker``, ``kind`` (one of :data:`KINDS`), ``t0``, ``t1`` (minutes
    from the run start), sorted by resource, worker and time. Only ``resource`` when given.
    Raises ``ValueError`` when two jobs of one worker overlap. See the module docstring.
    """
    lo, hi = day * DAY_MIN, (day + 1) * DAY_MIN
    if resource is not None:
        steps = steps.filter(_str("resource") == resource)
        roster = roster.filter(_str("resource") == resource)
    duty = _on_duty(roster, lo, hi)
    jobs = _jobs(_row_travel(steps, orders), lo, hi)
    by_worker: dict[tuple[str, int], list[tuple]] = {}
    cols = ("resource", "worker", "t_start", "t_end", "step", "travel_m")
    for res, w, *job in jobs.select(cols).iter_rows():
        by_worker.setdefault((res, w), []).append(job)
    if off := set(by_worker) - set(duty):
        log.info("day %d: %d workers have steps but no roster interval", day, len(off))
    m_per_min = walking_speed_m_per_s * 60.0
    rows = [
        (*who, k, a, b)
        for who in sorted(duty)
        for a, b, k in _tile(who, duty[who], by_worker.get(who, []), m_per_min)
    ]
    return pl.DataFrame(rows, schema=SEGMENT_SCHEMA, orient="row")


def _clock(minutes: float, with_day: bool) -> str:
    """Minutes from the run start as clock time ``HH:MM`` (``d2 HH:MM`` with the day)."""
    m = int(round(minutes))
    day, m = divmod(m, int(DAY_MIN))
    clock = f"{m // 60:02d}:{m % 60:02d}"
    return f"d{day} {clock}" if with_day else clock


def _time_axis(ax, lo: float, hi: float, with_day: bool) -> None:
    steps = (60, 120, 180, 360, 720, 1440, 2880, 10080)
    step = next((s for s in steps if (hi - lo) / s <= 24), steps[-1])
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _clock(x, with_day)))
    ax.set_xlim(lo, hi)
    ax.tick_params(axis="x", labelrotation=90 if with_day else 0, labelsize=8)


def _frame_up(fig: Figure, ax, handles: list[Patch], title: str) -> Figure:
    ax.grid(axis="x", color="#cccccc", lw=0.5)
    ax.set_axisbelow(True)
    fig.legend(handles=handles, loc="outside upper center", ncol=len(handles), fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def _nothing(fig: Figure, ax, text: str) -> Figure:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def _rows_height(n: int) -> tuple[float, float]:
    """Figure height (inches) for n rows, and the label font size that fits a row."""
    height = min(MAX_FIG_HEIGHT, 1.6 + 0.3 * max(n, 1))
    per_row = (height - 1.6) / max(n, 1)
    return height, float(np.clip(per_row * 72 * 0.7, 4.0, 9.0))


def worker_timeline_figure(segments: pl.DataFrame, title: str = "") -> Figure:
    """One row per worker (grouped by resource, e.g. "pickers 3"), bars coloured by kind.

    Shifts are outlined; breaks are hatched; the x axis is the clock time of day. Row height
    shrinks and the figure grows with the number of workers, up to a cap.
    """
    workers = segments.select("resource", "worker").unique().rows()
    rank = {r: i for i, r in enumerate(RESOURCE_ORDER)}
    workers.sort(key=lambda rw: (rank.get(rw[0], len(rank)), rw[0], rw[1]))
    height, fontsize = _rows_height(len(workers))
    fig = _figure(height)
    ax = fig.add_subplot()
    if not workers:
        return _nothing(fig, ax, "no worker on duty")
    row = {rw: i for i, rw in enumerate(workers)}
    segs = segments.with_columns(_str("kind"))
    for (res, w, kind), part in segs.group_by("resource", "worker", "kind"):
        bars = list(zip(part["t0"], (part["t1"] - part["t0"]), strict=True))
        hatch = "////" if kind == "break" else None
        edge = "#999999" if hatch else "none"
        y = (row[(res, w)] - 0.4, 0.8)
        ax.broken_barh(bars, y, facecolors=KIND_COLOURS[kind], edgecolor=edge, lw=0, hatch=hatch)
    shifts = segs.group_by("resource", "worker").agg(pl.col("t0").min(), pl.col("t1").max())
    for res, w, t0, t1 in shifts.iter_rows():
        y = row[(res, w)]
        ax.add_patch(Rectangle((t0, y - 0.4), t1 - t0, 0.8, fill=False, edgecolor="black", lw=0.6))
    for i in range(1, len(workers)):
        if workers[i][0] != workers[i - 1][0]:
            ax.axhline(i - 0.5, color="black", lw=1.0)
    ax.set_yticks(range(len(workers)), [f"{r} {w}" for r, w in workers], fontsize=fontsize)
    ax.set_ylim(len(workers) - 0.5, -0.5)
    lo, hi = float(segs["t0"].min()), float(segs["t1"].max())
    pad = max(10.0, 0.01 * (hi - lo))
    _time_axis(ax, lo - pad, hi + pad, with_day=False)
    present = set(segs["kind"].unique().to_list())
    handles = [
        Patch(facecolor=KIND_COLOURS[k], edgecolor="#999999", label=k,
              hatch="////" if k == "break" else None)
        for k in KINDS if k in present
    ]  # fmt: skip
    return _frame_up(fig, ax, handles, title)


def wave_segments(steps: pl.DataFrame, orders: pl.DataFrame) -> pl.DataFrame:
    """One row per wave of a wave-picking run (empty for any other run).

    ``wave`` (1.. in release order), ``released_at``, ``first_pick_start``, ``last_pick_end``
    (null while a tour is unfinished), ``last_consolidated`` (the wave is done when its last
    order is consolidated; null until then), ``n_orders``, ``n_tours`` (pick tours, re-picks
    excluded), ``n_consolidated``.
    """
    step = _str("step")
    if steps.filter(step == "consolidate").height == 0:
        return pl.DataFrame(schema=WAVE_SCHEMA)
    picks = steps.filter((step == "pick") & pl.col("batch_id").is_not_null()).with_columns(
        pl.col("order_id").cast(pl.Int64)
    )
    released = orders.select(pl.col("order_id").cast(pl.Int64), pl.col("released_at"))
    per_order = (
        picks.group_by("order_id")
        .agg(pl.col("t_ready").min())
        .join(released, on="order_id", how="left")
        .select("order_id", release=pl.coalesce("released_at", "t_ready"))
    )
    per_order = per_order.with_columns(wave=pl.col("release").rank("dense").cast(pl.UInt32))
    cons = (
        steps.filter(step == "consolidate")
        .group_by(pl.col("order_id").cast(pl.Int64))
        .agg(done=pl.col("t_end").max())
    )
    end = pl.col("t_end")
    tours = (
        picks.join(per_order.select("order_id", "wave"), on="order_id")
        .group_by("wave")
        .agg(
            first_pick_start=pl.col("t_start").min(),
            last_pick_end=pl.when(end.null_count() > 0).then(None).otherwise(end.max()),
            n_tours=pl.col("batch_id").n_unique().cast(pl.UInt32),
        )
    )
    done = pl.col("done")
    waves = (
        per_order.join(cons, on="order_id", how="left")
        .group_by("wave")
        .agg(
            released_at=pl.col("release").min(),
            n_orders=pl.len().cast(pl.UInt32),
            n_consolidated=done.is_not_null().sum().cast(pl.UInt32),
            last_consolidated=pl.when(done.null_count() > 0).then(None).otherwise(done.max()),
        )
        .join(tours, on="wave")
        .sort("wave")
    )
    return waves.select([pl.col(c).cast(dt) for c, dt in WAVE_SCHEMA.items()])


WAVE_PARTS: tuple[tuple[str, str, str, str], ...] = (
    ("released_at", "first_pick_start", "waiting", "#d9d9d9"),
    ("first_pick_start", "last_pick_end", "picking", "#1f77b4"),
    ("last_pick_end", "last_consolidated", "consolidation", "#ff7f0e"),
)


def wave_timeline_figure(waves: pl.DataFrame, title: str = "") -> Figure:
    """One bar per wave from its release to its last order consolidated: waiting for a
    picker, picking (first pick start to last pick end) and consolidation (to the last order
    consolidated) shaded differently. A part whose end is not reached is not drawn."""
    n = waves.height
    height, fontsize = _rows_height(n)
    fig = _figure(height)
    ax = fig.add_subplot()
    if n == 0:
        return _nothing(fig, ax, "no waves")
    for a, b, _, colour in WAVE_PARTS:
        part = waves.filter(pl.col(a).is_not_null() & pl.col(b).is_not_null())
        for wave, t0, t1 in part.select("wave", a, b).iter_rows():
            ax.broken_barh([(t0, t1 - t0)], (wave - 0.4, 0.8), facecolors=colour)
    ax.set_ylim(float(waves["wave"].max()) + 0.5, float(waves["wave"].min()) - 0.5)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(n, 30)))
    ax.tick_params(axis="y", labelsize=fontsize)
    ax.set_ylabel("wave")
    lo = float(waves["released_at"].min())
    hi = float(waves.select(pl.max_horizontal(*(p[1] for p in WAVE_PARTS)).max()).item())
    pad = max(10.0, 0.01 * (hi - lo))
    _time_axis(ax, lo - pad, hi + pad, with_day=lo // DAY_MIN != hi // DAY_MIN)
    handles = [Patch(facecolor=colour, label=label) for _, _, label, colour in WAVE_PARTS]
    return _frame_up(fig, ax, handles, title)
