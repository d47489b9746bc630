"""Every picking method, registered: import the registry from here."""

from sim.stages import batch, wave, zone  # noqa: F401  (each module registers its method)
from sim.stages.picking import PICKING_METHODS

__all__ = ["PICKING_METHODS"]
