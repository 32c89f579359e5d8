"""The publish flow with each dataset's work on a real local Dask cluster (prefect-dask)
publishes byte-identical releases to a plain run."""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(900)


def same_tree(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b, ignore=["localret.duckdb", "manifest.json"])
    out = [f"{a}/{x}" for x in cmp.left_only + cmp.right_only + cmp.diff_files + cmp.funny_files]
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    out += [f"{a}/{x}" for x in mismatch + errors if x != "localret.duckdb"]
    for sub in cmp.common_dirs:
        out += same_tree(a / sub, b / sub)
    return out


def test_dask_cluster_gives_byte_identical_releases(published, tmp_path):
    plain = published  # the session's plain, in-process publication of the sample at 2026-11-27 (conftest.published)
    spread = tmp_path / "dask"
    done = subprocess.run([str(Path(sys.executable).with_name("localret")), "publish", "--dask", "local:2",
                           "--out", str(spread), "--state", str(tmp_path / "s2"), "--as-of", "2026-11-27"],
                          capture_output=True, text=True, timeout=800)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "PUBLICAT / PUBLISHED membres 1.0.0" in done.stdout
    assert same_tree(plain, spread) == []
    # the manifests differ only by the database's line (DuckDB's file bytes are not reproducible)
    mine, theirs = ([f for f in json.loads((o / "manifest.json").read_text())["files"] if f["path"] != "localret.duckdb"]
                    for o in (plain, spread))
    assert mine == theirs
