"""pytest settings for the doctests of the package (tests/conftest.py holds the tests' own)."""

import importlib.util

# the Dask evaluator's example needs the optional `distributed` package
collect_ignore = [] if importlib.util.find_spec("distributed") else ["evotune/evaluation/dask.py"]
