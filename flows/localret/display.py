"""The terminal's view of a run: one line per stage (what it is, a bar, rows done of how
many, its elapsed time, what it is doing now), drawn by rich while the stages report
(progress.py). Only on an interactive terminal: a pipe, a file, a dumb terminal, CI
(`CI` set) or `TTY_INTERACTIVE=0` get nothing, so logs and parsed output stay as they were."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column
from rich.text import Text

from localret import progress

# The display is redrawn by rich's own thread at this rate; reports between two redraws only
# update numbers (and even that at most every THROTTLE seconds per stage).
REFRESH_PER_SECOND = 2
THROTTLE = 0.1
LABEL_WIDTH = max(len(label) for label in progress.LABELS.values())
COUNT_WIDTH = 36  # "1 002 429/1 002 429 files / rows" and a little more


def wanted(stream=None) -> bool:
    """Whether to draw: stdout is a terminal that can redraw lines, and this is not CI."""
    stream = stream or sys.stdout
    try:
        if not os.isatty(stream.fileno()):
            return False
    except (AttributeError, OSError, ValueError):
        return False
    if os.environ.get("CI") or os.environ.get("TERM", "") in ("dumb", "unknown"):
        return False
    return Console(file=stream).is_interactive


@contextmanager
def showing(stream=None) -> Iterator[None]:
    """While inside, the stages' reports are drawn on `stream` (stdout); nothing at all when
    it is not an interactive terminal. The lines stay on screen after: where the time went."""
    if not wanted(stream):
        yield
        return
    view = StageView(Console(file=stream or sys.stdout, highlight=False))
    with view.live, progress.listening(view):
        yield


class StageView:
    """A progress listener that draws with rich.progress."""

    def __init__(self, console: Console):
        self.live = Progress(
            TextColumn("{task.description}", table_column=Column(no_wrap=True, min_width=LABEL_WIDTH)),
            BarColumn(bar_width=16),
            TextColumn("{task.fields[count]}", table_column=Column(no_wrap=True)),
            TimeElapsedColumn(),
            TextColumn("{task.fields[detail]}", table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1)),
            console=console, transient=False, expand=True, auto_refresh=True,
            refresh_per_second=REFRESH_PER_SECOND, redirect_stdout=False, redirect_stderr=False,
        )
        self.tasks: dict[str, int] = {}
        self.state: dict[str, dict] = {}
        self.shown: dict[str, float] = {}

    def __call__(self, event: progress.Event) -> None:
        name = event.stage
        if event.kind == "start":
            self.state[name] = {"done": 0, "total": None, "unit": None, "detail": ""}
            self.tasks[name] = self.live.add_task(progress.LABELS.get(name, name), total=None, count="", detail="")
            self.shown[name] = 0.0
            return
        if name not in self.tasks:
            return
        s = self.state[name]
        if event.kind == "update":
            if event.unit is not None and event.unit != s["unit"]:
                s["unit"], s["done"] = event.unit, 0
            if event.total is not None:
                s["total"] = event.total
            if event.done is not None:
                s["done"] = event.done
            s["done"] += event.advance
            if event.detail is not None:
                s["detail"] = event.detail
            now = time.monotonic()
            if now - self.shown[name] < THROTTLE and event.total is None and event.unit is None:
                return  # a batch report between two redraws: its numbers wait for the next one
            self.shown[name] = now
            self._show(name)
        elif event.kind == "end":
            # A finished stage becomes a plain line above the live one, printed once: only the
            # running stage is redrawn. As far as it got: a stage that failed is not shown done.
            self.live.remove_task(self.tasks.pop(name))
            self.live.refresh()  # else the live area would be drawn once more from its last frame
            elapsed = dt.timedelta(seconds=int(event.seconds or 0))
            line = f"{progress.LABELS.get(name, name):<{LABEL_WIDTH}} {self._count(s):<{COUNT_WIDTH}} {elapsed}"
            self.live.console.print(Text(line), highlight=False, soft_wrap=True)

    @staticmethod
    def _count(s: dict) -> str:
        done, total, unit = s["done"], s["total"], s["unit"]
        if unit is None:
            return ""
        if total is None:
            return f"{progress.count(done)} {progress.UNITS.get(unit, unit)}"
        return f"{progress.count(done)}/{progress.count(total)} {progress.UNITS.get(unit, unit)}"

    def _show(self, name: str) -> None:
        s = self.state[name]
        self.live.update(self.tasks[name], total=s["total"], completed=s["done"], count=self._count(s), detail=s["detail"])
