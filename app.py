"""omsim's Streamlit front end: ``streamlit run app.py`` (from the repository root).

A thin caller of ``sim`` and ``analysis`` (DESIGN.md section 9): the pages in ``app_pages/``
run experiments as ``omsim`` subprocesses (``sim.cli.main``), read the run store and draw what
:mod:`analysis` computes. The app never imports SimPy. See docs/APP.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # the pages import app_pages, sim and analysis from here
    sys.path.insert(0, str(ROOT))

st.set_page_config(page_title="omsim", page_icon=":material/inventory_2:", layout="wide")

PAGES = [
    st.Page(
        "app_pages/compare.py", title="Compare", icon=":material/compare_arrows:", default=True
    ),
    st.Page("app_pages/scenarios.py", title="Scenarios", icon=":material/edit_note:"),
    st.Page("app_pages/sizing.py", title="Staff sizing", icon=":material/groups:"),
    st.Page("app_pages/sweep.py", title="Sweep", icon=":material/grid_view:"),
    st.Page("app_pages/runs.py", title="Runs and reports", icon=":material/folder_open:"),
    st.Page("app_pages/layout.py", title="Layout", icon=":material/warehouse:"),
    st.Page("app_pages/live.py", title="Live", icon=":material/monitor_heart:"),
]

st.navigation(PAGES).run()
