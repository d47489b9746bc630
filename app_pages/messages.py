"""``omsim``'s one-line messages reworded for the app's users: the command-line prefix goes
and the options the page set for them are named by the fields they typed into
(``omsim: --sla lead_time_p95 <= x: ...`` reads ``SLA target "lead_time_p95 <= x": ...``).
"""

from __future__ import annotations

import re

#: Command-line options as the app's fields call them (longest first when matched).
FIELDS = {
    "--sla": "SLA target",
    "--roles": "Roles to size",
    "--max-headcount": "Maximum headcount",
    "--global-budget": "Global-check budget",
    "--warmup-weeks": "Warm-up weeks",
    "--weeks": "Measured weeks",
    "--objective": "Objective",
    "--param demand.orders_per_day": "Orders per day",
    "--param picking.method": "Picking methods",
    "--param": "Sweep range",
    "--set demand.orders_per_day": "Orders per day",
    "--set": "Setting",
    "--days": "Days to simulate",
    "--seed": "Seed",
    "-r/--replications": "Replications",
    "--replications": "Replications",
    "-r": "Replications",
    "--speed": "Speed",
    "--format": "Order file format",
}

_PREFIX = re.compile(r"^(?:omsim(?: [a-z-]+)?: )+")
_OPTION = re.compile(
    "(?<![\\w-])("
    + "|".join(re.escape(k) for k in sorted(FIELDS, key=len, reverse=True))
    + r")(?:[ =]([^:]*?))?(?=: |$)"
)


def for_user(line: str) -> str:
    """A message of ``omsim`` as the app shows it: without ``omsim:`` and with the page's
    field names for the options it set; other text is kept as it is."""
    text = _PREFIX.sub("", line.strip())

    def named(match: re.Match[str]) -> str:
        field, value = FIELDS[match.group(1)], (match.group(2) or "").strip()
        if match.group(1).startswith(("--param ", "--set ")) and value.startswith("="):
            value = value[1:]
        return f'{field} "{value}"' if value else field

    return _OPTION.sub(named, text, count=1)
