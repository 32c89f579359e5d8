"""What an operator sees of a run: the stages' progress on a terminal (a real pseudo-terminal
here) and nothing of it in a pipe; every stage's time in the run record and in `localret
runs`; `--help` texts whole at 80 columns and in a narrow terminal; `diff` with an unknown
version or dataset. One publication of the sample, in a pseudo-terminal, serves the module."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from conftest import AS_OF, SourceTable, listing
from localret import schema

BIN = Path(sys.executable).parent / "localret"
pytestmark = pytest.mark.timeout(400)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
STAGES = ["freshness", "ingest", "archive-inputs", "validate", "build", "release", "database", "site", "commit"]


def env(**extra) -> dict:
    e = {k: v for k, v in os.environ.items() if k not in ("CI", "TTY_INTERACTIVE", "FORCE_COLOR", "NO_COLOR")}
    e.update({"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "TERM": "xterm-256color"})
    e.update(extra)
    return e


def in_terminal(args, cwd: Path, columns: int = 120, timeout: float = 300, **extra) -> tuple[int, str]:
    """Run `localret args` with stdin, stdout and stderr on a pseudo-terminal of `columns`
    columns; returns (exit code, everything the terminal received, escapes removed)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    proc = subprocess.Popen([str(BIN), *map(str, args)], stdin=slave, stdout=slave, stderr=slave, cwd=cwd,
                            env=env(COLUMNS=str(columns), LINES="40", **extra), close_fds=True)
    os.close(slave)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    raw = b"".join(chunks).decode("utf-8", errors="replace")
    return code, raw


def plain(raw: str) -> str:
    return ANSI.sub("", raw).replace("\r", "\n")


def piped(args, cwd: Path, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env=env(**extra), timeout=300)


def source_rows(folder: Path) -> int:
    """Data rows of the five source files, as a spreadsheet shows them."""
    return sum(len(SourceTable(folder, name).frame) for name in schema.SOURCE_NAMES)


def count(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


@pytest.fixture(scope="module")
def run_in_terminal(tmp_path_factory, sample_dir):
    base = tmp_path_factory.mktemp("terminal")
    out, state = base / "out", base / "state"
    started = time.time()
    code, raw = in_terminal(["publish", "--no-prefect", "--sources", sample_dir, "--out", out, "--state", state,
                             "--as-of", AS_OF], cwd=base)
    wall = time.time() - started
    assert code == 0, plain(raw)[-3000:]
    return {"base": base, "out": out, "state": state, "raw": raw, "text": plain(raw), "wall": wall}


# --- the progress display ---------------------------------------------------------------------
def test_a_terminal_sees_every_stage_with_its_rows_and_time(run_in_terminal, sample_dir):
    text = run_in_terminal["text"]
    for label in ("lectura / ingest", "validació / validate", "construcció / build", "versions / release",
                  "base de dades / database", "lloc web / site", "publicació / commit"):
        assert label in text, label
    # rows done of how many, counted here from the files themselves and from what was published
    rows = source_rows(sample_dir)
    published_rows = sum(sum(v["versions"][-1]["rows"].values()) for v in
                         (json.loads(p.read_text(encoding="utf-8")) for p in run_in_terminal["out"].glob("*/versions.json")))
    assert rows > 1000 and f"{count(rows)}/{count(rows)} files / rows" in text
    assert f"{count(published_rows)}/{count(published_rows)} files / rows" in text
    assert re.search(rf"lectura / ingest\W+{count(rows)} files / rows", text)  # rows read (how many is known at the end)
    assert re.search(r"validació / validate.*\d:\d\d:\d\d", text)  # its elapsed time
    # drawn in place: the terminal got cursor movements, not one line per update
    assert "\x1b[" in run_in_terminal["raw"]
    assert "Traceback" not in text


def test_the_summary_follows_the_display_and_says_rows(run_in_terminal):
    text = run_in_terminal["text"]
    assert text.index("publicació / commit") < text.index("VÀLID / VALID")
    sentence = next(line for line in text.splitlines() if "rows published in" in line)
    english = sentence.split(" / ", 1)[1]
    assert re.fullmatch(r"\d+ rows published in 5 datasets, 5 new releases\.", english.strip()), sentence
    assert "files" not in english


def test_a_pipe_gets_no_progress(run_in_terminal, tmp_path):
    """Not a terminal (a pipe, a log file): not one character of the display. Checked on
    `validate` (it reads and validates like a publication), and on a publication with
    nothing to do (its one stage still runs under the display when there is one)."""
    for args in (["validate"], ["publish", "--no-prefect", "--out", run_in_terminal["out"], "--state",
                                run_in_terminal["state"], "--as-of", AS_OF]):
        r = piped(args, cwd=tmp_path)
        assert r.returncode == 0, r.stdout + r.stderr
        for what in ("\x1b", "lectura / ingest", "validació / validate", "comprovació / freshness",
                     "fitxers / files", "0:00:0"):
            assert what not in r.stdout + r.stderr, (args, what)
    assert "Res a fer" in r.stdout


@pytest.mark.parametrize("setting", [{"CI": "true"}, {"TERM": "dumb"}, {"TTY_INTERACTIVE": "0"}])
def test_a_terminal_in_ci_or_a_dumb_one_gets_no_progress(tmp_path, setting):
    code, raw = in_terminal(["validate"], cwd=tmp_path, **setting)
    assert code == 0, plain(raw)
    assert "0 errors" in raw
    assert "lectura / ingest" not in raw and "validació / validate" not in raw and "\x1b[?25l" not in raw


def test_validate_in_a_terminal_shows_its_two_stages(tmp_path, sample_dir):
    code, raw = in_terminal(["validate"], cwd=tmp_path, columns=80)
    text = plain(raw)
    assert code == 0, text
    rows = source_rows(sample_dir)
    assert "lectura / ingest" in text and "validació / validate" in text
    assert f"{count(rows)}/{count(rows)} files / rows" in text
    assert text.index("validació / validate") < text.index("0 errors")
    assert listing(tmp_path) == []


# --- where the time went ---------------------------------------------------------------------
def test_the_run_record_keeps_every_stages_time(run_in_terminal):
    records = [json.loads(p.read_text(encoding="utf-8")) for p in (run_in_terminal["state"] / "runs").glob("*.json")]
    assert len(records) >= 1
    record = min(records, key=lambda r: r["run_id"])  # the publication (a later test adds an up-to-date run)
    assert record["outcome"] == "published"
    stages = record["stage_seconds"]
    assert list(stages) == STAGES  # in the order they ran
    assert all(isinstance(s, float) and s >= 0 for s in stages.values())
    assert stages["release"] > 0 and stages["validate"] > 0
    # the stages' time is the run's time, less what lies between them (`runs` shows that as "other")
    assert sum(stages.values()) <= record["seconds"]
    assert record["seconds"] <= run_in_terminal["wall"]


def test_a_failed_run_records_the_stages_it_reached(sources, tmp_path):
    t = sources.table("convenis")
    t.set(t.find(conveni_id="C-2014-001")[0], "data_signatura", "31/02/2014")
    t.save()
    state = tmp_path / "state"
    r = piped(["publish", "--no-prefect", "--sources", sources.folder, "--out", tmp_path / "out", "--state", state,
               "--as-of", AS_OF], cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    (record,) = [json.loads(p.read_text(encoding="utf-8")) for p in (state / "runs").glob("*.json")]
    assert record["outcome"] == "invalid"
    assert list(record["stage_seconds"]) == ["freshness", "ingest", "archive-inputs", "validate"]


def test_runs_lists_each_run_with_its_stage_times(run_in_terminal, tmp_path):
    r = piped(["runs", "--state", run_in_terminal["state"]], cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    records = sorted((json.loads(p.read_text(encoding="utf-8")) for p in (run_in_terminal["state"] / "runs").glob("*.json")),
                     key=lambda rec: rec["run_id"], reverse=True)
    lines = r.stdout.splitlines()
    heads = [line for line in lines if not line.startswith(" ")]
    assert [h.split()[0] for h in heads] == [rec["run_id"] for rec in records]  # newest first
    published = next(rec for rec in records if rec["outcome"] == "published")
    detail = lines[lines.index(next(h for h in heads if h.startswith(published["run_id"]))) + 1]
    for stage in STAGES:
        assert f"{stage} {published['stage_seconds'][stage]:.1f} s" in detail, (stage, detail)
    assert f"{published['seconds']:.1f} s" in heads[[h.split()[0] for h in heads].index(published["run_id"])]
    assert f"other {published['seconds'] - sum(published['stage_seconds'].values()):.1f} s" in detail
    empty = piped(["runs", "--state", tmp_path / "nothing"], cwd=tmp_path)
    assert empty.returncode == 0 and "no run recorded" in empty.stdout
    assert not (tmp_path / "nothing").exists()


# --- help ------------------------------------------------------------------------------------
def help_texts() -> dict[tuple[str, ...], list[str]]:
    """Every text a command's --help must show whole: its help, its sub-commands' short help,
    each parameter's name and help."""
    import typer.main

    from localret.cli import app

    texts: dict[tuple[str, ...], list[str]] = {}

    def walk(cmd, path):
        mine = [cmd.help or ""]
        for name, sub in getattr(cmd, "commands", {}).items():
            mine += [name, sub.short_help or sub.help or ""]
            walk(sub, (*path, name))
        for param in cmd.params:
            mine += list(param.opts) + [getattr(param, "help", None) or ""]
        texts[path] = [t for t in mine if t]

    walk(typer.main.get_command(app), ())
    return texts


@pytest.mark.parametrize("columns", [80, 40])
def test_help_is_never_cut(tmp_path, columns):
    """At 80 columns every line fits and every text is whole; in a narrow terminal every text
    is still whole (wrapped, not shortened with '...')."""
    texts = help_texts()
    assert len(texts) >= 9
    for path, wanted in texts.items():
        r = piped([*path, "--help"], cwd=tmp_path, COLUMNS=str(columns))
        assert r.returncode == 0, r.stderr
        squeezed = "".join(r.stdout.split())
        for text in wanted:
            assert "".join(text.split()) in squeezed, (path, columns, text, r.stdout)
        assert "…" not in r.stdout and "..." not in r.stdout.replace("[ARGS]...", ""), (path, r.stdout)
        if columns == 80:
            assert max(len(line) for line in r.stdout.splitlines()) <= 80, (path, r.stdout)
    assert listing(tmp_path) == []


# --- diff with what is not there ---------------------------------------------------------------
def test_diff_with_an_unknown_version_names_it_and_lists_the_known_ones(run_in_terminal, tmp_path):
    out = run_in_terminal["out"]
    r = piped(["diff", "membres", "1.0.0", "9.9.9", "--out", out], cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "9.9.9" in r.stderr and "unknown version" in r.stderr and "1.0.0" in r.stderr.split("9.9.9", 1)[1]
    assert "publica" not in r.stderr.lower() and "publish" not in r.stderr.lower(), r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""

    r = piped(["diff", "nope", "1.0.0", "1.0.1", "--out", out], cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "nope" in r.stderr and "unknown dataset" in r.stderr
    for ds in ("contractacio-agregada", "convenis", "ens", "membres", "resums"):
        assert ds in r.stderr
    assert "publish" not in r.stderr.lower() and "publica" not in r.stderr.lower(), r.stderr

    r = piped(["diff", "membres", "1.0.0", "1.0.0", "--out", out], cwd=tmp_path)
    assert r.returncode == 0 and "membres 1.0.0 → 1.0.0" in r.stdout
    assert listing(tmp_path) == []


# --- the reporting itself (in process) ---------------------------------------------------------
def test_reports_reach_the_listener_in_order_and_a_broken_display_breaks_nothing():
    from localret import progress

    seen, durations = [], {}
    progress.update(5, 10)  # nobody listening, no stage: nothing happens
    with progress.listening(seen.append):
        progress.update(1, 2)  # outside a stage: belongs to nothing, not reported
        with progress.stage("validate", durations):
            progress.update(0, 10, "rows")
            progress.update(advance=4, detail="membres.xlsx")
    assert [(e.stage, e.kind, e.done, e.total, e.advance) for e in seen] == [
        ("validate", "start", None, None, 0), ("validate", "update", 0, 10, 0), ("validate", "update", None, None, 4),
        ("validate", "end", None, None, 0)]
    assert seen[-1].seconds >= 0 and list(durations) == ["validate"]

    def broken(event):
        raise RuntimeError("a display that fails")

    with progress.listening(broken), pytest.raises(ValueError):
        with progress.stage("build", durations):  # the stage's own error goes through, the display's does not
            progress.update(1, 1, "tables")
            raise ValueError("the stage failed")
    assert "build" in durations  # a failed stage keeps its time
