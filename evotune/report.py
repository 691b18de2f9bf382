"""An HTML report of a run: one self-contained page, figures embedded, plus the files beside it.

Examples
--------
>>> import os, tempfile, evotune as et
>>> from evotune.report import write_report
>>> result = et.optimize(lambda p: (p["x"] - 1) ** 2, {"x": et.Float(-5, 5)}, max_evaluations=30, seed=0)
>>> out = tempfile.mkdtemp()
>>> page = write_report(result, out, title="demo")
>>> sorted(os.listdir(out))[:4]
['diversity.png', 'diversity.svg', 'evolution.png', 'evolution.svg']
>>> "<h1>demo</h1>" in open(page).read()
True
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import time
from collections import Counter
from typing import Any

from . import plotting
from .racing import stop_summary
from .result import Result
from .trial import TrialState

__all__ = ["write_report"]

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 60em;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9em; } .muted { color: #666; }
"""

_CAPTIONS = {
    "evolution": "Left: the population's best, mean and worst value per generation (band: mean ± one standard "
    "deviation, kept between the best and the worst). Right: the best value found against the number of evaluations, over every evaluation.",
    "parameters": "Each parameter's values per generation, coloured by objective value; grey points failed or were pruned. "
    "Where the points gather is where the search converged.",
    "diversity": "Population diversity (0: all candidates alike, 1: as spread as a uniform sample), with the "
    "failed evaluations and the repeats bred again per generation.",
    "hall_of_fame": "The best candidates across the parameters; each axis runs from the space's lower to its "
    "upper bound (log scale for log parameters).",
    "workers": "Which worker ran which evaluation, and when; gaps are idle time (waiting for the slowest "
    "candidate of a generation).",
    "parts": "Left: each candidate's value fold by fold (or budget by budget); grey lines are candidates "
    "stopped early by racing or a fidelity. Right: the share of the evaluation time each kind of trial took.",
    "pareto": "Every completed evaluation in the space of the objectives: the Pareto front (no other "
    "evaluation is better in every objective) in red, infeasible evaluations as crosses, the knee (the "
    "balanced compromise best_params reports) as a star.",
    "hypervolume": "The evolution curve of several objectives: the hypervolume of the front of every evaluation "
    "so far, as a share of the final one (reference: each objective's worst completed value plus a tenth of its span).",
    "importance": "How much each parameter mattered: the loss of fit of a random forest, trained on the "
    "completed evaluations, when that parameter's values are shuffled (shares summing to 1).",
}


def _cell(value: Any) -> str:
    if isinstance(value, float):
        text = "—" if math.isnan(value) else f"{value:.6g}"
        return f'<td class="num">{text}</td>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="num">{value}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def _duration(seconds: float) -> str:
    """1 h 02 min, 3 min 04 s, 5.2 s."""
    if seconds >= 3600:
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"
    if seconds >= 60:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{seconds:.1f} s"


def _table(headers: list[str] | None, rows: list[list[Any]]) -> str:
    head = "" if headers is None else "<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr></thead>"
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table>{head}<tbody>{body}</tbody></table>"


def write_report(
    source: Any,
    out_dir: str | os.PathLike,
    *,
    run_name: str | None = None,
    title: str | None = None,
) -> str:
    """Write ``index.html`` (figures embedded), each figure as PNG and SVG, and the hall of
    fame and trials as CSV into ``out_dir``; returns the page's path.

    ``source`` is a Result, a fitted EvolutionarySearchCV or the path of a run file.
    """
    result: Result = plotting.load(source, run_name)
    os.makedirs(out_dir, exist_ok=True)
    trials = list(result.trials)
    name = title or result.settings.get("run_name") or "evotune run"
    states = Counter(t.state for t in trials)
    summary = [
        ["status", result.settings.get("status", "finished")],
        ["stop reason", result.stop_reason or "—"],
        ["evaluations", len(trials)],
        ["generations", len(result.history)],
        ["direction" if len(result.directions) == 1 else "directions", ", ".join(map(str, result.directions))],
        ["best value" if len(result.directions) == 1 else "knee of the front",
         result.best_value if len(result.directions) == 1 or result.best_trial is None
         else ", ".join(f"{v:.6g}" for v in result.best_trial.values)],
        *([["feasible", "yes" if result.feasible else "no trial met the constraints"]]
          if result.settings.get("constraints") else []),
        ["seed", result.seed],
    ] + [[f"{state} evaluations", states.get(state, 0)] for state in TrialState]
    stopped = stop_summary(trials)
    if stopped:
        summary.append(["early stops", stopped])
    sessions = result.sessions
    if sessions:
        summary.insert(3, ["wall time", _duration(sum((s["ended"] or s["started"]) - s["started"] for s in sessions))])
    parts = [
        f"<h1>{html.escape(name)}</h1>",
        f'<p class="muted">evotune report, written {time.strftime("%Y-%m-%d %H:%M")}</p>',
        "<h2>Summary</h2>",
        _table(None, summary),
    ]
    tuned = next((s["objective"] for s in reversed(sessions) if s.get("objective")), None)
    if tuned:
        parts += ["<h2>What was tuned</h2>", _table(None, [[k, v] for k, v in tuned.items()])]
    if sessions:
        parts += ["<h2>Sessions</h2>", _table(
            ["session", "started", "wall time", "new evaluations", "workers", "ended"],
            [[s["session"], time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(s["started"])),
              _duration(s["ended"] - s["started"]) if s["ended"] else "—", s["evaluations"], s["workers"] or "—",
              s["status"] or "did not end (killed?)"] for s in sessions],
        )]
        environments = [s["environment"] or {} for s in sessions]
        keys = list(dict.fromkeys(k for e in environments for k in e))
        parts += ["<h2>Environment</h2>", _table(
            ["", *[f"session {s['session']}" for s in sessions]] if len(sessions) > 1 else None,
            [[k, *[e.get(k, "—") for e in environments]] for k in keys],
        )]
    parts += [
        "<h2>Best parameters</h2>",
        _table(["parameter", "value"], [[k, v] for k, v in (result.best_params or {}).items()]),
    ]
    present = {n for t in result.hall_of_fame for n in t.params}
    in_space = [n for n in plotting.searched_parameters(result) if n in present]
    names = in_space + sorted(present - set(in_space))  # the space's order, then any others
    k = len(result.directions)
    values = ["value"] if k == 1 else [f"objective {i}" for i in range(k)]
    violation = ["violation"] if result.settings.get("constraints") else []
    parts += [
        "<h2>Hall of fame</h2>" if k == 1 else "<h2>Pareto front</h2>",
        _table(
            ["rank", "trial", "generation", *values, *violation, *names],
            [[i + 1, t.number, t.generation, *t.values, *([t.violation] if violation else []),
              *[t.params.get(n, "") for n in names]] for i, t in enumerate(result.hall_of_fame)],
        ),
        "<h2>Figures</h2>",
    ]
    for stem, plot in plotting.figures(result).items():
        fig = plot(result)
        fig.savefig(os.path.join(out_dir, f"{stem}.svg"), bbox_inches="tight")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
        with open(os.path.join(out_dir, f"{stem}.png"), "wb") as f:
            f.write(buffer.getvalue())
        plotting.pyplot().close(fig)
        encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
        parts.append(
            f'<figure><img alt="{stem.replace("_", " ")}" src="data:image/png;base64,{encoded}">'
            f"<figcaption>{html.escape(_CAPTIONS[stem])}</figcaption></figure>"
        )
    settings = {k: v for k, v in result.settings.items() if k not in ("status", "run_name")}
    parts += ["<h2>Settings</h2>", _table(["setting", "value"], [[k, v] for k, v in settings.items()])]
    result.save_hall_of_fame(os.path.join(out_dir, "hall_of_fame.csv"))
    result.save_trials(os.path.join(out_dir, "trials.csv"))
    page = os.path.join(out_dir, "index.html")
    with open(page, "w", encoding="utf-8") as f:
        f.write(
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(name)}</title><style>{_STYLE}</style></head>"
            f"<body>{''.join(parts)}</body></html>\n"
        )
    return page
