"""KPIs of one run, computed from its event log, and what each KPI is (its catalogue)."""
