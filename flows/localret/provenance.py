"""Raw inputs archived unchanged in a content-addressed store, and a record of every run.
The state folder holds private data (the raw exports): it is never under the public <out>."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import uuid
from importlib import metadata
from pathlib import Path

from typing import TYPE_CHECKING

from localret import paths
from localret.fsutil import atomic_write_text, fsync_file, sha256_file

if TYPE_CHECKING:
    from localret.ingest import Sources


def archive_path(state: Path, sha256: str) -> Path:
    return state / "archive" / sha256[:2] / sha256


def archive_inputs(sources: Sources, state: Path) -> list[dict]:
    """Copy each input file into the store once (an unchanged file is stored once)."""
    files = [(f.name, f.path, f.sha256, f.bytes) for f in sources.files.values()]
    manifest = sources.folder / "manifest.json"
    if manifest.is_file():  # it says whether the data is illustrative: part of what was built
        files.append(("manifest", manifest, sha256_file(manifest), manifest.stat().st_size))
    inputs = []
    for name, path, sha, size in files:
        target = archive_path(state, sha)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{sha}.tmp-{os.getpid()}")
            shutil.copyfile(path, tmp)
            fsync_file(tmp)
            os.replace(tmp, target)
        inputs.append({"name": name, "file": path.name, "sha256": sha, "bytes": size})
    return inputs


def code_version() -> dict:
    version = {"package": metadata.version("localret-opendata")}
    try:
        commit = subprocess.run(["git", "-C", str(paths.ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        if commit.returncode == 0:
            version["git_commit"] = commit.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return version


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


def write_run_record(state: Path, record: dict) -> Path:
    runs = state / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    path = runs / f"{record['run_id']}.json"
    atomic_write_text(path, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    return path
