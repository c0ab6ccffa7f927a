"""One cxspec process at a time stores into a set of result tables on Spark.

A Spark commit rewrites whole tables from what the run read (layouts.py), so two runs that
stored at once would each write their own periods over the other's: the last commit would
win and drop the first's. PostgreSQL queues such runs on an advisory lock; here an exclusive
`flock` on a file does it. A local session's lock file is `cxspec.lock` in its `results=`
folder, so every process storing there queues, whatever project it runs. Spark Connect and
clusters keep the tables on a server: the lock file is in this machine's temporary folder,
named after the URL, so runs from this machine queue and runs from other machines do not.

The lock is held while storing (from the start of the storing transaction, when the stored
tables are read again, to the end of the commit) and while an interrupted commit is finished
on connecting. A process waits for it up to `WAIT_SECONDS`, then fails naming the holder.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from cxspec import WarehouseError

try:
    import fcntl
except ImportError:  # Windows: no flock; runs there are not serialised (README.md)
    fcntl = None

#: How long a run waits for another to finish storing, as DuckDB waits for its file.
WAIT_SECONDS = 300.0
#: Not `cxspec__…`: names with `__` in the results folder are a commit's steps (layouts.py).
LOCK_FILE = "cxspec.lock"


def lock_path(results_folder: Path | None, address: str, database: str | None) -> Path:
    """Where the lock of these result tables lives (see the module's docstring)."""
    if results_folder is not None:
        return results_folder / LOCK_FILE
    key = hashlib.sha256(f"{address}\0{database or ''}".encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"cxspec-spark-{key}.lock"


class RunLock:
    """An exclusive lock between processes, re-entrant within one (nested uses share it)."""

    def __init__(self, path: Path, wait_seconds: float | None = None):
        self.path = path
        self.wait_seconds = WAIT_SECONDS if wait_seconds is None else wait_seconds
        self._handle = None
        self._depth = 0

    @contextmanager
    def held(self):
        if self._depth == 0:
            self._acquire()
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._release()

    def _acquire(self) -> None:
        if fcntl is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until _release
        deadline = time.monotonic() + self.wait_seconds
        pause = 0.05
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(handle)
                    handle.close()
                    raise WarehouseError(
                        f"Spark: another cxspec process{holder} is storing results under the lock "
                        f"{self.path} and held it for more than {self.wait_seconds:g} s; run again "
                        "when it is done (one run stores into a results folder at a time)"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 1.0)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")  # who holds it, for the message of a process that waits
        handle.flush()
        self._handle = handle

    def _release(self) -> None:
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        try:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        finally:
            handle.close()


def _holder(handle) -> str:
    handle.seek(0)
    text = handle.read().strip()
    return f" (PID {text})" if text.isdigit() else ""
