"""Validation against real timings (``analysis/calibration/validation.py``, ``omsim
validate-history``) and the two model settings calibration writes: a weekday's own hourly
profile and a payment approval delay."""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from analysis.calibration.validation import compare_histories, real_durations, simulated_durations
from analysis.importers.history import history_of
from sim.cli import main
from sim.model import run_replication
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"


def _shared() -> Path | None:
    for root in (
        Path(os.environ.get("OMSIM_SHARED_DATA", "/nonexistent")),
        ROOT.parent / "shared" / "data",
        Path("/work/shared/data"),
    ):
        if root.is_dir():
            return root
    return None


def real_frame() -> pl.DataFrame:
    t = dt.datetime(2018, 1, 1, 10)
    h = dt.timedelta(hours=1)
    return pl.DataFrame(
        {
            "placed_at": [t, t, t],
            "paid_at": [t + h, t + 2 * h, t + 3 * h],
            "shipped_at": [t + 25 * h, t + 26 * h, t],  # the third: carrier before approval
            "delivered_at": [t + 73 * h, t + 50 * h, t + 100 * h],
            "promised_at": [t + 49 * h, t + 74 * h, t + 100 * h],
            "timing_flag": [None, None, "carrier before approval"],
        }
    )


def test_real_durations_by_hand() -> None:
    d, flagged = real_durations(real_frame())
    assert flagged == 1
    assert d["approval"].tolist() == [1.0, 2.0]  # hours
    assert d["handling"].tolist() == [24.0, 24.0]
    assert d["transit"].tolist() == [2.0, 1.0]  # days
    assert d["lateness"].tolist() == [1.0, -1.0]


def test_simulated_durations_by_hand() -> None:
    sim = pl.DataFrame(
        {
            "placed_at": [0.0, 0.0],
            "paid_at": [30.0, 0.0],
            "shipped_at": [30.0 + 600, None],
            "delivered_at": [30.0 + 600 + 2880, None],
            "promised_at": pl.Series([4000.0, 5000.0], dtype=pl.Float32),
        }
    )
    d = simulated_durations(sim)
    assert d["approval"].tolist() == [0.5, 0.0]
    assert d["handling"].tolist() == [10.0]
    assert d["transit"].tolist() == [2.0]
    assert d["lateness"].tolist() == pytest.approx([(3510 - 4000) / 1440])


def test_ks_is_zero_for_the_same_and_one_for_disjoint() -> None:
    real = real_frame().head(2)
    start = dt.datetime(2018, 1, 1, 10)

    def as_sim(frame: pl.DataFrame, shift_min: float) -> pl.DataFrame:
        return frame.select(
            (
                (pl.col(c) - start).dt.total_seconds() / 60 + (shift_min if c != "placed_at" else 0)
            ).alias(c)
            for c in ("placed_at", "paid_at", "shipped_at", "delivered_at", "promised_at")
        )

    same = {c.measure: c.ks for c in compare_histories(real, as_sim(real, 0))}
    assert same == {
        "approval": 0.0, "handling": 0.0, "transit": 0.0, "lateness": 0.0,
        "placed to shipped": 0.0,
    }  # fmt: skip
    shifted = {c.measure: c.ks for c in compare_histories(real, as_sim(real, 600))}
    assert shifted["approval"] == 1.0  # every simulated approval 10 h later
    assert shifted["handling"] == 0.0  # paid and shipped moved together
    assert shifted["placed to shipped"] == 1.0  # every order shipped 10 h later
    # several runs: the KS is their mean and its range is shown
    two = {c.measure: c for c in compare_histories(real, [as_sim(real, 0), as_sim(real, 600)])}
    pts = two["placed to shipped"]
    assert (pts.ks, pts.ks_min, pts.ks_max, pts.n_runs) == (0.5, 0.0, 1.0, 2)
    # Shopify: Fulfilled at is compared with the simulated label time
    sim = as_sim(real, 0).with_columns(labelled_at=pl.col("shipped_at") + 600)
    lab = {c.measure: c.ks for c in compare_histories(real, sim, "labelled_at")}
    assert lab["placed to shipped"] == 1.0 and lab["handling"] == 1.0  # both end at the label


def test_approval_delay_is_lognormal_with_its_mean_and_cv() -> None:
    """payment.processors.approval_delay_mean_min/cv: paid_at - placed_at - authorisation
    has the lognormal's mean and cv (3 sigma of the sample mean; cv within 10 %)."""
    sc = load_scenario(
        ROOT / "scenarios" / "integrated_oms.toml",
        {
            "simulation.horizon_days": 2,
            "payment.processors.0.approval_delay_mean_min": 90.0,
            "payment.processors.0.approval_delay_cv": 0.5,
            "payment.processors.0.decline_prob": 0.0,
            "payment.processors.0.fraud_review_share": 0.0,
            "payment.processors.0.outages": [],
        },
    )
    proc = sc.payment.processors[0]
    r = run_replication(sc, 3, 0, history=history_of(sc))
    chans = [sc.demand.channels[i].name for i, _ in enumerate(sc.demand.channels)]
    mine = [c for c in proc.channels if c in chans]
    o = r.orders.filter(
        pl.col("channel").cast(pl.String).is_in(mine) & pl.col("paid_at").is_not_null()
    )
    delay = (o["paid_at"] - o["placed_at"] - proc.auth_time_s / 60).to_numpy()
    n = len(delay)
    assert n > 500
    assert abs(delay.mean() - 90.0) < 3 * 90 * 0.5 / math.sqrt(n)
    assert delay.std() / delay.mean() == pytest.approx(0.5, rel=0.1)


def test_weekday_profile_puts_that_days_orders_in_its_hours() -> None:
    """demand.hourly_weights_by_weekday: all of Monday's weight in hour 10 puts every Monday
    order between 10:00 and 11:00, while Tuesday keeps the default profile."""
    only_10 = [0.0] * 24
    only_10[10] = 1.0
    sc = load_scenario(
        BASELINE,
        {
            "simulation.horizon_days": 2,  # starts on Monday 2026-03-02
            "demand.hourly_weights_by_weekday": {"mon": only_10},
        },
    )
    assert sc.simulation.start.weekday() == 0
    r = run_replication(sc, 1, 0, history=history_of(sc))
    t = r.orders["placed_at"].to_numpy()
    monday = t[t < 1440]
    tuesday = t[t >= 1440]
    assert len(monday) > 100 and ((monday >= 600) & (monday < 660)).all()
    assert len(np.unique((tuesday // 60) % 24)) > 12


def test_validate_history_needs_timings(tmp_path: Path, capsys) -> None:
    f = tmp_path / "o.csv"
    f.write_text("order_id,placed_at,sku,quantity,unit_price\nA,2026-03-02 10:00,X,1,2.0\n")
    rc = main(["validate-history", str(f), "--format", "generic", "--scenario", str(BASELINE),
               "--out", str(tmp_path / "v")])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2
    assert "expected timing columns" in err and "Traceback" not in err
    assert err.count("\n") == 1  # refused before the import's status lines


def test_validate_history_on_olist(tmp_path: Path, capsys) -> None:
    shared = _shared()
    if shared is None or not (shared / "olist_10k_delivered").is_dir():
        pytest.skip("../shared/data/olist_10k_delivered absent: the Olist validation needs it")
    out = tmp_path / "v"
    rc = main(["validate-history", str(shared / "olist_10k_delivered"), "--format", "olist",
               "--scenario", str(BASELINE), "--out", str(out), "--runs", "2"])  # fmt: skip
    assert rc == 0
    table = pl.read_csv(out / "validation.csv")
    assert set(table["measure"]) == {
        "approval", "handling", "transit", "lateness", "placed to shipped",
    }  # fmt: skip
    assert (table["runs"] == 2).all() and (table["ks_min"] <= table["ks_max"]).all()
    real = table.filter(pl.col("side") == "real")
    # every Olist order is delivered; those with a timing flag are left out (124, see
    # tests/test_importers_real.py), and approval needs an approval time
    assert real.filter(pl.col("measure") == "handling")["n"].item() <= 10_000 - 124
    assert (table["ks"] >= 0).all() and (table["ks"] <= 1).all()
    assert (out / "validation.html").read_text().count("<tr>") == 11


def test_cli_calibrate_on_the_shipped_sample(tmp_path: Path, capsys) -> None:
    """omsim calibrate writes a scenario that loads, with its fit figures, and says the
    fitted rate: the sample's orders over its one day."""
    from analysis.importers.read import read_online_retail

    sample = ROOT / "tests" / "data" / "online_retail_sample.csv"
    out = tmp_path / "sc" / "shop.toml"
    rc = main(["calibrate", str(sample), "--format", "online-retail", "-o", str(out),
               "--rejects", str(tmp_path / "rj.csv")])  # fmt: skip
    said = capsys.readouterr().out
    assert rc == 0
    sc = load_scenario(out)
    n = read_online_retail(sample).orders.height
    assert sc.demand.orders_per_day == pytest.approx(n / 1.0)
    assert f"orders per day: {n / 1.0:.4g}" in said
    assert sorted(p.suffix for p in (tmp_path / "sc" / "shop_fits").iterdir()) == [".png", ".png"]
    assert main(["calibrate", str(sample), "--format", "online-retail", "-o",
                 str(tmp_path / "x.yaml")]) == 2  # fmt: skip
    assert ".toml" in capsys.readouterr().err
