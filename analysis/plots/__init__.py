"""Figures: experiments, picking time, the warehouse layout, staff timelines."""
