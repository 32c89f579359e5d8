"""Every case of the corpus (tests/corpus.py) run for real through `localret publish`, over an
output that already holds a release: the right exit code, a message that names file, row and
field, never a traceback, nothing published or changed when rejected, bounded memory and time.

Here the original corpus and the options cases; the input-sanity and privacy cases run the same
check in tests/test_corpus_input.py (a file of its own, so that each half of the corpus runs on
one worker). Each run is a process of its own, forked from tests/warmrun.py's server."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from localret import paths
from localret.verify import verify

import corpus
import corpus_options
import warmrun
from corpus_all import CASES

MEMORY_LIMIT = 1024 * 1024 * 1024
TIME_LIMIT = 240


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def baseline(published) -> Path:
    """The folder of the session's publication of the sample at 2026-11-27 (conftest.published,
    read-only): <out> is baseline/"out", its state baseline/"state"; each case works on a copy."""
    return published.parent


def run_measured(args: list[str], env: dict | None = None) -> tuple[int, str, str, int, float]:
    """Run `localret *args` in a process of its own (a fork of tests/warmrun.py's server, which
    has the heavy libraries loaded already); return its exit code, output, peak RSS (bytes,
    sampled on that process) and seconds."""
    try:
        done = warmrun.run(args, env=env, timeout=TIME_LIMIT, measure=True)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"hung for more than {TIME_LIMIT} s")
    return done.returncode, done.stdout, done.stderr, done.peak, done.seconds


HERE = corpus.CASES + corpus_options.CASES


@pytest.mark.timeout(600)
@pytest.mark.parametrize("case", HERE, ids=[c.id for c in HERE])
def test_corpus_case(case, baseline, tmp_path, request):
    check_case(case, baseline, tmp_path, request)


def check_case(case, baseline: Path, tmp_path: Path, request) -> None:
    reason = case.pending() if case.pending else None
    if reason:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    src = tmp_path / "src"
    shutil.copytree(paths.SAMPLE_SOURCES, src)
    case.build(src)
    out, state = tmp_path / "public", tmp_path / "state"
    shutil.copytree(baseline / "out", out)
    shutil.copytree(baseline / "state", state)
    before = tree(out)
    as_of = [] if any(a == "--as-of" or a.startswith("--as-of=") for a in case.args) else ["--as-of", "2026-11-27"]
    env = {**os.environ, **{k: v.format(tmp=tmp_path) for k, v in case.env.items()}} if case.env else None
    code, stdout, stderr, peak, seconds = run_measured(
        ["publish", "--no-prefect", "--sources", str(src), "--out", str(out), "--state", str(state),
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
        done = warmrun.run([*args, "--out", str(baseline / "out")])
        assert done.returncode == 2 and "invalid name" in done.stderr and "Traceback" not in done.stderr


def test_corpus_is_large_enough():
    rejected = [c for c in CASES if c.code != 0]
    assert len(CASES) >= 40 and len(rejected) >= 35
