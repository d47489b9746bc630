"""Versions of Python and of the packages that determine a run's results."""

from __future__ import annotations

import platform
from importlib import metadata

PACKAGES = ("omsim", "simpy", "numpy", "scipy", "polars", "pydantic")


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that determine a run's results."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
