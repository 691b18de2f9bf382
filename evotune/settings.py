"""Settings: every setting of the search, declared and validated in one place.

:class:`Evolution`, :func:`optimize`, ``EvolutionarySearchCV`` and the CLI take
these fields without listing them again (``Evolution(space, population_size=24)``
builds ``Settings(population_size=24)``), the run file stores them, and a resumed
run restores the ones it can from there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from ._checks import check_int, check_number
from .exceptions import InvalidParameterError
from .racing import AUTO, Fidelity, Racing
from .surrogate import GaussianProcessSurrogate, Surrogate
from .trial import Direction

__all__ = ["Settings"]


@dataclass(frozen=True, kw_only=True)
class Settings:
    """The settings of a search (everything but the space, the budget and where evaluations run).

    Parameters
    ----------
    direction : {"minimize", "maximize"}
        Whether smaller or larger objective values are better.
    directions : list of {"minimize", "maximize"}, optional
        One direction per objective, for an objective that returns several values
        (a multi-objective search: see :mod:`evotune.pareto`); ``direction`` is then
        the first of them.
    constraints : callable, optional
        ``constraints(params, values, info)`` returns a number or a sequence of
        numbers, each at most 0 when its constraint holds. Feasible trials beat
        infeasible ones, and the less violation the better; the hall of fame holds
        feasible trials only, unless no trial is feasible.
    keep_extremes : bool, optional
        With several ``directions``: whether survival keeps each front's extremes
        (the trials best in some objective) whatever hypervolume they add. By
        default with two objectives only: from three, a trial best in one objective
        and poor in the others is an extreme nothing dominates, and kept it holds a
        small population away from the front (see :func:`evotune.pareto.survival_order`).
        Ignored with one objective.
    population_size : int, optional
        Survivors per generation (mu) and the size of generation 0; by default
        :func:`~evotune.default_population_size` of the budget (6 with two or three objectives).
    offspring_size : int, optional
        Children per generation after the first (lambda); by default
        :func:`~evotune.default_offspring_size`: half the population with a surrogate, one objective
        and a space with conditions (since 0.21), else ``population_size``.
    lag : int, optional
        A generation is bred from the trials up to ``lag`` before its first (see
        :class:`~evotune.Evolution`); by default :func:`~evotune.default_lag` of the
        workers in :func:`~evotune.optimize`, 1 in an :class:`~evotune.Evolution` of your own.
    crossover, mutation, selection :
        Variation operators; defaults :class:`~evotune.MixedCrossover`,
        :class:`~evotune.MixedMutation`, :class:`~evotune.Tournament`.
    crossover_prob : float
        Chance that two parents are recombined before mutation.
    surrogate : Surrogate, True or None
        Picks the children worth evaluating (see :mod:`evotune.surrogate`); ``True``
        is the default :class:`~evotune.GaussianProcessSurrogate`, ``None`` or
        ``False`` a plain genetic algorithm.
    racing : Racing, True, None or "auto"
        Stop a candidate's cross-validation when its first folds show it worse
        than the population's best, or repeat an earlier trial's models, or tie the
        best (see :class:`~evotune.Racing`; only objectives
        evaluated fold by fold are raced); ``True`` is ``Racing()``, ``None`` or
        ``False`` runs every fold. ``"auto"`` (the default since 0.22):
        :func:`~evotune.optimize` races with ``Racing()`` an objective evaluated fold by
        fold (EvolutionarySearchCV's, the CLI's estimators',
        :func:`evotune.sklearn.cross_validation`) of 6 folds or more (twice its
        ``min_parts``) and one objective, and nothing else (:meth:`~evotune.Racing.auto`);
        an :class:`~evotune.Evolution` of your own races only when given a ``Racing``;
        a resumed run keeps what it stored. With several ``directions`` (asked for): when a trial of the
        population's front is shown better in every objective.
    fidelity : Fidelity, optional
        Evaluate at growing budgets, stopping candidates the population beats at
        equal budget (see :class:`~evotune.Fidelity`); the objective is then called
        as ``objective(params, budget)``. Not with ``racing``. With several ``directions``,
        a candidate stops where enough members dominate it at equal budget. Its first
        generation screens three times the population at the smallest budget (``screen``).
    initial_points : list of dict, optional
        Points to evaluate in generation 0 (missing parameters are sampled).
    hall_of_fame_size : int
        How many of the best trials to keep.
    seed : int, optional
        Seed of every random choice; ``None`` draws one.

    Examples
    --------
    >>> import evotune as et
    >>> settings = et.Settings(population_size=16, crossover_prob=0.7, seed=0)
    >>> settings.replace(seed=1).seed, settings.population_size
    (1, 16)
    >>> et.Settings(population_sise=16)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: Settings.__init__() got an unexpected keyword argument 'population_sise'...
    >>> et.Settings.of({"population_sise": 16})
    Traceback (most recent call last):
    ...
    evotune.exceptions.InvalidParameterError: unknown setting 'population_sise'; the settings are: constraints, crossover, crossover_prob, direction, directions, fidelity, hall_of_fame_size, initial_points, keep_extremes, lag, mutation, offspring_size, population_size, racing, seed, selection, surrogate.
    """

    direction: str = "minimize"
    directions: Sequence[str] | None = None
    constraints: Any = None
    keep_extremes: bool | None = None
    population_size: int | None = None
    offspring_size: int | None = None
    lag: int | None = None
    crossover: Any = None
    mutation: Any = None
    selection: Any = None
    crossover_prob: float = 0.9
    surrogate: Surrogate | bool | None = True
    racing: Racing | bool | str | None = AUTO
    fidelity: Fidelity | None = None
    initial_points: Sequence[Mapping[str, Any]] | None = None
    hall_of_fame_size: int = 10
    seed: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "direction", Direction.parse(self.direction))
        if self.directions is not None:
            if isinstance(self.directions, str) or not isinstance(self.directions, Sequence) or not self.directions:
                raise InvalidParameterError(
                    f"`directions` must be a non-empty list of 'minimize' / 'maximize'; got {self.directions!r}."
                )
            directions = tuple(Direction.parse(d, "directions") for d in self.directions)
            if self.direction is not Direction.MINIMIZE and self.direction is not directions[0]:
                raise InvalidParameterError(
                    f"`direction` ({self.direction}) and `directions` ({[str(d) for d in directions]}) disagree; "
                    "give `directions` only."
                )
            object.__setattr__(self, "directions", directions)
            object.__setattr__(self, "direction", directions[0])
        if self.constraints is not None and not callable(self.constraints):
            raise InvalidParameterError(
                f"`constraints` must be a callable (params, values, info) -> number(s); got {self.constraints!r}."
            )
        if self.keep_extremes is not None and not isinstance(self.keep_extremes, bool):
            raise InvalidParameterError(f"`keep_extremes` must be True, False or None; got {self.keep_extremes!r}.")
        check_int("population_size", self.population_size, 2, allow_none=True)
        check_int("offspring_size", self.offspring_size, 1, allow_none=True)
        check_int("lag", self.lag, 1, allow_none=True)
        check_int("hall_of_fame_size", self.hall_of_fame_size, 1)
        check_int("seed", self.seed, 0, allow_none=True, below=2**63)  # run files store it as a 64-bit integer
        check_number("crossover_prob", self.crossover_prob, "a probability in [0, 1]", lambda v: 0 <= v <= 1)
        for name in ("crossover", "mutation", "selection"):
            op = getattr(self, name)
            if op is not None and not callable(op):
                raise InvalidParameterError(f"`{name}` must be callable; got {op!r}.")
        surrogate = self.surrogate
        if surrogate is True:
            object.__setattr__(self, "surrogate", GaussianProcessSurrogate())
        elif surrogate is False:
            object.__setattr__(self, "surrogate", None)
        elif surrogate is not None and not isinstance(surrogate, Surrogate):
            raise InvalidParameterError(
                f"`surrogate` must be a Surrogate (e.g. GaussianProcessSurrogate()), True or None; got {surrogate!r}."
            )
        if self.racing is True or self.racing is False:
            object.__setattr__(self, "racing", Racing() if self.racing else None)
        elif self.racing is not None and self.racing != AUTO and not isinstance(self.racing, Racing):
            raise InvalidParameterError(
                f"`racing` must be a Racing (e.g. Racing(min_parts=3)), True, False, None or \"auto\"; "
                f"got {self.racing!r}."
            )
        if self.fidelity is not None and not isinstance(self.fidelity, Fidelity):
            raise InvalidParameterError(
                f"`fidelity` must be a Fidelity (e.g. Fidelity(1, 81)) or None; got {self.fidelity!r}."
            )
        if self.fidelity is not None and isinstance(self.racing, Racing):
            raise InvalidParameterError("give `racing` (cross-validation folds) or `fidelity` (budgets), not both.")
        if self.initial_points is not None and (
            isinstance(self.initial_points, (str, Mapping)) or not isinstance(self.initial_points, Sequence)
        ):
            raise InvalidParameterError(f"`initial_points` must be a list of dicts; got {self.initial_points!r}.")

    @property
    def n_objectives(self) -> int:
        """How many values the objective returns."""
        return len(self.directions) if self.directions else 1

    @classmethod
    def names(cls) -> list[str]:
        """The names of the settings, in order."""
        return [f.name for f in fields(cls)]

    @classmethod
    def of(cls, values: Mapping[str, Any], base: Settings | None = None) -> Settings:
        """``base`` (or the defaults) with ``values`` set; an unknown name is an error that lists the known ones."""
        if base is not None and not isinstance(base, Settings):
            raise InvalidParameterError(f"`settings` must be an evotune.Settings or None; got {base!r}.")
        unknown = sorted(set(values) - set(cls.names()))
        if unknown:
            raise InvalidParameterError(
                f"unknown setting {unknown[0]!r}; the settings are: {', '.join(sorted(cls.names()))}."
            )
        return dataclasses.replace(base or cls(), **values)

    def replace(self, **changes: Any) -> Settings:
        """These settings with ``changes``, validated again."""
        return Settings.of(changes, self)

    def stored(self) -> dict[str, Any]:
        """The settings as the run file keeps them: values JSON holds as they are, objects as their repr."""
        out = {}
        for name in self.names():
            value = getattr(self, name)
            if name == "direction":
                value = str(value)
            elif name == "directions" and value is not None:
                value = [str(d) for d in value]
            elif name == "surrogate" or (name in ("racing", "fidelity") and value is not None):
                value = repr(value)
            elif name in ("crossover", "mutation", "selection", "initial_points", "constraints") and value is not None:
                value = repr(value)
            out[name] = value
        return out

    @classmethod
    def restorable(cls, stored: Mapping[str, Any]) -> dict[str, Any]:
        """The stored settings a resumed run takes back: numbers and names as they are, the surrogate
        when it was none or a :class:`GaussianProcessSurrogate` and the racing (none or a :class:`Racing`),
        each rebuilt from its repr (literals only); other objects are only compared, by their repr, since
        nothing is unpickled from a run file. ``stored`` empty: no run stored, nothing to take back.

        >>> Settings.restorable({"seed": 3, "racing": None, "surrogate": "None"})
        {'seed': 3, 'surrogate': None, 'racing': None}
        >>> Settings.restorable({"racing": repr(Racing(min_parts=4))})  # doctest: +NORMALIZE_WHITESPACE
        {'racing': Racing(min_parts=4, confidence=0.95, pooled=True, repeats=True, ties=True, futility=0.02,
                          schedule='each', repeat_parts=2)}
        """
        names = ("direction", "directions", "keep_extremes", "population_size", "offspring_size", "lag", "crossover_prob",
                 "hall_of_fame_size", "seed")
        restored = {name: stored[name] for name in names if stored.get(name) is not None}
        surrogate = GaussianProcessSurrogate.from_repr(stored.get("surrogate"))  # its settings are literals
        if surrogate is not None or stored.get("surrogate") == "None":
            restored["surrogate"] = surrogate
        racing = stored.get("racing")  # None (or no such setting: before 0.5) ran every fold
        taken = None if racing is None else Racing.from_repr(racing)
        if stored and (racing is None or taken is not None):
            restored["racing"] = taken
        return restored
