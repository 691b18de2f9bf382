"""Score the benchmark results (Bayesmark's normalization) and write the tables and a convergence plot.

    python -m experiments.benchmarks.report [--results FILE[,FILE...]] [--out docs/benchmark-suite.md]

Per problem: normalized loss = (best found - best ever seen) / (median single random evaluation -
best ever seen), clipped to [-1, 1]; a method's score = 100 x (1 - mean normalized loss) over
problems and seeds. Also the mean rank per problem and seed, and the evaluations a method needs to
reach random search's final best (median over problems and seeds, as a share of the budget).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
from collections import defaultdict

import numpy as np

from .methods import SKLEARN_ONLY

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _best_so_far(losses: list, budget: int) -> np.ndarray:
    """Best loss after each evaluation; a run that stopped early (an exhausted space) keeps its best."""
    values = np.array([np.inf if v is None else v for v in losses] or [np.inf], dtype=float)
    curve = np.minimum.accumulate(values)
    return np.concatenate([curve, np.full(max(0, budget - len(curve)), curve[-1])])[:budget]


def score(rows: list[dict], yardstick: list[dict] = ()) -> dict:
    """Per suite and budget, each method's score, rank and curve. ``yardstick``: random's rows to normalise
    by, from another file (scored only through ``rows``' own random rows, if any)."""
    groups = defaultdict(list)
    for row in rows:
        groups[(row["suite"], row["budget"])].append(row)
    tables = {}
    for (suite, budget), items in sorted(groups.items()):
        by_problem = defaultdict(list)
        for row in items:
            by_problem[row["problem"]].append(row)
        normalized = defaultdict(list)
        ranks = defaultdict(list)
        to_match = defaultdict(list)
        curves = defaultdict(list)
        finals = defaultdict(dict)  # method -> (problem, seed) -> final normalized loss
        for problem, runs in by_problem.items():
            every = [v for r in runs for v in r["losses"] if v is not None]
            randoms = [r for r in [*runs, *yardstick] if r["method"] == "random" and r["problem"] == problem
                       and r["budget"] == budget]
            random_single = [v for r in randoms for v in r["losses"] if v is not None]
            if not every or not random_single:
                continue
            best_ever, median_random = min(every), float(np.median(random_single))
            span = median_random - best_ever if median_random > best_ever else 1.0
            random_final = np.median([_best_so_far(r["losses"], budget)[-1] for r in randoms])
            per_seed = defaultdict(dict)
            for r in runs:
                curve = _best_so_far(r["losses"], budget)
                value = np.clip((curve - best_ever) / span, -1, 1)
                normalized[r["method"]].append(float(value[-1]))
                finals[r["method"]][(problem, r["seed"])] = float(value[-1])
                curves[r["method"]].append(value)
                reached = np.nonzero(curve <= random_final)[0]
                to_match[r["method"]].append((reached[0] + 1) / len(curve) if len(reached) else math.inf)
                per_seed[r["seed"]][r["method"]] = curve[-1]
            for results in per_seed.values():
                order = sorted(results.values())
                for method, value in results.items():
                    ranks[method].append(np.mean([i + 1 for i, v in enumerate(order) if v == value]))
        tables[(suite, budget)] = {
            method: {
                "score": 100 * (1 - np.mean(normalized[method])),
                "rank": float(np.mean(ranks[method])),
                "to_match": float(np.median(to_match[method])),
                "curve": np.mean(curves[method], axis=0),
                "problems": len({r["problem"] for r in items if r["method"] == method}),
                "finals": finals[method],
            }
            for method in normalized
        }
    return tables


def versus(tables: dict, a: str, b: str) -> list[str]:
    """Method ``a`` against ``b`` per suite and budget, paired by problem and seed: the mean score
    difference ± its standard error, and how often ``a`` ended better, worse or level."""
    lines = []
    for (suite, budget), table in tables.items():
        if a not in table or b not in table:
            continue
        pairs = [(table[b]["finals"][key], value) for key, value in table[a]["finals"].items() if key in table[b]["finals"]]
        diff = 100 * np.array([theirs - ours for theirs, ours in pairs])
        better, worse = int((diff > 0).sum()), int((diff < 0).sum())
        spread = diff.std(ddof=1) / math.sqrt(len(diff)) if len(diff) > 1 else math.nan
        lines.append(f"{suite} @ {budget}: {a} - {b} = {diff.mean():+.2f} ± {spread:.2f} score points over "
                     f"{len(diff)} problem × seed pairs; better {better}, worse {worse}, level {len(diff) - better - worse}")
    return lines


def complete(rows: list[dict]) -> tuple[list[dict], list[str]]:
    """The rows of the (problem, budget) pairs every method of their suite has finished on the same
    seeds, and the names of the pairs left out (a run still going, or stopped part-way)."""
    every = {row["method"] for row in rows}
    seeds = defaultdict(lambda: defaultdict(set))
    for row in rows:
        seeds[(row["suite"], row["problem"], row["budget"])][row["method"]].add(row["seed"])
    done, left_out = set(), []
    for (suite, problem, budget), by_method in sorted(seeds.items()):
        all_seeds = set().union(*by_method.values())
        needed = every if suite == "sklearn" else every - SKLEARN_ONLY
        if set(by_method) == needed and all(s == all_seeds for s in by_method.values()):
            done.add((problem, budget))
        else:
            left_out.append(f"{problem} @ {budget}")
    return [row for row in rows if (row["problem"], row["budget"]) in done], left_out


def markdown(tables: dict, command: str, image: str, left_out: list[str], title: str) -> str:
    import deap
    import optuna
    import sklearn

    import evotune

    lines = [
        f"# {title}",
        "",
        f"Made by `{command}` then `python -m experiments.benchmarks.report`; Python {platform.python_version()}, "
        f"evotune {evotune.__version__}, deap {deap.__version__}, scikit-learn {sklearn.__version__}, "
        f"optuna {optuna.__version__}. Score: 100 × (1 − mean normalized loss), higher is better (Bayesmark). "
        "Rank: mean rank per problem and seed (1 is best). To match random: the share of the budget a method "
        "needs to reach random search's final best (median; ∞: not reached).",
        "",
    ]
    for (suite, budget), methods in tables.items():
        lines += [f"## {suite} suite, budget {budget}", "",
                  "| method | score | mean rank | to match random | problems |", "|---|---:|---:|---:|---:|"]
        for method, row in sorted(methods.items(), key=lambda kv: -kv[1]["score"]):
            match = "∞" if math.isinf(row["to_match"]) else f"{row['to_match']:.0%}"
            lines.append(f"| {method} | {row['score']:.1f} | {row['rank']:.2f} | {match} | {row['problems']} |")
        lines.append("")
    if left_out:
        lines += [f"Not yet complete for every method, so left out of the tables ({len(left_out)}): "
                  + ", ".join(left_out) + ".", ""]
    lines += [f"![convergence](img/{image})", ""]
    return "\n".join(lines)


def plot(tables: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted({method for methods in tables.values() for method in methods})
    palette = plt.get_cmap("tab10" if len(names) <= 10 else "tab20").colors
    colours = {name: palette[i % len(palette)] for i, name in enumerate(names)}  # the same in every panel
    ncols = min(4, len(tables))
    nrows = math.ceil(len(tables) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 3.0 * nrows + 0.4), layout="constrained",
                             squeeze=False)
    for ax in axes.flat[len(tables):]:
        ax.set_visible(False)
    for ax, ((suite, budget), methods) in zip(axes.flat, tables.items()):
        for method, row in sorted(methods.items()):
            ax.plot(range(1, len(row["curve"]) + 1), row["curve"], label=method, color=colours[method],
                    lw=2.2 if method == "evotune" else 1)
        ax.set_title(f"{suite}, budget {budget}")
        ax.set_xlabel("evaluations")
        ax.set_ylim(-0.05, 1.0)
    for row in axes:
        row[0].set_ylabel("mean normalized best loss")
    handles = [plt.Line2D([], [], color=colours[m], lw=2.2 if m == "evotune" else 1) for m in names]
    fig.legend(handles, names, loc="outside lower center", ncols=min(5, len(names)), fontsize=7, frameon=False)
    fig.savefig(path, dpi=150)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=os.path.join(HERE, "results", "quick.jsonl"),
                        help="JSON-lines file(s), comma-separated (e.g. a suite and the ablation rows)")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmark-suite.md"))
    parser.add_argument("--title", default="Benchmark suite results")
    parser.add_argument("--command", default="python -m experiments.benchmarks.run --quick")
    parser.add_argument("--methods", default="",
                        help="comma-separated: these methods only (default: all; keep random, the yardstick)")
    parser.add_argument("--suites", default="", help="comma-separated: these suites only (default: all)")
    parser.add_argument("--yardstick", default="", help="JSON-lines file(s) whose random rows normalise the "
                        "scores when --results has none on the same seeds (e.g. results/full.jsonl)")
    parser.add_argument("--versus", default="", metavar="A,B",
                        help="also print method A against B, paired by problem and seed (mean score difference ± s.e.)")
    args = parser.parse_args()
    from .run import read_results

    methods, suites = ({name for name in names.split(",") if name} for names in (args.methods, args.suites))
    rows = [row for path in args.results.split(",") for row in read_results(path)
            if (not methods or row["method"] in methods) and (not suites or row["suite"] in suites)]
    for row in rows:
        if "error" in row:
            print(f"left out: {row['method']} on {row['problem']} (seed {row['seed']}): {row['error']}")
    rows, left_out = complete([row for row in rows if "error" not in row])
    yardstick = [row for path in args.yardstick.split(",") if path for row in read_results(path)
                 if row["method"] == "random" and "error" not in row]
    tables = score(rows, yardstick)
    # the model-tuning problems together, per budget: the figure issue 7 asks evotune to lead
    model_rows = [{**row, "suite": "sklearn + mixed"} for row in rows if row["suite"] in ("sklearn", "mixed")]
    if {row["suite"] for row in rows} >= {"sklearn", "mixed"}:
        tables.update(score(model_rows, yardstick))
    image = os.path.splitext(os.path.basename(args.out))[0] + ".png"
    text = markdown(tables, args.command, image, left_out, args.title)
    os.makedirs(os.path.join(os.path.dirname(args.out), "img"), exist_ok=True)
    plot(tables, os.path.join(os.path.dirname(args.out), "img", image))
    with open(args.out, "w") as f:
        f.write(text)
    print(text)
    if args.versus:
        print("\n".join(versus(tables, *args.versus.split(",", 1))))


if __name__ == "__main__":
    main()
