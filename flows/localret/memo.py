"""A cache of pure, slow computations whose output depends only on their inputs and the code.

Used for the site's charts: matplotlib takes seconds to draw two dozen SVGs, and the same
published figures are drawn again by every publication that does not change them (each nightly
run, and the test suite's hundreds of publications of the sample). The key hashes every input
and the code that turns them into bytes, so a hit returns exactly what drawing would; a missing,
unreadable or foreign entry is a miss, never an error. Entries live in $LOCALRET_CACHE (default
~/.cache/localret), never under --out or --state, and the oldest beyond MAX_ENTRIES are removed.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path


MAX_ENTRIES = 64


def folder(kind: str) -> Path:
    base = os.environ.get("LOCALRET_CACHE") or Path.home() / ".cache" / "localret"
    return Path(base) / kind


def key(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def load(kind: str, digest: str):
    path = folder(kind) / f"{digest}.pickle"
    try:
        stored_key, value = pickle.loads(path.read_bytes())
    except Exception:  # absent, truncated, from another version: draw again
        return None
    if stored_key != digest:
        return None
    try:
        os.utime(path)  # recently used: pruned last
    except OSError:
        pass
    return value


def write_quietly(path: Path, data: bytes) -> None:
    """Whole or absent (a rename), but without the publication's fault points: whether the cache
    hits must not move the numbered points that the crash tests kill at."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def store(kind: str, digest: str, value) -> None:
    where = folder(kind)
    try:
        where.mkdir(parents=True, exist_ok=True)
        write_quietly(where / f"{digest}.pickle", pickle.dumps((digest, value), protocol=pickle.HIGHEST_PROTOCOL))
        entries = sorted(where.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-MAX_ENTRIES]:
            old.unlink(missing_ok=True)
    except OSError:  # a read-only home or a full disk costs speed, never the publication
        pass
