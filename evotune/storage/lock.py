"""One writer per run: an OS lock on one byte per run of a lock file beside the run file.

The OS releases the lock when its process dies (a killed run can be resumed at once).
POSIX systems lock with ``fcntl.lockf``, Windows with ``msvcrt.locking``; both are
imported when a lock is taken, so ``import evotune`` works everywhere. The lock file is
named after the run file's real path, so a symlink leads to the same lock (a file with
several hard links is not written at all: see :class:`~evotune.storage.Storage`).
"""

from __future__ import annotations

import hashlib
import os
import threading
from typing import Any

from ..exceptions import StorageError, warn

__all__ = ["RunLock", "is_being_written"]

_held: set[tuple[int, int, str]] = set()  # (device, inode, run name) this process writes
_guard = threading.Lock()


def _os_lock(shared: bool = False) -> Any:
    """(lock, unlock) functions for one byte of an open file (``shared``: a reader's probe, which a
    writer's lock refuses), or None where the OS has neither API."""
    try:
        import fcntl

        mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
        return (lambda fd, offset: fcntl.lockf(fd, mode, 1, offset),
                lambda fd, offset: fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset))
    except ImportError:
        pass
    try:
        import msvcrt

        def lock(fd: int, offset: int) -> None:
            os.lseek(fd, offset, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

        def unlock(fd: int, offset: int) -> None:
            os.lseek(fd, offset, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

        return lock, unlock
    except ImportError:
        return None


def _offset(name: str) -> int:
    """A 31-bit number for a run name, the same in every process (str hashes are salted)."""
    return int.from_bytes(hashlib.sha1(name.encode()).digest()[:4], "big") >> 1


class RunLock:
    """Holds run ``name`` of the run file at ``path`` for writing, or raises StorageError."""

    def __init__(self, path: str, name: str):
        stat = os.stat(path)
        self.key = (stat.st_dev, stat.st_ino, name)
        self._fd: int | None = None
        with _guard:
            if self.key in _held:
                raise StorageError(f"run {name!r} in {path!r} is already being written by this process.")
            functions = _os_lock()
            if functions is None:
                warn("no OS file locking here: evotune cannot stop a second process from writing the same "
                     "run", RuntimeWarning)
            else:
                self._lock, self._unlock = functions
                self._offset = _offset(name)
                self._fd = os.open(f"{os.path.realpath(path)}.lock", os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    self._lock(self._fd, self._offset)
                except OSError:
                    os.close(self._fd)
                    raise StorageError(
                        f"run {name!r} in {path!r} is being written by another process; two writers would mix "
                        f"their trials. Wait for it to finish, or stop it (it resumes later with resume=True)."
                    ) from None
            _held.add(self.key)

    def release(self) -> None:
        with _guard:
            if self.key in _held:
                _held.discard(self.key)
                if self._fd is not None:
                    self._unlock(self._fd, self._offset)
                    os.close(self._fd)


def is_being_written(path: str | os.PathLike, name: str) -> bool:
    """Whether a process holds run ``name`` of ``path`` for writing right now.

    A run whose status says "running" but that no process holds was killed; resume it.
    """
    path = os.fspath(path)
    with _guard:
        try:
            stat = os.stat(path)
        except OSError:
            return False
        if (stat.st_dev, stat.st_ino, name) in _held:
            return True
    functions = _os_lock(shared=True)
    if functions is None:
        return False
    try:
        fd = os.open(f"{os.path.realpath(path)}.lock", os.O_RDONLY if os.name != "nt" else os.O_RDWR)
    except OSError:  # no lock file: nobody ever wrote it from here
        return False
    try:
        lock, unlock = functions
        try:
            lock(fd, _offset(name))
        except OSError:
            return True
        unlock(fd, _offset(name))
        return False
    finally:
        os.close(fd)
