"""Replaying real orders instead of synthetic demand (``omsim replay``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from sim import paths
from sim.config.base import Section

#: Order file formats ``replay.format`` accepts (the importers of ``analysis.importers.read``).
ORDER_FORMATS = ("generic", "shopify", "online-retail", "olist")


class ReplayConfig(Section):
    """Real orders that drive the model instead of ``demand``'s synthetic stream.

    With an order file, the run starts at midnight of the first order's day and lasts to the
    end of the last order's day (``simulation.start`` and ``horizon_days`` are replaced);
    every order arrives at its real time with its real lines, SKUs and quantities, its real
    value, and its service and channel when the file names one the scenario has (otherwise
    they are drawn from ``demand``'s shares). SKUs are slotted by their popularity in the
    file (``catalog.sku_codes`` first)."""

    orders: str = Field(
        "",
        description="Order file (or Olist folder) to replay; empty: synthetic demand. A "
        "relative path is relative to the scenario file. A regular file (not a device or "
        "pipe) of at most 2 GB; inside $OMSIM_ALLOWED_ROOTS when that is set (the app's "
        "folders).",
    )
    format: Literal["generic", "shopify", "online-retail", "olist"] = Field(
        "generic", description="Format of the order file: " + ", ".join(ORDER_FORMATS) + "."
    )
    tz: str = Field(
        "",
        description="IANA time zone of the warehouse (e.g. Europe/London): times with a UTC "
        "offset are converted to it and naive times are read in it; empty: naive times as "
        "they are, times with an offset in UTC.",
    )

    delimiter: str = Field(
        "",
        max_length=1,
        description="CSV delimiter of the order file; empty: detected from its header line "
        "(comma, semicolon, tab or pipe).",
    )
    encoding: str = Field(
        "",
        description="Text encoding of the order file (e.g. latin-1); empty: UTF-8, or Latin-1 "
        "with a warning when the file is not UTF-8.",
    )

    @field_validator("orders")
    @classmethod
    def _orders(cls, v: str) -> str:
        if v:
            check_orders(v)
        return v

    @field_validator("tz")
    @classmethod
    def _zone(cls, v: str) -> str:
        if v:
            import zoneinfo

            try:
                zoneinfo.ZoneInfo(v)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"expected an IANA time zone name such as Europe/London, found {v!r}"
                ) from None
        return v


def check_orders(orders: str) -> None:
    """Refuse an order file that may not be read: outside ``$OMSIM_ALLOWED_ROOTS`` (when
    set), or existing but not a regular file (or an Olist folder of regular CSV files) of at
    most :data:`sim.paths.MAX_ORDER_BYTES`. A missing file passes: the replay reports it.
    Raises :class:`sim.paths.PathError` (a ``ValueError``) without opening anything."""
    resolved = paths.confine(orders)
    if not resolved.exists():
        return
    paths.check_file(orders, paths.MAX_ORDER_BYTES, directory_ok=True)
    if resolved.is_dir():
        for f in sorted(resolved.glob("*.csv")):
            paths.check_file(f, paths.MAX_ORDER_BYTES)


def source_digest(orders: str) -> str:
    """SHA-256 of the order file's bytes (of every CSV in an Olist folder), so a scenario's
    fingerprint changes when the orders it replays change; ``"missing"`` if unreadable (a
    device, FIFO or oversized file is never read: see :func:`check_orders`)."""
    import hashlib

    path = Path(orders)
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    h = hashlib.sha256()
    try:
        for f in files:
            h.update(f.name.encode())
            with paths.open_regular(f, paths.MAX_ORDER_BYTES) as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
    except (OSError, paths.PathError):
        return "missing"
    return h.hexdigest()
