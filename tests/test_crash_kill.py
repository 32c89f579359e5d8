"""Crash safety, the kills (tests/test_crash.py has the rest and the shared set-up): a real
publishing process is SIGKILLed at LOCALRET_CRASH_KILLS points (default 8) spread evenly over
the fault points of a run; after each, announced releases are intact, verify passes, nothing
partial is visible, and the next run publishes exactly what an uninterrupted run would have.
A file of its own, so that it runs beside the rest of the crash tests on the other worker."""

from __future__ import annotations

import shutil

import pytest

from localret.verify import verify
from test_crash import KILLS, announced, kill_points, manifest_entries, run_publish, tree_hashes, world  # noqa: F401

pytestmark = pytest.mark.timeout(300 + 45 * KILLS)


def test_kill_anywhere_then_recover(world):
    points = kill_points(world["points"], KILLS)
    base_releases = announced(world["base"] / "public")
    ref_hashes = tree_hashes(world["ref"])
    survived = 0
    for k in points:
        case = world["root"] / f"kill-{k}"
        shutil.copytree(world["base"], case)
        out, state = case / "public", case / "state"
        crashed = run_publish(world["src"], out, state, {"LOCALRET_KILL_AT": str(k)})
        assert crashed.returncode == -9, f"point {k}: not killed ({crashed.returncode}) {crashed.stderr[-500:]}"
        problems, _, _ = verify(out)
        assert problems == [], f"after a kill at point {k}: {problems}"
        now = tree_hashes(out)
        for path, digest in base_releases.items():
            assert now.get(path) == digest, f"kill at {k} changed an earlier release file {path}"
        assert not [p for p in out.rglob("*") if ".staging" in p.name or ".tmp-" in p.name and p.parent.name[:1].isdigit()]
        again = run_publish(world["src"], out, state)
        assert again.returncode == 0, f"point {k}: the next run failed: {again.stdout[-500:]} {again.stderr[-500:]}"
        problems, _, notices = verify(out)
        assert problems == [] and notices == []
        after = tree_hashes(out)
        diffs = [p for p in set(ref_hashes) | set(after) if ref_hashes.get(p) != after.get(p)
                 and not p.endswith(("localret.duckdb", "manifest.json"))]
        assert diffs == [], f"kill at {k}: the recovered output differs from an uninterrupted run: {sorted(diffs)[:5]}"
        assert manifest_entries(out) == manifest_entries(world["ref"])
        shutil.rmtree(case)
        survived += 1
    assert survived == len(points) >= min(KILLS, world["points"])


