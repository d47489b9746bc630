"""A to-scale drawing of a scenario's warehouse: aisles, slots, zones, depot and pick tours,
with a schematic front area (packing, sorting, consolidation, label printers, dock).

:func:`draw_layout` returns a :class:`matplotlib.figure.Figure` on the Agg canvas (no pyplot
state). The upper axes is to scale (metres, equal aspect, the coordinates of
:mod:`sim.routing`): each aisle's two rows of slots as small rectangles either side of the
aisle centreline, the front (``y = 0``) and back (``y = L + c``) cross-aisles, the depot on the
front centreline, zones (zone and wave picking) as translucent backgrounds. Slots may be
coloured by pick count (``heat``) and tours drawn along the centrelines (``tours``). When the
slots are too many or too small to draw legibly the aisles are drawn as one bar each
(aggregated view). The lower axes is a schematic of the stations the scenario has, labelled
"not to scale", with optional utilisation and queue statistics (``stations``).

This module imports neither SimPy nor Streamlit.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle

from sim.atomic import save_figure
from sim.routing import Layout, layout_of
from sim.routing_paths import path_length, tour_path
from sim.units import DAY, WEEKDAYS, hhmm_to_minutes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sim.config import Scenario

logger = logging.getLogger(__name__)

FIG_WIDTH_IN = 12.0
MIN_SLOT_PT = 0.3  # slot rectangles smaller than this (points) are not drawn one by one
RACK_COLOUR = "#c3cfdf"
ZERO_COLOUR = "#dddddd"  # slots never picked, when heat is drawn
HEAT_CMAP = "YlOrRd"
CROSS_AISLE_COLOUR = "#f0f0f0"


@dataclass(frozen=True, eq=False)
class Tour:
    """A pick tour to draw: its polyline (``(k, 2)``, metres) and length (legend)."""

    label: str
    path: np.ndarray
    length_m: float
    color: str | None = None

    @classmethod
    def from_path(cls, label: str, path: np.ndarray, color: str | None = None) -> Tour:
        """A tour whose length is the length of its (un-offset) path."""
        pts = np.asarray(path, dtype=float)
        return cls(label, pts, path_length(pts), color)

    @classmethod
    def of_slots(
        cls, layout: Layout, slots: Sequence[int], policy: str, label: str = "",
        color: str | None = None,
    ) -> Tour:  # fmt: skip
        """The tour ``policy`` walks to pick ``slots`` (label: the policy by default)."""
        return cls.from_path(label or policy, tour_path(layout, slots, policy), color)


def zone_bounds(n_aisles: int, n_zones: int) -> list[int]:
    """First aisle of every zone, then ``n_aisles`` (as :func:`sim.stages.zones.zone_bounds`,
    which cannot be imported here: its module imports SimPy)."""
    if not 1 <= n_zones <= n_aisles:
        raise ValueError(f"expected 1..{n_aisles} zones, found {n_zones}")
    q, r = divmod(n_aisles, n_zones)
    return [z * q + min(z, r) for z in range(n_zones + 1)]


def peak_headcount(scenario: Scenario, role: str) -> int:
    """Most workers of ``role`` on shift at once over the week (breaks ignored)."""
    shifts = [s for s in scenario.staffing.shifts if s.role == role and s.headcount > 0]
    starts = [
        WEEKDAYS.index(d) * DAY + hhmm_to_minutes(s.start) for s in shifts for d in s.days
    ]  # the on-duty count is largest at some shift start
    return max((sum(s.headcount for s in shifts if s.on_duty(m)) for m in starts), default=0)


def station_text(name: str, stats: Mapping[str, float] | None) -> str:
    """E.g. ``"packers 63 % busy, queue 4.1 (max 17)"`` (a run) or ``"packers: queue 12, 5 of
    6 busy"`` (a live snapshot: ``queue``, ``busy``, ``on_duty``); empty without statistics."""
    if not stats:
        return ""
    if "queue" in stats:  # live: the state now
        text = f"{name.replace('_', ' ')}: queue {stats['queue']:.0f}"
        if "busy" in stats:
            text += f", {stats['busy']:.0f} of {stats.get('on_duty', stats['busy']):.0f} busy"
        return text
    parts = []
    if "utilisation" in stats:
        parts.append(f"{100 * stats['utilisation']:.0f} % busy")
    if "queue_mean" in stats:
        q = f"queue {stats['queue_mean']:.1f}"
        if "queue_max" in stats:
            q += f" (max {stats['queue_max']:.0f})"
        parts.append(q)
    return f"{name.replace('_', ' ')} " + ", ".join(parts)


def _heat_norm(values: np.ndarray) -> tuple[Normalize, np.ma.MaskedArray]:
    """Colour scale for pick counts (log if the positive counts span > 2 decades); counts of 0
    are masked (drawn in the colormap's 'bad' colour, light grey)."""
    masked = np.ma.masked_less_equal(np.asarray(values, dtype=float), 0.0)
    pos = masked.compressed()
    if pos.size == 0:
        return Normalize(0.0, 1.0), masked
    lo, hi = float(pos.min()), float(pos.max())
    if hi / lo > 100:
        return LogNorm(lo, hi), masked
    return Normalize(0.0, hi), masked


def _slot_verts(layout: Layout) -> np.ndarray:
    """One rectangle (4 corners) per slot: side 0 left of the aisle centreline, side 1 right."""
    sps, w = layout.slots_per_side, layout.aisle_spacing_m
    pitch = layout.aisle_length_m / sps
    s = np.arange(layout.n_slots)
    aisle, k, side = s // (2 * sps), (s % (2 * sps)) // 2, s % 2
    gap = 0.04 * w
    x0 = aisle * w + np.where(side == 0, -w / 2 + gap, w / 4)
    x1 = x0 + (w / 4 - gap)
    y0 = layout.cross_aisle_width_m / 2 + (k + 0.08) * pitch
    y1 = y0 + 0.84 * pitch
    return np.stack([np.column_stack(c) for c in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))], 1)


def _aisle_verts(layout: Layout) -> np.ndarray:
    """One bar (4 corners) per aisle, racks and walkway together (aggregated view)."""
    w, c, length = layout.aisle_spacing_m, layout.cross_aisle_width_m, layout.aisle_length_m
    x = np.arange(layout.n_aisles) * w
    x0, x1 = x - 0.46 * w, x + 0.46 * w
    y0, y1 = np.full_like(x, c / 2), np.full_like(x, c / 2 + length)
    return np.stack([np.column_stack(p) for p in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))], 1)


@dataclass(frozen=True)
class _Frame:
    """Figure geometry in inches and the data extent of the to-scale axes."""

    x0: float
    x1: float
    y0: float
    y1: float
    ax_w: float
    ax_h: float
    height: float
    main_bottom: float
    front_h: float
    pt_per_m: float


def _frame(layout: Layout, colorbar: bool, legend_rows: int) -> _Frame:
    w, c, length = layout.aisle_spacing_m, layout.cross_aisle_width_m, layout.aisle_length_m
    pad_x, pad_y = 0.5 * w, 0.5 * w + 0.02 * (length + 2 * c)
    x0, x1 = -w / 2 - pad_x, (layout.n_aisles - 0.5) * w + pad_x
    left, right = 0.4, 1.3 if colorbar else 0.4
    ax_w = FIG_WIDTH_IN - left - right
    pt_per_m = 72 * ax_w / (x1 - x0)
    for _ in range(3):  # room (in points) under the front cross-aisle for the depot's label
        y0 = -c / 2 - max(pad_y, 36 / pt_per_m)
        y1 = length + 1.5 * c + max(pad_y, 0.2 * w + 14 / pt_per_m)  # and the zones' labels
        ax_h = float(np.clip(ax_w * (y1 - y0) / (x1 - x0), 0.6, 8.0))
        pt_per_m = 72 * min(ax_w / (x1 - x0), ax_h / (y1 - y0))
    front_h, gap, bottom, top = 1.8, 0.5, 0.15, 0.8 + 0.22 * legend_rows
    height = bottom + front_h + gap + ax_h + top
    return _Frame(x0, x1, y0, y1, ax_w, ax_h, height, bottom + front_h + gap, front_h, pt_per_m)


def _too_small(layout: Layout, fr: _Frame, max_slots_drawn: int) -> bool:
    slot_h = 0.84 * layout.aisle_length_m / layout.slots_per_side * fr.pt_per_m
    slot_w = 0.21 * layout.aisle_spacing_m * fr.pt_per_m
    return layout.n_slots > max_slots_drawn or min(slot_h, slot_w) < MIN_SLOT_PT


def _draw_floor(ax: Axes, layout: Layout, scenario: Scenario) -> None:
    """Cross-aisles, aisle centrelines and zone backgrounds."""
    w, c, length = layout.aisle_spacing_m, layout.cross_aisle_width_m, layout.aisle_length_m
    n, full = layout.n_aisles, layout.traversal_m
    xa, xb = -w / 2, (n - 0.5) * w
    for y in (0.0, full):
        if c > 0:
            ax.add_patch(Rectangle((xa, y - c / 2), xb - xa, c, color=CROSS_AISLE_COLOUR, zorder=0))
        ax.plot([xa, xb], [y, y], color="#8a8a8a", lw=0.6, zorder=1)
    xs = np.arange(n) * w
    ends = (np.column_stack((xs, np.zeros(n))), np.column_stack((xs, np.full(n, full))))
    segs = np.stack(ends, 1)
    ax.add_collection(LineCollection(segs, colors="#a0a0a0", linewidths=0.4, zorder=1))
    if scenario.picking.method not in ("zone", "wave"):
        return
    n_zones = min(scenario.picking.zone.n_zones, n)
    bounds = zone_bounds(n, n_zones)
    cmap = colormaps["tab10"]
    for z in range(n_zones):
        za, zb = bounds[z] * w - w / 2, (bounds[z + 1] - 0.5) * w
        patch = Rectangle(
            (za, -c / 2), zb - za, length + 2 * c, color=cmap(z % 10), alpha=0.16, zorder=0
        )
        patch.set_gid(f"zone-{z + 1}")
        ax.add_patch(patch)
        ax.annotate(
            f"zone {z + 1}", ((za + zb) / 2, length + 1.5 * c + 0.2 * w), xytext=(0, 1),
            textcoords="offset points", ha="center", va="bottom", fontsize=8,
            color=cmap(z % 10), annotation_clip=False, gid=f"zone-label-{z + 1}",
        )  # fmt: skip


def _draw_storage(
    fig: Figure, ax: Axes, layout: Layout, heat: np.ndarray | None, aggregated: bool, fr: _Frame
) -> None:
    """Slot rectangles (or aisle bars), coloured by ``heat`` with a colorbar when given."""
    verts = _aisle_verts(layout) if aggregated else _slot_verts(layout)
    coll = PolyCollection(verts, linewidths=0, zorder=2)
    coll.set_gid("aisles" if aggregated else "slots")
    if heat is None:
        coll.set_facecolor(RACK_COLOUR)
    else:
        values = heat.reshape(layout.n_aisles, -1).sum(axis=1) if aggregated else heat
        norm, masked = _heat_norm(values)
        coll.set_array(masked)
        coll.set_cmap(colormaps[HEAT_CMAP].with_extremes(bad=ZERO_COLOUR))
        coll.set_norm(norm)
    ax.add_collection(coll)
    if aggregated:
        ax.annotate(
            f"aggregated by aisle ({layout.n_slots:,} slots)", (1.0, 1.0), xytext=(0, 3),
            xycoords="axes fraction", textcoords="offset points", ha="right", va="bottom",
            fontsize=8, style="italic", gid="aggregated-note",
        )  # fmt: skip
    if heat is not None:
        xs, ys = fr.x1 - fr.x0, fr.y1 - fr.y0
        actual_w = min(fr.ax_w, fr.ax_h * xs / ys)
        actual_h = min(fr.ax_h, fr.ax_w * ys / xs)
        cb_h = min(fr.ax_h, max(actual_h, 1.2))
        wi, hi = FIG_WIDTH_IN, fr.height
        cax = fig.add_axes(((0.55 + actual_w) / wi, fr.main_bottom / hi, 0.15 / wi, cb_h / hi))
        fig.colorbar(coll, cax=cax, label="picks per aisle" if aggregated else "picks per slot")


def _draw_depot(ax: Axes, layout: Layout, scenario: Scenario, stations: Mapping) -> None:
    d = layout.depot_x
    ax.plot([d], [0.0], marker="s", color="black", markersize=7, zorder=6, gid="depot")
    text = f"depot ({peak_headcount(scenario, 'pickers')} pickers)"
    stats = station_text("pickers", stations.get("pickers"))
    if stats:
        text += "\n" + stats
    ax.annotate(
        text, (d, -layout.cross_aisle_width_m / 2), xytext=(0, -8), textcoords="offset points",
        ha="left" if layout.depot == "left" else "center", va="top", fontsize=8,
        annotation_clip=False, gid="depot-label", zorder=7,
        bbox={"facecolor": "white", "alpha": 0.75, "linewidth": 0, "pad": 1},
    )  # fmt: skip


def _draw_tours(ax: Axes, layout: Layout, tours: Sequence[Tour]) -> None:
    """Tours along the centrelines, each shifted a little (drawing only; lengths unchanged)."""
    cmap = colormaps["tab10"]
    n = len(tours)
    step = min(0.08, 0.3 / max(n, 1)) * layout.aisle_spacing_m
    handles = []
    for i, tour in enumerate(tours):
        path = np.asarray(tour.path, dtype=float).reshape(-1, 2)
        true_length = path_length(path)
        if abs(true_length - tour.length_m) > 1e-6 * max(1.0, true_length):
            logger.warning(
                "tour %r: length_m %.3f differs from its path's length %.3f",
                tour.label, tour.length_m, true_length,
            )  # fmt: skip
        shifted = path + (i - (n - 1) / 2) * step
        colour = tour.color or cmap(i % 10)
        (line,) = ax.plot(
            shifted[:, 0], shifted[:, 1], color=colour, lw=1.6, alpha=0.9, zorder=5,
            label=f"{tour.label}: {tour.length_m:.1f} m", solid_joinstyle="miter",
        )  # fmt: skip
        line.set_gid(f"tour-{i}")
        handles.append(line)
    if handles:
        ax.legend(
            handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), borderaxespad=1.3,
            ncol=min(4, n), fontsize=8, frameon=False,
        )  # fmt: skip


def _front_stations(scenario: Scenario) -> list[tuple[str, str, str]]:
    """(gid, box text, statistics key) of every station the scenario has, in flow order."""
    pk = scenario.picking
    out = []
    if pk.method == "batch" and pk.batch.sorting == "pick_then_sort":
        out.append(("sort", f"sort station\n{peak_headcount(scenario, 'sorters')} sorters",
                    "sorters"))  # fmt: skip
    if pk.method == "wave":
        n = peak_headcount(scenario, "consolidators")
        out.append(("consolidation", f"consolidation\n{n} consolidators", "consolidators"))
    out.append(("packing", f"packing\n{peak_headcount(scenario, 'packers')} packers", "packers"))
    n_printers = scenario.labels.n_printers
    out.append(("labels", f"label printers\n{n_printers} printers", "label_printers"))
    carriers = ", ".join(c.name for c in scenario.shipping.carriers)
    out.append(("dock", "dock\n" + textwrap.fill(carriers, 28), ""))
    return out


def _draw_front(ax: Axes, scenario: Scenario, stations: Mapping) -> None:
    """The schematic front area: one box per station, arrows in flow order, statistics."""
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    ax.add_patch(Rectangle((0, 0), 1, 1, facecolor="#fafafa", edgecolor="#cccccc", lw=0.8))
    ax.text(0.005, 0.97, "front area (not to scale)", ha="left", va="top", fontsize=8,
            style="italic", color="#555555")  # fmt: skip
    boxes = _front_stations(scenario)
    n = len(boxes)
    bw = min(0.17, 0.8 / n)
    centres = np.linspace(0.1 + bw / 2, 0.95 - bw / 2, n) if n > 1 else np.array([0.5])
    for i, ((gid, label, key), cx) in enumerate(zip(boxes, centres, strict=True)):
        box = FancyBboxPatch(
            (cx - bw / 2, 0.38), bw, 0.42, boxstyle="round,pad=0.005",
            facecolor="#e8eef6", edgecolor="#5a6b80", lw=1.0,
        )  # fmt: skip
        box.set_gid(f"station-{gid}")
        ax.add_patch(box)
        ax.text(cx, 0.59, label, ha="center", va="center", fontsize=8)
        stats = station_text(key, stations.get(key)) if key else ""
        if stats:
            ax.text(cx, 0.33, textwrap.fill(stats, 40), ha="center", va="top", fontsize=7,
                    gid=f"stats-{gid}")  # fmt: skip
        start = (0.02, 0.59) if i == 0 else (centres[i - 1] + bw / 2, 0.59)
        ax.annotate("", (cx - bw / 2, 0.59), xytext=start,
                    arrowprops={"arrowstyle": "->", "color": "#5a6b80", "lw": 1.0})  # fmt: skip
    ax.text(0.02, 0.64, "from\npicking", ha="left", va="bottom", fontsize=7, color="#555555")
    unknown = sorted(set(stations) - {k for _, _, k in boxes} - {"pickers"})
    if unknown:
        logger.debug("statistics for stations not drawn: %s", unknown)


def draw_layout(
    scenario: Scenario,
    *,
    heat: np.ndarray | None = None,
    stations: dict[str, dict] | None = None,
    tours: list[Tour] | None = None,
    title: str = "",
    max_slots_drawn: int = 20_000,
) -> Figure:
    """Draw the scenario's warehouse to scale, with its front area as a schematic.

    ``heat``: picks per slot (length ``n_slots``, indexed by slot id as in :mod:`sim.routing`).
    ``stations``: station name (``pickers``, ``packers``, ``label_printers``, ``sorters``,
    ``consolidators``) -> ``{"utilisation", "queue_mean", "queue_max"}``. ``tours``: walks to
    draw, with their lengths in the legend. With more than ``max_slots_drawn`` slots, or slots
    too small to see at the figure's size, the aisles are drawn as one bar each.
    """
    layout = layout_of(scenario)
    stations = dict(stations or {})
    tours = list(tours or [])
    if heat is not None:
        heat = np.asarray(heat)
        if heat.shape != (layout.n_slots,) or np.any(heat < 0):
            raise ValueError(
                f"heat: expected {layout.n_slots} pick counts >= 0 (one per slot), "
                f"found shape {heat.shape}, minimum {heat.min() if heat.size else None}"
            )
    fr = _frame(layout, heat is not None, -(-len(tours) // 4))
    aggregated = _too_small(layout, fr, max_slots_drawn)
    fig = Figure(figsize=(FIG_WIDTH_IN, fr.height))
    FigureCanvasAgg(fig)
    wi, hi = FIG_WIDTH_IN, fr.height
    ax = fig.add_axes((0.4 / wi, fr.main_bottom / hi, fr.ax_w / wi, fr.ax_h / hi))
    ax.set_xlim(fr.x0, fr.x1)
    ax.set_ylim(fr.y0, fr.y1)
    ax.set_aspect("equal", adjustable="box", anchor="SW")
    ax.set_xlabel("x (m)", fontsize=8)
    ax.set_ylabel("y (m)", fontsize=8)
    ax.tick_params(labelsize=7)
    _draw_floor(ax, layout, scenario)
    _draw_storage(fig, ax, layout, heat, aggregated, fr)
    _draw_depot(ax, layout, scenario, stations)
    _draw_tours(ax, layout, tours)
    front = fig.add_axes((0.4 / wi, 0.15 / hi, 11.2 / wi, fr.front_h / hi))
    _draw_front(front, scenario, stations)
    pk = scenario.picking
    subtitle = (
        f"{layout.n_aisles} aisles x {layout.aisle_length_m:g} m, {layout.slots_per_side} slots "
        f"per side, depot {layout.depot}; {pk.method} picking, {pk.routing} routing"
    )
    fig.suptitle(f"{title or scenario.name}\n{subtitle}", y=1 - 0.08 / fr.height, va="top",
                 fontsize=10)  # fmt: skip
    return fig


def save(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as PNG or SVG, chosen by the file's suffix; another suffix: ValueError."""
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ValueError(f"expected a .png or .svg file, found suffix {p.suffix!r} in {p}")
    save_figure(fig, p, format=fmt, dpi=150 if fmt == "png" else None)
    logger.info("layout figure written to %s", p)
    return p
