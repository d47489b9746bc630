"""The staff-sizing part of a report: the recommended staffing, the cost/SLA frontier as a
table and a chart, from what ``omsim size`` recorded in the run store's manifest.

``summary["answer"]``: ``staffing`` (label), ``headcount`` (shift label -> headcount),
``weekly_cost``, ``proven_optimal``, ``locally_minimal``; ``summary["frontier"]``: one row
per simulated staffing with ``headcount``, ``weekly_cost``, ``feasible``, ``efficient``,
``answer`` and ``slas`` (per SLA: ``sla``, ``kpi``, ``op``, ``target``, ``mean``, ``bound``,
``met``).
"""

from __future__ import annotations

import math
from typing import Any

from matplotlib.figure import Figure

from analysis.reports.html import esc, fmt_plain

#: The frontier chart shows costs up to this multiple of the recommended staffing's.
ZOOM = 1.6

#: At most this many frontier rows in the report's table (the efficient ones come first).
MAX_ROWS = 40


def focus_staffings(summary: dict[str, Any], limit: int = 6) -> list[str]:
    """Staffing labels to compare in the KPI table and figures: the answer, then the other
    feasible efficient staffings by cost (at most ``limit``)."""
    frontier = summary.get("frontier") or []
    answer = (summary.get("answer") or {}).get("staffing")
    others = sorted(
        (r for r in frontier if r.get("feasible") and r.get("efficient")
         and r.get("staffing") != answer),
        key=lambda r: r.get("weekly_cost", math.inf),
    )  # fmt: skip
    labels = ([answer] if answer else []) + [r["staffing"] for r in others]
    return labels[:limit]


def frontier_figure(frontier: list[dict[str, Any]]) -> Figure | None:
    """One panel per SLA: the SLA's one-sided 95 % bound against the weekly cost of every
    simulated staffing (feasible green, infeasible red, efficient ones joined, the answer
    starred), with the target as a dashed line."""
    if not frontier or not frontier[0].get("slas"):
        return None
    slas = [s["sla"] for s in frontier[0]["slas"]]
    fig = Figure(figsize=(4.8 * len(slas), 4.2), layout="constrained")
    axes = fig.subplots(1, len(slas), squeeze=False)[0]
    for k, (ax, name) in enumerate(zip(axes, slas, strict=True)):
        pts = [
            (r["weekly_cost"], r["slas"][k]["bound"], r) for r in frontier
            if r.get("slas") and len(r["slas"]) > k and r["slas"][k].get("bound") is not None
            and math.isfinite(r["slas"][k]["bound"])
        ]  # fmt: skip
        for feasible, colour, label in ((True, "tab:green", "meets every SLA"),
                                        (False, "tab:red", "misses an SLA")):  # fmt: skip
            sel = [(c, b) for c, b, r in pts if bool(r.get("feasible")) == feasible]
            if sel:
                ax.scatter(*zip(*sel, strict=True), s=18, color=colour, alpha=0.7, label=label)
        eff = sorted((c, b) for c, b, r in pts if r.get("efficient"))
        if eff:
            ax.plot(*zip(*eff, strict=True), color="grey", linewidth=1, label="efficient")
        ans = [(c, b) for c, b, r in pts if r.get("answer")]
        if ans:
            ax.scatter(*zip(*ans, strict=True), marker="*", s=220, color="gold",
                       edgecolor="black", zorder=5, label="recommended")  # fmt: skip
        if ans:  # the all-at-maximum probes would squash the interesting part
            costs = [c for c, _, _ in pts]
            ax.set_xlim(min(costs) * 0.95, max(ans[0][0] * ZOOM, min(costs) * 1.05))
        target = frontier[0]["slas"][k]["target"]
        ax.axhline(target, linestyle="--", color="black", linewidth=1, label="target")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("weekly wage bill")
        ax.set_ylabel("95% one-sided bound")
        ax.grid(alpha=0.3)
        if k == 0:
            ax.legend(fontsize="small")
    return fig


def _sla_cell(s: dict[str, Any]) -> str:
    mean, bound = s.get("mean"), s.get("bound")
    ok = "met" if s.get("met") else "missed"
    return f"{fmt_plain(mean)} (bound {fmt_plain(bound)}) {ok}"


def sizing_html(summary: dict[str, Any]) -> str:
    """The recommended staffing and the frontier table (HTML, escaped)."""
    out = []
    if summary.get("horizon_warning"):
        text = str(summary["horizon_warning"]).removeprefix("warning: ")
        out.append(f"<p class='note'><strong>Warning:</strong> {esc(text)}</p>")
    answer = summary.get("answer")
    frontier = summary.get("frontier") or []
    if answer:
        row = next((r for r in frontier if r.get("answer")), None)
        proof = (
            "proven cheapest on the searched grid" if answer.get("proven_optimal") else
            "locally minimal: no single shift can lose a worker, nor swap one to a cheaper "
            "shift, and still meet every SLA" if answer.get("locally_minimal") else
            "the cheapest found"
        )  # fmt: skip
        cells = "".join(
            f"<tr><td>{esc(shift)}</td><td class='num'>{esc(n)}</td></tr>"
            for shift, n in (answer.get("headcount") or {}).items()
        )
        out.append(
            f"<h3>Recommended staffing</h3><p>Weekly wage bill "
            f"<strong>{esc(fmt_plain(answer.get('weekly_cost')))}</strong> ({esc(proof)}).</p>"
            f"<table><tr><th>shift</th><th>headcount</th></tr>{cells}</table>"
        )
        if row:
            items = "".join(f"<li>{esc(s['sla'])}: {esc(_sla_cell(s))}</li>" for s in row["slas"])
            out.append(f"<ul>{items}</ul>")
    else:
        out.append("<p>No staffing within the search limits met every SLA.</p>")
    if frontier:
        rows = sorted(frontier, key=lambda r: (not r.get("efficient"), r.get("weekly_cost", 0)))
        shifts = list((rows[0].get("headcount") or {}).keys())
        slas = [s["sla"] for s in rows[0].get("slas") or []]
        head = "".join(f"<th>{esc(h)}</th>" for h in ["", *shifts, "weekly cost", *slas])
        body = []
        for r in rows[:MAX_ROWS]:
            mark = ("&#9733; " if r.get("answer") else "") + ("efficient" if r.get("efficient")
                                                              else "")  # fmt: skip
            cells = [mark] + [esc(r["headcount"].get(s, "")) for s in shifts]
            cells.append(esc(fmt_plain(r.get("weekly_cost"))))
            cells += [esc(_sla_cell(s)) for s in r.get("slas") or []]
            cls = "" if r.get("feasible") else " class='worse'"
            body.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        more = len(rows) - MAX_ROWS
        note = f"{len(frontier)} staffings simulated"
        if summary.get("inferred"):
            note += f", {summary['inferred']} more inferred without a run"
        if summary.get("grid"):
            note += f", out of a grid of {summary['grid']}"
        note += (
            "; efficient = no cheaper staffing is at least as good on every SLA; red rows "
            "miss an SLA."
        )
        if more > 0:
            note += f" {more} more rows not shown."
        out.append(
            f"<h3>Cost/SLA frontier</h3><p class='note'>{esc(note)}</p>"
            f"<table><tr>{head}</tr>{''.join(body)}</table>"
        )
    return "".join(out)
