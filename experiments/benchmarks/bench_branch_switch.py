"""Branch switches: where a child lands when it switches branch (issue #17's measurement).

Parents are SVC candidates with a linear kernel; they are recombined and mutated with
evotune's default operators (MixedCrossover, MixedMutation) and repaired, as the
engine breeds. Of the children that switch to the rbf kernel, how many arrive with
gamma on its lower bound (1e-5)?

- union: the space as a list of dicts (one per kernel). Up to release 0.4 a gene per
  sub-space and name, held at its lower bound while its sub-space was not picked (97 %
  and 100 % of the switching children on gamma's bound, seeds 0 and 1); since 0.5 mapped
  onto conditions, so it now gives the same children as:
- when: one space, ``gamma.when(kernel=["rbf", "poly"])``: every gene keeps its value.

    python -m experiments.benchmarks.bench_branch_switch [--parents 2000] [--seed 0]
"""

from __future__ import annotations

import argparse
import random

import numpy as np

import evotune as et
from evotune.genome import Genome

UNION = [
    {"kernel": ["linear"], "C": et.Float(1e-2, 1e3, log=True)},
    {"kernel": ["rbf"], "C": et.Float(1e-2, 1e3, log=True), "gamma": et.Float(1e-5, 1e-1, log=True)},
    {"kernel": ["poly"], "C": et.Float(1e-2, 1e3, log=True), "gamma": et.Float(1e-5, 1e-1, log=True),
     "degree": et.Integer(2, 5)},
]
WHEN = {
    "kernel": ["linear", "rbf", "poly"],
    "C": et.Float(1e-2, 1e3, log=True),
    "gamma": et.Float(1e-5, 1e-1, log=True).when(kernel=["rbf", "poly"]),
    "degree": et.Integer(2, 5).when(kernel="poly"),
}


def linear_parents(genome: Genome, n: int, rng: np.random.Generator) -> list[list]:
    """``n`` linear-kernel parents: sampled points, then switched to the linear kernel."""
    parents = []
    while len(parents) < n:
        genes = genome.sample(rng, 1)[0]
        genes[genome.names.index("kernel")] = 0
        parents.append(genome.repair(genes))
    return parents


def switched_to_bound(space, parents_n: int, seed: int) -> tuple[int, int]:
    """(children that switched to rbf, of which with gamma on its lower bound)."""
    genome = Genome(et.Space(space))
    rng = np.random.default_rng(seed)
    random.seed(seed)
    crossover, mutation = et.MixedCrossover(), et.MixedMutation()
    parents = linear_parents(genome, parents_n, rng)
    switched = at_bound = 0
    for i in range(0, parents_n - 1, 2):
        pair = [list(parents[i]), list(parents[i + 1])]
        if random.random() < 0.9:
            crossover(genome, *pair)
        for child in pair:
            mutation(genome, child)
            params = genome.decode(genome.repair(child))
            if params["kernel"] == "rbf":
                switched += 1
                at_bound += params["gamma"] <= 1e-5 * (1 + 1e-9)
    return switched, at_bound


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parents", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for name, space in (("union (list of dicts)", UNION), ("when= conditions", WHEN)):
        switched, at_bound = switched_to_bound(space, args.parents, args.seed)
        print(f"{name}: {switched} of {args.parents} children switched to rbf; {at_bound} of them "
              f"({at_bound / max(switched, 1):.0%}) with gamma on its lower bound")


if __name__ == "__main__":
    main()
