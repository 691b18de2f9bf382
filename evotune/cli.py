"""The ``evotune`` command: run experiment files, and look at, report on and export stored runs.

    evotune run experiments/quickstart.toml        # resumable: run the same command again
    evotune status runs/quickstart.db
    evotune report runs/quickstart.db -o reports/quickstart/
    evotune export runs/quickstart.db --hall-of-fame hof.csv --trials trials.csv
    evotune plot runs/quickstart.db --kind evolution --format svg -o figures/
    evotune compare runs/evotune.db runs/random.db -o comparison.pdf   # best so far, one line per file

Exit codes: 0 done, 1 the run failed, 2 bad usage or a bad experiment file, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from .exceptions import EvotuneError, InvalidParameterError, StorageError
from .racing import Fidelity, Racing, stop_summary
from .settings import Settings
from .space import Categorical, Float, Integer, Space
from .surrogate import GaussianProcessSurrogate

__all__ = ["main", "load_experiment", "ConfigError"]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(EvotuneError, ValueError):
    """An experiment file (the message names the file, line and key) or the command line is not valid."""


# -- experiment files --------------------------------------------------------------------------
_SECTIONS = {
    "objective": {"function", "estimator", "dataset", "cv", "scoring", "params", "objectives"},
    "space": None,  # any parameter names
    # the budgets and where evaluations run, and every setting of the search that TOML can write
    "search": {"max_evaluations", "generations", "time_budget", "n_jobs", "timeout"}
    | set(Settings.names()) - {"crossover", "mutation", "selection"},
    "storage": {"path", "run_name"},
}  # fmt: skip
_PARAMETER_KEYS = {"type", "low", "high", "log", "choices", "ordered", "when"}


def _none(value: Any) -> Any:
    """TOML has no null: the string "None" in a list of choices stands for Python's None."""
    return None if value == "None" else value


class _Experiment:
    """A parsed experiment file, with the line of every key for error messages."""

    def __init__(self, path: str):
        self.path = path
        try:
            with open(path, "rb") as f:
                self.text = f.read().decode("utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the experiment file ({exc.strerror}).") from None
        try:
            self.data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None

    def line(self, section: str, key: str | None = None) -> int:
        current = None
        for number, raw in enumerate(self.text.splitlines(), start=1):
            line = raw.strip()
            if line.startswith("[") and line.endswith("]"):
                current = line.strip("[]").strip()
                if key is None and current == section:
                    return number
            elif current == section and key is not None and line.split("=", 1)[0].strip().strip('"') == key:
                return number
        return 0

    def error(self, section: str, key: str | None, message: str) -> ConfigError:
        where = f"[{section}]" + (f" {key}" if key else "")
        line = self.line(section, key)
        return ConfigError(f"{self.path}:{line}: {where}: {message}" if line else f"{self.path}: {where}: {message}")

    def section(self, name: str, required: bool = True) -> dict[str, Any]:
        value = self.data.get(name)
        if value is None:
            if required:
                raise ConfigError(f"{self.path}: the [{name}] section is missing.")
            return {}
        allowed = _SECTIONS[name]
        unknown = sorted(set(value) - allowed) if allowed is not None else []
        if unknown:
            raise self.error(name, unknown[0], f"unknown key; allowed: {', '.join(sorted(allowed))}.")
        return value


def _parameter(experiment: _Experiment, name: str, spec: Any) -> Any:
    if isinstance(spec, list):
        return [_none(v) for v in spec]
    if not isinstance(spec, dict):
        raise experiment.error("space", name, f"expected a list of choices or a table with `type`; got {spec!r}.")
    unknown = sorted(set(spec) - _PARAMETER_KEYS)
    if unknown:
        raise experiment.error("space", name, f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(_PARAMETER_KEYS))}.")
    kind = spec.get("type")
    when = spec.get("when", {})
    if not isinstance(when, dict):
        raise experiment.error("space", name, f"`when` must be a table (when = {{ kernel = \"poly\" }}); got {when!r}.")
    try:
        if kind == "float":
            parameter: Any = Float(spec["low"], spec["high"], log=spec.get("log", False))
        elif kind == "integer":
            parameter = Integer(spec["low"], spec["high"], log=spec.get("log", False))
        elif kind == "categorical":
            parameter = Categorical([_none(v) for v in spec["choices"]], ordered=spec.get("ordered", False))
        else:
            parameter = None
        if parameter is not None:
            return parameter.when(**{k: [_none(v) for v in (vs if isinstance(vs, list) else [vs])]
                                     for k, vs in when.items()}) if when else parameter
    except KeyError as exc:
        raise experiment.error("space", name, f"a {kind} parameter needs `{exc.args[0]}`.") from None
    except EvotuneError as exc:
        raise experiment.error("space", name, str(exc)) from None
    raise experiment.error("space", name, f"`type` must be 'float', 'integer' or 'categorical'; got {kind!r}.")


def _named(error: Exception, names: Any) -> str | None:
    """The parameter an error is about: the longest of ``names`` it quotes (``'estimator__C'``, not ``'estimator'``)."""
    return next((n for n in sorted(names, key=len, reverse=True) if f"'{n}'" in str(error)), None)


def _import(experiment: _Experiment, key: str, target: str, section: str = "objective") -> Any:
    module_name, _, attribute = target.partition(":") if ":" in target else target.rpartition(".")
    folder = os.path.dirname(os.path.abspath(experiment.path))
    if folder not in sys.path:
        sys.path.insert(0, folder)  # modules beside the experiment file can be named
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise experiment.error(section, key, f"cannot import {target!r}: {exc}") from None


def _estimator_objective(experiment: _Experiment, section: dict[str, Any], space: dict[str, Any]) -> Any:
    """The cross-validation an ``estimator`` + ``dataset`` objective stands for, every name checked
    (parameters, scorer, dataset, cv) before the first fit."""
    from sklearn import datasets

    from .sklearn import check_objectives, check_parameter_names, check_scoring_name, cross_validation

    if "dataset" not in section:
        raise experiment.error("objective", "estimator", "an estimator needs a `dataset` (e.g. \"digits\").")
    dataset = section["dataset"]
    if not hasattr(datasets, f"load_{dataset}"):
        raise experiment.error("objective", "dataset", f"scikit-learn has no load_{dataset}(); try iris, wine, "
                                                      f"breast_cancer, digits or diabetes.")
    fixed = section.get("params", {})
    if isinstance(section["estimator"], list):  # model selection: a one-step pipeline whose step is searched
        from sklearn.pipeline import Pipeline

        from .sklearn import check_space_names

        if fixed:  # they would be set on the pipeline's first step, which every candidate replaces
            raise experiment.error("objective", "params", "with a list of estimators, give fixed values in [space] "
                                   "as one-choice parameters (estimator__max_iter = { type = \"categorical\", "
                                   "choices = [5000], when = ... }).")
        estimator = Pipeline([("estimator", space["estimator"].choices[0])])
        try:
            check_space_names(estimator, Space(space))
        except EvotuneError as exc:
            raise experiment.error("space", _named(exc, space), str(exc)) from None
    else:
        estimator = _import(experiment, "estimator", section["estimator"])()
        for key, names in (("params", list(fixed)), *((name, [name]) for name in space)):
            try:
                check_parameter_names(estimator, names)
            except EvotuneError as exc:
                raise experiment.error("objective" if key == "params" else "space", key, str(exc)) from None
    try:
        scoring = check_scoring_name(section.get("scoring"))
    except EvotuneError as exc:
        raise experiment.error("objective", "scoring", str(exc)) from None
    objectives = section.get("objectives")
    if objectives is not None:
        try:
            check_objectives(objectives, [scoring or "score"])
        except EvotuneError as exc:
            raise experiment.error("objective", "objectives", str(exc)) from None
    X, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    estimator.set_params(**fixed)  # names checked above
    try:
        return cross_validation(estimator, X, y, cv=section.get("cv", 5), scoring=scoring,
                                data=f"scikit-learn's {dataset}", objectives=objectives)
    except (ValueError, TypeError) as exc:
        raise experiment.error("objective", "cv", str(exc)) from None


_RULES = {"racing": Racing, "fidelity": Fidelity, "surrogate": GaussianProcessSurrogate}


def _check_search(experiment: _Experiment, search: dict[str, Any]) -> None:
    """Refuse, with the file and line, a [search] value optimize() would refuse later."""
    from .evaluation import check_timeout, resolve_n_jobs
    from .optimize import check_budgets

    checks = {"n_jobs": resolve_n_jobs, "timeout": check_timeout}
    for key, value in search.items():
        if key == "constraints" and isinstance(value, str):  # "module:function"
            search[key] = value = _import(experiment, key, value, section="search")
        if key == "initial_points" and isinstance(value, list):  # TOML has no null: "None" stands for it
            search[key] = value = [{k: _none(v) for k, v in point.items()} if isinstance(point, dict) else point
                                   for point in value]
        try:
            if key in _RULES and isinstance(value, dict):  # racing = {min_parts = 3}, surrogate = {...}
                names = list(inspect.signature(_RULES[key]).parameters)
                unknown = sorted(set(value) - set(names))
                if unknown:
                    raise InvalidParameterError(f"unknown {key} setting {unknown[0]!r}; they are: {', '.join(names)}.")
                search[key] = value = _RULES[key](**value)
            if key in checks:
                checks[key](value)
            elif key in Settings.names():
                Settings.of({key: value})
            else:
                check_budgets(**{key: value})
        except EvotuneError as exc:
            raise experiment.error("search", key, str(exc)) from None


def load_experiment(path: str) -> dict[str, Any]:
    """The keyword arguments of :func:`evotune.optimize` an experiment file describes.

    Raises :class:`ConfigError` naming the file, line and key of the first problem.
    """
    experiment = _Experiment(path)
    search = experiment.section("search", required=False)
    storage = experiment.section("storage", required=False)
    if not any(k in search for k in ("max_evaluations", "generations", "time_budget")):
        raise experiment.error("search", None, "give `max_evaluations`, `generations` or `time_budget`.")
    _check_search(experiment, search)
    objective_section = experiment.section("objective")
    tables = experiment.section("space")
    # [[space]] tables: a list of sub-spaces, as GridSearchCV's list of grids (searched as conditions)
    space: Any = ([{name: _parameter(experiment, name, spec) for name, spec in table.items()} for table in tables]
                  if isinstance(tables, list) else {name: _parameter(experiment, name, spec) for name, spec in tables.items()})
    flat = {name: p for table in (space if isinstance(space, list) else [space]) for name, p in table.items()}
    if not flat or not all(space):
        where = " in each [[space]] table" if isinstance(space, list) else ""
        raise experiment.error("space", None, f"give at least one parameter{where}.")
    if isinstance(objective_section.get("estimator"), list):  # the estimator is chosen: a parameter of its own
        if isinstance(space, list):
            raise experiment.error("space", None, "with a list of estimators, write one [space] whose parameters "
                                   "name their estimator with when = { estimator = \"<class>\" }.")
        if "estimator" in space:
            raise experiment.error("space", "estimator", "the estimators to choose from are [objective] estimator.")
        if not objective_section["estimator"]:
            raise experiment.error("objective", "estimator", "give at least one estimator to choose from.")
        choices = [_import(experiment, "estimator", target)() for target in objective_section["estimator"]]
        space = flat = {"estimator": Categorical(choices), **space}
    try:
        checked = Space(space)  # conditions: names, values, cycles
    except EvotuneError as exc:
        raise experiment.error("space", _named(exc, flat), str(exc)) from None
    for i, point in enumerate(search.get("initial_points") or []):
        try:
            checked.check_point(point, what=f"initial_points[{i}]")
        except EvotuneError as exc:
            raise experiment.error("search", "initial_points", str(exc)) from None
    if "function" in objective_section:
        objective = _import(experiment, "function", objective_section["function"])
    elif "estimator" in objective_section:
        objective = _estimator_objective(experiment, objective_section, flat)
        directions = objective.directions  # several objectives: metrics maximized, costs minimized
        if directions:
            if search.get("directions", directions) != directions:
                raise experiment.error("search", "directions", f"the objectives {objective.objectives} set the "
                                       f"directions {directions}; leave `directions` out.")
            search["directions"] = directions
    else:
        raise experiment.error("objective", None, "give `function` (\"module:function\") or `estimator` + `dataset`.")
    stem = os.path.splitext(os.path.basename(path))[0]
    settings = dict(search)
    settings.update(
        objective=objective,
        space=space,
        storage=storage.get("path", os.path.join("runs", f"{stem}.db")),
        run_name=storage.get("run_name", stem),
    )
    return settings


# -- commands ------------------------------------------------------------------------------------
def _run(args: argparse.Namespace) -> int:
    from .optimize import optimize

    settings = load_experiment(args.experiment)
    _set_aside(settings["storage"], settings["run_name"], args.restart)
    print(f"evotune: run {settings['run_name']!r} -> {settings['storage']} (run the same command again to resume)",
          file=sys.stderr)
    try:
        result = optimize(**settings, resume=True, progress=not args.no_progress)
    except StorageError as exc:
        from .storage.journal import SETTINGS_DIFFER

        if SETTINGS_DIFFER not in str(exc):
            raise
        raise EvotuneError(f"{exc}\nHere: `evotune run {args.experiment} --restart` starts anew and keeps "
                           f"the stored run in the file under another name.") from None
    print(f"stopped: {result.stop_reason}")
    print("\n".join(_best(result, "")))
    print(f"next: evotune report {settings['storage']} -o reports/{settings['run_name']}/")
    return 130 if result.stop_reason == "interrupted" else 0


def _set_aside(path: str, name: str, restart: bool) -> None:
    """Refuse to resume a run that ended in failure; with ``restart``, keep the old run under a new
    name (``name-1``, ``name-2``...) so that a new one starts. Nothing is deleted."""
    from .storage import Storage, load_run, run_names

    if not os.path.exists(path) or os.path.getsize(path) == 0 or name not in run_names(path):
        return
    if not restart:
        run = load_run(path, name)
        if run.settings.get("status") == "failed":
            raise EvotuneError(
                f"run {name!r} in {path} ended in failure ({run.stop_reason}); resuming it would replay its "
                f"{len(run.trials)} stored evaluations. Fix the cause, then start it anew with --restart (the "
                f"failed run stays in the file under another name)."
            )
        return
    store = Storage(path)
    try:
        kept = store.rename_run(name)
    finally:
        store.close()
    print(f"evotune: the previous run {name!r} is kept in {path} as {kept!r}; starting anew", file=sys.stderr)


def _runs(args: argparse.Namespace) -> list[str]:
    from .storage import run_names

    if args.run_name:
        return [args.run_name]
    names = run_names(args.run_file) if os.path.exists(args.run_file) else []
    if not names:
        raise EvotuneError(f"{args.run_file}: no runs stored (or no such file).")
    return names


def _status(args: argparse.Namespace) -> int:
    from .storage import is_being_written, kept_parts, load_run

    for name in _runs(args):
        run = load_run(args.run_file, name)
        trials = run.trials
        states = Counter(t.state for t in trials)
        status = run.settings["status"]
        if status == "running" and not is_being_written(args.run_file, name):
            status = "stopped: no process is running it (killed?); resume it by running it again"
        reason = f" ({run.stop_reason})" if run.stop_reason and run.stop_reason != status else ""
        print(f"run {name!r}: {status}{reason}")
        print(f"  evaluations: {len(trials)} ({', '.join(f'{k} {v}' for k, v in sorted(states.items()))})")
        stopped = stop_summary(trials)
        if stopped:
            print(f"  early stops: {stopped}")
        parts, candidates = kept_parts(args.run_file, name)
        if parts:
            print(f"  kept for a resume: {parts} finished parts (folds) of {candidates} candidate"
                  f"{'s' * (candidates > 1)} not yet decided")
        directions = ", ".join(map(str, run.directions))
        print(f"  generations: {len(run.history)}; direction{'s' * (len(run.directions) > 1)}: {directions}; "
              f"seed: {run.seed}")
        print("\n".join(_best(run, "  ")))
    return 0


def _best(result: Any, indent: str) -> list[str]:
    """What a run found: its best value and parameters, or with several objectives its front and knee."""
    lines = [] if result.feasible or not result.hall_of_fame else [
        f"{indent}no trial met the constraints; the least infeasible: {result.hall_of_fame[0].params}"]
    if len(result.directions) == 1:
        return lines + [f"{indent}best value: {result.best_value}", f"{indent}best parameters: {result.best_params}"]
    knee = result.best_trial
    return lines + [f"{indent}Pareto front: {len(result.pareto_front)} trials",
                    f"{indent}knee of the front: values {None if knee is None else list(knee.values)}, "
                    f"parameters {None if knee is None else knee.params}"]


def _report(args: argparse.Namespace) -> int:
    from .report import write_report

    names = _runs(args)
    for name in names:  # several runs: one folder each
        out = args.output if len(names) == 1 else os.path.join(args.output, name)
        print(write_report(args.run_file, out, run_name=name))
    return 0


def _export(args: argparse.Namespace) -> int:
    from .storage import load_run

    if not (args.trials or args.hall_of_fame):
        raise ConfigError("export: give --trials FILE and/or --hall-of-fame FILE (.csv or .json).")
    run = load_run(args.run_file, args.run_name)
    if args.trials:
        run.save_trials(args.trials)
        print(args.trials)
    if args.hall_of_fame:
        run.save_hall_of_fame(args.hall_of_fame)
        print(args.hall_of_fame)
    return 0


def _plot(args: argparse.Namespace) -> int:
    from . import plotting
    from .storage import load_run

    run = load_run(args.run_file, args.run_name)
    kinds = list(plotting.figures(run)) if args.kind == "all" else [args.kind]
    os.makedirs(args.output, exist_ok=True)
    for kind in kinds:
        path = os.path.join(args.output, f"{kind}.{args.format}")
        plotting.save(plotting.FIGURES[kind](run), path)
        print(path)
    return 0


def _compare(args: argparse.Namespace) -> int:
    from . import plotting
    from .storage import load_run, run_names

    runs: dict[str, Any] = {}
    for path in args.run_files:
        if not os.path.exists(path):
            raise EvotuneError(f"{path}: no such run file.")
        label = os.path.splitext(os.path.basename(path))[0]
        if any(key == label or key.startswith(f"{label}: ") for key in runs):
            label = path  # two files of one name in different folders
        if args.each_run:
            runs.update({f"{label}: {name}": load_run(path, name) for name in run_names(path)})
        else:
            runs[label] = path
    os.makedirs(os.path.dirname(args.output) or ".", exist_ok=True)
    plotting.save(plotting.plot_comparison(runs, x=args.x), args.output)
    print(args.output)
    return 0


def _parser() -> argparse.ArgumentParser:
    from . import __version__
    from .plotting import FIGURES

    parser = argparse.ArgumentParser(prog="evotune", description="Evolutionary hyperparameter optimization.")
    parser.add_argument("--version", action="version", version=f"evotune {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-v: info, -vv: debug)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run (or resume) an experiment file")
    run.add_argument("experiment", help="a TOML experiment file")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument("--restart", action="store_true",
                     help="start the run anew; the stored one is kept in the file under another name")
    run.set_defaults(handler=_run)

    for name, handler, text in (
        ("status", _status, "show the runs stored in a run file"),
        ("report", _report, "write an HTML report with figures"),
        ("export", _export, "write trials or the hall of fame to CSV/JSON"),
        ("plot", _plot, "write figures (PNG, SVG or PDF)"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("run_file", help="an SQLite run file (e.g. runs/quickstart.db)")
        sub.add_argument("--run-name", help="the run, when the file holds several")
        if name == "report":
            sub.add_argument("-o", "--output", default="report", help="output folder (default: report)")
        if name == "export":
            sub.add_argument("--trials", help="write every trial here (.csv or .json)")
            sub.add_argument("--hall-of-fame", help="write the hall of fame here (.csv or .json)")
        if name == "plot":
            sub.add_argument("--kind", default="all", choices=["all", *FIGURES], help="which figure (default: all)")
            sub.add_argument("--format", default="png", choices=["png", "svg", "pdf"])
            sub.add_argument("-o", "--output", default="figures", help="output folder (default: figures)")
        sub.set_defaults(handler=handler)
    compare = commands.add_parser("compare", help="draw the best so far of several run files on one figure")
    compare.add_argument("run_files", nargs="+", help="run files; each is a line (the median of its runs)")
    compare.add_argument("--each-run", action="store_true", help="a line for each run of each file")
    compare.add_argument("--x", default="evaluations", choices=["evaluations", "seconds"])
    compare.add_argument("-o", "--output", default="comparison.png", help="the figure (.png, .svg or .pdf)")
    compare.set_defaults(handler=_compare)
    return parser


class _TrialFormatter(logging.Formatter):
    """Adds "(trial N)" to records logged during an evaluation, in this process or a worker."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        trial = getattr(record, "trial", None)
        return text if trial is None else f"{text} (trial {trial})"


def _configure_logging(verbosity: int) -> Callable[[], None]:
    """Log to stderr for the command's duration; returns what puts the root logger back as it was."""
    from .evaluation import install_trial_records

    install_trial_records()
    root = logging.getLogger()
    level = root.level
    root.setLevel([logging.WARNING, logging.INFO, logging.DEBUG][min(verbosity, 2)])
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_TrialFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    root.addHandler(handler)

    def restore() -> None:
        root.removeHandler(handler)
        root.setLevel(level)

    return restore


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``evotune`` command; returns the exit code.

    Examples
    --------
    >>> main(["status", "no-such-file.db"])  # the error goes to stderr
    1
    """
    args = _parser().parse_args(argv)
    restore_logging = _configure_logging(args.verbose)
    try:
        return args.handler(args)
    except ConfigError as exc:
        print(f"evotune: error: {exc}", file=sys.stderr)
        return 2
    except EvotuneError as exc:
        print(f"evotune: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("evotune: interrupted", file=sys.stderr)
        return 130
    finally:
        restore_logging()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
