"""The lines of a run's orders, regenerated from its streams (the event log does not store them).

Every random number that describes an order is drawn from demand-only streams when the order is
created, a fixed number per order (``sim.demand``), so the k-th order of (scenario, seed,
replication) always has the same lines: rebuilding the order source and drawing the same
number of orders gives them back exactly, without running the model. Replays take them from
the order file the same way.
"""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl

from sim.config import Scenario
from sim.model import Model


def regenerate_lines(
    scenario: Scenario, seed: int, replication: int, n_orders: int, history: object = None
) -> tuple[Model, pl.DataFrame]:
    """The first ``n_orders`` orders' lines: order_id, line (0-based), slot, units; and the
    (unrun) model they came from, for its layout and catalogue. A replay needs its imported
    order ``history``."""
    model = Model(scenario, seed, replication, replay_history=history)
    source = model.source
    # a synthetic run's orders are the same draws whatever placed them (arrivals, customers)
    stream = source.orders() if model.replay is not None else source.unplaced()
    ids, lines, slots, units = [], [], [], []
    for o in itertools.islice(stream, n_orders):
        k = len(o.slots)
        ids.extend([o.id] * k)
        lines.extend(range(k))
        slots.extend(o.slots)
        units.extend(o.units)
    frame = pl.DataFrame(
        {
            "order_id": np.asarray(ids, dtype=np.uint32),
            "line": np.asarray(lines, dtype=np.uint32),
            "slot": np.asarray(slots, dtype=np.int64),
            "units": np.asarray(units, dtype=np.int64),
        }
    )
    return model, frame


def picks_per_slot(lines: pl.DataFrame, orders: pl.DataFrame, n_slots: int) -> np.ndarray:
    """Lines picked per slot: the lines of the orders the run picked (``picked_at`` set;
    a duplicate order keyed twice counts with its original's lines)."""
    picked = orders.filter(pl.col("picked_at").is_not_null()).select(
        pl.when(pl.col("duplicate_of").is_not_null())
        .then(pl.col("duplicate_of"))
        .otherwise(pl.col("order_id"))
        .alias("order_id")
    )
    hit = lines.join(picked, on="order_id", how="inner")["slot"].to_numpy()
    return np.bincount(hit, minlength=n_slots)[:n_slots]
