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


def from_literal_repr(cls: type, text: Any) -> Any:
    """The ``cls`` instance whose repr is ``text`` when that repr is ``cls(name=literal, ...)`` (keywords and
    Python literals only: nothing else is evaluated), else None. Run files keep settings objects as their
    repr; a resumed run takes back those it can rebuild so.

    >>> from evotune import Racing
    >>> from_literal_repr(Racing, repr(Racing(min_parts=4))) == Racing(min_parts=4)
    True
    >>> from_literal_repr(Racing, "Racing(min_parts=__import__('os'))") is None
    True
    """
    import ast

    try:
        call = ast.parse(text, mode="eval").body if isinstance(text, str) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id == cls.__name__ and not call.args):
            return None
        value = cls(**{k.arg: ast.literal_eval(k.value) for k in call.keywords})
    except (SyntaxError, ValueError, TypeError, InvalidParameterError):
        return None
    return value if repr(value) == text else None
