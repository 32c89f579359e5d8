"""The `localret` command as operators run it: exit codes, messages that name file, row and
field, an untouched output when the sources are invalid, and never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import listing, tree_hashes

BIN = Path(sys.executable).parent / "localret"
pytestmark = pytest.mark.timeout(300)
AS_OF = "2026-11-27"


def env() -> dict:
    e = dict(os.environ)
    e.update({"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "NO_COLOR": "1", "COLUMNS": "200"})
    return e


class Result:
    def __init__(self, args, proc: subprocess.CompletedProcess):
        self.args, self.code, self.out, self.err = args, proc.returncode, proc.stdout, proc.stderr

    @property
    def text(self) -> str:
        return self.out + self.err

    def __repr__(self) -> str:
        return f"localret {' '.join(map(str, self.args))} -> {self.code}\n{self.text[-3000:]}"


def run(*args, cwd=None, timeout=240) -> Result:
    proc = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, env=env(), cwd=cwd, timeout=timeout)
    result = Result(args, proc)
    assert "Traceback" not in result.text, result
    return result


def run_all(commands: list[tuple], cwd) -> list[Result]:
    """Independent commands, started together (each is a fresh interpreter)."""
    procs = [(args, subprocess.Popen([str(BIN), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env(), cwd=cwd)) for args in commands]
    results = []
    for args, p in procs:
        out, err = p.communicate(timeout=240)
        results.append(Result(args, subprocess.CompletedProcess(args, p.returncode, out, err)))
    for r in results:
        assert "Traceback" not in r.text, r
    return results


def command_paths() -> list[tuple[str, ...]]:
    """Every command and sub-command the CLI declares."""
    import typer.main

    from localret.cli import app

    out = [()]

    def walk(group, prefix):
        for name, cmd in getattr(group, "commands", {}).items():
            out.append((*prefix, name))
            walk(cmd, (*prefix, name))

    walk(typer.main.get_command(app), ())
    return out


def test_the_binary_is_the_venvs():
    assert BIN.is_file() and os.access(BIN, os.X_OK)


def test_help_of_every_command(tmp_path):
    paths = command_paths()
    assert {("publish",), ("validate",)} <= set(paths)
    results = run_all([(*p, "--help") for p in paths], cwd=tmp_path)
    for path, r in zip(paths, results):
        assert r.code == 0, r
        assert "Usage" in r.out, r
        for sub in [p[-1] for p in paths if len(p) == len(path) + 1 and p[:-1] == path]:
            assert sub in r.out, (path, sub)
    assert listing(tmp_path) == []  # --help writes nothing, not even a log


def test_validate_the_sample(tmp_path):
    r = run("validate", cwd=tmp_path)
    assert r.code == 0, r
    assert "0 errors" in r.out
    for name in ("membres.xlsx", "contractes.csv", "adhesions.csv", "convenis.csv", "convenis_parts.csv"):
        assert name in r.out


@pytest.fixture
def broken(sources) -> Path:
    t = sources.table("convenis")
    row = t.find(conveni_id="C-2014-001")[0]
    t.set(row, "data_signatura", "31/02/2014")
    t.save()
    assert row == 14
    return sources.folder


def test_validate_broken_sources(broken, tmp_path):
    report = tmp_path / "report.json"
    r = run("validate", "--sources", broken, "--report", report, cwd=tmp_path)
    assert r.code == 1, r
    line = next(line for line in r.out.splitlines() if "ERROR" in line)
    assert "convenis.csv" in line and "14" in line and "data_signatura" in line and "tipus-incorrecte" in line
    import json

    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["valid"] is False and data["errors"] == 1
    assert [(f["file"], f["row"], f["field"]) for f in data["findings"]] == [("convenis.csv", 14, "data_signatura")]


def test_publish_broken_sources_changes_nothing(broken, published, tmp_path):
    work = tmp_path / "site"
    out, state = work / "out", work / "state"
    shutil.copytree(published, out)
    before, files_before, around = tree_hashes(out), listing(out), sorted(os.listdir(work))
    r = run("publish", "--sources", broken, "--out", out, "--state", state, "--as-of", AS_OF, "--no-prefect", cwd=tmp_path)
    assert r.code == 1, r
    assert "convenis.csv" in r.text and "data_signatura" in r.text
    assert listing(out) == files_before
    assert tree_hashes(out) == before
    # Beside the output, only the run's lock and the private state (which keeps the raw inputs
    # and a record of every run, failed ones too): no staging, nothing half-published.
    new = set(os.listdir(work)) - set(around)
    assert new <= {".out.lock", "state"}, new
    assert not (tmp_path / "localret-error.log").exists()


def test_publish_broken_sources_into_nothing_creates_nothing(broken, tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    r = run("publish", "--sources", broken, "--out", out, "--state", state, "--as-of", AS_OF, "--no-prefect", cwd=tmp_path)
    assert r.code == 1, r
    assert "No s'ha publicat res / nothing was published" in r.err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name or p.name.startswith(".out.") and p.is_dir()]


def test_usage_errors_exit_2(tmp_path):
    missing = tmp_path / "no-such-folder"
    out, state = tmp_path / "out", tmp_path / "state"
    commands = [
        ("validate", "--no-such-option"),
        ("publish", "--no-such-option"),
        ("publish", "--as-of", "27/11/2026", "--out", out, "--state", state, "--no-prefect"),
        ("publish", "--as-of", "2026-02-30", "--out", out, "--state", state, "--no-prefect"),
        ("validate", "--sources", missing),
        ("publish", "--sources", missing, "--out", out, "--state", state, "--as-of", AS_OF, "--no-prefect"),
        ("publish", "--out", out, "--state", out / "state", "--as-of", AS_OF, "--no-prefect"),
        ("no-such-command",),
    ]
    results = run_all(commands, cwd=tmp_path)
    for r in results:
        assert r.code == 2, r
        assert r.err.strip(), r  # says what is wrong
    assert "--as-of" in results[2].err and "27/11/2026" in results[2].err
    assert "no-such-folder" in results[4].err and "no-such-folder" in results[5].err
    assert not out.exists() and not state.exists()
    assert listing(tmp_path) == []


def test_publish_with_warnings_only(sources, tmp_path):
    """Warnings do not stop a publication: a codi d'ens whose 10th digit breaks the empirical
    rule (DOMAIN.md §5) is published as given."""
    t = sources.table("membres")
    t.set(t.find(nif="P0801900B")[0], "codi_ens", "0801930007")
    t.save()
    out, state = tmp_path / "out", tmp_path / "state"
    r = run("publish", "--sources", sources.folder, "--out", out, "--state", state, "--as-of", AS_OF, "--no-prefect",
            cwd=tmp_path)
    assert r.code == 0, r
    assert "0 errors, 1 avisos / warnings" in r.out
    assert "5 versions noves / " in r.out and " rows published in 5 datasets, 5 new releases." in r.out
    assert "\x1b" not in r.out + r.err and "lectura / ingest" not in r.out  # a pipe: no progress display
    for ds in ("ens", "membres", "contractacio-agregada", "convenis", "resums"):
        assert ds in r.out and (out / ds / "1.0.0" / "datapackage.json").is_file()
    assert "0801930007" in (out / "membres" / "latest" / "membres.csv").read_text(encoding="utf-8")
