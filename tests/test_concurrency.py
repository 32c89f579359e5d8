"""Several publishers at once on one output: exactly one publishes, the others say so and
exit 5 (or wait their turn with --wait); a killed run's lock never blocks the next one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from localret.verify import verify

pytestmark = pytest.mark.timeout(600)
LOCALRET = str(Path(sys.executable).with_name("localret"))


def start(out: Path, state: Path, *extra: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([LOCALRET, "publish", "--no-prefect", "--out", str(out), "--state", str(state),
                             "--as-of", "2026-11-27", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})})


def test_four_at_once_exactly_one_publishes(tmp_path):
    out = tmp_path / "public"
    procs = [start(out, tmp_path / f"state{i}") for i in range(4)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 5, 5, 5], results
    for code, stdout, stderr in results:
        assert "Traceback" not in stdout + stderr
        if code == 5:
            assert "another run is publishing" in stderr
        else:
            assert "PUBLICAT / PUBLISHED membres 1.0.0" in stdout
    assert verify(out)[0] == []


def test_waiting_runs_take_their_turn(tmp_path):
    out = tmp_path / "public"
    procs = [start(out, tmp_path / f"state{i}", "--wait", "240") for i in range(2)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    assert [code for code, _, _ in results] == [0, 0]
    published = [stdout.count("PUBLICAT / PUBLISHED") for _, stdout, _ in results]
    assert sorted(published) == [0, 5]  # the second found nothing new to publish


def test_a_killed_run_leaves_no_lock_behind(tmp_path):
    out = tmp_path / "public"
    killed = start(out, tmp_path / "state", env={"LOCALRET_KILL_AT": "3", "LOCALRET_TEST_FAULTS": "1"})
    assert killed.wait(timeout=300) == -9
    after = start(out, tmp_path / "state")
    code = after.wait(timeout=300)
    stdout, stderr = after.communicate()
    assert code == 0, stdout + stderr
    assert verify(out)[0] == []
