"""What a session records about itself: the environment it ran in and what it tuned."""

from __future__ import annotations

import functools
import os
import platform
import sys
from importlib import metadata
from typing import Any

_PACKAGES = ("evotune", "numpy", "scikit-learn", "deap")


def environment() -> dict[str, Any]:
    """Python, the versions of evotune and the libraries it runs on, the platform and its cores."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {**_installed(), "cores": cores}


@functools.cache
def _installed() -> dict[str, str]:
    """What :func:`environment` reports that a process cannot change, read once: package metadata takes
    milliseconds to read (7 ms here, a hundred evaluations of the engine on a cheap objective)."""
    from . import __version__  # the code running (an editable install's metadata keeps its install-time version)

    versions = {"evotune": __version__}
    for name in _PACKAGES[1:]:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {"python": sys.version.split()[0], **versions, "platform": platform.platform()}


def describe(objective: Any) -> dict[str, Any]:
    """What an objective is: its own ``describe()``, else its importable name."""
    own = getattr(objective, "describe", None)
    if callable(own):
        return dict(own())
    target = objective if hasattr(objective, "__qualname__") else type(objective)
    return {"objective": f"{getattr(target, '__module__', '?')}.{target.__qualname__}"}
