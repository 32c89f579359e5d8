"""File operations that are all-or-nothing on one filesystem: write to a temporary name,
fsync, then rename over the target."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from localret.fault import point


def file_hash(path: Path, algorithm: str = "sha256") -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, algorithm).hexdigest()


def sha256_file(path: Path) -> str:
    return file_hash(path)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            fsync_file(Path(dirpath) / name)
        fsync_file(Path(dirpath))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        point()
        os.fsync(fh.fileno())
    point()
    os.replace(tmp, path)
    point()
    fsync_file(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def replace_dir(new: Path, target: Path) -> None:
    """Swap a fully written folder into place. A crash between the two renames leaves the
    old copy beside the target; `repair_latest` restores it on the next run."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        os.rename(target, old)
        point()
    os.rename(new, target)
    point()
    fsync_file(target.parent)
    if old.exists():
        shutil.rmtree(old)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Site files are regenerated from what is published; an identical file is left alone
    (no-change runs touch no file). Returns whether it was written."""
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)
    return True


def tree_differences(expected: Path, actual: Path) -> list[tuple[str, str]]:
    """(file, what) for every file only in one of two folders or with other bytes."""
    import filecmp

    cmp = filecmp.dircmp(expected, actual, ignore=[])
    found = [(f, "missing") for f in cmp.left_only] + [(f, "extra") for f in cmp.right_only]
    _, mismatch, errors = filecmp.cmpfiles(expected, actual, cmp.common_files, shallow=False)
    return found + [(f, "differs") for f in mismatch + errors]
