import inspect

import evotune


def test_all_names_exist_and_nothing_public_is_missing_from_all():
    assert sorted(evotune.__all__) == evotune.__all__
    for name in evotune.__all__:
        assert hasattr(evotune, name), name
    public = {n for n, v in vars(evotune).items() if not n.startswith("_") and not inspect.ismodule(v)}
    assert public <= set(evotune.__all__)
    assert set(evotune.__all__) - public <= {"EvolutionarySearchCV"}  # imported on first use


def test_every_public_function_and_class_has_a_docstring_and_most_have_examples():
    missing_examples = []
    for name in evotune.__all__:
        obj = getattr(evotune, name)
        assert inspect.getdoc(obj), f"{name} has no docstring"
        is_exception = inspect.isclass(obj) and issubclass(obj, BaseException | Warning)
        is_record = name in {"Trial", "GenerationStats", "Outcome", "Candidate", "Crossover", "Mutation", "Selection", "Surrogate", "Evaluator"}
        if not is_exception and not is_record and "Examples" not in inspect.getdoc(obj):
            missing_examples.append(name)
    assert missing_examples == []


def test_errors_are_also_builtins():
    assert issubclass(evotune.InvalidSpaceError, ValueError)
    assert issubclass(evotune.InvalidParameterError, ValueError)
    assert issubclass(evotune.AllEvaluationsFailedError, RuntimeError)
    for name in evotune.__all__:
        obj = getattr(evotune, name)
        if inspect.isclass(obj) and issubclass(obj, Exception) and not issubclass(obj, Warning):
            if obj is evotune.EvotuneError:
                continue
            assert issubclass(obj, evotune.EvotuneError)
