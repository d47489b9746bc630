"""The pages of the Streamlit app (``streamlit run app.py``) and their helpers.

The app is a thin caller (DESIGN.md section 9): experiments run in ``omsim``
subprocesses, tables and figures come from :mod:`analysis`, scenarios are validated by
:mod:`sim.scenario`. Nothing in this package imports SimPy.
"""
