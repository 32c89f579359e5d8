"""The published folder's neighbours, all on its own filesystem and never served: the lock
that admits one publisher at a time, the staging folder a run prepares releases in, and the
marker that says a site rebuild is owed."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from localret.errors import Busy, could_not_write


def working_folder(out: Path, name: str) -> Path:
    """Beside <out>, never inside what is served; but on <out>'s own filesystem, where
    renames are atomic: when <out> is a mount point, inside it as a hidden folder."""
    if out.exists() and os.stat(out).st_dev != os.stat(out.parent).st_dev:
        return out / f".{name}"
    return out.parent / f".{out.name}.{name}"


def staging_root(out: Path) -> Path:
    """Where a run prepares its releases."""
    return working_folder(out, "staging")


def pending_marker(out: Path) -> Path:
    """Present from the first release of a run until the site is rebuilt over it."""
    return out.parent / f".{out.name}.site-pending"


def lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


@contextmanager
def exclusive(out: Path, wait: float):
    """One publisher per output folder. The lock is the kernel's (flock): a run that is
    killed releases it, so a stale lock can never block the next night."""
    lock = FileLock(str(lock_path(out)), timeout=wait)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        raise Busy(f"{out}: una altra execució està publicant (esperat {wait:g} s) / another run is publishing "
                   f"(waited {wait:g} s); torneu-ho a provar més tard / try again later") from None
    except OSError as exc:
        raise could_not_write(exc, out) from None
    try:
        yield
    finally:
        lock.release()
