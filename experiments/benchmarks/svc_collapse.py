"""Where evotune's trials go on SVC-digits-samples at the full budget: a trace of its search collapse.

    python -m experiments.benchmarks.svc_collapse --seeds 0,9 --evaluations 600

On this problem the loss depends on gamma alone once C is above about 10, and its valley (log10 gamma
-2.6 .. -1.9) is narrow (docs/benchmarks.md, "Screening the first generation"). For each seed this runs
``et.optimize`` for a fixed number of evaluations (so the trials do not depend on the machine's speed)
and prints the best trial, each improvement of the incumbent, how many trials after the first 50 share the
most sampled gamma (to 0.1 in log10), and the share of them with log10 C above 1, where C changes nothing.
``--oracle`` breeds with :class:`GammaFirst`, a mutation told which gene matters: the test of whether
breeding that varies the relevant gene ends the collapse.
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


class GammaFirst(MixedMutation):
    """An oracle: gamma always mutates, C with probability 1/2, where the default mutates each with
    probability 1/2 (at least one)."""

    def __call__(self, genome, child) -> None:
        gamma, c = genome.names.index("gamma"), genome.names.index("C")
        self._mutate_gene(genome, child, gamma)
        if random.random() < 0.5:
            self._mutate_gene(genome, child, c)


def trace(seed: int, evaluations: int, oracle: bool = False) -> str:
    problem = Problem("SVC-digits-samples")
    samples = len(problem.y)  # test samples of the three folds together: a loss of k / samples is k errors
    settings = {"mutation": GammaFirst()} if oracle else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = et.optimize(lambda p: problem.loss(p), problem.space, max_evaluations=evaluations, seed=seed,
                             **settings)
    trials = [t for t in result.trials if t.ok]
    log = {t.number: (math.log10(t.params["gamma"]), math.log10(t.params["C"])) for t in trials}
    improvements, best = [], math.inf
    for t in trials:
        if t.value < best - 1e-12:
            best = t.value
            improvements.append(f"trial {t.number}: {round(t.value * samples)} errors at log gamma "
                                f"{log[t.number][0]:.2f}, log C {log[t.number][1]:.2f}")
    later = trials[50:]
    gamma, count = Counter(round(log[t.number][0], 1) for t in later).most_common(1)[0]
    plateau = sum(log[t.number][1] > 1 for t in later) / len(later)
    return (f"seed {seed}: best {round(best * samples)} errors; " + "; ".join(improvements)
            + f"\n  after trial 50: {count} of {len(later)} trials at log gamma {gamma:.1f} (± 0.05); "
            f"{plateau:.0%} with log C > 1")


def main() -> None:
    from threadpoolctl import threadpool_limits

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,9", help="comma-separated")
    parser.add_argument("--evaluations", type=int, default=600, help="about what 90 s fit at the full budget")
    parser.add_argument("--oracle", action="store_true", help="breed with GammaFirst (gamma always mutates)")
    args = parser.parse_args()
    threadpool_limits(1)
    for seed in args.seeds.split(","):
        print(trace(int(seed), args.evaluations, args.oracle), flush=True)


if __name__ == "__main__":
    main()
