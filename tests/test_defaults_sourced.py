"""Every behavioural default of the scenario schema names its source or says it is an
assumption (issue 16): a consultant can trace each figure to ../shared/INDUSTRY.md (by row id),
to the seed article, or see that it rests on no source."""

from __future__ import annotations

import typing

from pydantic import BaseModel

from sim.config import Scenario

#: Words that mark a description as traced: a source, the seed article, or an assumption.
MARKS = ("Source:", "INDUSTRY.md", "Assumption", "The seed", "the seed", "seed's", "Off by default")
#: Fields that are not behavioural defaults: names, switches that turn a model part on, run
#: control, file inputs, shifts (the scenario's own staffing), and costs (priced by the cost
#: model, documented there).
NOT_BEHAVIOUR = {
    "name", "description", "enabled", "channels", "processors", "outages", "materials",
    "carriers", "services", "sku_codes", "shifts", "breaks", "days", "start", "end",
    "headcount", "role", "zone", "minutes", "horizon_days", "drain_days", "format", "orders",
    "tz", "service",
}  # fmt: skip
COST_WORDS = ("cost", "wage", "price", "rates_kg")


def _is_model(annotation: typing.Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_is_model(a) for a in typing.get_args(annotation))


def _untraced(model: type[BaseModel], path: str, seen: set) -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        sub = [a for a in (field.annotation, *typing.get_args(field.annotation))]
        if _is_model(field.annotation):
            for a in sub:
                inner = [a, *typing.get_args(a)]
                for m in inner:
                    if isinstance(m, type) and issubclass(m, BaseModel) and m not in seen:
                        seen.add(m)
                        out += _untraced(m, f"{path}{name}.", seen)
            continue
        if name in NOT_BEHAVIOUR or any(w in name for w in COST_WORDS):
            continue
        if "Costs" in model.__name__ or model.__module__.endswith(("staffing", "replay")):
            continue
        if not any(mark in (field.description or "") for mark in MARKS):
            out.append(f"{path}{name}")
    return out


def test_every_behavioural_default_names_its_source_or_says_assumption():
    missing = _untraced(Scenario, "", set())
    assert not missing, f"descriptions without a source or 'Assumption': {missing}"


def test_the_check_sees_the_fields_it_is_about():
    """The walk reaches nested sections: a field known to be sourced is visited."""
    seen: set = set()
    assert _untraced(Scenario, "", seen) == []
    names = {m.__name__ for m in seen}
    assert {"CustomersConfig", "EncounterConfig", "ReturnsConfig", "CarrierConfig",
            "BatchConfig", "ProcessorConfig"} <= names  # fmt: skip
