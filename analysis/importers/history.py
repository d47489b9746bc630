"""The order history a replay scenario names, imported (the engine receives it as a table)."""

from __future__ import annotations

import functools
import os

from analysis.importers.read import read_orders
from analysis.importers.schema import ImportResult
from sim.config import Scenario


@functools.lru_cache(maxsize=4)
def _import_cached(path: str, fmt: str, tz: str, csv: tuple[str, str], _stamp: tuple[int, int]):
    return read_orders(path, fmt, tz or None, delimiter=csv[0] or None, encoding=csv[1] or None)


def import_history(scenario: Scenario) -> ImportResult:
    """The scenario's order file, imported (cached per process while the file is unchanged;
    raises ``analysis.importers.schema.OrderImportError`` with a one-line message)."""
    cfg = scenario.replay
    try:
        st = os.stat(cfg.orders)
    except OSError:
        return read_orders(cfg.orders, cfg.format, cfg.tz or None)  # its one-line error
    csv = (cfg.delimiter, cfg.encoding)
    return _import_cached(cfg.orders, cfg.format, cfg.tz, csv, (st.st_mtime_ns, st.st_size))


def history_of(scenario: Scenario) -> ImportResult | None:
    """The imported history of a replay scenario (``replay.orders`` set), None otherwise."""
    return import_history(scenario) if scenario.replay.orders else None
