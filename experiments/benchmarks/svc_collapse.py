"""Where evotune's trials go on SVC-digits-samples at the full budget, against Optuna's TPE on the same count.

    python -m experiments.benchmarks.svc_collapse --seeds 0-15 [--oracle | --optuna | --uniform]  # 600 trials
    python -m experiments.benchmarks.svc_collapse --grid

The valley of this problem (log10 gamma -2.6 .. -1.9) holds a small pocket of the fewest errors (log10 gamma
-2.36, log10 C 0.98) and a plateau where C stops mattering (log10 gamma -2.1 .. -2.0, C above about 10^1.25: a
hard margin); ``--grid`` prints the errors on a grid of it instead of searching. For each seed this runs
``et.optimize`` for a fixed number of evaluations (so the trials do not depend on the machine's speed)
and prints the best trial, each improvement of the incumbent, how many trials after the first 50 share the
most sampled gamma (to 0.1 in log10), and the share of them with log10 C above 1.
``--oracle`` breeds with :class:`GammaFirst`, a mutation told that gamma matters most; ``--uniform`` with
release 0.23's search (every gene mutates alike: ``GaussianProcessSurrogate(relevance=False)``); ``--optuna``
runs Optuna's TPE for the same number of trials instead. The last line is the mean of the seeds' best
errors: compare arms on the same seeds, all of them — seeds picked for being bad by default get better under
any change that redraws their trials (regression to the mean; the oracle's gain on four such seeds was that,
docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import math
import random
import warnings
from collections import Counter

import evotune as et
from evotune.operators import MixedMutation

from .bench_fidelity import Problem
from .methods import suggest


class GammaFirst(MixedMutation):
    """An oracle: gamma always mutates, C with probability 1/2, where 0.23's mutation mutated each with
    probability 1/2 (at least one; 0.24's weighs them by the model's relevance)."""

    def __call__(self, genome, child) -> None:
        gamma, c = genome.names.index("gamma"), genome.names.index("C")
        self._mutate_gene(genome, child, gamma)
        if random.random() < 0.5:
            self._mutate_gene(genome, child, c)


def search(problem: Problem, seed: int, evaluations: int, method: str) -> list[tuple[dict, float]]:
    """(params, loss) of each completed trial, in order: evotune (``oracle``: with :class:`GammaFirst`) or
    Optuna's TPE."""
    if method == "optuna":
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
        study.optimize(lambda trial: problem.loss(suggest(trial, problem.space)), n_trials=evaluations)
        return [(t.params, t.value) for t in study.trials if t.value is not None]
    settings = {"oracle": {"mutation": GammaFirst()},
                "uniform": {"surrogate": et.GaussianProcessSurrogate(relevance=False)}}.get(method, {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = et.optimize(lambda p: problem.loss(p), problem.space, max_evaluations=evaluations, seed=seed,
                             **settings)
    return [(t.params, t.value) for t in result.trials if t.ok]


def trace(seed: int, evaluations: int, method: str = "evotune") -> tuple[int, str]:
    """The seed's best errors, and its trace."""
    problem = Problem("SVC-digits-samples")
    samples = len(problem.y)  # test samples of the three folds together: a loss of k / samples is k errors
    trials = search(problem, seed, evaluations, method)
    log = [(math.log10(p["gamma"]), math.log10(p["C"])) for p, _ in trials]
    improvements, best = [], math.inf
    for number, (_, value) in enumerate(trials):
        if value < best - 1e-12:
            best = value
            improvements.append(f"trial {number}: {round(value * samples)} errors at log gamma "
                                f"{log[number][0]:.2f}, log C {log[number][1]:.2f}")
    skip = 50 if len(log) > 50 else 0  # a short run: all of it
    later = log[skip:]
    gamma, count = Counter(round(g, 1) for g, _ in later).most_common(1)[0]
    plateau = sum(c > 1 for _, c in later) / len(later)
    return round(best * samples), (
        f"seed {seed}: best {round(best * samples)} errors; " + "; ".join(improvements)
        + f"\n  after trial {skip}: {count} of {len(later)} trials at log gamma {gamma:.1f} (± 0.05); "
        f"{plateau:.0%} with log C > 1")


def grid() -> None:
    """Errors on a grid of the valley: log10 gamma by rows, log10 C by columns."""
    problem = Problem("SVC-digits-samples")
    columns = (0.5, 0.75, 0.9, 1.0, 1.25, 1.5, 2.0, 3.0)
    print("log gamma \\ log C " + " ".join(f"{c:>5}" for c in columns))
    for gamma in [round(-2.8 + 0.05 * i, 2) for i in range(21)]:
        errors = [round(problem.loss({"C": 10**c, "gamma": 10**gamma}) * len(problem.y)) for c in columns]
        print(f"{gamma:>17} " + " ".join(f"{e:>5}" for e in errors), flush=True)


def main() -> None:
    from threadpoolctl import threadpool_limits

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0-15", help="comma-separated, or a range such as 0-15 (16 seeds: "
                        "eight were too few to rank arms half an error apart, docs/benchmarks.md)")
    parser.add_argument("--evaluations", type=int, default=600, help="about what 90 s fit at the full budget")
    parser.add_argument("--oracle", action="store_true", help="breed with GammaFirst (gamma always mutates)")
    parser.add_argument("--optuna", action="store_true", help="Optuna's TPE for the same number of trials")
    parser.add_argument("--uniform", action="store_true", help="release 0.23's search: every gene mutates "
                        "alike (GaussianProcessSurrogate(relevance=False))")
    parser.add_argument("--grid", action="store_true", help="print the errors on a grid of the valley")
    args = parser.parse_args()
    threadpool_limits(1)
    if args.grid:
        return grid()
    method = next((m for m in ("oracle", "optuna", "uniform") if getattr(args, m)), "evotune")
    bests = []
    bounds = [[int(x) for x in part.split("-")] for part in args.seeds.split(",")]
    for seed in [s for b in bounds for s in range(b[0], b[-1] + 1)]:
        best, text = trace(seed, args.evaluations, method)
        bests.append(best)
        print(text, flush=True)
    print(f"{method}: mean best errors {sum(bests) / len(bests):.2f} over seeds {args.seeds}")


if __name__ == "__main__":
    main()
