"""Statistics for experiments: intervals, paired comparisons, SLAs, steady state, queueing."""
