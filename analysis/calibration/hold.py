"""The release hold fitted so simulated handling matches a history's (``omsim calibrate``).

Handling (paid -> shipped; from placed when the shop captures payment at fulfilment) in a
history often far exceeds what the modelled warehouse needs: a marketplace seller takes a
day or two before handing the parcel over. That time is outside the modelled warehouse; the
scenario's ``[hold]`` (:mod:`sim.config.hold`) represents it.

The rule: with ``H`` the real handling and ``W`` the handling the calibrated scenario gives
from work alone (a pilot replay of the history without a hold), a hold is written only when
``median(H) - median(W)`` exceeds both 1 hour and a quarter of ``median(W)``. It is the
empirical distribution ``q_D(p) = max(0, q_H(p) - s)`` at p = 0, 0.01, ..., 1, with the shift
``s = median(W)``: it treats the warehouse's own time as roughly constant beside the hold.
One correction follows (:func:`corrected_shift`): the pilot is run again with the hold and
``s`` moves by the remaining gap between the simulated and the real median, since an order
reaching the warehouse later meets the carriers' pickups at other times of day.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.calibration.result import Calibration

#: Probabilities of the written quantiles.
PROBS = np.linspace(0.0, 1.0, 101)
MIN_GAP_H = 1.0
MIN_GAP_SHARE = 0.25


def real_handling_h(cal: Calibration) -> np.ndarray | None:
    """The history's handling times in hours (zeros included), or None without them."""
    for fit in cal.fits:
        if fit.measure == "handling time":
            return np.concatenate([np.zeros(fit.n_zero), np.asarray(fit.values, float)])
    return None


def simulated_handling_h(
    orders: Any, from_placed: bool, shipped_col: str = "shipped_at"
) -> np.ndarray:
    """Handling in hours of a run's shipped orders: ``shipped_col`` (the carrier hand-over;
    the label time for Shopify's Fulfilled at) - paid_at (or placed_at)."""
    start = "placed_at" if from_placed else "paid_at"
    shipped = orders[shipped_col].to_numpy()
    begun = orders[start].to_numpy()
    ok = np.isfinite(shipped) & np.isfinite(begun)
    return (shipped[ok] - begun[ok]) / 60.0


def needs_hold(real_h: np.ndarray, model_h: np.ndarray) -> bool:
    """Whether the real median handling exceeds the model's by more than the rule's gap."""
    gap = float(np.median(real_h) - np.median(model_h))
    return gap > max(MIN_GAP_H, MIN_GAP_SHARE * float(np.median(model_h)))


def hold_quantiles_min(real_h: np.ndarray, shift_h: float) -> list[float]:
    """The hold's quantiles in minutes: ``max(0, q_H(p) - shift)`` at :data:`PROBS`."""
    q = np.maximum(0.0, np.quantile(real_h, PROBS) - shift_h) * 60.0
    return [round(float(v), 1) for v in np.maximum.accumulate(q)]


def corrected_shift(shift_h: float, real_h: np.ndarray, sim_h: np.ndarray) -> float:
    """The shift after one correction: moved by the simulated minus the real median."""
    return max(0.0, shift_h + float(np.median(sim_h) - np.median(real_h)))


def set_hold(cal: Calibration, real_h: np.ndarray, model_h: np.ndarray, shift_h: float) -> None:
    """Write ``[hold]`` (empirical) into the calibration, with a comment saying what it is."""
    q = hold_quantiles_min(real_h, shift_h)
    cal.overrides["hold"] = {"family": "empirical", "quantiles_min": q}
    cal.comments["hold.family"] = (
        "fitted release hold: time outside the modelled warehouse (e.g. a marketplace seller "
        f"preparing the parcel). Real handling median {np.median(real_h):.3g} h, p90 "
        f"{np.quantile(real_h, 0.9):.3g} h; the model's from work alone (pilot replay, no "
        f"hold) median {np.median(model_h):.3g} h. Hold quantiles = max(0, real handling "
        f"quantile - {shift_h:.3g} h) at p = 0, 0.01, ..., 1 (analysis/calibration/hold.py)"
    )
    cal.summary["hold_median_h"] = float(np.median(q)) / 60.0


def note_no_hold(cal: Calibration, real_h: np.ndarray, model_h: np.ndarray) -> None:
    """Say in the TOML why no hold was written."""
    cal.comments["hold"] = (
        f"no release hold: real handling median {np.median(real_h):.3g} h is within "
        f"max({MIN_GAP_H:g} h, {MIN_GAP_SHARE:.0%}) of the model's from work alone "
        f"({np.median(model_h):.3g} h)"
    )
