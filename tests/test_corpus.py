"""Every case of the corpus (tests/corpus.py) run for real through `localret publish`, over an
output that already holds a release: the right exit code, a message that names file, row and
field, never a traceback, nothing published or changed when rejected, bounded memory and time."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from localret import paths, pipeline
from localret.verify import verify

from corpus_all import CASES

LOCALRET = str(Path(sys.executable).with_name("localret"))
MEMORY_LIMIT = 1024 * 1024 * 1024
TIME_LIMIT = 240


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus-base")
    pipeline.publish(pipeline.Options(paths.SAMPLE_SOURCES, root / "public", root / "state", dt.date(2026, 11, 27)))
    return root


def run_measured(args: list[str], env: dict | None = None) -> tuple[int, str, str, int, float]:
    """Run a command; return its exit code, output, peak RSS (bytes, sampled) and seconds."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = [0]

    def sample():
        p = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                peak[0] = max(peak[0], p.memory_info().rss)
            except psutil.Error:
                break
            time.sleep(0.02)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    try:
        stdout, stderr = proc.communicate(timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        raise AssertionError(f"hung for more than {TIME_LIMIT} s")
    watcher.join()
    return proc.returncode, stdout, stderr, peak[0], time.perf_counter() - started


@pytest.mark.timeout(600)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus_case(case, baseline, tmp_path, request):
    reason = case.pending() if case.pending else None
    if reason:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    src = tmp_path / "src"
    shutil.copytree(paths.SAMPLE_SOURCES, src)
    case.build(src)
    out, state = tmp_path / "public", tmp_path / "state"
    shutil.copytree(baseline / "public", out)
    shutil.copytree(baseline / "state", state)
    before = tree(out)
    as_of = [] if any(a == "--as-of" or a.startswith("--as-of=") for a in case.args) else ["--as-of", "2026-11-27"]
    env = {**os.environ, **{k: v.format(tmp=tmp_path) for k, v in case.env.items()}} if case.env else None
    code, stdout, stderr, peak, seconds = run_measured(
        [LOCALRET, "publish", "--no-prefect", "--sources", str(src), "--out", str(out), "--state", str(state),
         *as_of, *case.args], env=env)
    said = stdout + stderr
    assert "Traceback" not in said
    assert code == case.code, f"exit {code}, expected {case.code}:\n{said[-3000:]}"
    for words in case.says:
        assert words in said, f"missing {words!r} in:\n{said[-3000:]}"
    assert peak < MEMORY_LIMIT, f"peak RSS {peak / 2**20:.0f} MiB"
    if code != 0:
        assert tree(out) == before, "a rejected input changed what was published"
        assert "nothing" in said.lower()
    assert verify(out)[0] == []
    if case.check:
        case.check(tmp_path)
    if case.id == "html-names":  # kept as data, never run as markup
        csv_text = (out / "contractacio-agregada" / "latest" / "adhesions.csv").read_text(encoding="utf-8")
        assert "Ajuntament <script>alert(1)</script></script>" in csv_text
        for page in out.rglob("*.html"):
            assert "<script>alert(1)" not in page.read_text(encoding="utf-8"), page


def test_dataset_and_version_names_cannot_escape(baseline):
    for args in (["diff", "../membres", "1.0.0", "1.0.0"], ["diff", "membres", "../../etc", "1.0.0"],
                 ["rebuild", "membres", "1.0.0/../../x"]):
        done = subprocess.run([LOCALRET, *args, "--out", str(baseline / "public")], capture_output=True, text=True)
        assert done.returncode == 2 and "invalid name" in done.stderr and "Traceback" not in done.stderr


def test_corpus_is_large_enough():
    rejected = [c for c in CASES if c.code != 0]
    assert len(CASES) >= 40 and len(rejected) >= 35
