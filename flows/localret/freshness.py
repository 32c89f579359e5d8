"""A run with nothing to do ends at once. The last successful run leaves a record of what it
read and what it left: a key over its inputs (every source file, every declaration under
datasets/ and schemas/, the register, the code, the options) and a fingerprint of <out>
(names, sizes and times of what is published, versions.json of every dataset). When both
are the same again, no stage would change a byte, so none runs.

Kept to the standard library on purpose: the nightly no-change run should cost about as
much as a trivial flow, not an import of pandas and DuckDB.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

from localret import paths, publication
from localret.fsutil import atomic_write_text, sha256_file
from localret.outdir import pending_marker, staging_root

PACKAGE = Path(__file__).resolve().parent
RECORD = "last-run.json"


def _tree(h, root: Path) -> None:
    if not root.is_dir():
        return
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = Path(dirpath) / name
            h.update(f"{path.relative_to(root)}\0{sha256_file(path)}\0".encode())


def run_key(opts) -> str:
    """Everything a run's bytes depend on, other than what is already published."""
    h = hashlib.sha256()
    for entry in sorted(opts.sources.iterdir()) if opts.sources.is_dir() else []:
        if entry.is_file():
            h.update(f"source\0{entry.name}\0{sha256_file(entry)}\0".encode())
    for label, root in (("datasets", opts.project / "datasets"), ("schemas", opts.project / "schemas"),
                        ("register", paths.REGISTER), ("code", PACKAGE)):
        h.update(f"{label}\0".encode())
        _tree(h, root)
    options = [metadata.version("localret-opendata"), opts.as_of.isoformat(), opts.base_url, opts.only, str(opts.out)]
    h.update(json.dumps(options).encode())
    return h.hexdigest()


def out_fingerprint(out: Path) -> str | None:
    """What is published, as cheaply as it can be told apart: None when a run was
    interrupted (staging or a pending site left behind) or nothing is published yet.
    Release folders are immutable and checked by `localret verify`, not here."""
    if not out.is_dir() or staging_root(out).exists() or pending_marker(out).exists():
        return None
    if publication.shadow_root(out).exists() or publication.journal_path(out).exists():
        return None  # a run was interrupted: the next one must do (or complete) the whole work
    h = hashlib.sha256()
    for entry in sorted(out.iterdir()):
        h.update(_stat_line(entry))
        if entry.is_dir() and not entry.is_symlink():
            for child in sorted(entry.iterdir()):
                h.update(_stat_line(child))
            versions = entry / "versions.json"
            if versions.is_file():
                h.update(sha256_file(versions).encode())
    return h.hexdigest()


def _stat_line(path: Path) -> bytes:
    st = path.lstat()
    size = 0 if path.is_dir() else st.st_size
    return f"{path.name}\0{path.is_dir()}\0{size}\0{0 if path.is_dir() else st.st_mtime_ns}\n".encode()


def _records(state: Path) -> dict:
    path = state / RECORD
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no record, or an unreadable one: do the whole run


def up_to_date(opts, key: str) -> dict | None:
    """The last successful run's record when nothing has changed since; else None."""
    if opts.remote:
        return None  # the bucket is the truth and may have moved: always pull and compare
    record = _records(opts.state).get(str(opts.out))
    if not record or record.get("key") != key:
        return None
    if record.get("out") != out_fingerprint(opts.out):
        return None
    return record


def remember(opts, key: str, run_id: str, datasets: list[str], inputs: list[dict]) -> None:
    """Called last by a successful run, once everything it wrote is in place."""
    records = _records(opts.state)
    records[str(opts.out)] = {"key": key, "out": out_fingerprint(opts.out), "run_id": run_id,
                              "datasets": datasets, "inputs": inputs}
    opts.state.mkdir(parents=True, exist_ok=True)
    atomic_write_text(opts.state / RECORD, json.dumps(records, indent=2, sort_keys=True) + "\n")
