"""Shared fixtures: small scenarios built from plain tables."""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
from hypothesis import settings

from sim.config import Scenario
from sim.scenario import apply_overrides, validate

EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# In CI (CI=true) hypothesis draws the same examples every run, so a green build stays green;
# on a developer's machine it explores new examples each run.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True, scope="session")
def _runs_dir(tmp_path_factory):
    """Experiments run by tests are stored in a temporary directory, not in ./runs."""
    old = os.environ.get("OMSIM_RUNS_DIR")
    os.environ["OMSIM_RUNS_DIR"] = str(tmp_path_factory.mktemp("runs"))
    yield
    if old is None:
        os.environ.pop("OMSIM_RUNS_DIR", None)
    else:
        os.environ["OMSIM_RUNS_DIR"] = old


def _merge(a: dict, b: dict) -> dict:
    out = copy.deepcopy(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def scenario_from(raw: dict[str, Any], overrides: dict[str, Any] | None = None) -> Scenario:
    """Validate a raw table (plus dotted overrides) into a Scenario."""
    if overrides:
        raw = apply_overrides(raw, overrides)
    return validate(raw, "test scenario")


def mmc_raw(
    arrivals_per_min: float,
    mean_service_min: float,
    servers: int,
    days: float,
    priority_share: float = 0.0,
) -> dict[str, Any]:
    """A scenario whose picking stage is an M/M/c queue: Poisson arrivals at a constant rate,
    exponential pick times (no routing, no per-line work), one 24/7 shift of c pickers,
    plenty of packers, every order one line of one unit."""
    services = [{"name": "standard", "share": 1.0 - priority_share, "promised_business_days": 3}]
    if priority_share > 0:
        services.append(
            {"name": "express", "share": priority_share, "priority": True,
             "promised_business_days": 1}
        )  # fmt: skip
    carrier_services = [{"service": s["name"]} for s in services]
    return {
        "name": "mmc",
        "simulation": {"horizon_days": days, "drain_days": 0},
        "demand": {
            "orders_per_day": arrivals_per_min * 1440,
            "hourly_weights": [1.0] * 24,
            "weekday_multipliers": {d: 1.0 for d in EVERY_DAY},
            "lines_per_order_pmf": [1.0],
            "units_per_line_pmf": [1.0],
            "services": services,
        },
        "picking": {
            "routing": "none",
            "tour_setup_s": mean_service_min * 60,
            "time_per_line_s": 0,
            "time_per_unit_s": 0,
            "time_variability": "exponential",
            "error_prob_per_line": 0.0,
        },
        "staffing": {
            "shifts": [
                {
                    "role": "pickers",
                    "days": EVERY_DAY,
                    "start": "00:00",
                    "end": "00:00",
                    "headcount": servers,
                },
                {
                    "role": "packers",
                    "days": EVERY_DAY,
                    "start": "00:00",
                    "end": "00:00",
                    "headcount": 200,
                },
            ]
        },  # fmt: skip
        "shipping": {
            "carriers": [
                {
                    "name": "c",
                    "pickups": {d: ["17:00"] for d in EVERY_DAY},
                    "services": carrier_services,
                }
            ]
        },  # fmt: skip
    }


def small_raw(orders_per_day: float = 300, days: float = 2, drain: float = 3) -> dict[str, Any]:
    """A small but complete scenario (default stages, fewer orders and staff)."""
    return {
        "name": "small",
        "simulation": {"horizon_days": days, "drain_days": drain},
        "demand": {"orders_per_day": orders_per_day},
        "catalog": {"n_skus": 300},
        "staffing": {
            "shifts": [
                {
                    "role": "pickers",
                    "start": "07:00",
                    "end": "15:30",
                    "headcount": 3,
                    "breaks": [{"start": "11:00", "minutes": 30}],
                },
                {"role": "packers", "start": "08:00", "end": "16:30", "headcount": 2},
            ]
        },  # fmt: skip
    }


@pytest.fixture
def small() -> Scenario:
    """A small complete scenario."""
    return scenario_from(small_raw())


def merged(raw: dict, extra: dict) -> dict:
    """Deep-merge two raw tables."""
    return _merge(raw, extra)


#: A small shop for the app's tests (scenarios/small_a.toml in their scenarios folder).
SMALL_SHOP = """\
name = "small_a"
description = "A small shop for the app's tests"
[simulation]
horizon_days = 1
drain_days = 2
[demand]
orders_per_day = 200
[catalog]
n_skus = 300
[[staffing.shifts]]
role = "pickers"
start = "07:00"
end = "15:30"
headcount = 2
[[staffing.shifts]]
role = "packers"
start = "08:00"
end = "16:30"
headcount = 2
"""
