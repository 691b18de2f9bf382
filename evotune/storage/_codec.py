"""What crosses between Python and the run file: JSON text, space descriptions, and every decode.

Nothing is pickled. Every read of stored data goes through :func:`decode` or
:func:`trial_from_row`, which turn any failure (a flipped byte, tampered JSON, a
missing key) into a :class:`~evotune.exceptions.StorageError` naming the file,
table and row.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..exceptions import StorageError
from ..genome import Genome
from ..space import Categorical, Float, Integer, Space
from ..trial import GenerationStats, Trial

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
STATS_FIELDS = [
    "generation", "best", "mean", "std", "worst", "best_so_far",
    "evaluated", "failed", "cached", "diversity", "elapsed",
]  # fmt: skip
TRIAL_COLUMNS = ("number, generation, params, value, state, duration, error, worker, started, info, parts, "
                 "objective_values, constraints, genes")


def _jsonable(value: Any) -> Any:
    """``value`` if JSON holds it exactly, else ``{"repr": ...}`` (memory addresses removed)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return {"repr": _ADDRESS.sub("", repr(value))}


def _json_default(value: Any) -> Any:
    """numpy scalars and arrays as plain numbers and lists; anything else as its repr."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return {"repr": _ADDRESS.sub("", repr(value))}


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=_json_default)


def finite_or_none(value: Any) -> Any:
    """SQLite has no NaN: non-finite floats are stored as NULL (also inside a tuple: a part's values with
    several objectives)."""
    if isinstance(value, tuple):
        return [finite_or_none(v) for v in value]
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _nan_for_none(value: Any) -> Any:
    """:func:`finite_or_none` undone: NULL is NaN (also inside a list)."""
    if isinstance(value, list):
        return [_nan_for_none(v) for v in value]
    return math.nan if value is None else value


class RowEncoder:
    """Turns a trial's params and genes into JSON text fast: fragments for every choice are made once.

    Numbers are written with ``repr``, which is valid JSON for finite floats and ints
    and round-trips exactly.
    """

    def __init__(self, genome: Genome):
        # a union's or a conditional space's params are not one per gene
        self._by_name = genome.branches is not None or genome.conditional
        self._keys = [json.dumps(name) + ":" for name in genome.names]
        self._choices = [
            [dumps(_jsonable(c)) for c in p.choices] if isinstance(p, Categorical) else None for p in genome.params
        ]

    def params(self, params: dict[str, Any], genes: list) -> str:
        if self._by_name:
            return dumps({name: _jsonable(value) for name, value in params.items()})
        items = zip(self._keys, self._choices, params.values(), genes)
        return "{" + ",".join([k + (repr(v) if c is None else c[g]) for k, c, v, g in items]) + "}"

    @staticmethod
    def genes(genes: list) -> str:
        return "[" + ",".join(map(repr, genes)) + "]"


def space_to_json(space: Space) -> list[dict[str, Any]]:
    """A JSON description of a space (choices JSON cannot hold become ``{"repr": ...}``).

    Examples
    --------
    >>> space_to_json(Space({"lr": Float(1e-3, 1.0, log=True), "act": ["relu", None]}))
    [{'name': 'lr', 'type': 'Float', 'low': 0.001, 'high': 1.0, 'log': True}, {'name': 'act', 'type': 'Categorical', 'choices': ['relu', None]}]
    """
    if space.branches is not None:  # a union: its sub-spaces, from which the same space is built again
        return [{"union": [space_to_json(branch) for branch in space.branches]}]
    out = []
    for name, p in space.items():
        if isinstance(p, Categorical):
            out.append({"name": name, "type": "Categorical", "choices": [_jsonable(c) for c in p.choices]})
            if p.ordered:
                out[-1]["ordered"] = True
        else:
            out.append({"name": name, "type": type(p).__name__, "low": p.low, "high": p.high, "log": p.log})
        if p.condition:
            out[-1]["when"] = {parent: [_jsonable(v) for v in values] for parent, values in p.condition}
    return out


def space_from_json(description: list[dict[str, Any]]) -> Space:
    """The space a description stands for (choices stored as repr come back as their repr text).

    A union written by evotune 0.4 or earlier, as genes ``"__space__"`` and ``"<i>:<name>"``,
    comes back as the list of its sub-spaces.
    """
    if len(description) == 1 and "union" in description[0]:
        return Space([space_from_json(branch) for branch in description[0]["union"]])
    if is_legacy_union(description):
        branches: dict[str, list] = {}
        for d in description[1:]:
            branch, name = d["name"].split(":", 1)
            branches.setdefault(branch, []).append({**d, "name": name})
        return Space([space_from_json(branch) for branch in branches.values()])
    params: dict[str, Any] = {}
    for d in description:
        if d["type"] == "Categorical":
            choices = [c["repr"] if isinstance(c, dict) else c for c in d["choices"]]
            params[d["name"]] = Categorical(choices, ordered=d.get("ordered", False))
        else:
            params[d["name"]] = {"Float": Float, "Integer": Integer}[d["type"]](d["low"], d["high"], log=d["log"])
        if d.get("when"):
            params[d["name"]] = params[d["name"]].when(
                **{parent: [v["repr"] if isinstance(v, dict) else v for v in values] for parent, values in d["when"].items()}
            )
    return Space(params)


def is_legacy_union(description: list[dict[str, Any]]) -> bool:
    """Whether a stored space is a union in the encoding of evotune 0.4 and earlier (a gene per
    sub-space and name, held at its lower bound when not picked)."""
    return (len(description) > 1 and description[0].get("name") == "__space__"
            and all(":" in d.get("name", "") and "when" not in d for d in description[1:]))


def with_legacy_racing(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored settings, a ``Racing`` of an earlier evotune read as what it was: ``pooled=False`` for 0.5
    or earlier (its test took the spread from the candidate's folds alone), ``repeats=False, ties=False``
    for 0.8 or earlier (repeats of an earlier trial's models and ties with the best ran every fold),
    ``futility=0.0`` for 0.11 or earlier (no candidate was stopped for being too far behind to end better),
    ``schedule='doubling'`` for 0.13 or earlier (tests after 3, 6... folds, not after each),
    ``repeat_parts=min_parts`` for 0.14 or earlier (a repeat was told by its first ``min_parts`` folds)."""
    racing = stored.get("racing")
    if isinstance(racing, str) and racing.startswith("Racing("):
        min_parts = re.search(r"min_parts=(\d+)", racing)
        repeat_parts = int(min_parts.group(1)) if min_parts else 3
        for name, off in (("pooled", False), ("repeats", False), ("ties", False), ("futility", 0.0),
                          ("schedule", "doubling"), ("repeat_parts", repeat_parts)):
            if f"{name}=" not in racing:
                racing = racing[:-1] + f", {name}={off!r})"
        return {**stored, "racing": racing}
    return stored


def with_legacy_screen(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored settings of a run with a fidelity by evotune 0.22 or earlier, read as what it was: ``screen=1``
    (its first generation ran every budget; its repr names no screen, which since 0.23 is stored resolved).

    >>> with_legacy_screen({"fidelity": "Fidelity(min_budget=1, max_budget=27, eta=3, share=1.0)"})
    {'fidelity': 'Fidelity(min_budget=1, max_budget=27, eta=3, share=1.0, screen=1)'}
    """
    fidelity = stored.get("fidelity")
    if isinstance(fidelity, str) and fidelity.startswith("Fidelity(") and "screen=" not in fidelity:
        return {**stored, "fidelity": fidelity[:-1] + ", screen=1)"}
    return stored


def with_legacy_extremes(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored settings of a run with several objectives by evotune 0.9 or earlier (no ``keep_extremes``), read
    as what its survival did: ``keep_extremes=True`` (each front's extremes kept first, whatever the number of
    objectives)."""
    if "keep_extremes" not in stored and len(stored.get("directions") or ()) > 1:
        return {**stored, "keep_extremes": True}
    return stored


def _with_surrogate_setting(stored: dict[str, Any], setting: str) -> dict[str, Any]:
    """Stored settings with ``setting`` ("name=value") added to a ``GaussianProcessSurrogate`` that does not
    name it (its repr leaves defaults out: a setting an earlier release did not have reads as today's
    default)."""
    surrogate = stored.get("surrogate")
    name = setting.split("=")[0]
    if (isinstance(surrogate, str) and surrogate.startswith("GaussianProcessSurrogate(")
            and f"{name}=" not in surrogate):
        return {**stored, "surrogate": f"{surrogate[:-1]}, {setting})"}
    return stored


def _conditional(stored: dict[str, Any]) -> bool:
    """Whether stored settings describe a space with conditions (or a union of sub-spaces)."""
    return any("when" in d or "union" in d for d in stored.get("space") or [] if isinstance(d, dict))


def with_legacy_branches(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored settings of a run of evotune 0.6 or earlier, whose space has conditions, read as what its
    surrogate was: ``GaussianProcessSurrogate(..., branch_share=0.0)`` (every child evaluated was the
    best-ranked; the default repr leaves ``branch_share=0.25`` out)."""
    if _conditional(stored):
        return _with_surrogate_setting(stored, "branch_share=0.0")
    return stored


def with_legacy_front_scale(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored settings of a run with several objectives by evotune 0.12 or earlier, read as what its surrogate
    was: ``GaussianProcessSurrogate(..., front_scale='ranks')`` (each objective's model fitted to the normal
    scores of its ranks; the default repr leaves ``front_scale='values'`` out)."""
    if len(stored.get("directions") or ()) > 1:
        return _with_surrogate_setting(stored, "front_scale='ranks'")
    return stored


def with_legacy_front_min_trials(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored settings of a run with several objectives by evotune 0.17 or earlier, read as what its
    surrogate was: ``GaussianProcessSurrogate(..., front_min_trials=None)`` (the model used from
    ``min_trials`` trials, as with one objective; the default repr leaves ``front_min_trials=13`` out)."""
    if len(stored.get("directions") or ()) > 1:
        return _with_surrogate_setting(stored, "front_min_trials=None")
    return stored


def with_legacy_believer(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored settings of a run with one objective and a space with conditions by evotune 0.20 or earlier,
    read as what its surrogate was: ``GaussianProcessSurrogate(..., believer=False)`` (a generation's
    children the first of one ranking; the default repr leaves ``believer=None`` out, which is a believer
    in such a space). Its ``offspring_size`` was stored resolved, so it keeps the whole generations it had.

    >>> conditional = [{"name": "kernel"}, {"name": "degree", "when": [["kernel", ["poly"]]]}]
    >>> with_legacy_believer({"surrogate": "GaussianProcessSurrogate(min_trials=8)", "space": conditional})
    {'surrogate': 'GaussianProcessSurrogate(min_trials=8, believer=False)', 'space': [...]}
    """
    if len(stored.get("directions") or ()) <= 1 and _conditional(stored):
        return _with_surrogate_setting(stored, "believer=False")
    return stored


def with_legacy_relevance(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored settings of a run with one objective and a space without conditions by evotune 0.23 or
    earlier, read as what its surrogate was: ``GaussianProcessSurrogate(..., relevance=False)`` (every gene
    mutated alike; the default repr leaves ``relevance=None`` out, which weighs mutation in such a space).

    >>> with_legacy_relevance({"surrogate": "GaussianProcessSurrogate(min_trials=8)", "space": []})
    {'surrogate': 'GaussianProcessSurrogate(min_trials=8, relevance=False)', 'space': []}
    """
    if len(stored.get("directions") or ()) <= 1 and not _conditional(stored):
        return _with_surrogate_setting(stored, "relevance=False")
    return stored


def differences(stored: dict[str, Any], given: dict[str, Any]) -> list[str]:
    """Human-readable differences between two settings dicts; a space's by parameter and field.

    >>> differences({"seed": 0, "space": [{"name": "C", "low": 0.01, "high": 1000.0}]},
    ...             {"seed": 0, "space": [{"name": "C", "low": 0.01, "high": 10000.0}]})
    ["space: parameter 'C': high stored 1000.0, given 10000.0"]
    """
    def normal(value: Any) -> Any:  # default reprs carry memory addresses that change every run
        return _ADDRESS.sub("", value) if isinstance(value, str) else value

    out = []
    for key in sorted(set(stored) | set(given)):
        old, new = stored.get(key), given.get(key)
        if normal(old) == normal(new):
            continue
        if _named(old) and _named(new):
            out.extend(f"{key}: {line}" for line in _parameter_differences(old, new))
        else:
            out.append(f"{key}: stored {old!r}, given {new!r}")
    return out


def _named(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(d, dict) and "name" in d for d in value)


def _parameter_differences(stored: list[dict[str, Any]], given: list[dict[str, Any]]) -> list[str]:
    """What differs between two spaces' parameter descriptions, one line per parameter."""
    old, new = {d["name"]: d for d in stored}, {d["name"]: d for d in given}
    out = []
    for name in [*old, *(n for n in new if n not in old)]:
        if name not in new or name not in old:
            out.append(f"parameter {name!r} {'stored, not given' if name in old else 'given, not stored'}")
        elif old[name] != new[name]:
            fields = [f for f in {**old[name], **new[name]} if old[name].get(f) != new[name].get(f)]
            out.append(f"parameter {name!r}: " + "; ".join(
                f"{f} stored {old[name].get(f)!r}, given {new[name].get(f)!r}" for f in fields))
    return out or [f"the parameters' order: stored {list(old)}, given {list(new)}"]


def exact_json(value: Any) -> str | None:
    """``value`` as JSON text if it reads back as ``value`` itself (numbers, strings, None, lists and dicts
    of them; numpy scalars as numbers, NaN as NaN), else None: what cannot be restored exactly is not kept.

    Examples
    --------
    >>> exact_json({"test_scores": 0.75, "fit_error": None, "n": 30})
    '{"test_scores":0.75,"fit_error":null,"n":30}'
    >>> exact_json((0.5, {"note": "a tuple reads back as a list"})) is None
    True
    """
    try:
        text = dumps(value)
    except (TypeError, ValueError):  # e.g. a circular structure
        return None
    return text if _same(json.loads(text), value) else None


def _same(read: Any, value: Any) -> bool:
    """Whether JSON ``read`` back is ``value``: equal, NaN for NaN, of the same kind (a list for a list)."""
    if isinstance(read, dict):
        return isinstance(value, dict) and read.keys() == value.keys() and all(_same(v, value[k])
                                                                               for k, v in read.items())
    if isinstance(read, list):
        return type(value) is list and len(read) == len(value) and all(map(_same, read, value))
    if isinstance(read, float) and math.isnan(read):
        return isinstance(value, (float, np.floating)) and math.isnan(value)
    if isinstance(value, (dict, list, tuple)):
        return False
    if isinstance(read, bool) is not isinstance(value, (bool, np.bool_)):
        return False
    return bool(read == value)


def decode(text: Any, path: str, where: str) -> Any:
    """JSON text read from ``where`` ("table trials, run 1, trial 7") of the file at ``path``."""
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise StorageError(f"{path!r} is damaged: {where} holds unreadable JSON ({exc}).") from None


def trial_from_row(row: Sequence[Any], path: str, run_id: int, genome: Genome | None = None) -> Trial:
    """A trial from a row of TRIAL_COLUMNS; with the run's genome, params are decoded exactly from the genes."""
    where = f"table trials, run {run_id}, trial {row[0] if row else '?'}"
    try:
        (number, generation, params_json, value, state, duration, error, worker, started, info, parts, values,
         constraints, genes_json) = row
        if genome is not None:
            genes = decode(genes_json, path, where)
            if not isinstance(genes, list) or len(genes) != genome.size:
                raise ValueError(f"genes {genes!r} do not fit the run's {genome.size} parameters")
            params = genome.decode(genes)
        else:
            params = {k: v["repr"] if isinstance(v, dict) else v for k, v in decode(params_json, path, where).items()}
        return Trial(
            number=int(number),
            generation=int(generation),
            params=params,
            value=math.nan if value is None else float(value),
            state=str(state),
            duration=float(duration),
            error=error,
            worker=worker,
            started=started,
            info=None if info is None else decode(info, path, where),
            parts=None if parts is None else [_nan_for_none(v) for v in decode(parts, path, where)],
            values=() if values is None else [math.nan if v is None else v for v in decode(values, path, where)],
            constraints=None if constraints is None else decode(constraints, path, where),
        )
    except StorageError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        raise StorageError(f"{path!r} is damaged: {where} cannot be read ({type(exc).__name__}: {exc}).") from None


def stats_from_row(row: Sequence[Any]) -> GenerationStats:
    """A history row from the ``generations`` table (NULL is NaN)."""
    return GenerationStats(**{f: (math.nan if v is None else v) for f, v in zip(STATS_FIELDS, row)})
