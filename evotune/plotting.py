"""Figures of a run, ready for a report: matplotlib, headless, never ``plt.show()``.

Every function takes a :class:`~evotune.result.Result`, a fitted
:class:`~evotune.sklearn.EvolutionarySearchCV`, or the path of a run file (with
``run_name`` when the file holds several runs), and returns a matplotlib
``Figure``. Save it with :func:`save` (PNG, SVG or PDF, by extension).

The fonts are set on evotune's figures only (the user's ``rcParams`` stay as they are), and a
notebook shows a figure once, whether it is the cell's value or not.

Examples
--------
>>> import evotune as et
>>> from evotune import plotting
>>> result = et.optimize(lambda p: (p["x"] - 1) ** 2 + (p["c"] != "a"),
...                      {"x": et.Float(-5, 5), "c": ["a", "b"]}, max_evaluations=60, seed=0)
>>> fig = plotting.plot_evolution(result)
>>> [ax.get_xlabel() for ax in fig.axes]
['generation', 'evaluations']
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import pareto
from .exceptions import InvalidParameterError
from .result import Result, Trial
from .space import Categorical, Float, Integer
from .trial import COMPLETE, CRASHED, FAILED, PRUNED, TIMEOUT, Direction

__all__ = [
    "plot_evolution",
    "plot_parameters",
    "plot_diversity",
    "plot_hall_of_fame",
    "plot_workers",
    "plot_importance",
    "plot_parts",
    "plot_pareto",
    "plot_hypervolume",
    "plot_comparison",
    "save",
    "load",
    "pyplot",
    "searched_parameters",
    "FIGURES",
    "figures",
]

#: A report's column: 6.5 inches wide.
WIDTH = 6.5
_STATE_COLOURS = {COMPLETE: "#4c72b0", PRUNED: "#a3b8d6", FAILED: "#c44e52", TIMEOUT: "#dd8452", CRASHED: "#8c1c13"}


#: The figures' fonts, for a report's column: set on evotune's figures only.
_STYLE = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8}


def pyplot() -> Any:
    """matplotlib.pyplot, headless (the Agg backend unless one that saves files is set, or a notebook's)."""
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")  # headless: figures are saved, never shown
    import matplotlib.pyplot as plt

    return plt


def _styled(plot: Callable[..., Any]) -> Callable[..., Any]:
    """``plot`` drawing in evotune's fonts (:data:`_STYLE`; the tick labels' too, made when drawn)."""

    @functools.wraps(plot)
    def styled(*args: Any, **kwargs: Any) -> Any:
        import matplotlib

        # these keys only, not rc_context: the first figure may set up a notebook's backend (interactive
        # mode among its settings), which restoring every setting would undo
        saved = {key: matplotlib.rcParams[key] for key in _STYLE}
        matplotlib.rcParams.update(_STYLE)
        try:
            fig = plot(*args, **kwargs)
        finally:
            matplotlib.rcParams.update(saved)
        for ax in fig.axes:
            ax.tick_params(labelsize=_STYLE["font.size"])
        return fig

    return styled


def _subplots(*args: Any, figsize: tuple[float, float], **kwargs: Any) -> tuple[Any, Any]:
    """A figure and its axes (``Figure.subplots``), laid out by matplotlib's constrained layout."""
    fig = pyplot().figure(figsize=figsize, layout="constrained", FigureClass=_figure_class())
    return fig, fig.subplots(*args, **kwargs)


@functools.lru_cache(maxsize=None)
def _figure_class() -> type:
    """A matplotlib Figure that a notebook shows once. A figure that is a cell's value is shown as that
    value, then again by pyplot's inline backend when the cell ends (it shows every figure pyplot still
    holds); this one, once shown, is let go by pyplot."""
    import io

    from matplotlib.figure import Figure

    class EvotuneFigure(Figure):
        def _ipython_display_(self) -> None:
            from IPython.display import display

            buffer = io.BytesIO()
            self.savefig(buffer, format="png", bbox_inches="tight")
            display({"image/png": buffer.getvalue(), "text/plain": repr(self)}, raw=True)  # a terminal: text
            pyplot().close(self)  # shown: the end of the cell does not show it again

    return EvotuneFigure


def load(source: Any, run_name: str | None = None) -> Result:
    """A Result from a Result, a fitted EvolutionarySearchCV (its ``result_``), or a run file path."""
    if isinstance(source, Result):
        return source
    if isinstance(getattr(source, "result_", None), Result):
        return source.result_
    if isinstance(source, (str, os.PathLike)):
        from .storage import load_run

        return load_run(source, run_name)
    raise InvalidParameterError(
        f"`source` must be a Result, a fitted EvolutionarySearchCV or the path of a run file; "
        f"got {type(source).__name__}."
    )


def searched_parameters(result: Result) -> dict[str, Any]:
    """Parameter name -> parameter (scale, choices), sub-spaces of a union merged (first one wins):
    :attr:`Result.parameters <evotune.Result.parameters>`."""
    return result.parameters


def _value_label(result: Result) -> str:
    better = "lower" if result.direction is Direction.MINIMIZE else "higher"
    return f"objective value ({better} is better)"


def _completed(trials: Sequence[Trial]) -> list[Trial]:
    return [t for t in trials if t.ok]


def _colour_scale(result: Result, values: list[float]) -> tuple[Any, Any]:
    """Norm and colour map for objective values: the better, the brighter. When every value is the
    same, they are all the best (the scale opens on the worse side)."""
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if low == high:
        pad = abs(low) or 1.0
        low, high = (low, low + pad) if result.direction is Direction.MINIMIZE else (low - pad, low)
    import matplotlib
    from matplotlib.colors import Normalize

    colours = matplotlib.colormaps["viridis_r" if result.direction is Direction.MINIMIZE else "viridis"]
    return Normalize(low, high), colours


def _mappable(norm: Any, cmap: Any) -> Any:
    """What a colour bar of ``norm`` and ``cmap`` (from :func:`_colour_scale`) shows."""
    from matplotlib.cm import ScalarMappable

    return ScalarMappable(norm=norm, cmap=cmap)


def _integer_axis(axis: Any) -> None:
    """Ticks on whole numbers only (generations, counts)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


@_styled
def plot_evolution(source: Any, run_name: str | None = None) -> Any:
    """The evolution curve: best, mean and worst of the population per generation (band: mean ± std),
    and the best value so far against the number of evaluations, over every trial's value."""
    result = load(source, run_name)
    fig, (left, right) = _subplots(1, 2, figsize=(WIDTH, 2.8))
    history = result.history
    generations = [h.generation for h in history]
    mean = np.array([h.mean for h in history])
    std = np.array([h.std for h in history])
    tops, bottoms = np.array([h.best for h in history]), np.array([h.worst for h in history])
    # the band stays within the population's values (an accuracy's never passes 1)
    low, high = np.fmin(tops, bottoms), np.fmax(tops, bottoms)
    left.fill_between(generations, np.clip(mean - std, low, high), np.clip(mean + std, low, high),
                      color="#4c72b0", alpha=0.2, label="mean ± std (within best and worst)")
    left.plot(generations, [h.worst for h in history], color="#8c8c8c", lw=1, label="worst")
    left.plot(generations, mean, color="#4c72b0", lw=1.2, label="mean")
    left.plot(generations, [h.best for h in history], color="#c44e52", lw=1.6, label="best")
    left.set_xlabel("generation")
    _integer_axis(left.xaxis)
    left.set_ylabel(_value_label(result))
    left.set_title("population per generation")
    left.legend(loc="best", frameon=False)
    trials = list(result.trials)
    done = _completed(trials)
    right.scatter([t.number + 1 for t in done], [t.value for t in done], s=6, color="#8c8c8c", alpha=0.5,
                  label="each evaluation", linewidths=0)
    best, curve = None, []
    pick = result.direction.best
    for t in trials:
        if t.ok:
            best = t.value if best is None else pick(best, t.value)
        curve.append(math.nan if best is None else best)
    right.step(range(1, len(trials) + 1), curve, where="post", color="#c44e52", lw=1.6, label="best so far")
    right.set_xlabel("evaluations")
    right.set_title("best so far")
    right.legend(loc="best", frameon=False)
    if done and all(t.value > 0 for t in done) and max(t.value for t in done) / min(t.value for t in done) > 1e3:
        for ax in (left, right):
            ax.set_yscale("log")
    return fig


def _as_number(p: Any, value: Any) -> float:
    return float(p.index(value)) if isinstance(p, Categorical) else float(value)


def _categorical_ticks(ax_axis: Any, p: Any) -> None:
    ax_axis.set_ticks(range(len(p.choices)))
    ax_axis.set_ticklabels([_short(c) for c in p.choices])


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 14 else text[:12] + "…"


@_styled
def plot_parameters(source: Any, run_name: str | None = None) -> Any:
    """Each parameter's values over the generations, coloured by objective value (failures in grey)."""
    result = load(source, run_name)
    params = searched_parameters(result)
    trials = list(result.trials)
    names = list(params) or sorted({n for t in trials for n in t.params})
    columns = min(3, len(names))
    rows = math.ceil(len(names) / columns)
    fig, axes = _subplots(rows, columns, figsize=(WIDTH, 1.9 * rows + 0.6), squeeze=False)
    done = _completed(trials)
    norm, cmap = _colour_scale(result, [t.value for t in done])
    rng = np.random.default_rng(0)
    for ax, name in zip(axes.flat, names):
        p = params.get(name)
        for group, colour in ((done, None), ([t for t in trials if not t.ok], "#bbbbbb")):
            group = [t for t in group if name in t.params]
            if not group:
                continue
            x = np.array([t.generation for t in group]) + rng.uniform(-0.25, 0.25, len(group))
            y = [_as_number(p, t.params[name]) if p is not None else t.params[name] for t in group]
            colours = colour or cmap(norm([t.value for t in group]))
            ax.scatter(x, y, s=7, c=colours, linewidths=0, alpha=0.85)
        ax.set_title(name)
        ax.set_xlabel("generation")
        _integer_axis(ax.xaxis)
        if isinstance(p, Categorical):
            _categorical_ticks(ax.yaxis, p)
        elif isinstance(p, (Float, Integer)) and p.log:
            ax.set_yscale("log")
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    fig.colorbar(_mappable(norm, cmap), ax=axes, label=_value_label(result), shrink=0.9)
    return fig


@_styled
def plot_diversity(source: Any, run_name: str | None = None) -> Any:
    """Population diversity per generation (0: all alike, 1: a uniform sample), with the
    generation's failed evaluations and repeats bred again (cache hits)."""
    result = load(source, run_name)
    fig, ax = _subplots(figsize=(WIDTH, 2.6))
    history = result.history
    generations = [h.generation for h in history]
    ax.plot(generations, [h.diversity for h in history], color="#55a868", lw=1.6, marker="o", ms=3)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("generation")
    _integer_axis(ax.xaxis)
    ax.set_ylabel("diversity (0 = converged)")
    counts = ax.twinx()
    width = 0.35
    counts.bar(np.array(generations) - width / 2, [h.failed for h in history], width, color="#c44e52", alpha=0.5,
               label="failed evaluations")
    counts.bar(np.array(generations) + width / 2, [h.cached for h in history], width, color="#8172b3", alpha=0.5,
               label="repeats bred again")
    counts.set_ylim(0, max([1] + [h.failed for h in history] + [h.cached for h in history]) * 1.25)
    counts.yaxis.get_major_locator().set_params(integer=True)
    counts.set_ylabel("count per generation")
    counts.legend(loc="upper right", frameon=False)
    ax.set_title("population diversity")
    return fig


@_styled
def plot_hall_of_fame(source: Any, run_name: str | None = None) -> Any:
    """Parallel coordinates of the hall of fame: one line per candidate across the parameters,
    each axis from its lowest to its highest value in the space, coloured by objective value."""
    result = load(source, run_name)
    params = searched_parameters(result)
    hall = list(result.hall_of_fame)
    names = list(params) or sorted({n for t in hall for n in t.params})
    fig, ax = _subplots(figsize=(WIDTH, 3.0))
    norm, cmap = _colour_scale(result, [t.value for t in hall])

    def position(name: str, value: Any) -> float:
        p = params.get(name)
        if isinstance(p, Categorical):
            return p.index(value) / max(1, len(p.choices) - 1)
        if isinstance(p, (Float, Integer)):
            low, high, v = (math.log(p.low), math.log(p.high), math.log(value)) if p.log else (p.low, p.high, value)
            return (v - low) / (high - low)
        return math.nan

    for trial in reversed(hall):  # the best drawn last, on top
        ys = [position(n, trial.params[n]) if n in trial.params else math.nan for n in names]
        ax.plot(range(len(names)), ys, color=cmap(norm(trial.value)), lw=1.4, marker="o", ms=3, alpha=0.9)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=20 if len(names) > 5 else 0)
    ax.set_xlabel("parameter")
    ax.set_yticks([0, 1])
    ax.set_yticklabels(["low", "high"])
    ax.set_ylim(-0.16, 1.16)
    for i, name in enumerate(names):
        ax.axvline(i, color="#dddddd", lw=0.8, zorder=0)
        p = params.get(name)
        if isinstance(p, Categorical):
            low, high = _short(p.choices[0]), _short(p.choices[-1])
        elif isinstance(p, (Float, Integer)):
            low, high = f"{p.low:.3g}", f"{p.high:.3g}"
        else:
            continue
        ax.annotate(low, (i, -0.1), ha="center", va="center", fontsize=7, color="#555555")
        ax.annotate(high, (i, 1.1), ha="center", va="center", fontsize=7, color="#555555")
    fig.colorbar(_mappable(norm, cmap), ax=ax, label=_value_label(result))
    absent = any(n not in t.params for t in hall for n in names)
    note = "; a gap: the candidate has no such parameter" if absent else ""
    ax.set_title(f"hall of fame: the {len(hall)} best candidates (axis ends: the space's bounds{note})")
    return fig


def _session_groups(trials: Sequence[Trial]) -> list[list[tuple[float, float]]]:
    """The (start, end) of every timed trial, in start order, grouped by session: the stretches of time
    in which evaluations ran, split where nothing ran for longer than the longest evaluation (at least
    a second)."""
    events = sorted((t.started, t.started + t.duration) for t in trials if t.started is not None)
    if not events:
        return []
    gap = max(1.0, max(end - begin for begin, end in events))
    groups: list[list[tuple[float, float]]] = [[events[0]]]
    reach = events[0][1]
    for begin, end in events[1:]:
        if begin - reach > gap:
            groups.append([])
        groups[-1].append((begin, end))
        reach = max(reach, end)
    return groups


def _sessions(trials: Sequence[Trial]) -> list[tuple[float, int]]:
    """(span in seconds, workers) of each session of a run (:func:`_session_groups`); a session's
    workers are the most evaluations that ran at once in it."""
    sessions = []
    for group in _session_groups(trials):
        marks = sorted([(begin, 1) for begin, _ in group] + [(end, -1) for _, end in group])
        running = peak = 0
        for _, step in marks:
            running += step
            peak = max(peak, running)
        sessions.append((max(end for _, end in group) - group[0][0], peak))
    return sessions


@_styled
def plot_workers(source: Any, run_name: str | None = None) -> Any:
    """Worker timeline: which worker ran which evaluation, and when. Gaps are idle time."""
    result = load(source, run_name)
    trials = [t for t in result.trials if t.started is not None]
    workers = sorted({t.worker or "?" for t in trials})
    fig, ax = _subplots(figsize=(WIDTH, 0.5 * len(workers) + 1.4))
    if not trials:
        ax.set_title("worker timeline: no timing recorded")
        return fig
    start = min(t.started for t in trials)
    for state, colour in _STATE_COLOURS.items():
        group = [t for t in trials if t.state == state]
        if group:
            ax.barh([workers.index(t.worker or "?") for t in group], [t.duration for t in group],
                    left=[t.started - start for t in group], height=0.7, color=colour, edgecolor="white",
                    linewidth=0.3, label=state)
    sessions = _sessions(trials)
    busy = sum(t.duration for t in trials) / max(sum(span * width for span, width in sessions), 1e-9)
    ax.set_yticks(range(len(workers)))
    ax.set_yticklabels(workers)
    ax.set_xlabel("seconds since the first evaluation started")
    between = f" ({len(sessions)} sessions; the time between them left out)" if len(sessions) > 1 else ""
    ax.set_title(f"worker timeline: workers busy {busy:.0%} of the time{between}")
    ax.legend(loc="lower right", frameon=False, ncols=4)
    ax.invert_yaxis()
    return fig


@_styled
def plot_importance(source: Any, run_name: str | None = None) -> Any:
    """Parameter importance: the share of the objective's variation each parameter explains
    (:meth:`Result.parameter_importance <evotune.Result.parameter_importance>`), most important on top."""
    result = load(source, run_name)
    importance = result.parameter_importance()
    fig, ax = _subplots(figsize=(WIDTH, 0.3 * max(len(importance), 2) + 1.0))
    if not importance:
        ax.set_axis_off()
        ax.set_title("parameter importance: too few completed evaluations (or a constant objective)")
        return fig
    names = list(importance)
    ax.barh(range(len(names)), [importance[n] for n in names], color="#4c72b0", height=0.6)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of importance (permutation importance of a random forest on the trials)")
    ax.set_title("parameter importance")
    return fig


@_styled
def plot_parts(source: Any, run_name: str | None = None) -> Any:
    """Racing and budgets: each candidate's value part by part (cross-validation folds, or
    budgets with a :class:`~evotune.Fidelity`; with several objectives, the first one's), stopped
    ones in grey, and where the compute went."""
    result = load(source, run_name)
    trials = [t for t in result.trials if t.parts]
    fig, (left, right) = _subplots(1, 2, figsize=(WIDTH, 2.8), width_ratios=(2, 1))
    left.set_xlabel("part (fold, or budget step)")
    if not trials:
        left.set_title("no evaluation was run part by part (folds or budgets)")
        right.set_axis_off()
        return fig
    several = len(result.directions) > 1
    for t in sorted(trials, key=lambda t: t.state is COMPLETE):  # completed ones drawn on top
        colour = _STATE_COLOURS[COMPLETE] if t.ok else "#bbbbbb"
        values = [part[0] for part in t.parts] if several else t.parts
        left.plot(range(1, len(values) + 1), values, color=colour, lw=0.7, alpha=0.6 if t.ok else 0.8,
                  marker="o" if len(values) == 1 else None, ms=2)
    _integer_axis(left.xaxis)
    left.set_ylabel(_objective_label(result, 0) if several else _value_label(result))
    pruned = sum(t.state is PRUNED for t in trials)
    left.set_title(f"{len(trials)} candidates, {pruned} stopped early (grey)")
    seconds = {state: sum(t.duration for t in result.trials if t.state == state) for state in _STATE_COLOURS}
    shown = [state for state in _STATE_COLOURS if seconds[state] > 0]
    total = max(sum(seconds.values()), 1e-9)
    right.bar(range(len(shown)), [seconds[s] / total for s in shown], color=[_STATE_COLOURS[s] for s in shown])
    right.set_xticks(range(len(shown)))
    right.set_xticklabels([str(s) for s in shown])
    right.set_ylim(0, 1)
    right.set_ylabel("share of the compute")
    right.set_title("where the compute went")
    return fig


def _objective_label(result: Result, i: int) -> str:
    better = "lower" if result.directions[i] is Direction.MINIMIZE else "higher"
    return f"objective {i} ({better} is better)"


def _front_reference(result: Result) -> np.ndarray:
    """The hypervolume reference of a run's figures, in losses: the worst completed feasible value of
    each objective, plus a tenth of its span (so the extreme trials count)."""
    losses = result.losses([t.values for t in result.trials if t.ok and t.feasible])
    if not len(losses):
        return np.ones(len(result.directions))
    span = np.ptp(losses, axis=0)
    return losses.max(axis=0) + 0.1 * np.where(span > 0, span, 1.0)


@_styled
def plot_pareto(source: Any, run_name: str | None = None) -> Any:
    """Several objectives: every completed trial, the Pareto front in red (a line with two objectives),
    infeasible trials as grey crosses and the :meth:`~evotune.Result.select` knee as a star; with three
    objectives or more, one panel per pair of objectives.

    Examples
    --------
    >>> import evotune as et
    >>> from evotune import plotting
    >>> result = et.optimize(lambda p: (p["x"], (1 - p["x"]) ** 2 + p["y"]), {"x": et.Float(0, 1), "y": et.Float(0, 1)},
    ...                      directions=["minimize", "minimize"], max_evaluations=40, seed=0)
    >>> fig = plotting.plot_pareto(result)
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_title()
    ('objective 0 (lower is better)', 'Pareto front: 18 of 40 trials')
    """
    result = load(source, run_name)
    k = len(result.directions)
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)] or [(0, 0)]
    columns = min(len(pairs), 3)
    rows = math.ceil(len(pairs) / columns)
    fig, axes = _subplots(rows, columns, figsize=(WIDTH, 2.9 * rows if columns > 1 else 3.6), squeeze=False)
    done = _completed(result.trials)
    feasible = [t for t in done if t.feasible]
    infeasible = [t for t in done if not t.feasible]
    front, knee = result.pareto_front, result.best_trial
    minimized = all(d is Direction.MINIMIZE for d in result.directions)  # a step line is then the attained region
    for ax, (i, j) in zip(axes.flat, pairs):
        ax.scatter([t.values[i] for t in feasible], [t.values[j] for t in feasible], s=8, color="#8c8c8c",
                   alpha=0.6, linewidths=0, label="trial")
        if infeasible:
            ax.scatter([t.values[i] for t in infeasible], [t.values[j] for t in infeasible], s=10, marker="x",
                       color="#bbbbbb", linewidths=0.8, label="infeasible")
        ordered = sorted(front, key=lambda t: (t.values[i], t.values[j]))
        ax.plot([t.values[i] for t in ordered], [t.values[j] for t in ordered], color="#c44e52", lw=1.2 if k == 2 else 0,
                marker="o", ms=3, drawstyle="steps-post" if k == 2 and minimized else "default", label="Pareto front")
        if knee is not None:
            ax.plot(knee.values[i], knee.values[j], marker="*", ms=11, color="#dd8452", ls="", label="knee")
        ax.set_xlabel(_objective_label(result, i))
        ax.set_ylabel(_objective_label(result, j))
    for ax in list(axes.flat)[len(pairs):]:
        ax.set_axis_off()
    axes.flat[0].set_title(f"Pareto front: {len(front)} of {len(result.trials)} trials")
    axes.flat[0].legend(loc="best", frameon=False)
    return fig


@_styled
def plot_hypervolume(source: Any, run_name: str | None = None, reference: Sequence[float] | None = None) -> Any:
    """The evolution curve of several objectives: the hypervolume of the front of every trial so far,
    per generation and per evaluation, as a share of the final one (reference: each objective's worst
    completed value, plus a tenth of its span). With a ``reference`` of your own (in the objectives'
    values, as :meth:`~evotune.Result.hypervolume` takes it), the hypervolume itself: curves of
    several runs drawn with the same reference compare.

    Examples
    --------
    >>> import evotune as et
    >>> from evotune import plotting
    >>> result = et.optimize(lambda p: (p["x"], (1 - p["x"]) ** 2 + p["y"]), {"x": et.Float(0, 1), "y": et.Float(0, 1)},
    ...                      directions=["minimize", "minimize"], max_evaluations=40, seed=0)
    >>> [ax.get_xlabel() for ax in plotting.plot_hypervolume(result).axes]
    ['generation', 'evaluations']
    >>> curve = plotting.plot_hypervolume(result, reference=[1.1, 2.1]).axes[1].get_lines()[0].get_ydata()
    >>> bool(curve[-1] == result.hypervolume([1.1, 2.1]))
    True
    """
    result = load(source, run_name)
    given = reference is not None
    if given:
        result.hypervolume(reference)  # checks it: one number per objective, worse than the whole front
        reference = result.losses([reference])[0]
    else:
        reference = _front_reference(result)
    trials = sorted(result.trials, key=lambda t: t.number)
    curve, front = [], np.empty((0, len(reference)))
    for t in trials:
        if t.ok and t.feasible:
            front = np.vstack([front, result.losses([t.values])])
            front = front[pareto.nondominated(front)]
        curve.append(pareto.hypervolume(front, reference) if len(front) else 0.0)
    final = 1.0 if given or not curve or curve[-1] <= 0 else curve[-1]
    fig, (left, right) = _subplots(1, 2, figsize=(WIDTH, 2.8))
    by_generation: dict[int, float] = {}
    for t, value in zip(trials, curve):
        by_generation[t.generation] = value / final
    left.plot(list(by_generation), list(by_generation.values()), color="#c44e52", marker="o", ms=3, lw=1.4)
    left.set_xlabel("generation")
    _integer_axis(left.xaxis)
    left.set_ylabel("hypervolume" if given else "hypervolume (share of the final)")
    left.set_title("front after each generation")
    right.plot(range(1, len(curve) + 1), np.array(curve) / final, color="#c44e52", lw=1.4)
    right.set_xlabel("evaluations")
    right.set_title("front after each evaluation")
    for ax in (left, right):
        ax.set_ylim(0, 1.05 * (curve[-1] if given and curve and curve[-1] > 0 else 1.0))
    return fig


def _best_so_far(result: Result, x: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, best value so far) after each completed trial, x in evaluations (the trial's number + 1) or
    in seconds of wall time from the run's first evaluation's start to the trial's end (the time
    between sessions left out)."""
    trials = list(result.trials)
    if x == "seconds":
        clock, elapsed = {}, 0.0
        for group in _session_groups(trials):  # each session starts where the one before ended
            start = group[0][0]
            for begin, end in group:
                clock[(begin, end)] = elapsed + end - start
            elapsed += max(end for _, end in group) - start
        ends = {t.number: clock[(t.started, t.started + t.duration)] for t in trials if t.started is not None}
        trials = sorted((t for t in trials if t.number in ends), key=lambda t: ends[t.number])
    xs, ys, best = [], [], None
    for t in trials:
        if t.ok:
            best = t.value if best is None else result.direction.best(best, t.value)
            xs.append(ends[t.number] if x == "seconds" else t.number + 1)
            ys.append(best)
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


@_styled
def plot_comparison(runs: Mapping[str, Any], x: str = "evaluations") -> Any:
    """Best value so far of several runs on one axes, for a report comparing methods or settings.

    ``runs`` maps a label to a source (a Result, a fitted EvolutionarySearchCV or a run file path; a path
    stands for every run its file holds) or to a list of them. A label with one run is drawn as its
    step curve; with several (seeds), as their median and the band between their first and third
    quartiles, from the point every one of them has completed an evaluation (a run that ended counts
    with its final best). ``x`` is ``"evaluations"`` or ``"seconds"`` (wall time since each run's first
    evaluation started, the time between the sessions of a resumed run left out). Runs with one
    objective, all in the same direction.

    Examples
    --------
    >>> import evotune as et
    >>> from evotune import plotting
    >>> f = lambda p: (p["x"] - 1) ** 2
    >>> space = {"x": et.Float(-5, 5)}
    >>> runs = {"evotune": [et.optimize(f, space, max_evaluations=30, seed=s) for s in range(3)],
    ...         "random": [et.optimize(f, space, max_evaluations=30, surrogate=None, population_size=30,
    ...                                seed=s) for s in range(3)]}
    >>> fig = plotting.plot_comparison(runs)
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['evotune (3 runs)', 'random (3 runs)']
    """
    if x not in ("evaluations", "seconds"):
        raise InvalidParameterError(f"plot_comparison(): `x` must be 'evaluations' or 'seconds'; got {x!r}.")
    if not isinstance(runs, Mapping) or not runs:
        raise InvalidParameterError(
            f"plot_comparison(): `runs` must be a dict of label -> run or list of runs; got {runs!r}."
        )
    groups = {label: _runs_of(label, sources) for label, sources in runs.items()}
    directions = {label: results[0].direction for label, results in groups.items()}
    for label, results in groups.items():
        if any(len(r.directions) > 1 or r.direction is not directions[label] for r in results):
            raise InvalidParameterError(
                f"plot_comparison(): the runs of {label!r} must have one objective each, in one direction "
                f"(plot_hypervolume draws a run with several)."
            )
    if len(set(directions.values())) > 1:
        raise InvalidParameterError(
            f"plot_comparison(): the runs minimize and maximize "
            f"({ {k: str(v) for k, v in directions.items()} }); compare runs of one direction."
        )
    fig, ax = _subplots(figsize=(WIDTH, 3.2))
    values = []
    for label, results in groups.items():
        curves = [_best_so_far(r, x) for r in results]
        curves = [c for c in curves if len(c[0])]
        name = f"{label} ({len(results)} run{'s' * (len(results) > 1)})"
        if not curves:
            ax.plot([], [], label=f"{name}: no completed evaluation")
            continue
        values.extend(v for c in curves for v in c[1])
        if len(curves) == 1:
            ax.step(*curves[0], where="post", lw=1.6, label=name)
            continue
        # from the point every run has a completed trial; a run that ended counts with its final best
        grid = np.unique(np.concatenate([c[0] for c in curves]))
        grid = grid[grid >= max(c[0][0] for c in curves)]
        at = np.array([c[1][np.searchsorted(c[0], grid, "right") - 1] for c in curves])
        low, median, high = np.percentile(at, [25, 50, 75], axis=0)
        (line,) = ax.step(grid, median, where="post", lw=1.6, label=name)
        ax.fill_between(grid, low, high, step="post", color=line.get_color(), alpha=0.2, linewidth=0)
    direction = next(iter(directions.values()))
    ax.set_xlabel("evaluations" if x == "evaluations" else "seconds since the run's first evaluation started")
    ax.set_ylabel(f"best so far ({'lower' if direction is Direction.MINIMIZE else 'higher'} is better)")
    several = any(len(results) > 1 for results in groups.values())
    ax.set_title("best so far" + (": median of the runs, band between their quartiles" if several else ""))
    ax.legend(loc="best", frameon=False)
    if values and min(values) > 0 and max(values) / min(values) > 100:  # where most runs end is legible
        ax.set_yscale("log")
    return fig


def _runs_of(label: str, sources: Any) -> list[Result]:
    """The Results a label of :func:`plot_comparison` stands for: every run of a run file path."""
    from .storage import load_run, run_names

    out = []
    for source in sources if isinstance(sources, (list, tuple)) else [sources]:
        if isinstance(source, (str, os.PathLike)):
            names = run_names(source)
            if not names:
                raise InvalidParameterError(
                    f"plot_comparison(): {label!r}: {os.fspath(source)!r} holds no run."
                )
            out.extend(load_run(source, name) for name in names)
        else:
            out.append(load(source))
    if not out:
        raise InvalidParameterError(f"plot_comparison(): {label!r} has no runs.")
    return out


#: The figures of a report: file stem -> function.
FIGURES = {
    "evolution": plot_evolution,
    "parameters": plot_parameters,
    "diversity": plot_diversity,
    "hall_of_fame": plot_hall_of_fame,
    "workers": plot_workers,
    "importance": plot_importance,
    "parts": plot_parts,
    "pareto": plot_pareto,
    "hypervolume": plot_hypervolume,
}


def figures(result: Result) -> dict[str, Any]:
    """The figures of :data:`FIGURES` that have something to show for ``result`` (``parts`` only for a
    run that raced folds or used budgets; ``pareto`` and ``hypervolume`` in place of ``evolution`` for
    several objectives): what a report and ``evotune plot --kind all`` draw.

    Examples
    --------
    >>> import evotune as et
    >>> from evotune import plotting
    >>> result = et.optimize(lambda p: p["x"] ** 2, {"x": et.Float(-1, 1)}, max_evaluations=20, seed=0)
    >>> "parts" in plotting.figures(result), "evolution" in plotting.figures(result)
    (False, True)
    """
    raced = any(t.parts for t in result.trials)
    several = len(result.directions) > 1
    skip = (set() if raced else {"parts"}) | ({"evolution"} if several else {"pareto", "hypervolume"})
    return {stem: plot for stem, plot in FIGURES.items() if stem not in skip}


def save(fig: Any, path: str | os.PathLike, dpi: int = 200) -> None:
    """Write ``fig`` to ``path``: PNG, SVG or PDF, chosen by the extension.

    Examples
    --------
    >>> import os, tempfile, evotune as et
    >>> from evotune import plotting
    >>> result = et.optimize(lambda p: p["x"] ** 2, {"x": et.Float(-1, 1)}, max_evaluations=20, seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "curve.svg")
    >>> plotting.save(plotting.plot_diversity(result), path)
    >>> os.path.getsize(path) > 0
    True
    """
    extension = os.path.splitext(os.fspath(path))[1].lower()
    if extension not in (".png", ".svg", ".pdf"):
        from .exceptions import InvalidParameterError

        raise InvalidParameterError(f"save(): the path must end in .png, .svg or .pdf; got {os.fspath(path)!r}.")
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    pyplot().close(fig)
