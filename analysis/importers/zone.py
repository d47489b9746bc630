"""The shop's time zone inferred from the UTC offsets its export writes (Shopify).

A Shopify export writes every time with the shop's offset at that instant (``-0500`` in
winter, ``-0400`` in summer). Without ``--tz`` the importer must not read those times as UTC
wall-clock (the hour-of-day profile would shift by hours): :func:`infer_zone` finds the IANA
zones whose offset at every written instant is the offset written, and picks one. Every zone
that fits gives the same local wall clock at those instants, so the choice among them changes
no imported time; it is named in a warning, with ``--tz`` as the way to choose.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Sequence

import polars as pl

from analysis.importers.cells import text

log = logging.getLogger("analysis.importers.read")

#: at most this many distinct (instant, offset) pairs are checked per zone (evenly spaced)
MAX_SAMPLES = 400
#: regions tried first, in this order (the first fitting zone is chosen)
REGIONS = ("Europe", "America", "Asia", "Australia", "Pacific", "Africa", "Atlantic", "Indian")
OFFSET_TEXT = r"([+-]\d{2}):?(\d{2})$"


def offset_samples(raw: pl.DataFrame, cols: Sequence[str]) -> list[tuple[dt.datetime, int]]:
    """Distinct (UTC instant, offset in minutes) pairs of the values with an offset."""
    frames = []
    for c in cols:
        if c not in raw.columns or raw.schema[c] != pl.String:
            continue
        v = text(c)
        frames.append(
            raw.select(
                v.str.to_datetime("%Y-%m-%d %H:%M:%S %z", strict=False, time_unit="us")
                .dt.convert_time_zone("UTC")
                .alias("t"),
                (
                    v.str.extract(OFFSET_TEXT, 1).cast(pl.Int32, strict=False) * 60
                    + v.str.extract(OFFSET_TEXT, 2).cast(pl.Int32, strict=False)
                    * pl.when(v.str.extract(OFFSET_TEXT, 1).str.starts_with("-"))
                    .then(-1)
                    .otherwise(1)
                ).alias("off"),
            ).drop_nulls()
        )
    if not frames:
        return []
    pairs = pl.concat(frames).unique().sort("t")
    if pairs.height > MAX_SAMPLES:
        step = pairs.height / MAX_SAMPLES
        pairs = pairs[[int(i * step) for i in range(MAX_SAMPLES)]]
    return [(t, int(o)) for t, o in pairs.iter_rows()]


def _candidates() -> list[str]:
    zones = [z for z in zoneinfo.available_timezones() if z.split("/")[0] in REGIONS]
    return sorted(zones, key=lambda z: (REGIONS.index(z.split("/")[0]), z))


def infer_zone(raw: pl.DataFrame, cols: Sequence[str]) -> tuple[str | None, int]:
    """(a zone that fits every written offset, how many fit); (None, 0) if none does.

    ``(None, -1)`` when there is no value with an offset to go by.
    """
    samples = offset_samples(raw, cols)
    if not samples:
        return None, -1
    fits = []
    for name in _candidates():
        zone = zoneinfo.ZoneInfo(name)
        if all(
            t.replace(tzinfo=dt.UTC).astimezone(zone).utcoffset() == dt.timedelta(minutes=o)
            for t, o in samples
        ):
            fits.append(name)
    return (fits[0] if fits else None), len(fits)
