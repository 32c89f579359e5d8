"""A run's progress, one way: the stages say how far they are, whoever runs them may listen.

pipeline.py opens each stage (`stage`), the code inside it reports counts (`update`), and a
listener installed with `listening` (the CLI's terminal display, cli_progress.py) renders
them. Nothing here renders, and a report with nobody listening costs one check: a scheduled
deployment, a Dask worker or a test pays nothing. A module-level listener, not a parameter:
the Prefect flow takes plain parameters and runs the stages as tasks, possibly in another
thread of this process.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

# Stage names as pipeline.py calls them, with the label an operator reads (ca / en).
LABELS = {
    "freshness": "comprovació / freshness",
    "pull": "descàrrega / pull",
    "ingest": "lectura / ingest",
    "archive-inputs": "arxiu / archive",
    "validate": "validació / validate",
    "build": "construcció / build",
    "release": "versions / release",
    "database": "base de dades / database",
    "site": "lloc web / site",
    "commit": "publicació / commit",
    "push": "pujada / push",
}
# Units as ca / en: "files" is Catalan for rows, never an English word here.
UNITS = {"rows": "files / rows", "files": "fitxers / files", "tables": "taules / tables", "steps": "passos / steps"}


@dataclass(frozen=True)
class Event:
    stage: str
    kind: str  # "start", "update" or "end"
    done: int | None = None  # None: unchanged
    total: int | None = None  # None: unchanged (or not known yet)
    unit: str | None = None  # a key of UNITS; None: unchanged
    advance: int = 0  # added to done
    detail: str | None = None  # what is being done now, e.g. the file being read; None: unchanged
    seconds: float | None = None  # at "end": how long the stage took


Listener = Callable[[Event], None]
_listener: Listener | None = None
_current: str | None = None


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    global _listener
    previous, _listener = _listener, listener
    try:
        yield
    finally:
        _listener = previous


@contextmanager
def stage(name: str, durations: dict[str, float] | None = None) -> Iterator[None]:
    """Open a stage: reports inside it belong to it; its duration goes into `durations`
    (also when it fails: the run record says where the time of a failed run went)."""
    global _current
    previous, _current = _current, name
    _emit(Event(name, "start"))
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - started
        if durations is not None:
            durations[name] = round(durations.get(name, 0.0) + seconds, 3)
        _current = previous
        _emit(Event(name, "end", seconds=seconds))


def update(done: int | None = None, total: int | None = None, unit: str | None = None, detail: str | None = None,
           advance: int = 0) -> None:
    """How far the current stage is: `done` of `total` `unit`s (or `advance` more done),
    and what it is doing now (`detail`). Cheap enough to call per batch of rows."""
    if _listener is not None and _current is not None:
        _emit(Event(_current, "update", done, total, unit, advance, detail))


def count(n: int) -> str:
    """A count as the display writes it: thin groups of three digits, read alike in ca and en."""
    return f"{n:,}".replace(",", "\u202f")


def _emit(event: Event) -> None:
    listener = _listener
    if listener is None:
        return
    try:
        listener(event)
    except Exception:  # a display that fails must never fail the run it shows
        pass
