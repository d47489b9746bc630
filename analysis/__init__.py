"""Analysis of simulation event logs: KPIs (``analysis.kpis``) and statistics (``analysis.stats``).

This package works on the polars tables emitted by ``sim.eventlog`` and never imports simpy.
"""
