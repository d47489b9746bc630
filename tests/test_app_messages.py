"""omsim's messages as the app shows them: no command-line prefix, the page's field names
instead of option flags, everything else (file, key, expected, found) kept."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app_pages.messages import for_user  # noqa: E402


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("omsim: --sla lead_time_p95 <= x: expected a number after <=, found 'x'",
         "SLA target \"lead_time_p95 <= x\": expected a number after <=, found 'x'"),
        ("omsim: -r/--replications: expected at least 2, found 1",
         "Replications: expected at least 2, found 1"),
        ("omsim: --set demand.orders_per_day=-5: expected greater than 0",
         'Orders per day "-5": expected greater than 0'),
        ("omsim compare: --weeks 0: expected at least 1",
         'Measured weeks "0": expected at least 1'),
        # a schema message names the file and key: kept as it is
        ("small_a.toml: demand.orders_per_day: expected greater than 0, found -5",
         "small_a.toml: demand.orders_per_day: expected greater than 0, found -5"),
        ("omsim: stopped (SIGTERM)", "stopped (SIGTERM)"),
    ],
)  # fmt: skip
def test_messages_name_the_pages_fields(line, shown):
    assert for_user(line) == shown
