"""The whole scenario and its cross-section feasibility checks."""

from __future__ import annotations

import hashlib
import json

from pydantic import Field, model_validator

from sim.config.aftersales import ReturnsConfig, ReviewsConfig
from sim.config.base import RESOURCES, Section
from sim.config.checks import check_picking, need_role
from sim.config.costs import CostsConfig
from sim.config.customers import CustomersConfig
from sim.config.demand import CalendarConfig, CatalogConfig, DemandConfig, SimulationConfig
from sim.config.hold import HoldConfig
from sim.config.inventory import InventoryConfig
from sim.config.limits import Name
from sim.config.notifications import NotificationsConfig
from sim.config.operations import LabelConfig, PackingConfig, WarehouseConfig
from sim.config.payment import PaymentConfig
from sim.config.picking import PickingConfig
from sim.config.receiving_checks import check_receiving
from sim.config.replay import ReplayConfig, source_digest
from sim.config.shipping import ShippingConfig
from sim.config.special import SpecialOrdersConfig
from sim.config.staffing import StaffingConfig


class Scenario(Section):
    """A whole scenario. Seed and replications belong to the experiment, not here."""

    name: Name = Field("scenario", description="Scenario name.")
    description: str = Field("", description="What this scenario represents.")
    simulation: SimulationConfig = Field(
        default_factory=SimulationConfig, description="Run length."
    )
    calendar: CalendarConfig = Field(default_factory=CalendarConfig, description="Business days.")
    demand: DemandConfig = Field(default_factory=DemandConfig, description="Orders.")
    catalog: CatalogConfig = Field(default_factory=CatalogConfig, description="SKUs.")
    inventory: InventoryConfig = Field(
        default_factory=InventoryConfig, description="Stock and replenishment."
    )
    payment: PaymentConfig = Field(default_factory=PaymentConfig, description="Payments.")
    warehouse: WarehouseConfig = Field(default_factory=WarehouseConfig, description="Layout.")
    picking: PickingConfig = Field(default_factory=PickingConfig, description="Picking.")
    hold: HoldConfig = Field(
        default_factory=HoldConfig, description="Release hold: time outside the warehouse."
    )
    packing: PackingConfig = Field(default_factory=PackingConfig, description="Packing.")
    labels: LabelConfig = Field(default_factory=LabelConfig, description="Label printing.")
    shipping: ShippingConfig = Field(default_factory=ShippingConfig, description="Shipping.")
    special_orders: SpecialOrdersConfig = Field(
        default_factory=SpecialOrdersConfig, description="High-value orders."
    )
    notifications: NotificationsConfig = Field(
        default_factory=NotificationsConfig, description="Messages to the customer."
    )
    customers: CustomersConfig = Field(
        default_factory=CustomersConfig, description="Customers and why they come back."
    )
    returns: ReturnsConfig = Field(default_factory=ReturnsConfig, description="Returns.")
    reviews: ReviewsConfig = Field(default_factory=ReviewsConfig, description="Reviews.")
    replay: ReplayConfig = Field(
        default_factory=ReplayConfig, description="Real orders instead of synthetic demand."
    )
    staffing: StaffingConfig = Field(default_factory=StaffingConfig, description="Shifts.")
    costs: CostsConfig = Field(default_factory=CostsConfig, description="Costs.")

    @model_validator(mode="after")
    def _feasible(self) -> Scenario:
        roles = {"pickers", "packers"}
        if self.shipping.notifications == "manual":
            roles.add("office")
        for role in sorted(roles):
            if not any(s.role == role and s.headcount > 0 and s.days for s in self.staffing.shifts):
                raise ValueError(
                    f"staffing.shifts: expected at least one {role} shift with headcount > 0, "
                    "found none (work would wait forever)"
                )
        services = {s.name for s in self.demand.services}
        carried = {cs.service for c in self.shipping.carriers for cs in c.services}
        unknown = carried - services
        if unknown:
            raise ValueError(
                f"shipping.carriers: expected services from demand.services {sorted(services)}, "
                f"found {sorted(unknown)}"
            )
        missing = services - carried
        if missing:
            raise ValueError(
                f"shipping.carriers: expected a carrier for every service, found none for "
                f"{sorted(missing)}"
            )
        cat, pack, wh = self.catalog, self.packing, self.warehouse
        biggest = max(b.volume_l for b in pack.boxes) * pack.fill_factor
        if cat.unit_volume_l_max > biggest * (1 + 1e-9):
            raise ValueError(
                f"catalog.unit_volume_l_max: expected a SKU that fits the largest box "
                f"(<= {biggest:.3g} l at fill factor {pack.fill_factor}), "
                f"found {cat.unit_volume_l_max} l"
            )
        n_slots = 2 * wh.n_slots_per_side * wh.n_aisles
        if cat.n_skus > n_slots:
            raise ValueError(
                f"catalog.n_skus: expected at most the warehouse's {n_slots} slots, "
                f"found {cat.n_skus}"
            )
        if self.demand.calendar:
            for on, why in ((self.customers.enabled, "customers.enabled"),
                            (bool(self.replay.orders), "replay.orders")):  # fmt: skip
                if on:
                    raise ValueError(
                        f"demand.calendar: expected no dated multipliers with {why} (they "
                        "apply to synthetic demand only), found "
                        f"{len(self.demand.calendar)}"
                    )
        check_picking(self)
        check_receiving(self)
        if self.returns.enabled:
            need_role(self, "returns_clerks", "returns.enabled")
            need_role(self, "support", "returns.enabled")
        # channels with their own daily profile exclude weekday profiles and customers
        for on, why in (
            (bool(self.demand.hourly_weights_by_weekday), "demand.hourly_weights_by_weekday"),
            (self.customers.enabled,
             "customers.enabled (customers follow demand.hourly_weights)"),
        ):  # fmt: skip
            own = [i for i, c in enumerate(self.demand.channels) if c.hourly_weights]
            if on and own:
                raise ValueError(
                    f"demand.channels.{own[0]}.hourly_weights: expected none with {why}, found 24"
                )
        return self

    # --- helpers -------------------------------------------------------------------------

    def fingerprint(self) -> str:
        """Hash of the canonical JSON of the resolved scenario (keys caches and run stores),
        and of the replayed order file's contents when there is one."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        if self.replay.orders:
            text += source_digest(self.replay.orders)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def names(self) -> dict[str, tuple[str, ...]]:
        """The scenario's names for the event log's enum columns."""
        return {
            "channels": [c.name for c in self.demand.channels],
            "services": [s.name for s in self.demand.services],
            "carriers": [c.name for c in self.shipping.carriers],
            "boxes": [b.name for b in self.packing.boxes],
            "materials": [m.name for m in self.packing.materials],
            "resources": list(RESOURCES),
        }
