"""Parameters <-> gene vectors: the only place where log scales, rounding and indices live.

A genome is a plain list with one gene per parameter, in the space's order:

=================  =========================================================
parameter          gene
=================  =========================================================
Float              the value (``log=False``) or ``ln(value)`` (``log=True``)
Integer            the whole number (``log=False``) or ``ln(k)`` of a whole k
Categorical        the index of the choice (a numeric gene when ``ordered``)
=================  =========================================================

Variation works on the numeric genes inside *variation bounds*; for integers
these reach half a step past each end, so that every whole number owns an
equal share of the line. :meth:`Genome.repair` brings any gene vector back to
the canonical form above, so that :meth:`Genome.key` identifies a point.

With ``when=`` conditions every parameter keeps its gene whether active or not:
an inactive gene holds the value it inherited (variation still moves it), so a
child that switches back to its branch finds it again. The point a gene vector
stands for has only the active parameters, and :meth:`Genome.key` looks only at
their genes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .exceptions import InvalidSpaceError
from .space import Categorical, Integer, Space

__all__ = ["Genome", "FLOAT", "LOG_FLOAT", "INT", "LOG_INT", "CAT", "ORD", "STEPPED"]

FLOAT, LOG_FLOAT, INT, LOG_INT, CAT, ORD = "float", "log_float", "int", "log_int", "cat", "ord"
#: Kinds whose genes move in whole steps (a mutation moves them by at least one).
STEPPED = (INT, LOG_INT, ORD)

#: Largest finite space that is enumerated to find the points not yet evaluated.
ENUMERATION_LIMIT = 100_000


def _bounds(p: Any, kind: str) -> tuple[float, float]:
    if kind == FLOAT:
        return p.low, p.high
    if kind == LOG_FLOAT:
        return math.log(p.low), math.log(p.high)
    if kind == INT:  # half a step past each end: every whole number gets an equal share
        return p.low - 0.5, p.high + 0.5
    if kind == LOG_INT:
        return math.log(p.low - 0.5), math.log(p.high + 0.5)
    if kind == ORD:
        return -0.5, len(p.choices) - 0.5
    return 0, len(p.choices) - 1


def _clip(value: Any, low: Any, high: Any) -> Any:
    return low if value < low else high if value > high else value


def _kind(param: Any) -> str:
    if isinstance(param, Categorical):
        return ORD if param.ordered else CAT
    if isinstance(param, Integer):
        return LOG_INT if param.log else INT
    return LOG_FLOAT if param.log else FLOAT


class Genome:
    """Encodes the points of a :class:`~evotune.space.Space` as gene vectors.

    Examples
    --------
    >>> from evotune import Space, Float, Integer, Categorical
    >>> g = Genome(Space({"lr": Float(1e-3, 1.0, log=True), "n": Integer(1, 8),
    ...                   "act": Categorical(["relu", "tanh"])}))
    >>> genes = g.encode({"lr": 0.01, "n": 3, "act": "tanh"})
    >>> genes[1:]
    [3, 1]
    >>> g.decode(genes)
    {'lr': 0.01, 'n': 3, 'act': 'tanh'}
    """

    def __init__(self, space: Space):
        self.space = space
        self.names = list(space)
        self.params = [space[name] for name in self.names]
        self.kinds = [_kind(p) for p in self.params]
        self.size = len(self.names)
        #: Positions of the numeric (Float, Integer) and categorical genes.
        self.numeric = [i for i, k in enumerate(self.kinds) if k != CAT]
        #: Positions of the genes that take whole steps (Integer, ordered Categorical).
        self.stepped = [i for i, k in enumerate(self.kinds) if k in STEPPED]
        self.categorical = [i for i, k in enumerate(self.kinds) if k == CAT]
        self.n_choices = [len(p.choices) if k in (CAT, ORD) else 0 for p, k in zip(self.params, self.kinds)]
        #: Variation bounds of every gene (categorical: index range).
        bounds = [_bounds(p, kind) for p, kind in zip(self.params, self.kinds)]
        self.low: list[float] = [lo for lo, _ in bounds]
        self.high: list[float] = [hi for _, hi in bounds]
        self.numeric_low = [self.low[i] for i in self.numeric]
        self.numeric_high = [self.high[i] for i in self.numeric]
        self.cardinality = space.cardinality
        self._decoders = [self._decoder(p, k) for p, k in zip(self.params, self.kinds)]
        self._repairers = [self._repairer(i) for i in range(self.size)]
        #: Whether some parameters have conditions (then inactive genes keep their values).
        self.conditional = space.conditional
        self._forbidden = space.forbidden
        #: A union space's sub-spaces, else None (searched as a space with conditions).
        self.branches = space.branches
        # (gene name, parameter name) of the genes that are parameters: a union's are named otherwise
        self._labels = [(name, space.labels.get(name, name)) for name in self.names if space.labels.get(name, name)]
        self._renamed = bool(space.labels)

    # -- decoding ----------------------------------------------------------------------------
    @staticmethod
    def _decoder(p: Any, kind: str):
        if kind in (CAT, ORD):
            choices, last = p.choices, len(p.choices) - 1
            return lambda g: choices[0 if g < 0 else last if g > last else int(round(g))]
        lo, hi = p.low, p.high
        if kind == FLOAT:
            return lambda g: lo if g < lo else hi if g > hi else float(g)
        if kind == INT:
            return lambda g: lo if g < lo else hi if g > hi else int(round(g))
        if kind == LOG_INT:
            return lambda g: _clip(int(round(math.exp(g))), lo, hi)
        # log floats resolve to 12 significant digits, so decode(encode(x)) == x for such x
        return lambda g: _clip(float(f"{math.exp(g):.12g}"), lo, hi)

    def decode(self, genes: list) -> dict[str, Any]:
        """The parameters a gene vector stands for (genes out of bounds are clipped); with
        conditions (a union space has them), the active parameters only."""
        values = self._values(genes)
        if not self.conditional and not self._renamed:
            return values
        on = self.space.active(values) if self.conditional else values
        return {label: values[name] for name, label in self._labels if name in on}

    def _values(self, genes: list) -> dict[str, Any]:
        """Every gene's value, active or not, by gene name."""
        return {name: dec(g) for name, dec, g in zip(self.names, self._decoders, genes)}

    def active(self, genes: list) -> list[bool]:
        """Which genes are active (all of them without conditions)."""
        if not self.conditional:
            return [True] * self.size
        on = self.space.active(self._values(genes))
        return [name in on for name in self.names]

    def branch(self, genes: list) -> tuple[bool, ...]:
        """The sub-space ``genes`` lie in: which genes are active (one branch without conditions)."""
        return tuple(self.active(genes))

    def allowed(self, genes: list) -> bool:
        """Whether the point of ``genes`` is not ruled out by the space's ``forbidden`` rule (its answer's truth)."""
        return self._forbidden is None or not self._verdict(self.decode(genes))

    def _verdict(self, params: dict[str, Any]) -> Any:
        """The ``forbidden`` rule's answer on ``params``; a rule that raises is refused naming the point."""
        try:
            return self._forbidden(params)
        except Exception as exc:
            raise InvalidSpaceError(
                f"space: `forbidden` raised {type(exc).__name__}: {exc} on {params!r}; it must answer for every "
                f"point of the space (inactive parameters are absent from it: use params.get)."
            ) from exc

    def check_forbidden(self, rng: np.random.Generator, draws: int = 1000) -> None:
        """Refuse a ``forbidden`` rule that rules out every one of ``draws`` sampled points, or that
        answers None for all of them (a missing ``return``: it would rule out nothing)."""
        if self._forbidden is None:
            return
        answered = allowed = False  # any answer but None; any point allowed (None allows it too)
        for genes in self.sample(rng, draws):
            verdict = self._verdict(self.decode(genes))
            answered, allowed = answered or verdict is not None, allowed or not verdict
            if answered and allowed:
                return  # the usual case, at the first allowed point
        if not answered:
            raise InvalidSpaceError(
                f"space: `forbidden` returned None for all {draws} points sampled from the space; it must return "
                f"True for a point to rule out (is a `return` missing?)."
            )
        raise InvalidSpaceError(
            f"space: `forbidden` rules out all {draws} points sampled from the space; it likely excludes "
            f"the whole space."
        )

    def key(self, genes: list) -> tuple:
        """What identifies the point of canonical ``genes``: the genes, inactive ones left out (None).

        Examples
        --------
        >>> from evotune import Space, Integer, Categorical
        >>> g = Genome(Space({"kernel": ["rbf", "poly"], "degree": Integer(2, 5).when(kernel="poly")}))
        >>> g.key([0, 3]) == g.key([0, 5]), g.key([1, 3]) == g.key([1, 5])
        (True, False)
        """
        if not self.conditional:
            return tuple(genes)
        return tuple(g if on else None for g, on in zip(genes, self.active(genes)))

    # -- encoding ----------------------------------------------------------------------------
    def encode(self, params: Mapping[str, Any]) -> list:
        """The canonical gene vector of a complete, valid point of the space."""
        self.space.check_point(params)
        return self._encode(self.space.gene_values(params))

    def _encode(self, values: Mapping[str, Any]) -> list:
        """Canonical genes for values by gene name; with conditions, the values of inactive genes may
        be missing (they start at their lower bound)."""
        owned = list(enumerate(self.names))
        genes: list = [None] * self.size
        if self.conditional:
            filled = {name: values.get(name, p.choices[0] if isinstance(p, Categorical) else p.low)
                      for name, p in zip(self.names, self.params)}
            on = self.space.active(filled)
            values = {name: value for name, value in filled.items() if name in on or name in values}
            owned = [(i, name) for i, name in owned if name in values]
            genes = [self._repairers[i](self.low[i]) for i in range(self.size)]
        missing = [name for _, name in owned if name not in values]
        if missing:
            raise KeyError(f"encode: missing parameter(s) {missing}")
        for i, name in owned:
            value, kind = values[name], self.kinds[i]
            if kind in (CAT, ORD):
                genes[i] = self.params[i].index(value)
            elif kind in (INT, FLOAT):
                genes[i] = int(value) if kind == INT else float(value)
            else:
                genes[i] = math.log(value)
        return self.repair(genes)

    def complete(self, point: Mapping[str, Any], rng: np.random.Generator) -> list:
        """Canonical genes for a partial point: the missing parameters are sampled (with
        conditions, every gene holds a value, active or not)."""
        self.space.check_point(point)
        sample = self.sample(rng, 1)[0]
        return self._encode({**self._values(sample), **self.space.gene_values(point)})

    # -- canonical form ----------------------------------------------------------------------
    def _repairer(self, i: int):
        # Hot path: every child goes through these, so plain comparisons, no builtins.
        p, kind = self.params[i], self.kinds[i]
        if kind in (FLOAT, LOG_FLOAT):
            lo, hi = float(self.low[i]), float(self.high[i])
            return lambda g: lo if g < lo else hi if g > hi else float(g)
        if kind == INT:
            lo, hi = p.low, p.high
            return lambda g: lo if g < lo else hi if g > hi else int(round(g))
        if kind == LOG_INT:
            lo, hi = p.low, p.high
            return lambda g: math.log(_clip(int(round(math.exp(g))), lo, hi))
        last = self.n_choices[i] - 1
        return lambda g: 0 if g < 0 else last if g > last else int(round(g))

    def repair_gene(self, i: int, g: float) -> Any:
        """Gene ``i`` brought to its canonical form: inside bounds, whole where it must be."""
        return self._repairers[i](g)

    def repair(self, genes: list) -> list:
        """Bring every gene to its canonical form, in place; returns ``genes``."""
        genes[:] = [fix(g) for fix, g in zip(self._repairers, genes)]
        return genes

    def step(self, i: int, g: Any, direction: int) -> Any:
        """Move integer gene ``i`` by one whole step (``direction`` +1 or -1), bouncing at a bound."""
        p = self.params[i]
        value = int(round(math.exp(g))) if self.kinds[i] == LOG_INT else g
        low, high = (0, self.n_choices[i] - 1) if self.kinds[i] == ORD else (p.low, p.high)
        new = value + direction
        if not low <= new <= high:
            new = value - direction
        return math.log(new) if self.kinds[i] == LOG_INT else new

    # -- sampling ----------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int) -> list[list]:
        """``n`` canonical gene vectors spread over the space.

        Numeric genes follow a Latin hypercube over their variation bounds; each
        categorical gene cycles through its choices in a shuffled order, so every
        choice appears about ``n / k`` times.
        """
        columns: list[list] = []
        for i in range(self.size):
            if self.kinds[i] in (CAT, ORD):
                k = self.n_choices[i]
                column = rng.permutation(np.resize(np.arange(k), n)).tolist()
            else:
                strata = (rng.permutation(n) + rng.random(n)) / n
                column = (self.low[i] + strata * (self.high[i] - self.low[i])).tolist()
            columns.append(column)
        return [self.repair(list(genes)) for genes in zip(*columns)]

    def point(self, index: int) -> list:
        """The ``index``-th point of a finite space (mixed-radix order), as canonical genes."""
        if self.conditional or self.branches is not None:
            return self._encode(self.space.distinct_points()[index])
        genes: list = []
        for p, kind in zip(self.params, self.kinds):
            index, digit = divmod(index, p.cardinality)
            if kind in (CAT, ORD):
                genes.append(digit)
            elif kind == INT:
                genes.append(p.low + digit)
            elif kind == LOG_INT:
                genes.append(math.log(p.low + digit))
            else:
                raise ValueError("point(): the space has Float parameters and is not finite")
        return genes

    # -- model inputs ------------------------------------------------------------------------
    def features(self, rows: Sequence[list]) -> np.ndarray:
        """Gene vectors as a model's inputs: numeric genes scaled to [0, 1] over their variation
        bounds (log genes stay on their log scale), categorical genes one-hot.

        Examples
        --------
        >>> from evotune import Space, Float, Categorical
        >>> g = Genome(Space({"x": Float(0, 10), "c": Categorical(["a", "b", "c"])}))
        >>> g.features([[2.5, 1], [10.0, 2]]).tolist()
        [[0.25, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0]]
        """
        genes = np.asarray(rows, dtype=float).reshape(len(rows), self.size)
        low, high = np.asarray(self.low), np.asarray(self.high)
        numeric = self.numeric
        scaled = (genes[:, numeric] - low[numeric]) / np.maximum(high[numeric] - low[numeric], 1e-300)
        onehot = [genes[:, [i]] == np.arange(self.n_choices[i]) for i in self.categorical]
        if self.conditional:  # an inactive gene is no value: numeric at -0.5 (outside [0, 1]), one-hot all 0
            active = np.array([self.active(list(row)) for row in rows], dtype=bool).reshape(len(rows), self.size)
            scaled = np.where(active[:, numeric], scaled, -0.5)
            onehot = [column & active[:, [i]] for column, i in zip(onehot, self.categorical)]
        return np.hstack([scaled, *onehot]).astype(float)

    # -- population measures -----------------------------------------------------------------
    def diversity(self, population: list[list]) -> float:
        """Spread of a population in [0, 1]: 0 when all genomes are equal, ~1 when uniform.

        The mean over genes of: for numeric genes, the standard deviation over that of a
        uniform distribution on the variation bounds (capped at 1); for categorical genes,
        the Gini-Simpson index over its largest possible value.
        """
        if len(population) < 2:
            return 0.0
        columns = np.array(list(zip(*population)), dtype=float)  # a row per gene
        # each numeric row's standard deviation, as np.std of that row alone
        stds = dict(zip(self.numeric, np.std(columns[self.numeric], axis=1).tolist()))
        scores = []
        for i in range(self.size):
            if self.kinds[i] == CAT:
                k = self.n_choices[i]
                if k == 1:
                    continue
                counts = np.bincount(columns[i].astype(int), minlength=k) / len(population)
                scores.append((1.0 - float(counts @ counts)) / (1.0 - 1.0 / k))
            else:
                uniform_std = (self.high[i] - self.low[i]) / math.sqrt(12.0)
                scores.append(min(1.0, stds[i] / uniform_std))
        return float(np.mean(scores)) if scores else 0.0
