"""Search spaces: the parameters a candidate is made of.

A :class:`Space` maps names to parameters: :class:`Float`, :class:`Integer` or
:class:`Categorical`. Every parameter validates itself when it is created, so a
wrong space fails before the first model is trained.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Union

from .exceptions import InvalidSpaceError

__all__ = ["Float", "Integer", "Categorical", "Space", "Parameter"]


def _check_number(kind: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidSpaceError(
            f"{kind}: `{name}` must be a real number; got {value!r} ({type(value).__name__})."
        )
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int past float's range
        finite = False
    if not finite:
        raise InvalidSpaceError(f"{kind}: `{name}` must be finite; got {value!r}.")
    return value


def _check_bounds(kind: str, low: Any, high: Any, log: bool) -> None:
    if not isinstance(log, bool):
        raise InvalidSpaceError(f"{kind}: `log` must be True or False; got {log!r}.")
    if not low < high:
        raise InvalidSpaceError(
            f"{kind}: `low` must be smaller than `high`; got low={low!r}, high={high!r}."
        )
    if not math.isfinite(float(high) - float(low)):
        raise InvalidSpaceError(
            f"{kind}: `high - low` must be a finite number (the search moves in steps of it); "
            f"got low={low!r}, high={high!r}."
        )
    if log and low <= 0:
        raise InvalidSpaceError(
            f"{kind}: a log scale needs `low` > 0; got low={low!r} (use log=False, or a "
            f"positive lower bound)."
        )


class _Conditional:
    """``when()``: the parameter exists only when other parameters take given values."""

    condition: tuple

    def when(self, **conditions: Any):
        """This parameter, active only when each named parameter takes one of the given values.

        ``Integer(2, 5).when(kernel="poly")``, ``Float(0, 1).when(model=["svc", "logreg"])``;
        several names must all hold. A parameter whose condition does not hold is absent
        from the candidate (and from its params dict); its gene keeps the value it had,
        so a child that switches back finds it again. The named parameters must be
        Categorical or Integer parameters of the same space (checked by the Space).

        Examples
        --------
        >>> Integer(2, 5).when(kernel="poly")
        Integer(low=2, high=5, log=False).when(kernel=['poly'])
        """
        if not conditions:
            raise InvalidSpaceError(f"{type(self).__name__}.when(): name at least one parameter and its value(s).")
        clauses = []
        for name, values in sorted(conditions.items()):
            values = tuple(values) if isinstance(values, (list, tuple, set, frozenset)) else (values,)
            if not values:
                raise InvalidSpaceError(f"{type(self).__name__}.when(): `{name}` needs at least one value; got [].")
            clauses.append((name, values))
        return replace(self, condition=tuple(clauses))

    def _when_repr(self) -> str:
        if not self.condition:
            return ""
        return ".when(" + ", ".join(f"{name}={list(values)!r}" for name, values in self.condition) + ")"


@dataclass(frozen=True, repr=False)
class Float(_Conditional):
    """A real-valued parameter in ``[low, high]``, searched on a linear or log scale.

    With ``log=True`` the search moves in ``ln(value)``: use it for quantities
    whose magnitude matters more than their digits (learning rates, C, gamma).
    Values on a log scale are resolved to 12 significant digits.

    Examples
    --------
    >>> Float(1e-4, 1e-1, log=True)
    Float(low=0.0001, high=0.1, log=True)
    >>> Float(0.0, 1.0).contains(0.5)
    True
    """

    low: float
    high: float
    log: bool = False
    condition: tuple = field(default=(), kw_only=True)

    def __repr__(self) -> str:
        return f"Float(low={self.low!r}, high={self.high!r}, log={self.log!r}){self._when_repr()}"

    def __post_init__(self) -> None:
        low = float(_check_number("Float", "low", self.low))
        high = float(_check_number("Float", "high", self.high))
        _check_bounds("Float", low, high, self.log)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def contains(self, value: Any) -> bool:
        """Whether ``value`` is a number inside the bounds."""
        return (
            isinstance(value, numbers.Real)
            and not isinstance(value, bool)
            and self.low <= value <= self.high
        )

    @property
    def cardinality(self) -> float:
        """Number of distinct values: infinite."""
        return math.inf


@dataclass(frozen=True, repr=False)
class Integer(_Conditional):
    """An integer parameter in ``[low, high]`` (both included), linear or log scale.

    Examples
    --------
    >>> Integer(16, 512, log=True)
    Integer(low=16, high=512, log=True)
    >>> Integer(1, 8).cardinality
    8
    """

    low: int
    high: int
    log: bool = False
    condition: tuple = field(default=(), kw_only=True)

    def __repr__(self) -> str:
        return f"Integer(low={self.low!r}, high={self.high!r}, log={self.log!r}){self._when_repr()}"

    def __post_init__(self) -> None:
        bounds = {}
        for name in ("low", "high"):
            value = _check_number("Integer", name, getattr(self, name))
            if value != int(value):
                raise InvalidSpaceError(
                    f"Integer: `{name}` must be a whole number; got {value!r} "
                    f"(use Float for real-valued parameters)."
                )
            bounds[name] = int(value)
        _check_bounds("Integer", bounds["low"], bounds["high"], self.log)
        object.__setattr__(self, "low", bounds["low"])
        object.__setattr__(self, "high", bounds["high"])

    def contains(self, value: Any) -> bool:
        """Whether ``value`` is a whole number inside the bounds."""
        return (
            isinstance(value, numbers.Real)
            and not isinstance(value, bool)
            and value == int(value)
            and self.low <= value <= self.high
        )

    @property
    def cardinality(self) -> int:
        """Number of distinct values."""
        return self.high - self.low + 1


def _same(a: Any, b: Any) -> bool:
    """Choice identity: the same object, or equal values of the same type."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:  # e.g. numpy arrays: ambiguous truth value
        return False


@dataclass(frozen=True, eq=False, repr=False)
class Categorical(_Conditional):
    """A parameter that takes one of a fixed list of choices.

    Choices may be strings, numbers, booleans, ``None`` or any object (an
    estimator, a function). They are searched as unordered labels, or, with
    ``ordered=True``, as a scale on which neighbouring choices are similar
    (``[10, 50, 100, 200]`` trees): mutation then moves to a neighbour.

    Examples
    --------
    >>> Categorical(["relu", "tanh", "gelu"])
    Categorical(choices=('relu', 'tanh', 'gelu'))
    >>> Categorical([None, 10, 20]).index(10)
    1
    >>> Categorical([10, 50, 100, 200], ordered=True)
    Categorical(choices=(10, 50, 100, 200), ordered=True)
    """

    choices: tuple
    ordered: bool = False
    condition: tuple = field(default=(), kw_only=True)

    def __post_init__(self) -> None:
        if isinstance(self.choices, (str, bytes)) or not isinstance(self.choices, Sequence):
            raise InvalidSpaceError(
                f"Categorical: `choices` must be a list or tuple of values; got {self.choices!r}."
            )
        choices = tuple(self.choices)
        if not choices:
            raise InvalidSpaceError("Categorical: `choices` must not be empty; got [].")
        positions: dict[tuple, int] = {}  # (type, value) of hashable choices -> index: linear, not quadratic
        unhashable: list[int] = []
        for i, a in enumerate(choices):
            try:
                twice = positions.setdefault((type(a), a), i) != i
            except TypeError:  # unhashable: compared one by one (there are few such choices)
                twice = any(_same(a, choices[j]) for j in unhashable)
                unhashable.append(i)
            if twice:
                shown = list(choices) if len(choices) <= 20 else f"{len(choices)} choices"
                raise InvalidSpaceError(f"Categorical: `choices` must be distinct; {a!r} appears twice in {shown!r}.")
        object.__setattr__(self, "_positions", positions)
        if not isinstance(self.ordered, bool):
            raise InvalidSpaceError(f"Categorical: `ordered` must be True or False; got {self.ordered!r}.")
        object.__setattr__(self, "choices", choices)

    def __repr__(self) -> str:
        ordered = ", ordered=True" if self.ordered else ""
        return f"Categorical(choices={self.choices!r}{ordered}){self._when_repr()}"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Categorical)
            and other.ordered == self.ordered
            and _same_condition(other.condition, self.condition)
            and len(other.choices) == len(self.choices)
            and all(_same(a, b) for a, b in zip(self.choices, other.choices))
        )

    def __hash__(self) -> int:
        return hash(len(self.choices))

    def index(self, value: Any) -> int:
        """Position of ``value`` among the choices; ``ValueError`` if it is not one."""
        try:
            i = self._positions.get((type(value), value))
        except TypeError:
            i = None
        if i is not None and _same(self.choices[i], value):
            return i
        for i, choice in enumerate(self.choices):
            if _same(choice, value):
                return i
        raise InvalidSpaceError(f"{value!r} is not one of the choices {list(self.choices)!r}.")

    def contains(self, value: Any) -> bool:
        """Whether ``value`` is one of the choices."""
        return any(_same(choice, value) for choice in self.choices)

    @property
    def cardinality(self) -> int:
        """Number of choices."""
        return len(self.choices)


def _condition_value(where: str, owner: Any, value: Any) -> Any:
    """``value`` as one of ``owner``'s values; a class name stands for the one choice of that class."""
    if owner.contains(value):
        return int(value) if isinstance(owner, Integer) else value  # 2.0 for an Integer means 2
    if isinstance(owner, Categorical) and isinstance(value, str):
        matches = [c for c in owner.choices if type(c).__name__ == value and not isinstance(c, str)]
        if len(matches) == 1:
            return matches[0]
    allowed = list(owner.choices) if isinstance(owner, Categorical) else f"{owner.low}..{owner.high}"
    raise InvalidSpaceError(f"{where}: {value!r} is not a value it can take; it takes {allowed}.")


def _same_condition(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(
        n1 == n2 and len(v1) == len(v2) and all(_same(x, y) for x, y in zip(v1, v2)) for (n1, v1), (n2, v2) in zip(a, b)
    )


Parameter = Union[Float, Integer, Categorical]
_PARAMETER_TYPES = (Float, Integer, Categorical)


def _is_sorted_numbers(values: Sequence) -> bool:
    numeric = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)
    return numeric and len(values) > 2 and all(a < b for a, b in zip(values, values[1:]))


def _from_distribution(name: str, dist: Any) -> Parameter:
    """Float or Integer for a frozen scipy.stats distribution with finite support."""
    low, high = (float(v) for v in dist.support())
    family = getattr(dist.dist, "name", type(dist.dist).__name__)
    if not (math.isfinite(low) and math.isfinite(high)):
        raise InvalidSpaceError(
            f"parameter {name!r}: scipy.stats.{family} has unbounded support [{low}, {high}]; "
            f"evotune searches bounded ranges: use et.Float(low, high) or et.Integer(low, high)."
        )
    log = family in ("loguniform", "reciprocal")
    if hasattr(dist.dist, "pmf"):  # discrete: randint and friends
        return Integer(int(low), int(high), log=log)
    return Float(low, high, log=log)


def _as_parameter(name: str, spec: Any) -> Parameter:
    if isinstance(spec, _PARAMETER_TYPES):
        return spec
    try:
        if isinstance(spec, (list, tuple)):
            return Categorical(spec, ordered=_is_sorted_numbers(spec))
        if hasattr(spec, "dist") and hasattr(spec, "support"):
            return _from_distribution(name, spec)
    except InvalidSpaceError as exc:
        message = str(exc)
        raise InvalidSpaceError(message if message.startswith("parameter") else f"parameter {name!r}: {message}") from None
    raise InvalidSpaceError(
        f"parameter {name!r}: expected Float, Integer, Categorical, a list of choices or a scipy.stats "
        f"distribution; got {spec!r} ({type(spec).__name__})"
        + (f"; a fixed value is a list of one: [{spec!r}]." if isinstance(spec, (str, numbers.Number))
           else ".")
    )


#: Largest number of combinations a conditional space enumerates to count its distinct points.
_COUNT_LIMIT = 100_000

#: Name of the gene that picks the sub-space of a union space.
BRANCH = "__space__"


def _union(branches: list[Space]) -> tuple[dict[str, Parameter], dict[str, str | None], str, list[dict[str, str]]]:
    """A union of sub-spaces as one space with conditions: one gene per parameter name, active in
    the sub-spaces that have it (a name that sub-spaces define differently: a gene per definition,
    ``"<i>:<name>"`` after the first sub-space that has it).

    The sub-space is picked by a Categorical that every sub-space has with choices of its own, as
    in scikit-learn's ``[{"kernel": ["linear"], ...}, {"kernel": ["rbf"], ...}]`` (its choices
    merged), else by a gene ``"__space__"`` (the sub-space's index). Returns the parameters, the
    labels (gene name -> name the objective sees), the picking gene and, per sub-space, its names'
    genes.
    """
    def picks(name: str) -> bool:  # a Categorical in every sub-space, no choice in two of them
        params = [branch._params.get(name) for branch in branches]
        if not all(isinstance(p, Categorical) for p in params):
            return False
        try:
            Categorical([c for p in params for c in p.choices])  # refuses a choice that appears twice
        except InvalidSpaceError:
            return False
        return True

    pick = next((name for name in branches[0] if picks(name)), None)
    if pick is None:
        pick, picked_by = BRANCH, [(i,) for i in range(len(branches))]
        params: dict[str, Parameter] = {BRANCH: Categorical(list(range(len(branches))))}
        labels: dict[str, str | None] = {BRANCH: None}
    else:
        picked_by = [branch[pick].choices for branch in branches]
        merged = [c for choices in picked_by for c in choices]
        ordered = all(branch[pick].ordered for branch in branches) and _is_sorted_numbers(merged)
        params, labels = {pick: Categorical(merged, ordered=ordered)}, {}
    genes: list[dict[str, str]] = [{pick: pick} if pick != BRANCH else {} for _ in branches]
    for name in dict.fromkeys(name for branch in branches for name in branch if name != pick):
        definitions: list[tuple[Parameter, list[int]]] = []
        for i, branch in enumerate(branches):
            if name in branch:
                owners = next((owners for p, owners in definitions if p == branch[name]), None)
                if owners is None:
                    definitions.append((branch[name], owners := []))
                owners.append(i)
        for p, owners in definitions:
            gene = name if len(definitions) == 1 else f"{owners[0]}:{name}"
            if gene in params:
                raise InvalidSpaceError(f"space: the sub-spaces' parameter names clash: {gene!r} is used twice.")
            if len(owners) < len(branches):
                p = p.when(**{pick: [c for i in owners for c in picked_by[i]]})
            params[gene] = p
            if gene != name:
                labels[gene] = name
            for i in owners:
                genes[i][name] = gene
    return params, labels, pick, genes


class Space(Mapping):
    """An ordered mapping of parameter names to parameters.

    Plain lists and tuples are read as :class:`Categorical` choices, as in
    scikit-learn's ``param_grid``; a list of three or more increasing numbers is
    searched as ordered. Frozen ``scipy.stats`` distributions with bounded
    support, as in ``RandomizedSearchCV``'s ``param_distributions``, become a
    :class:`Float` or :class:`Integer` over their support (``loguniform`` on a
    log scale); their density is not used.

    A list of dicts is a union of sub-spaces, as GridSearchCV accepts a list of
    grids: a candidate comes from one sub-space and has only its parameters.
    It is searched as one space with ``when=`` conditions: one gene per name
    (shared by the sub-spaces that define it alike), active where its sub-space
    is picked. The pick is a Categorical every sub-space has with choices of its
    own (``kernel`` below), else a gene ``"__space__"``; :attr:`branches` holds
    the sub-spaces, :attr:`labels` the genes named otherwise than their parameter.

    Examples
    --------
    >>> space = Space({"lr": Float(1e-4, 1e-1, log=True), "depth": [None, 10, 20]})
    >>> list(space)
    ['lr', 'depth']
    >>> space["depth"]
    Categorical(choices=(None, 10, 20))
    >>> Space({"a": Integer(0, 3), "b": ["x", "y"]}).cardinality
    8
    >>> union = Space([{"kernel": ["linear"], "C": [1, 10]}, {"kernel": ["rbf"], "gamma": [0.1, 1.0, 10.0]}])
    >>> union.cardinality, len(union.branches)
    (5, 2)
    >>> union["gamma"]
    Categorical(choices=(0.1, 1.0, 10.0), ordered=True).when(kernel=['rbf'])

    ``forbidden``, a callable ``params -> bool``, rules points out: they are never
    proposed (a space it rules out entirely is refused when the search starts).

    >>> narrow = Space({"low": Integer(0, 9), "high": Integer(0, 9)}, forbidden=lambda p: p["low"] >= p["high"])
    >>> narrow.forbidden({"low": 3, "high": 2})
    True
    """

    def __init__(self, parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | Space,
                 *, forbidden: Callable[[dict[str, Any]], bool] | None = None):
        if forbidden is not None and not callable(forbidden):
            raise InvalidSpaceError(f"space: `forbidden` must be a callable params -> bool; got {forbidden!r}.")
        #: ``forbidden(params)`` is true for the points never to evaluate (e.g. ``lambda p: p["a"] > p["b"]``).
        self.forbidden = forbidden if forbidden is not None else getattr(parameters, "forbidden", None)
        #: The sub-spaces of a union space, else None.
        self.branches: list[Space] | None = None
        #: Whether some parameter has a when= condition; ``order`` lists the names so that every
        #: parameter comes after those its condition names.
        self.conditional: bool = False
        self.order: list[str] = []
        #: Gene name -> the name the objective sees, for the genes of a union space named otherwise
        #: (``"1:C"`` -> ``"C"``; ``"__space__"`` -> None: it is no parameter of the objective).
        self.labels: dict[str, str | None] = {}
        self._pick: str | None = None  # a union space: the gene that picks the sub-space
        self._gene_names: list[dict[str, str]] = []  # a union space: per sub-space, name -> gene name
        if isinstance(parameters, Space):
            self.__dict__.update({k: v for k, v in parameters.__dict__.items() if k != "forbidden"})
            self._params = dict(parameters._params)
            return
        if isinstance(parameters, Sequence) and not isinstance(parameters, (str, bytes)) and parameters:
            if not all(isinstance(p, Mapping) for p in parameters):
                raise InvalidSpaceError(
                    "space: a list must hold dicts of parameter name -> parameter (a union of sub-spaces); "
                    f"got {parameters!r}."
                )
            if len(parameters) == 1:
                parameters = parameters[0]
            else:
                self.branches = [Space(p) for p in parameters]
                if any(branch.conditional for branch in self.branches):
                    raise InvalidSpaceError(
                        "space: a list of sub-spaces cannot also hold when= conditions; write it as one dict "
                        "with a choice parameter and conditions on it."
                    )
                self._params, self.labels, self._pick, self._gene_names = _union(self.branches)
                self._check_conditions()
                return
        if not isinstance(parameters, Mapping):
            raise InvalidSpaceError(
                f"space: expected a dict of parameter name -> parameter, or a list of such dicts; got "
                f"{type(parameters).__name__}."
            )
        if not parameters:
            raise InvalidSpaceError("space: must hold at least one parameter; got {}.")
        for name in parameters:
            if not isinstance(name, str):
                raise InvalidSpaceError(f"space: parameter names must be strings; got {name!r}.")
        self._params = {name: _as_parameter(name, spec) for name, spec in parameters.items()}
        self._check_conditions()

    def _check_conditions(self) -> None:
        """Every condition names another Categorical or Integer parameter of this space and values it
        can take; no cycles. Sets ``conditional`` and ``order``. A condition value that names the class
        of an object choice (``"SVC"`` for ``SVC()``) stands for that choice."""
        for name, p in list(self._params.items()):
            clauses = []
            for parent, values in p.condition:
                where = f"parameter {name!r}: when({parent}=...)"
                if parent not in self._params:
                    raise InvalidSpaceError(f"{where}: the space has no parameter {parent!r}; it has {list(self)}.")
                if parent == name:
                    raise InvalidSpaceError(f"{where}: a parameter cannot depend on itself.")
                owner = self._params[parent]
                if isinstance(owner, Float):
                    raise InvalidSpaceError(
                        f"{where}: {parent!r} is a Float, whose values are never exactly equal; condition on a "
                        f"Categorical or Integer parameter."
                    )
                clauses.append((parent, tuple(_condition_value(where, owner, v) for v in values)))
            if clauses:
                self._params[name] = replace(p, condition=tuple(clauses))
        self.conditional = any(p.condition for p in self._params.values())
        order: list[str] = []
        state: dict[str, int] = {}  # 1: being visited, 2: done

        def visit(name: str, path: list[str]) -> None:
            if state.get(name) == 2:
                return
            if state.get(name) == 1:
                cycle = path[path.index(name):] + [name]
                raise InvalidSpaceError(f"space: the conditions form a cycle: {' -> '.join(cycle)}.")
            state[name] = 1
            for parent, _ in self._params[name].condition:
                visit(parent, path + [name])
            state[name] = 2
            order.append(name)

        for name in self._params:
            visit(name, [])
        self.order = order

    def active(self, values: Mapping[str, Any]) -> set[str]:
        """The names whose conditions hold for ``values`` (a value for every name, active or not).

        Examples
        --------
        >>> space = Space({"kernel": ["rbf", "poly"], "degree": Integer(2, 5).when(kernel="poly")})
        >>> sorted(space.active({"kernel": "rbf", "degree": 3}))
        ['kernel']
        """
        on: set[str] = set()
        for name in self.order:
            if all(parent in on and any(_same(values[parent], v) for v in allowed)
                   for parent, allowed in self._params[name].condition):
                on.add(name)
        return on

    def __getitem__(self, name: str) -> Parameter:
        return self._params[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __repr__(self) -> str:
        if self.branches is not None:
            return f"Space([{', '.join(repr(b)[6:-1] for b in self.branches)}])"
        inner = ", ".join(f"{name!r}: {p!r}" for name, p in self._params.items())
        return f"Space({{{inner}}})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and list(self.items()) == list(other.items())

    __hash__ = None  # type: ignore[assignment]

    @property
    def cardinality(self) -> float:
        """Number of distinct points: ``math.inf`` if any parameter is a Float. With conditions,
        points that differ only in inactive parameters are one point (counted when there are at
        most 100,000 combinations; beyond, the number of combinations, an upper bound)."""
        if self.branches is not None:
            return sum(branch.cardinality for branch in self.branches)
        total = 1
        for param in self._params.values():
            total *= param.cardinality
        if self.conditional and total <= _COUNT_LIMIT:
            return len(self.distinct_points())
        return total

    def distinct_points(self) -> list[dict[str, Any]]:
        """Every distinct point of a finite conditional space (only active parameters, under their
        gene names), in mixed-radix order of the first combination that gives it; a union space's
        sub-space by sub-space."""
        cached = self.__dict__.get("_distinct")
        if cached is None and self.branches is not None:
            cached = self.__dict__["_distinct"] = [
                self._in_genes(i, point) for i, branch in enumerate(self.branches) for point in branch.distinct_points()
            ]
        if cached is None:
            names = list(self._params)
            values = [self._params[n].choices if isinstance(self._params[n], Categorical)
                      else range(self._params[n].low, self._params[n].high + 1) for n in names]
            seen: dict[tuple, dict[str, Any]] = {}
            for combination in itertools.product(*(range(len(v)) for v in reversed(values))):
                indices = combination[::-1]  # the first name varies fastest
                point = {n: v[j] for n, v, j in zip(names, values, indices)}
                on = self.active(point)
                key = tuple((i, j) for i, (n, j) in enumerate(zip(names, indices)) if n in on)
                seen.setdefault(key, {n: point[n] for n in names if n in on})
            cached = self.__dict__["_distinct"] = list(seen.values())
        return cached

    def gene_values(self, point: Mapping[str, Any]) -> dict[str, Any]:
        """``point`` (a valid partial point) under its genes' names: a union space's names as its
        genes call them, with the value of the gene that picks the sub-space; else ``point``.

        Examples
        --------
        >>> union = Space([{"kernel": ["linear"], "C": [1, 10]}, {"kernel": ["rbf"], "C": [0.5, 5]}])
        >>> list(union), union.labels
        (['kernel', '0:C', '1:C'], {'0:C': 'C', '1:C': 'C'})
        >>> union.gene_values({"C": 5})
        {'kernel': 'rbf', '1:C': 5}
        """
        if self.branches is None:
            return dict(point)
        return self._in_genes(self.branch_of(point), point)

    def _in_genes(self, branch: int, point: Mapping[str, Any]) -> dict[str, Any]:
        pick = self._pick
        values = {pick: branch if pick == BRANCH else self.branches[branch][pick].choices[0]}
        genes = self._gene_names[branch]
        values.update({genes[name]: value for name, value in point.items()})
        return values

    def branch_of(self, point: Mapping[str, Any], *, what: str = "point") -> int:
        """The sub-space of a union space that ``point`` (a partial point) belongs to."""
        errors = []
        for i, branch in enumerate(self.branches or []):
            try:
                branch.check_point(point, what=f"sub-space {i}")
                return i
            except InvalidSpaceError as exc:
                errors.append(str(exc))
        raise InvalidSpaceError(f"{what}: {dict(point)!r} fits none of the sub-spaces: " + "; ".join(errors))

    def check_point(self, point: Mapping[str, Any], *, what: str = "point") -> None:
        """Raise :class:`InvalidSpaceError` unless every entry of ``point`` is in the space.

        Missing names are allowed (they are filled in by sampling). For a union
        space, the point must fit one of the sub-spaces.

        Examples
        --------
        >>> Space({"n": Integer(1, 8)}).check_point({"n": 9})
        Traceback (most recent call last):
        ...
        evotune.exceptions.InvalidSpaceError: point: 'n'=9 is outside Integer(low=1, high=8, log=False).
        """
        if not isinstance(point, Mapping):
            raise InvalidSpaceError(f"{what}: expected a dict of parameter values; got {point!r}.")
        if self.branches is not None:
            self.branch_of(point, what=what)
            return
        unknown = [name for name in point if name not in self._params]
        if unknown:
            raise InvalidSpaceError(
                f"{what}: unknown parameter name(s) {unknown}; the space has {list(self)}."
            )
        for name, value in point.items():
            param = self._params[name]
            if not param.contains(value):
                raise InvalidSpaceError(f"{what}: {name!r}={value!r} is outside {param!r}.")
