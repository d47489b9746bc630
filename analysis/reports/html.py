"""HTML building blocks of the experiment report: escaping, tables, figures, the page.

Everything here returns HTML text with every piece of data escaped. Figures are embedded as
base64 PNG ``data:`` URIs and the style sheet is inline, so a report is one self-contained
file: no external URLs, scripts or fonts.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

#: A table cell: plain text, or ``(text, css_class)``.
Cell = str | tuple[str, str]

#: Resolution of the embedded figures (dots per inch).
DPI = 110

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       max-width: 72rem; margin: 2rem auto; padding: 0 1.5rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.3rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2rem; }
.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.55rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.first-of-group td { border-top: 2px solid #999; }
.better { color: #1a7f37; font-weight: bold; }
.worse { color: #c62828; }
.absent { color: #999; font-style: italic; }
.note { color: #555; font-size: 0.9rem; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px;
          margin-right: 0.35em; vertical-align: baseline; }
figure { margin: 1.2rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: 0.9rem; margin-top: 0.3rem; }
code { background: #f6f6f6; padding: 0 0.2em; }
"""


def esc(value: object) -> str:
    """``value`` as text, HTML-escaped (quotes included)."""
    return html.escape(str(value), quote=True)


def fmt_value(value: float | None, unit: str = "") -> str:
    """A KPI value for a cell, as the command line prints it
    (:func:`analysis.kpis.formatting.format_unit_value`)."""
    from analysis.kpis.formatting import format_unit_value

    return format_unit_value(value, unit)


def fmt_plain(value: Any) -> str:
    """A parameter or summary value as text: numbers compactly, lists and tables as JSON."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=str)
    return str(value)


def _cell(cell: Cell, tag: str) -> str:
    text, cls = cell if isinstance(cell, tuple) else (cell, "")
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<{tag}{attr}>{esc(text)}</{tag}>"


def table(
    headers: Sequence[Cell],
    rows: Iterable[Sequence[Cell]],
    row_classes: Sequence[str] | None = None,
) -> str:
    """An HTML table; every cell's text is escaped, ``(text, class)`` cells get a class."""
    head = "".join(_cell(h, "th") for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = row_classes[i] if row_classes is not None and row_classes[i] else ""
        attr = f' class="{esc(cls)}"' if cls else ""
        body.append(f"<tr{attr}>" + "".join(_cell(c, "td") for c in row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def records_table(records: Sequence[Mapping[str, Any]]) -> str:
    """A list of dicts as a table: one column per key (first-seen order), one row per dict."""
    columns: list[str] = []
    for rec in records:
        columns.extend(k for k in rec if k not in columns)
    rows = []
    for rec in records:
        row: list[Cell] = []
        for c in columns:
            value = rec.get(c)
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            row.append((fmt_plain(value) if c in rec else "", "num" if number else ""))
        rows.append(row)
    return table(columns, rows)


def mapping_table(data: Mapping[str, Any]) -> str:
    """A dict as a two-column key/value table."""
    return table(["key", "value"], [[str(k), fmt_plain(v)] for k, v in data.items()])


def summary_value_html(value: Any) -> str:
    """A manifest summary entry: a table for a list of dicts or a dict, else plain text."""
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        return records_table(value)
    if isinstance(value, Mapping) and value:
        if all(isinstance(v, list) for v in value.values()):  # columns -> rows
            n = max(len(v) for v in value.values())
            return records_table(
                [{k: v[i] for k, v in value.items() if i < len(v)} for i in range(n)]
            )
        return mapping_table(value)
    return f"<p>{esc(fmt_plain(value))}</p>"


def figure_png(fig: Figure) -> bytes:
    """The figure rendered as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def figure_html(fig: Figure, caption: str, alt: str) -> str:
    """A ``<figure>`` with the figure embedded as a base64 PNG data URI and its caption."""
    data = base64.b64encode(figure_png(fig)).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def swatch(colour: str) -> str:
    """A small square of the given colour (a scenario's colour in the figures)."""
    return f'<span class="swatch" style="background:{esc(colour)}"></span>'


def document(title: str, body: str) -> str:
    """A complete HTML page with the inline style sheet."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )
