"""Cross-section checks of how orders are received: channels, payment processors, staff."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.config.checks import need_role

if TYPE_CHECKING:
    from sim.config.root import Scenario


def check_receiving(sc: Scenario) -> None:
    """Raise ValueError (naming the key) for channel or payment settings that cannot work."""
    channels = {c.name: c for c in sc.demand.channels}
    services = {s.name for s in sc.demand.services}
    for i, c in enumerate(sc.demand.channels):
        unknown = sorted(set(c.service_share) - services)
        if unknown:
            raise ValueError(
                f"demand.channels.{i}.service_share: expected services from demand.services "
                f"{sorted(services)}, found {unknown}"
            )
    owner: dict[str, str] = {}
    for i, p in enumerate(sc.payment.processors):
        for name in p.channels:
            key = f"payment.processors.{i}.channels"
            if name not in channels:
                raise ValueError(
                    f"{key}: expected channel names from demand.channels {sorted(channels)}, "
                    f"found {name!r}"
                )
            if channels[name].point_of_sale:
                raise ValueError(
                    f"{key}: expected online channels (a point of sale pays by its card "
                    f"reader), found {name!r}"
                )
            if owner.get(name) == p.name:
                raise ValueError(f"{key}: expected each channel once, found {name!r} twice")
            if name in owner:
                raise ValueError(
                    f"{key}: expected each channel under one processor, found {name!r} under "
                    f"{owner[name]!r} and {p.name!r}"
                )
            owner[name] = p.name
        if p.fraud_review_share > 0:
            need_role(sc, "payment_review", f"payment.processors.{i}.fraud_review_share > 0")
    names = [p.name for p in sc.payment.processors]
    if len(set(names)) != len(names):
        raise ValueError(f"payment.processors: expected unique names, found {names}")
    manual = [c.name for c in sc.demand.channels if c.manual]
    if manual:
        need_role(sc, "order_entry", f"manual channel {manual[0]!r}")
