"""Calibration: a scenario fitted to an order history, and validation against it."""
