import pickle
import random

from evotune import _deap
from evotune._deap import FitnessMax, FitnessMin, Individual, engine_random


def test_engine_random_isolates_the_users_state():
    engine = random.Random(7)
    expected = random.Random(7).random()
    random.seed(1)
    users_next = random.Random(1).random()
    with engine_random(engine):
        assert random.random() == expected
    assert random.random() == users_next


def test_engine_state_advances_across_blocks():
    engine, reference = random.Random(3), random.Random(3)
    with engine_random(engine):
        random.random()
    with engine_random(engine):
        assert random.random() == (reference.random(), reference.random())[1]


def test_individuals_pickle_and_keep_fitness_and_number():
    ind = Individual([1.0, 2, 0], FitnessMax, number=5)
    ind.fitness.values = (0.9,)
    clone = pickle.loads(pickle.dumps(ind))
    assert clone == ind and clone.number == 5 and clone.fitness.values == (0.9,)
    assert FitnessMin.weights == (-1.0,)


def test_deap_creator_is_never_used():
    import ast
    import inspect

    import evotune

    for module in (evotune.evolution, evotune.operators, _deap):
        tree = ast.parse(inspect.getsource(module))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        assert "creator" not in names, module.__name__
