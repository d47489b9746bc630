"""The scenario schema: typed, validated, frozen, serialisable.

One pydantic model per section, in modules by theme. Every field has a default, a unit in its
name and a one-line description, so a three-line scenario file works and ``omsim schema``
documents itself. Loading, ``base`` files and overrides live in ``sim.scenario``.
"""

from sim.config.base import (
    ALL_DAYS,
    PICKING_METHODS,
    WORK_DAYS,
    NonNeg,
    PosFloat,
    Prob,
    Role,
    Section,
    Weekday,
)
from sim.config.channels import ChannelConfig
from sim.config.demand import (
    CalendarConfig,
    CatalogConfig,
    DemandConfig,
    ServiceConfig,
    SimulationConfig,
)
from sim.config.inventory import InventoryConfig
from sim.config.operations import (
    BoxConfig,
    LabelConfig,
    MaterialConfig,
    PackingConfig,
    WarehouseConfig,
)
from sim.config.payment import OutageConfig, PaymentConfig, ProcessorConfig
from sim.config.picking import BatchConfig, PickingConfig, WaveConfig, ZoneConfig
from sim.config.root import Scenario
from sim.config.shipping import CarrierConfig, CarrierServiceConfig, ShippingConfig
from sim.config.special import SPECIAL_ACTIONS, SpecialOrdersConfig
from sim.config.staffing import BreakConfig, CostsConfig, ShiftConfig, StaffingConfig

__all__ = [
    "SPECIAL_ACTIONS",
    "SpecialOrdersConfig",
    "BatchConfig",
    "WaveConfig",
    "ZoneConfig",
    "ALL_DAYS",
    "BoxConfig",
    "BreakConfig",
    "CalendarConfig",
    "CarrierConfig",
    "CarrierServiceConfig",
    "CatalogConfig",
    "ChannelConfig",
    "CostsConfig",
    "InventoryConfig",
    "OutageConfig",
    "PaymentConfig",
    "ProcessorConfig",
    "DemandConfig",
    "LabelConfig",
    "MaterialConfig",
    "NonNeg",
    "PICKING_METHODS",
    "PackingConfig",
    "PickingConfig",
    "PosFloat",
    "Prob",
    "Role",
    "Scenario",
    "Section",
    "ServiceConfig",
    "ShiftConfig",
    "ShippingConfig",
    "SimulationConfig",
    "StaffingConfig",
    "WORK_DAYS",
    "WarehouseConfig",
    "Weekday",
]
