"""A run with nothing to do ends before reading anything (freshness.py); anything that could
change a published byte makes it a whole run again."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from localret import freshness
from localret.pipeline import Options, publish
from localret.outdir import pending_marker

AS_OF = dt.date(2026, 11, 27)


def mtimes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in sorted(root.rglob("*"))}


@pytest.fixture(scope="module")
def published_once(tmp_path_factory, sample_dir):
    """The sample copied and published once for the module, kept as a template."""
    root = tmp_path_factory.mktemp("freshness")
    work = root / "work"
    sources = work / "sources"
    shutil.copytree(sample_dir, sources)
    opts = Options(sources, work / "out", work / "state", AS_OF)
    outcome = publish(opts)
    assert outcome.published and outcome.up_to_date is None
    shutil.copytree(work, root / "template", symlinks=True)  # copy2: the same bytes and mtimes
    return root, opts, outcome


@pytest.fixture
def first(published_once):
    """The sample copied and published once: each test gets that publication back, at the
    same paths (the run key holds <out>'s path) with the same bytes and mtimes (the output's
    fingerprint holds them), and it is checked to be up to date before the test changes it."""
    root, opts, outcome = published_once
    shutil.rmtree(root / "work")
    shutil.copytree(root / "template", root / "work", symlinks=True)
    record = freshness.up_to_date(opts, freshness.run_key(opts))
    assert record is not None and record["run_id"] == outcome.run_id
    return opts, outcome


def test_second_run_does_nothing_and_touches_nothing(first):
    opts, outcome = first
    before = mtimes(opts.out)
    again = publish(opts)
    assert again.up_to_date == outcome.run_id
    assert not again.published
    assert sorted(r.dataset for r in again.results) == sorted(r.dataset for r in outcome.results)
    assert [r.version for r in again.results] == [r.version for r in outcome.results]
    assert mtimes(opts.out) == before
    record = json.loads((opts.state / "runs" / f"{again.run_id}.json").read_text())
    assert record["outcome"] == "up-to-date" and record["up_to_date_with"] == outcome.run_id
    assert record["inputs"] == outcome.inputs  # what the published data came from, still said


@pytest.mark.parametrize("change", ["as_of", "source", "declaration", "out-damaged", "site-pending", "staging-left"])
def test_anything_that_could_change_a_byte_means_a_whole_run(first, change, tmp_path, monkeypatch):
    opts, _ = first
    if change == "as_of":
        opts = Options(opts.sources, opts.out, opts.state, AS_OF + dt.timedelta(days=1))
    elif change == "source":
        (opts.sources / "adhesions.csv").write_bytes((opts.sources / "adhesions.csv").read_bytes() + b"\n")
    elif change == "declaration":
        project = tmp_path / "project"
        for part in ("datasets", "schemas"):
            shutil.copytree(opts.project / part, project / part, ignore=shutil.ignore_patterns("sample"))
        readme = project / "datasets" / "ens" / "dataset.yaml"
        readme.write_text(readme.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
        opts = Options(opts.sources, opts.out, opts.state, AS_OF, project=project)
    elif change == "out-damaged":
        (opts.out / "index.html").unlink()
    elif change == "site-pending":
        pending_marker(opts.out).touch()
    elif change == "staging-left":
        (opts.out.parent / f".{opts.out.name}.staging").mkdir()
    again = publish(opts)
    assert again.up_to_date is None, change
    assert (opts.out / "index.html").exists()  # a damaged site is rebuilt by the whole run
    assert not pending_marker(opts.out).exists()
    # and once that run has succeeded, the next one has nothing to do again
    assert publish(opts).up_to_date == again.run_id


def test_a_failed_run_is_never_remembered(first):
    opts, outcome = first
    good = (opts.sources / "adhesions.csv").read_bytes()
    (opts.sources / "adhesions.csv").write_bytes(good.replace(b"\n", b"\nxx,", 1))
    with pytest.raises(Exception):
        publish(opts)
    assert freshness.up_to_date(opts, freshness.run_key(opts)) is None
    (opts.sources / "adhesions.csv").write_bytes(good)
    assert publish(opts).up_to_date == outcome.run_id  # back to what was published


def test_nothing_to_do_loads_neither_pandas_nor_duckdb(first):
    """The reason the no-change run is cheap: checked in a fresh interpreter."""
    opts, outcome = first
    script = textwrap.dedent(f"""
        import datetime as dt, sys
        from pathlib import Path
        from localret.pipeline import Options, publish
        o = publish(Options(Path({str(opts.sources)!r}), Path({str(opts.out)!r}), Path({str(opts.state)!r}), dt.date(2026, 11, 27)))
        print(o.up_to_date, sorted(m for m in ("pandas", "duckdb", "pyarrow", "matplotlib") if m in sys.modules))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [outcome.run_id, "[]"]
