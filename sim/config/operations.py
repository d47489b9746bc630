"""Warehouse layout, packing (boxes, materials) and label printing."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.base import NonNeg, PosFloat, Prob, Section
from sim.config.limits import CV, Name


class WarehouseConfig(Section):
    """Picking-area layout: parallel aisles with a front and a back cross-aisle."""

    n_aisles: Annotated[int, Field(ge=1, le=500)] = Field(
        20, description="Number of aisles. Assumption: a layout for about 2,000 orders a day."
    )
    aisle_length_m: PosFloat = Field(
        30.0, description="Length of each aisle (m). Assumption (no source)."
    )
    aisle_spacing_m: PosFloat = Field(
        3.0, description="Centre-to-centre distance of aisles (m). Assumption (no source)."
    )
    cross_aisle_width_m: NonNeg = Field(
        3.0, description="Width of the front and back cross-aisles (m). Assumption (no source)."
    )
    n_slots_per_side: Annotated[int, Field(ge=1, le=10_000)] = Field(
        60, description="Storage slots on each side of an aisle. Assumption (no source)."
    )
    depot: Literal["left", "center"] = Field(
        "left",
        description="Depot (pick start and drop-off) on the front cross-aisle."
        " Assumption (no source).",
    )


class BoxConfig(Section):
    """A standard shipping box."""

    name: Name = Field("M", description="Box name.")
    length_cm: PosFloat = Field(30.0, description="Inner length (cm). Assumption (no source).")
    width_cm: PosFloat = Field(20.0, description="Inner width (cm). Assumption (no source).")
    height_cm: PosFloat = Field(15.0, description="Inner height (cm). Assumption (no source).")
    cost: NonNeg = Field(
        0.6, description="Cost per box (currency units). Assumption: corrugated box prices."
    )

    @property
    def volume_l(self) -> float:
        """Inner volume in litres."""
        return self.length_cm * self.width_cm * self.height_cm / 1000.0


class MaterialConfig(Section):
    """A packaging (void-fill) material."""

    name: Name = Field("bubble_wrap", description="Material name.")
    protection_share: Prob = Field(
        0.75,
        description="Protection rating: share of damage prevented."
        " Source: the seed's packaging table (protection rating 50-90 %).",
    )
    cost_per_order: NonNeg = Field(
        0.25, description="Material cost per parcel (currency units). Assumption."
    )
    time_s: NonNeg = Field(
        15.0, description="Extra packing time per parcel (s). Assumption (no source)."
    )


def _default_boxes() -> tuple[BoxConfig, ...]:
    return [
        BoxConfig(name="XS", length_cm=20, width_cm=15, height_cm=8, cost=0.30),
        BoxConfig(name="S", length_cm=25, width_cm=20, height_cm=10, cost=0.40),
        BoxConfig(name="M", length_cm=35, width_cm=25, height_cm=15, cost=0.60),
        BoxConfig(name="L", length_cm=45, width_cm=35, height_cm=25, cost=0.95),
        BoxConfig(name="XL", length_cm=60, width_cm=40, height_cm=40, cost=1.50),
    ]


def _default_materials() -> tuple[MaterialConfig, ...]:
    # Protection ratings from the seed article's table; costs and times are assumptions.
    return [
        MaterialConfig(name="bubble_wrap", protection_share=0.75, cost_per_order=0.25, time_s=20),
        MaterialConfig(
            name="packing_peanuts", protection_share=0.90, cost_per_order=0.30, time_s=15
        ),
        MaterialConfig(
            name="shredded_paper", protection_share=0.50, cost_per_order=0.08, time_s=10
        ),
        MaterialConfig(
            name="crunched_paper", protection_share=0.50, cost_per_order=0.06, time_s=12
        ),
        MaterialConfig(name="shredded_wool", protection_share=0.60, cost_per_order=0.35, time_s=12),
        MaterialConfig(name="air_pillow", protection_share=0.90, cost_per_order=0.15, time_s=8),
    ]


class PackingConfig(Section):
    """Packing stations: verification, box choice and packaging."""

    base_time_s: NonNeg = Field(
        75.0,
        description="Pack time per order before per-unit work (s)."
        " Source: INDUSTRY.md P1/P2/P3 (90-150 s per order, 25-40 orders per packer-"
        "hour).",
    )
    time_per_unit_s: NonNeg = Field(
        12.0,
        description="Pack time per unit (s)."
        " Source: INDUSTRY.md defaults table (+15 s per extra unit, P1-P3).",
    )
    time_variability: Literal["none", "exponential", "lognormal"] = Field(
        "lognormal",
        description="Random multiplier on each pack's work time (mean 1). Assumption (no source).",
    )
    time_cv: CV = Field(
        0.3,
        description="Coefficient of variation of the lognormal multiplier. Assumption (no source).",
    )
    verification: Literal["barcode", "visual", "none"] = Field(
        "barcode",
        description="How packers verify the picked lines."
        " The seed: verify each item, a barcode scanner makes it quicker.",
    )
    barcode_time_per_unit_s: NonNeg = Field(
        4.0, description="Scan time per unit (s). Assumption (no source)."
    )
    barcode_catch_prob: Prob = Field(
        0.99,
        description="Share of wrong lines a scan catches."
        " Source: INDUSTRY.md W7 (99.9 % order accuracy with a full barcode process).",
    )
    visual_time_per_unit_s: NonNeg = Field(
        1.5, description="Visual check time per unit (s). Assumption (no source)."
    )
    visual_catch_prob: Prob = Field(
        0.7, description="Share of wrong lines a visual check catches. Assumption (no source)."
    )
    boxes: tuple[BoxConfig, ...] = Field(
        default_factory=_default_boxes,
        min_length=1,
        description="Standard boxes (3-5 advised)."
        " The seed: 3-5 standard box sizes; the sizes are assumptions.",
    )
    fill_factor: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.7, description="Usable share of a box's inner volume. Assumption (no source)."
    )
    dim_divisor_cm3_per_kg: PosFloat = Field(
        5000.0, description="Dimensional-weight divisor. Assumption: a common carrier divisor."
    )
    materials: tuple[MaterialConfig, ...] = Field(
        default_factory=_default_materials, min_length=1, description="Packaging materials."
    )
    material: str = Field(
        "bubble_wrap",
        description="Material used for ordinary parcels."
        " The seed's table: bubble wrap protects 75 %.",
    )
    fragile_material: str = Field(
        "air_pillow",
        description="Material used when a parcel holds a fragile SKU."
        " The seed's table: air pillows protect 90 %.",
    )

    @model_validator(mode="after")
    def _names(self) -> PackingConfig:
        names = [m.name for m in self.materials]
        for key in ("material", "fragile_material"):
            if getattr(self, key) not in names:
                raise ValueError(
                    f"{key}: expected one of the materials {names}, found {getattr(self, key)!r}"
                )
        for what, ns in (("box", [b.name for b in self.boxes]), ("material", names)):
            if len(set(ns)) != len(ns):
                raise ValueError(f"expected unique {what} names, found {ns}")
        return self


class LabelConfig(Section):
    """Label printers (machines, available whenever packers work)."""

    n_printers: Annotated[int, Field(ge=1, le=1000)] = Field(
        2, description="Label printers. Assumption (no source)."
    )
    print_time_s: NonNeg = Field(
        6.0,
        description="Print-and-apply time per label (s)."
        " Source: INDUSTRY.md P4/P5 (5-25 s per label; no measured figure found, so an "
        "assumption).",
    )
    packing_slip: bool = Field(
        True,
        description="Print an invoice/packing slip with each label."
        " The seed: print the label and the invoice.",
    )
    packing_slip_time_s: NonNeg = Field(
        5.0, description="Extra time per packing slip (s). Assumption (no source)."
    )
    jam_prob: Prob = Field(
        0.005, description="Probability that a print job jams. Assumption (no source)."
    )
    jam_clear_s: NonNeg = Field(
        90.0, description="Time to clear a jam (s). Assumption (no source)."
    )
    mode: Literal["per_order", "bulk"] = Field(
        "per_order",
        description="Print each order's label alone, or waiting orders in bulk."
        " Assumption (no source).",
    )
    n_labels_per_bulk: Annotated[int, Field(ge=1, le=10_000)] = Field(
        25, description="Most labels printed in one bulk job. Assumption (no source)."
    )
    bulk_setup_s: NonNeg = Field(
        20.0, description="Set-up time per bulk job (s). Assumption (no source)."
    )
