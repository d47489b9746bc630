"""What the app shows about each scenario file before anything runs: its own description,
its volume and its run length, read once per change of the scenarios folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from app_pages import common
from sim.scenario import ScenarioError


@dataclass(frozen=True)
class ScenarioInfo:
    """A scenario file as the choosers describe it (``problem``: why it does not load)."""

    stem: str
    description: str = ""
    orders_per_day: float = 0.0
    horizon_days: float = 0.0
    problem: str = ""

    def label(self) -> str:
        """``name — description`` (the name alone when the file has no description)."""
        return f"{self.stem} — {self.description}" if self.description else self.stem


@st.cache_data(show_spinner=False, max_entries=8)
def scenario_infos(root: str, stamp: tuple) -> dict[str, ScenarioInfo]:
    """Every scenario file of the folder ``root`` (``stamp``: :func:`common.folder_stamp`,
    so an edited file is read again), by stem."""
    del stamp  # part of the cache key only
    out = {}
    for stem in common.scenario_files(Path(root)):
        try:
            scenario = common.load_confined(common.inside(Path(root), stem, ".toml"))
        except (ScenarioError, common.UnsafeName, OSError) as exc:
            out[stem] = ScenarioInfo(stem, problem=str(exc))
            continue
        out[stem] = ScenarioInfo(
            stem,
            " ".join(str(scenario.description or "").split()),
            float(scenario.demand.orders_per_day),
            float(scenario.simulation.horizon_days),
        )
    return out


def infos(root: Path | None = None) -> dict[str, ScenarioInfo]:
    """:func:`scenario_infos` of the scenarios folder, cached."""
    root = root or common.scenarios_root()
    return scenario_infos(str(root), common.folder_stamp(root))


def label(stem: str, root: Path | None = None) -> str:
    """A file's name with its description, for a chooser's ``format_func``."""
    info = infos(root).get(stem)
    return info.label() if info else stem
