"""Imports only go down the layers of docs/architecture.md (every `from .x import`, lazy ones included)."""

import ast
import pathlib

import evotune

LAYERS = {  # higher imports lower or equal, never the other way
    "drivers": (5, {"optimize", "sklearn", "cli", "plotting", "report", "callbacks"}),
    "engine": (4, {"settings", "evolution", "breeding", "surrogate", "operators", "_deap", "_gp"}),
    "below the engine": (3, {"evaluation", "storage"}),
    "encoding and results": (2, {"genome", "space", "result", "_importance"}),
    "leaves": (1, {"trial", "racing", "pareto", "exceptions", "_checks", "_about", "_sklearn_compat"}),
}
ROOT = pathlib.Path(evotune.__file__).parent


def layer(module: str) -> int:
    top = module.split(".")[1] if module.count(".") else None
    if top is None:  # the package itself: it imports everything
        return 6
    for rank, names in LAYERS.values():
        if top in names:
            return rank
    raise AssertionError(f"evotune.{top} is in no layer of tests/test_architecture.py")


def imports(path: pathlib.Path) -> tuple[str, set[str]]:
    parts = ("evotune", *path.relative_to(ROOT).with_suffix("").parts)
    module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    package = list(parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            if node.module:
                found.add(".".join([*base, node.module]))
            else:  # from . import plotting
                found.update(".".join([*base, alias.name]) for alias in node.names if alias.name != "__version__")
    return module, found - {module}


def test_imports_only_go_down_the_layers():
    upward = []
    for path in sorted(ROOT.rglob("*.py")):
        module, targets = imports(path)
        for target in targets:
            if layer(target) > layer(module):
                upward.append(f"{module} imports {target}")
    assert upward == []
