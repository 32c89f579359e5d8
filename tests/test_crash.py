"""Crash safety, for real: a publishing process is SIGKILLed at many points of a run; then
announced releases are intact, verify passes, nothing partial is visible, and the next run
publishes exactly what an uninterrupted run would have. Also a full disk and a read-only
output. The kills are in tests/test_crash_kill.py (a file of its own, so that they run beside
the rest on the other worker): CI kills at LOCALRET_CRASH_KILLS points (default 8) and raises
exceptions at LOCALRET_CRASH_FAILS (default 4), spread evenly over the run's fault points; the
full proof is

    LOCALRET_CRASH_KILLS=50 LOCALRET_CRASH_FAILS=50 .venv/bin/python -m pytest tests/test_crash.py tests/test_crash_kill.py

Every injected run is a `localret publish` process of its own, forked from tests/warmrun.py's
server (its libraries already imported; localret imported fresh, so fault.py reads that run's
variables); the reference run is a separate interpreter, and the kill while reading is timed
on one too.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from localret import paths, publication
from localret.verify import verify

import warmrun

AS_OF = "2026-11-27"
KILLS = int(os.environ.get("LOCALRET_CRASH_KILLS", "8"))
LOCALRET = str(Path(sys.executable).with_name("localret"))
pytestmark = pytest.mark.timeout(300 + 45 * KILLS)


def tree_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def run_publish(src: Path, out: Path, state: Path, env_extra: dict | None = None,
                new_interpreter: bool = False):
    """`localret publish` in a process of its own: a fork of tests/warmrun.py's server (the
    libraries already imported, localret imported fresh with this environment), or with
    `new_interpreter` a separate interpreter (the reference run: its own hash seed)."""
    env = {**os.environ, **(env_extra or {})}
    if env_extra:
        env["LOCALRET_TEST_FAULTS"] = "1"
    args = ["publish", "--no-prefect", "--sources", str(src), "--out", str(out), "--state", str(state), "--as-of", AS_OF]
    if new_interpreter:
        return subprocess.run([LOCALRET, *args], capture_output=True, text=True, env=env, timeout=300)
    return warmrun.run(args, env=env, timeout=300)


def changed_sources(root: Path) -> Path:
    """The sample plus one new agreement and a corrected operator: several datasets release."""
    src = root / "src-new"
    shutil.copytree(paths.SAMPLE_SOURCES, src)
    convenis = src / "convenis.csv"
    text = convenis.read_text(encoding="utf-8-sig")
    text += "C-2026-099,,CONVENI,Conveni de prova de caiguda,Prova,2026-11-01,2026-11-01,2027-11-01,no,,\n"
    convenis.write_text(text, encoding="utf-8-sig")
    parts = src / "convenis_parts.csv"
    parts.write_text(parts.read_text(encoding="utf-8") + "C-2026-099,,P5800010J,Consorci Localret,SIGNANT,President,Nom Inventat\n",
                     encoding="utf-8")
    contractes = src / "contractes.csv"
    contractes.write_text(contractes.read_text(encoding="utf-8").replace("Vodafone España, S.A.U.", "Vodafone España S.A.U.", 1),
                          encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def world(tmp_path_factory, published):
    root = tmp_path_factory.mktemp("crash")
    # the base: the session's publication of the sample at AS_OF (conftest.published), copied
    shutil.copytree(published, root / "base" / "public")
    shutil.copytree(published.parent / "state", root / "base" / "state")
    src = changed_sources(root)
    # The reference: the same change published without interruption.
    ref = root / "ref"
    shutil.copytree(root / "base", ref)
    count_file = root / "faults"
    done = run_publish(src, ref / "public", ref / "state", {"LOCALRET_COUNT_FAULTS": str(count_file)}, new_interpreter=True)
    assert done.returncode == 0, done.stderr
    counted = count_file.read_text().splitlines()
    points = int(counted[0])
    assert points >= 30  # enough places to die in
    return {"root": root, "src": src, "base": root / "base", "ref": ref / "public", "points": points,
            "names": counted[1:]}


def kill_points(total: int, wanted: int) -> list[int]:
    wanted = min(wanted, total)
    return sorted({1 + round(i * (total - 1) / max(wanted - 1, 1)) for i in range(wanted)})


def announced(out: Path) -> dict[str, str]:
    """Every file of every announced release (what readers may already cite)."""
    hashes = tree_hashes(out)
    return {k: v for k, v in hashes.items() if k.split("/")[1:2] and k.split("/")[1][:1].isdigit()}


def manifest_entries(out: Path) -> list[dict]:
    """The manifest's lines but the database's (DuckDB's file bytes are not reproducible)."""
    return [f for f in json.loads((out / "manifest.json").read_text())["files"] if f["path"] != "localret.duckdb"]


def beside(out: Path) -> list[str]:
    """Working files a run leaves next to <out> (the lock file apart)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.") and not p.name.endswith(".lock"))


def test_an_exception_in_any_writer_leaves_the_output_as_it_was(world):
    """Every writer (tables, XLSX, README, feeds, catalogue, pages, database), before it
    writes and after it has written, and the commit: an exception there publishes nothing,
    leaves every byte of <out> as it was and no working files, and the next run succeeds."""
    writers = sorted({n for n in world["names"] if n.startswith("writer:")} | {"commit"})
    assert {"writer:write_tables", "writer:write_database", "commit"} <= set(writers) or len(writers) >= 10, writers
    before = tree_hashes(world["base"] / "public")
    for i, name in enumerate(writers):
        case = world["root"] / f"fail-{i}"
        shutil.copytree(world["base"], case)
        out, state = case / "public", case / "state"
        done = run_publish(world["src"], out, state, {"LOCALRET_FAIL_IN": name})
        said = done.stdout + done.stderr
        assert done.returncode == 70, f"{name}: exit {done.returncode} {said[-800:]}"
        assert "Traceback" not in said and "injected fault" in said, name
        assert tree_hashes(out) == before, f"an exception at {name} changed the output"
        assert beside(out) == [], f"{name} left {beside(out)}"
        assert verify(out) == ([], 5, [])
        if name in (writers[0], "commit", writers[-1]):
            again = run_publish(world["src"], out, state)
            assert again.returncode == 0, again.stdout[-500:] + again.stderr[-500:]
            after = tree_hashes(out)
            ref = tree_hashes(world["ref"])
            assert [p for p in set(ref) | set(after) if ref.get(p) != after.get(p) and not p.endswith(("localret.duckdb", "manifest.json"))] == []
        shutil.rmtree(case)


def test_an_exception_at_any_point_leaves_the_output_as_it_was(world):
    """Exceptions at numbered points spread over the whole run (LOCALRET_CRASH_FAILS, 4 in CI).
    Before the commit's journal: every byte as it was. During the commit (only renames are
    left, of a shadow already whole and checked): like a kill, verify sees only notices. After
    it: everything published. In every case the next run publishes exactly what an
    uninterrupted run does."""
    before = tree_hashes(world["base"] / "public")
    ref = tree_hashes(world["ref"])
    for k in kill_points(world["points"], int(os.environ.get("LOCALRET_CRASH_FAILS", "4"))):
        case = world["root"] / f"fail-at-{k}"
        shutil.copytree(world["base"], case)
        out = case / "public"
        done = run_publish(world["src"], out, case / "state", {"LOCALRET_FAIL_AT": str(k)})
        assert done.returncode == 70 and "Traceback" not in done.stdout + done.stderr, (k, done.stderr[-500:])
        now = tree_hashes(out)
        if publication.journal_path(out).exists():  # failed during the commit
            assert verify(out)[0] == [], k
        elif now != before:  # failed after the commit (recording the run): all of it is published
            assert same_as(ref, now), f"point {k}: a failure after the commit left a partial output"
        assert beside(out) in ([], [f".{out.name}.commit", f".{out.name}.next"]), beside(out)
        again = run_publish(world["src"], out, case / "state")
        assert again.returncode == 0, (k, again.stderr[-500:])
        assert same_as(ref, tree_hashes(out)), f"point {k}: the next run did not publish what an uninterrupted run does"
        shutil.rmtree(case)


def same_as(ref: dict[str, str], now: dict[str, str]) -> bool:
    """The same published bytes, the database and its line in the manifest apart."""
    return [p for p in set(ref) | set(now) if ref.get(p) != now.get(p) and not p.endswith(("localret.duckdb", "manifest.json"))] == []


def test_kill_by_elapsed_time_during_reading(world):
    """Kills before anything is written (while reading and validating) leave no trace."""
    case = world["root"] / "kill-early"
    shutil.copytree(world["base"], case)
    before = tree_hashes(case / "public")
    proc = subprocess.Popen([LOCALRET, "publish", "--no-prefect", "--sources", str(world["src"]), "--out",
                             str(case / "public"), "--state", str(case / "state"), "--as-of", AS_OF])
    try:
        proc.wait(timeout=1.0)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    assert tree_hashes(case / "public") == before or proc.returncode == 0
    assert verify(case / "public")[0] == []


def _mount(target: Path, options: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True).returncode == 0


def test_full_disk_publishes_nothing_and_loses_nothing(world):
    base = world["base"] / "public"
    # tmpfs gives every file whole 4 KiB pages
    size_kb = sum(-(-p.stat().st_size // 4096) * 4 for p in base.rglob("*") if p.is_file())
    mnt = world["root"] / "small-disk"
    # Room for what is published plus a little: the new releases cannot fit.
    if not _mount(mnt, f"size={size_kb + 400}k"):
        pytest.skip("cannot mount a small tmpfs here (not root?)")
    try:
        out = mnt / "public"
        shutil.copytree(base, out)
        before = tree_hashes(out)
        done = run_publish(world["src"], out, world["root"] / "small-disk-state")
        assert done.returncode == 3, done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        assert "nothing new was published" in done.stderr
        now = tree_hashes(out)
        assert {p: h for p, h in now.items() if p in before} == before
        assert verify(out)[0] == []
    finally:
        subprocess.run(["umount", str(mnt)])


def test_read_only_output_fails_cleanly(world):
    mnt = world["root"] / "ro"
    base = world["base"] / "public"
    size_kb = sum(-(-p.stat().st_size // 4096) * 4 for p in base.rglob("*") if p.is_file())
    if not _mount(mnt, f"size={size_kb + 4096}k"):
        pytest.skip("cannot mount a tmpfs here (not root?)")
    try:
        out = mnt / "public"
        shutil.copytree(world["base"] / "public", out)
        before = tree_hashes(out)
        assert subprocess.run(["mount", "-o", "remount,ro", str(mnt)]).returncode == 0
        done = run_publish(world["src"], out, world["root"] / "ro-state")
        assert done.returncode == 3, done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        assert "nothing new was published" in done.stderr
        assert tree_hashes(out) == before
    finally:
        subprocess.run(["umount", str(mnt)])
