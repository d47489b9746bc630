"""Analysis of simulation event logs and experiments: KPIs (``analysis.kpis``), statistics
(``analysis.stats``), order importers (``analysis.importers``), calibration
(``analysis.calibration``), figures (``analysis.plots``) and reports (``analysis.reports``).

It works on the polars tables of ``sim.eventlog`` and never imports SimPy, the experiments or
the command line (docs/ARCHITECTURE.md).
"""
