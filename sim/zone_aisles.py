"""Zones as ranges of aisles: which aisles each picking zone holds, and its routing layout."""

from __future__ import annotations

from sim.routing import Layout


def zone_bounds(n_aisles: int, n_zones: int) -> list[int]:
    """First aisle of every zone, then ``n_aisles``: zone z holds aisles
    ``bounds[z] .. bounds[z + 1] - 1``; the first ``n_aisles % n_zones`` zones hold one more."""
    if not 1 <= n_zones <= n_aisles:
        raise ValueError(f"expected 1..{n_aisles} zones, found {n_zones}")
    q, r = divmod(n_aisles, n_zones)
    bounds = [0]
    for z in range(n_zones):
        bounds.append(bounds[-1] + q + (1 if z < r else 0))
    return bounds


def zone_layout(layout: Layout, n_aisles: int) -> Layout:
    """The routing layout of a zone of ``n_aisles`` aisles: the warehouse's geometry, with the
    depot at the left of the zone's first aisle."""
    return Layout(
        n_aisles=n_aisles,
        aisle_length_m=layout.aisle_length_m,
        aisle_spacing_m=layout.aisle_spacing_m,
        cross_aisle_width_m=layout.cross_aisle_width_m,
        slots_per_side=layout.slots_per_side,
        depot="left",
    )
