"""tests/warmrun.py, the fork server of the corpus and crash tests: a run forked from it says
and exits exactly what the same command says and exits as a separately started process, and
localret is imported in each run with that run's environment (fault.py reads it at import)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

import warmrun


def both(args: list[str], env: dict | None = None) -> tuple:
    forked = warmrun.run(args, env=env)
    started = subprocess.run([warmrun.LOCALRET, *args], capture_output=True, text=True, env=env, timeout=300)
    return (forked.returncode, forked.stdout, forked.stderr), (started.returncode, started.stdout, started.stderr)


@pytest.fixture
def command(sample_dir, tmp_path) -> list[str]:
    """`publish` of the sample with an empty contractes.csv: refused after reading everything."""
    src = tmp_path / "src"
    shutil.copytree(sample_dir, src)
    (src / "contractes.csv").write_bytes(b"")
    return ["publish", "--no-prefect", "--sources", str(src), "--out", str(tmp_path / "out"), "--state", str(tmp_path / "state"),
            "--as-of", "2026-11-27"]


def test_a_forked_run_says_and_exits_what_a_started_one_does(command, tmp_path):
    forked, started = both(command)
    assert forked == started and forked[0] == 1 and "buit" in forked[1]
    forked, started = both([*command, "--base-url", "javascript:alert(1)//"])
    assert forked == started and forked[0] == 2
    assert not (tmp_path / "out").exists()


def test_each_run_imports_localret_with_its_own_environment(command):
    forked, started = both(command, env={**os.environ, "LOCALRET_KILL_AT": "1"})  # without the switch: a warning
    assert forked == started and "LOCALRET_KILL_AT ignorat" in forked[2]
    assert "ignorat" not in warmrun.run(command).stderr  # the next run does not inherit the last one's variables
