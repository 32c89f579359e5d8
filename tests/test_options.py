"""Options checked before any work (localret.options), where the error log goes, and a closed
stdout: the checks one by one, then the real command."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AS_OF, listing
from localret import cli, options
from localret.errors import UsageError

BIN = Path(sys.executable).parent / "localret"
TODAY = dt.date(2026, 12, 1)


# --- --base-url ---------------------------------------------------------------------------------
@pytest.mark.parametrize("given, normal", [
    ("https://dades.localret.cat", "https://dades.localret.cat/"),
    ("https://dades.localret.cat/", "https://dades.localret.cat/"),
    ("HTTPS://Dades.Localret.CAT/Obertes", "https://dades.localret.cat/Obertes/"),
    ("http://127.0.0.1:8000/a/b", "http://127.0.0.1:8000/a/b/"),
    ("https://dades.localret.cat/dades%20obertes/", "https://dades.localret.cat/dades%20obertes/"),
])
def test_a_good_base_url_is_normalised(given, normal):
    assert options.base_url(given) == normal


@pytest.mark.parametrize("given", [
    "", "dades.localret.cat", "/dades/", "//dades.localret.cat/", "ftp://dades.localret.cat/", "javascript:alert(1)",
    "file:///etc/passwd", "https://", "https:///x/", "https://-bad-.cat/", "https://dades.localret.cat:0/",
    "https://dades.localret.cat:99999/", "https://dades.localret.cat:x/", 'https://dades.localret.cat/"x',
    "https://dades.localret.cat/'x", "https://dades.localret.cat/`x`", "https://dades.localret.cat/<b>",
    "https://dades.localret.cat/a b", " https://dades.localret.cat/", "https://dades.localret.cat/\t",
    "https://dades.localret.cat/\x00", "https://dades.localret.cat/\x7f", "https://dades.localret.cat/\x85",
    "https://dades.localret.cat\\x", "https://u@dades.localret.cat/", "https://dades.localret.cat/?a=1",
    "https://dades.localret.cat/#a", "https://dades.localret.cat/a/../b", "https://dades.localret.cat/./b",
    "https://dades.localret.cat//b", "https://dades.localret.cat/a&b", "https://dades.localret.cat/a(b)",
    "https://dades.localret.cat/a*b", "https://dades.localret.cat/a|b", "https://dades.localret.cat/%zz",
    "https://dadés.localret.cat/", "https://dades.localret.cat/\u202e", "https://" + "a" * 2100 + ".cat/",
])
def test_a_hostile_base_url_is_a_usage_error_naming_the_option(given):
    with pytest.raises(UsageError) as caught:
        options.base_url(given)
    message = str(caught.value)
    assert caught.value.exit_code == 2 and message.startswith("--base-url ") and " / " in message
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c == "\u202e" for c in message)  # shown escaped


def test_a_password_in_the_base_url_is_not_shown_back():
    with pytest.raises(UsageError) as caught:
        options.base_url("https://admin:s3cret@dades.localret.cat/")
    assert "s3cret" not in str(caught.value) and "user name or password" in str(caught.value)


# --- the folders ----------------------------------------------------------------------------------
@pytest.mark.parametrize("layout, option", [
    ({"sources": "src", "out": "public", "state": "public/state"}, "--state"),  # the run's records, served
    ({"sources": "src", "out": "public", "state": "public"}, "--state"),
    ({"sources": "public/exports", "out": "public", "state": "state"}, "--sources"),  # the raw exports, served
    ({"sources": "src", "out": "src/public", "state": "state"}, "--out"),
    ({"sources": "src", "out": "public", "state": "src/state"}, "--state"),
    ({"sources": "src", "out": "public", "state": "src"}, "--state"),
    ({"sources": "nowhere", "out": "public", "state": "state"}, "--sources"),
])
def test_folders_that_would_publish_private_data_or_mix_with_the_exports_are_refused(layout, option, tmp_path):
    """--out is what a web server serves: neither the run's records nor the raw exports (both
    full of private data) may be inside it, whichever path leads there (a symbolic link too)."""
    for name in ("src", "public/exports"):
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
    (tmp_path / "link").symlink_to(tmp_path / "public")
    with pytest.raises(UsageError) as caught:
        from localret.pipeline import make_options
        make_options(*(tmp_path / layout[k] for k in ("sources", "out", "state")), str(AS_OF), "https://dades.localret.cat/")
    assert str(caught.value).startswith(option)
    with pytest.raises(UsageError):  # the same through a link to --out
        options.folders((tmp_path / "link" / "exports").resolve(), (tmp_path / "public").resolve(), tmp_path / "state")
    options.folders(tmp_path / "src", tmp_path / "public", tmp_path / "state")  # side by side: fine


# --- --as-of ------------------------------------------------------------------------------------
def test_as_of_within_the_data():
    assert options.as_of(None, TODAY) == TODAY
    assert options.as_of("2026-12-01", TODAY) == TODAY
    assert options.as_of("1997-01-01", TODAY) == options.FIRST_DATA
    for bad, words in (("2026-12-02", "after today"), ("2100-01-01", "after today"), ("1996-12-31", "first data"),
                       ("27/11/2026", "YYYY-MM-DD"), ("20261127", "YYYY-MM-DD"), ("2026-W48-5", "YYYY-MM-DD"),
                       ("2026-02-30", "YYYY-MM-DD"), ("", "YYYY-MM-DD")):
        with pytest.raises(UsageError) as caught:
            options.as_of(bad, TODAY)
        assert str(caught.value).startswith("--as-of ") and words in str(caught.value), bad


def write_versions(out: Path, dataset: str, *dates: str) -> None:
    (out / dataset).mkdir(parents=True)
    entries = [{"version": f"1.{i}.0", "data_referencia": d} for i, d in enumerate(dates)]
    (out / dataset / "versions.json").write_text(json.dumps({"versions": entries}), encoding="utf-8")


def test_as_of_never_before_what_is_published(tmp_path):
    out = tmp_path / "public"
    options.published_reference_date(out, dt.date(2001, 1, 1))  # nothing published: anything goes
    write_versions(out, "membres", "2025-01-01", "2026-11-27")
    write_versions(out, "convenis", "2026-11-20")
    (out / "broken").mkdir()
    (out / "broken" / "versions.json").write_text("{trunc", encoding="utf-8")  # verify's business, not this check's
    assert options.newest_published(out) == (dt.date(2026, 11, 27), "membres", "1.1.0")
    options.published_reference_date(out, dt.date(2026, 11, 27))  # the same day: a rerun
    options.published_reference_date(out, dt.date(2026, 11, 28))
    with pytest.raises(UsageError) as caught:
        options.published_reference_date(out, dt.date(2026, 11, 26))
    message = str(caught.value)
    assert "2026-11-27" in message and "membres 1.1.0" in message and "localret rebuild" in message


# --- where the logs go ----------------------------------------------------------------------------
@pytest.fixture
def given(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "user-state"))
    monkeypatch.setattr(cli, "_given", {})
    return cli._given


def test_logs_go_to_the_state_never_into_out(given, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    given.update(state=tmp_path / "state", out=tmp_path / "public")
    assert cli.logs_dir() == tmp_path / "state" / "logs"
    given.update(state=cli.DEFAULT_STATE, out=".")  # the default state, relative to a cwd that is --out
    assert cli.logs_dir() == tmp_path / "user-state" / "localret" / "logs"


def test_without_state_the_default_state_unless_the_cwd_is_a_published_folder(given, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.logs_dir() == tmp_path / "var" / "localret" / "logs"
    write_versions(tmp_path, "membres", "2026-11-27")
    assert cli.logs_dir() == tmp_path / "user-state" / "localret" / "logs"


def run(args, cwd, env_extra=None, **kwargs):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env_extra or {})}
    return subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=240, **kwargs)


def test_an_unexpected_error_run_from_inside_out_leaves_nothing_there(tmp_path, sample_dir):
    """cwd == --out: the error log goes to <state>/logs, and nothing but the publication itself
    may appear in --out (here, nothing at all: the run fails before anything is visible)."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(  # a writer that fails as no test of ours expects
        "import localret.stages\n"
        "def boom(*args, **kwargs):\n    raise RuntimeError('a writer failed')\n"
        "localret.stages.publish_site = boom\n", encoding="utf-8")
    out, state = tmp_path / "public", tmp_path / "state"
    out.mkdir()
    pythonpath = os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")])
    done = run(["publish", "--no-prefect", "--sources", sample_dir, "--out", ".", "--state", state, "--as-of", AS_OF.isoformat()],
               cwd=out, env_extra={"PYTHONPATH": pythonpath, "XDG_STATE_HOME": str(tmp_path / "user-state")})
    said = done.stdout + done.stderr
    assert done.returncode == 70, said
    assert "Traceback" not in said and "a writer failed" in said
    logs = list((state / "logs").glob("error-*.log"))
    assert len(logs) == 1 and str(logs[0]) in said
    assert "RuntimeError: a writer failed" in logs[0].read_text(encoding="utf-8")
    assert not [p for p in listing(out) if p.endswith(".log") or "localret-error" in p]
    assert not (tmp_path / "user-state").exists()


# --- a closed stdout ------------------------------------------------------------------------------
def test_a_closed_stdout_pipe_keeps_the_runs_own_exit_code(tmp_path, sample_dir):
    """`localret publish ... | head -0`: the reader is gone before the summary; the publication
    happened, so the exit code is 0 and nothing is said about sources or tracebacks. With
    invalid sources the run's own result (1) stands."""
    out, state = tmp_path / "public", tmp_path / "state"
    broken = tmp_path / "broken"
    shutil.copytree(sample_dir, broken)
    rows = (broken / "contractes.csv").read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace(",", ",X", 1)
    (broken / "contractes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    runs = []
    for sources, target in ((sample_dir, out), (broken, tmp_path / "other")):
        proc = subprocess.Popen([str(BIN), "publish", "--no-prefect", "--sources", str(sources), "--out", str(target),
                                 "--state", str(state if target == out else tmp_path / "other-state"), "--as-of", AS_OF.isoformat()],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                                env={**os.environ, "NO_COLOR": "1"})
        proc.stdout.close()  # the reader goes away at once
        runs.append(proc)
    (good, good_err), (bad, bad_err) = [(p.wait(timeout=240), p.stderr.read().decode()) for p in runs]
    assert good == 0, good_err
    assert bad == 1, bad_err
    for said in (good_err, bad_err):
        assert "Traceback" not in said and "Broken pipe" not in said and "unexpected" not in said, said
    assert (out / "membres" / "1.0.0" / "datapackage.json").is_file()


def test_a_closed_stdout_descriptor(tmp_path, sample_dir):
    """`localret publish >&-`: no stray output lands in a file the run opens, exit 0."""
    out, state = tmp_path / "public", tmp_path / "state"
    done = subprocess.run([str(BIN), "publish", "--no-prefect", "--sources", str(sample_dir), "--out", str(out),
                           "--state", str(state), "--as-of", AS_OF.isoformat()], stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                          preexec_fn=lambda: os.close(1), timeout=240)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert not [p for p in listing(tmp_path) if p.endswith(".log")]
    assert "PUBLICAT" not in (out / "membres" / "latest" / "membres.csv").read_text(encoding="utf-8")
