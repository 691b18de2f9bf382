"""Argument checks shared by evotune's classes and functions.

Each raises :class:`InvalidParameterError` naming the argument (and its owner, for a class's
arguments), what is allowed, and what was given.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable

from .exceptions import InvalidParameterError


def check_int(name: str, value: Any, minimum: int, *, owner: str = "", allow_none: bool = False,
              below: int | None = None) -> None:
    """``value`` must be an integer (not a bool) >= ``minimum`` (and < ``below``), or None if ``allow_none``."""
    if value is None and allow_none:
        return
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum
            or (below is not None and value >= below)):
        allowed = f"an integer >= {minimum}" + ("" if below is None else f" and < {below}")
        _refuse(owner, name, allowed, value, allow_none)


def check_number(name: str, value: Any, allowed: str, ok: Callable[[float], bool], *, owner: str = "",
                 allow_none: bool = False) -> None:
    """``value`` must be a real number (not a bool) for which ``ok`` holds (``allowed`` says which),
    or None if ``allow_none``. NaN fails every comparison, so it is refused."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not ok(value):
        _refuse(owner, name, allowed, value, allow_none)


def _refuse(owner: str, name: str, allowed: str, value: Any, allow_none: bool) -> None:
    prefix = f"{owner}: " if owner else ""
    alternative = " or None" if allow_none else ""
    raise InvalidParameterError(f"{prefix}`{name}` must be {allowed}{alternative}; got {value!r}.")
