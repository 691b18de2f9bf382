"""Engine overhead: evaluations per second on a trivial objective, next to plain DEAP and Optuna.

    python experiments/benchmarks/bench_overhead.py                 # ~1 min on 2 cores
    python experiments/benchmarks/bench_overhead.py --optuna-evaluations 1000   # quicker

Space: 10 genes -- 4 floats (2 on a log scale), 3 integers (1 on a log scale), 3 categoricals
of 4 levels. 5,000 evaluations, population 50. Each method runs the same trivial objective on a
params dict; times are the best of --repeats runs (Optuna: one run). Needs the `bench` extra.
evotune's engine is measured without its surrogate (``surrogate=None``), the part that compares to
a plain GA; the default surrogate's own cost per generation is printed after the table.
"""

from __future__ import annotations

import argparse
import math
import platform
import random
import time

import deap
import numpy as np
from deap import algorithms, base, creator, tools

import evotune as et

SPACE = {
    "f0": et.Float(-5.0, 5.0),
    "f1": et.Float(0.0, 1.0),
    "lr": et.Float(1e-5, 1e-1, log=True),
    "alpha": et.Float(1e-6, 1.0, log=True),
    "n0": et.Integer(1, 10),
    "n1": et.Integer(-20, 20),
    "batch": et.Integer(16, 512, log=True),
    "c0": et.Categorical(["a", "b", "c", "d"]),
    "c1": et.Categorical(["relu", "tanh", "gelu", "silu"]),
    "c2": et.Categorical([None, 10, 20, 30]),
}


def trivial(p: dict) -> float:
    return p["f0"] ** 2 + p["f1"] + p["lr"] + p["alpha"] + p["n0"] + abs(p["n1"]) + p["batch"] * 1e-3 + (
        p["c0"] != "a"
    )


def run_evotune(n: int, pop: int, seed: int, surrogate=None) -> int:
    result = et.optimize(trivial, SPACE, max_evaluations=n, population_size=pop, surrogate=surrogate, seed=seed)
    return result.n_evaluations


def run_plain_deap(n: int, pop: int, seed: int) -> int:
    """DEAP's eaSimple, genes as numbers in their own (log) ranges, decoded to a dict per evaluation."""
    if not hasattr(creator, "BenchFitness"):
        creator.create("BenchFitness", base.Fitness, weights=(-1.0,))
        creator.create("BenchIndividual", list, fitness=creator.BenchFitness)
    lows = [-5.0, 0.0, math.log(1e-5), math.log(1e-6), 0.5, -20.5, math.log(15.5), 0, 0, 0]
    highs = [5.0, 1.0, math.log(1e-1), math.log(1.0), 10.5, 20.5, math.log(512.5), 3.999, 3.999, 3.999]
    c0, c1, c2 = ["a", "b", "c", "d"], ["relu", "tanh", "gelu", "silu"], [None, 10, 20, 30]
    count = [0]

    def evaluate(ind):
        count[0] += 1
        p = {
            "f0": ind[0], "f1": ind[1], "lr": math.exp(ind[2]), "alpha": math.exp(ind[3]),
            "n0": int(round(ind[4])), "n1": int(round(ind[5])), "batch": int(round(math.exp(ind[6]))),
            "c0": c0[int(ind[7])], "c1": c1[int(ind[8])], "c2": c2[int(ind[9])],
        }
        return (trivial(p),)

    toolbox = base.Toolbox()
    toolbox.register("individual", lambda: creator.BenchIndividual(random.uniform(lo, hi) for lo, hi in zip(lows, highs)))
    toolbox.register("population", tools.initRepeat, list, toolbox.individual)
    toolbox.register("evaluate", evaluate)
    toolbox.register("mate", tools.cxSimulatedBinaryBounded, eta=15.0, low=lows, up=highs)
    toolbox.register("mutate", tools.mutPolynomialBounded, eta=20.0, low=lows, up=highs, indpb=0.1)
    toolbox.register("select", tools.selTournament, tournsize=3)
    random.seed(seed)
    population = toolbox.population(n=pop)
    hof = tools.HallOfFame(10)
    stats = tools.Statistics(key=lambda ind: ind.fitness.values[0])
    stats.register("min", np.min)
    stats.register("mean", np.mean)
    algorithms.eaSimple(population, toolbox, cxpb=0.9, mutpb=1.0, ngen=n // pop - 1, stats=stats,
                        halloffame=hof, verbose=False)
    return count[0]


def run_optuna_nsga2(n: int, pop: int, seed: int) -> int:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial):
        p = {}
        for name, param in SPACE.items():
            if isinstance(param, et.Float):
                p[name] = trial.suggest_float(name, param.low, param.high, log=param.log)
            elif isinstance(param, et.Integer):
                p[name] = trial.suggest_int(name, param.low, param.high, log=param.log)
            else:
                p[name] = trial.suggest_categorical(name, list(param.choices))
        return trivial(p)

    study = optuna.create_study(sampler=optuna.samplers.NSGAIISampler(population_size=pop, seed=seed))
    study.optimize(objective, n_trials=n)
    return len(study.trials)


def timed(fn, *args) -> tuple[float, int]:
    start = time.perf_counter()
    count = fn(*args)
    return time.perf_counter() - start, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=5000)
    parser.add_argument("--population", type=int, default=50)
    parser.add_argument("--optuna-evaluations", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    n, pop = args.evaluations, args.population

    rows = {}
    for name, fn in (("evotune", run_evotune), ("plain DEAP eaSimple", run_plain_deap)):
        runs = [timed(fn, n, pop, seed) for seed in range(args.repeats)]
        seconds, count = min(runs)
        rows[name] = (count / seconds, count, seconds)
    try:
        seconds, count = timed(run_optuna_nsga2, args.optuna_evaluations, pop, 0)
        rows["Optuna NSGAIISampler"] = (count / seconds, count, seconds)
    except ImportError:
        print("optuna is not installed (pip install -e '.[bench]'); skipping it")

    import optuna

    print(f"python {platform.python_version()}, evotune {et.__version__}, deap {deap.__version__}, "
          f"optuna {optuna.__version__}, numpy {np.__version__}")
    print(f"{'method':<22} {'evals':>6} {'seconds':>8} {'evals/s':>9} {'evotune speed ×':>16}")
    ours = rows["evotune"][0]
    for name, (rate, count, seconds) in rows.items():
        print(f"{name:<22} {count:>6} {seconds:8.3f} {rate:9.0f} {ours / rate:16.2f}")
    deap_rate = rows["plain DEAP eaSimple"][0]
    print(f"\nevotune / plain DEAP time ratio: {deap_rate / ours:.2f} (target <= 2)")
    if "Optuna NSGAIISampler" in rows:
        print(f"evotune speed-up over Optuna NSGA-II: {ours / rows['Optuna NSGAIISampler'][0]:.1f}x (target >= 20)")
    generations = 20
    engine = generations * pop / ours
    run_evotune(3 * pop, pop, 1, True)  # imports the model's modules: the first timed run does not pay them
    for name, surrogate in [("default surrogate", True),
                            ("without relevance (0.23)", et.GaussianProcessSurrogate(relevance=False))]:
        seconds, _ = timed(run_evotune, generations * pop, pop, 0, surrogate)
        print(f"{name}: {(seconds - engine) / (generations - 1):.2f} s per generation of {pop} "
              f"(mean over {generations} generations; it ranks {pop} x its oversample bred children)")


if __name__ == "__main__":
    main()
