"""Fault points for crash tests. They act only when LOCALRET_TEST_FAULTS=1 is also set, so
that a variable forgotten in a production environment can never kill or break a real run
(it is ignored, with a warning on stderr).

- LOCALRET_KILL_AT=N: the process kills itself (SIGKILL, no cleanup, exactly like the
  kernel's OOM killer or a power cut) at the Nth point it passes.
- LOCALRET_FAIL_AT=N: an exception is raised at the Nth point (a writer's bug, a refused
  value): nothing may become visible, and the next run must succeed.
- LOCALRET_FAIL_IN=NAME: an exception is raised at the first point of that name (each
  writer passes a point named "writer:<name>" before and "writer:<name>:after" after it
  writes; see `writer_points`).
- LOCALRET_COUNT_FAULTS=FILE: how many points a run passed, and their names, one a line.
Unset: nothing."""

from __future__ import annotations

import os
import signal
import sys

VARIABLES = ("LOCALRET_KILL_AT", "LOCALRET_FAIL_AT", "LOCALRET_FAIL_IN", "LOCALRET_COUNT_FAULTS")
SWITCH = "LOCALRET_TEST_FAULTS"


class InjectedFault(RuntimeError):
    """Raised by a fault point under test: stands for any unforeseen exception."""


def _settings() -> tuple[int, int, str | None, str | None]:
    present = [v for v in VARIABLES if os.environ.get(v)]
    if not present:
        return 0, 0, None, None
    if os.environ.get(SWITCH) != "1":
        sys.stderr.write(f"AVÍS / WARNING: {', '.join(present)} ignorat sense {SWITCH}=1 (només per a proves) / "
                         f"ignored without {SWITCH}=1 (tests only)\n")
        return 0, 0, None, None
    return (int(os.environ.get("LOCALRET_KILL_AT") or 0), int(os.environ.get("LOCALRET_FAIL_AT") or 0),
            os.environ.get("LOCALRET_FAIL_IN") or None, os.environ.get("LOCALRET_COUNT_FAULTS") or None)


_KILL_AT, _FAIL_AT, _FAIL_IN, _COUNT_FILE = _settings()
_ACTIVE = bool(_KILL_AT or _FAIL_AT or _FAIL_IN or _COUNT_FILE)
_passed: list[str] = []


def point(name: str = "") -> None:
    if not _ACTIVE:
        return
    _passed.append(name)
    if _COUNT_FILE:
        with open(_COUNT_FILE, "w") as fh:
            fh.write("\n".join([str(len(_passed)), *_passed]) + "\n")
    if len(_passed) == _KILL_AT:
        os.kill(os.getpid(), signal.SIGKILL)
    if len(_passed) == _FAIL_AT or (name and name == _FAIL_IN):
        raise InjectedFault(f"fallada injectada / injected fault at point {len(_passed)} {name}".strip())


def writer_points(kind: str, writer):
    """`writer` with a named point before and after it runs (it may have written files)."""
    label = f"writer:{getattr(writer, '__name__', kind)}"

    def run(*args, **kwargs):
        point(label)
        result = writer(*args, **kwargs)
        point(f"{label}:after")
        return result

    run.__name__ = getattr(writer, "__name__", kind)
    return run
