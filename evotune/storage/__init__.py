"""The run journal: an SQLite file with every evaluation and every generation of its runs.

One file holds any number of runs. Trials are appended as evaluations finish;
each generation's statistics are committed with its last trials. Nothing is
pickled: parameters, genes and settings are JSON. A resumed run rebuilds its
search from the journal (see :mod:`evotune.optimize`).

Layout: :mod:`._file` (schema, checks, connections), :mod:`._codec` (JSON and
every decode), :mod:`.lock` (one writer per run), :mod:`.journal` (the writer),
:mod:`.reader` (``load_run`` and friends).
"""

from ..exceptions import StorageError
from ._codec import space_to_json
from ._file import SCHEMA_VERSION
from .journal import GROUP_BELOW, GROUP_WINDOW, RunJournal, Storage
from .lock import is_being_written
from .reader import StoredTrials, kept_parts, load_run, run_names

__all__ = [
    "Storage", "RunJournal", "StoredTrials", "StorageError", "load_run", "run_names", "kept_parts",
    "is_being_written",
    "space_to_json", "SCHEMA_VERSION", "GROUP_BELOW", "GROUP_WINDOW",
]  # fmt: skip
