"""Fault points for crash tests: with LOCALRET_KILL_AT=N the process kills itself (SIGKILL,
no cleanup, exactly like the kernel's OOM killer or a power cut) at the Nth point it passes.
With LOCALRET_COUNT_FAULTS=FILE it writes how many points a run passed. Unset: nothing."""

from __future__ import annotations

import os
import signal

_KILL_AT = int(os.environ.get("LOCALRET_KILL_AT", "0") or 0)
_COUNT_FILE = os.environ.get("LOCALRET_COUNT_FAULTS")
_passed = 0


def point() -> None:
    global _passed
    if not (_KILL_AT or _COUNT_FILE):
        return
    _passed += 1
    if _COUNT_FILE:
        with open(_COUNT_FILE, "w") as fh:
            fh.write(str(_passed))
    if _passed == _KILL_AT:
        os.kill(os.getpid(), signal.SIGKILL)
