"""The whole output, all or nothing (publication.py), and `verify` over every published byte:
the shadow shares the published bytes, a commit is idempotent and rolls forward after a kill,
and every kind of tampering a reader could not see is reported."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from localret import fault, paths, pipeline, publication, versions
from localret.schema import Schema
from localret.verify import verify

LOCALRET = str(Path(sys.executable).with_name("localret"))


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def out(published, tmp_path) -> Path:
    """A copy of the session's publication of the sample at 2026-11-27 (conftest.published)."""
    copy = tmp_path / "public"
    shutil.copytree(published, copy)
    return copy


# ---------- the shadow and the commit ----------

def test_the_shadow_shares_bytes_and_an_unchanged_commit_touches_nothing(out):
    before = {rel: st.st_mtime_ns for rel, st in publication.published_files(out).items()}
    shadow = publication.open_shadow(out)
    for rel in before:
        assert os.stat(shadow / rel).st_ino == os.stat(out / rel).st_ino
    plan = publication.commit(out, shadow)
    assert plan.empty and not shadow.exists()
    assert {rel: st.st_mtime_ns for rel, st in publication.published_files(out).items()} == before


def test_a_commit_places_new_folders_whole_and_the_manifest_last(out, monkeypatch):
    shadow = publication.open_shadow(out)
    (shadow / "membres" / "9.0.0").mkdir()
    (shadow / "membres" / "9.0.0" / "a.csv").write_text("x\n")
    (shadow / "index.html").unlink()
    (shadow / "index.html").write_text("nou / new")
    order = []
    real = publication._place_file
    monkeypatch.setattr(publication, "_place_file", lambda src, target: (order.append(target.name), real(src, target)))
    plan = publication.commit(out, shadow)
    assert plan.new_dirs == ["membres/9.0.0"] and "index.html" in plan.files
    assert order[-1] == "manifest.json"
    assert (out / "membres" / "9.0.0" / "a.csv").read_text() == "x\n"
    listed = publication.read_manifest(out)
    assert listed["index.html"]["sha256"] == hashlib.sha256(b"nou / new").hexdigest()


def test_an_exception_before_the_commit_leaves_every_byte(out):
    before = tree(out)
    with pytest.raises(RuntimeError):
        with publication.transaction(out) as shadow:
            (shadow / "index.html").unlink()
            (shadow / "index.html").write_text("half")
            shutil.rmtree(shadow / "membres" / "latest")
            raise RuntimeError("a writer's bug")
    assert tree(out) == before
    assert not publication.shadow_root(out).exists()


@pytest.mark.parametrize("die_after", [1, 2, 4, 7])
def test_a_commit_killed_midway_is_completed_by_recover(out, monkeypatch, die_after):
    """Points inside the commit raise here as a stand-in for a kill: the journal and the
    shadow stay, and `recover` (the next run's first step) rolls forward to the new state."""
    shadow = publication.open_shadow(out)
    for name in ("ens", "membres"):
        latest = shadow / name / "latest"
        for f in latest.iterdir():
            f.unlink()
            f.write_bytes(b"new " + f.name.encode())
    (shadow / "feed.atom").unlink()
    (shadow / "feed.atom").write_text("<feed/>")
    expected_manifest = publication.write_manifest(shadow)
    passed = [0]

    def dying(name=""):
        passed[0] += 1
        if passed[0] == die_after + 1:  # the first point is the one before the journal
            raise KeyboardInterrupt

    monkeypatch.setattr(publication, "point", dying)
    with pytest.raises(KeyboardInterrupt):
        publication.commit(out, shadow)
    assert publication.journal_path(out).exists() and shadow.exists()
    problems, _, notices = verify(out)
    assert notices and not [p for p in problems if "manifest" in p], problems
    monkeypatch.setattr(publication, "point", lambda name="": None)
    publication.recover(out)
    assert not publication.journal_path(out).exists() and not shadow.exists()
    assert json.loads((out / "manifest.json").read_text())["files"] == expected_manifest["files"]
    assert (out / "feed.atom").read_text() == "<feed/>"
    assert not [p for p in out.rglob("*") if p.name.endswith((".tmp-commit", ".old-commit"))]


def test_fault_variables_act_only_under_the_test_switch(tmp_path):
    code = "import localret.fault as f; print(f._ACTIVE)"
    env = {**os.environ, "LOCALRET_KILL_AT": "1"}
    env.pop("LOCALRET_TEST_FAULTS", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.stdout.strip() == "False" and "WARNING: LOCALRET_KILL_AT" in done.stderr
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**env, "LOCALRET_TEST_FAULTS": "1"})
    assert done.stdout.strip() == "True"
    assert fault._ACTIVE is False  # this test process runs none


# ---------- verify: every byte ----------

def test_a_fresh_publication_verifies(out):
    assert verify(out) == ([], 5, [])


def _problems(out: Path) -> str:
    problems, _, _ = verify(out)
    assert problems, "tampering not reported"
    return "\n".join(problems)


def reported(out: Path, path: str, words: str) -> bool:
    """A problem about that path that says those words (after the Catalan, in English)."""
    return any(p.startswith(f"{path}:") and words in p for p in verify(out)[0])


def test_a_changed_page_feed_catalogue_or_database_is_reported(out):
    for rel in ("index.html", "membres/feed.atom", "catalog.rdf", "localret.duckdb", "sitemap.xml"):
        data = (out / rel).read_bytes()
        (out / rel).write_bytes(data + b" ")
        assert rel in _problems(out)
        (out / rel).write_bytes(data)
    assert verify(out)[0] == []


def test_an_added_or_removed_file_is_reported(out):
    (out / "membres" / "notes.html").write_text("hola")
    assert reported(out, "membres/notes.html", "not in the manifest")
    (out / "membres" / "notes.html").unlink()
    (out / "robots.txt").unlink()
    assert reported(out, "robots.txt", "in the manifest but missing")


def add_agreement(src: Path, number: str) -> None:
    with (src / "convenis.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"C-2026-{number},,CONVENI,Conveni nou de prova {number},Prova,2026-11-01,2026-11-01,2027-11-01,no,,\n")


@pytest.fixture
def two_releases(out, tmp_path) -> Path:
    """convenis 1.0.0 and 1.1.0 published."""
    src = tmp_path / "src"
    shutil.copytree(paths.SAMPLE_SOURCES, src)
    add_agreement(src, "098")
    pipeline.publish(pipeline.Options(src, out, tmp_path / "state", dt.date(2026, 11, 27)))
    data = json.loads((out / "convenis" / "versions.json").read_text(encoding="utf-8"))
    assert [v["version"] for v in data["versions"]] == ["1.0.0", "1.1.0"]
    assert data["versions"][1]["previous_sha256"] == versions.entry_hash(data["versions"][0])
    return out


def test_an_old_release_rewritten_consistently_breaks_the_chain(two_releases):
    """Rewrite a CSV of 1.0.0, its datapackage (bytes, hash), and its versions.json entry
    (datapackage sha256, table hash): every check of 1.0.0 agrees; the chain does not."""
    out = two_releases
    folder = out / "convenis" / "1.0.0"
    csv = folder / "convenis.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("Conveni", "Acord", 1), encoding="utf-8")
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    schema = None
    for r in package["resources"]:
        if r["path"] == "convenis.csv":
            r["bytes"] = csv.stat().st_size
            r["hash"] = "sha256:" + hashlib.sha256(csv.read_bytes()).hexdigest()
            schema = r["schema"]
    (folder / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    versions_path = out / "convenis" / "versions.json"
    data = json.loads(versions_path.read_text(encoding="utf-8"))
    entry = data["versions"][0]
    entry["datapackage_sha256"] = hashlib.sha256((folder / "datapackage.json").read_bytes()).hexdigest()
    entry["tables"]["convenis"] = versions.table_hash(hashlib.sha256(csv.read_bytes()).hexdigest(), Schema("convenis", schema))
    versions_path.write_text(json.dumps(data), encoding="utf-8")
    problems = verify(out)[0]
    # the release's own checks agree with the forgery; the chain and the manifest do not
    assert [p for p in problems if "1.0.0" in p and "manifest" not in p] == [], problems
    assert reported(out, "convenis/versions.json", "entry 1.1.0 does not chain to the one before")
    assert reported(out, "convenis/1.0.0/convenis.csv", "bytes differ from the manifest")


def test_the_newest_entry_removed_from_versions_json_is_reported(two_releases):
    out = two_releases
    versions_path = out / "convenis" / "versions.json"
    data = json.loads(versions_path.read_text(encoding="utf-8"))
    data["versions"].pop()
    versions_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert reported(out, "convenis/1.1.0", "release folder not listed in versions.json")
    assert reported(out, "convenis/versions.json", "bytes differ from the manifest")


@pytest.mark.parametrize("damage", ["truncated", "not-json", "no-versions-key", "manifest-truncated"])
def test_unreadable_metadata_is_a_problem_with_exit_6(out, damage):
    target = out / ("manifest.json" if damage.startswith("manifest") else "membres/versions.json")
    data = target.read_bytes()
    target.write_bytes({"truncated": data[: len(data) // 2], "not-json": b"\xff\xfe garbage",
                        "no-versions-key": b'{"dataset": "membres"}', "manifest-truncated": data[:40]}[damage])
    assert "unreadable" in _problems(out)
    done = subprocess.run([LOCALRET, "verify", "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 6, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_a_run_refuses_to_extend_a_broken_chain(out, tmp_path):
    versions_path = out / "convenis" / "versions.json"
    data = json.loads(versions_path.read_text(encoding="utf-8"))
    data["versions"].insert(0, {**data["versions"][0], "version": "0.9.0", "previous_sha256": None})
    versions_path.write_text(json.dumps(data), encoding="utf-8")
    src = tmp_path / "src"
    shutil.copytree(paths.SAMPLE_SOURCES, src)
    add_agreement(src, "097")  # something to publish in convenis
    before = tree(out)
    done = subprocess.run([LOCALRET, "publish", "--no-prefect", "--sources", str(src), "--out", str(out),
                           "--state", str(tmp_path / "state"), "--as-of", "2026-11-27"], capture_output=True, text=True)
    assert done.returncode == 3 and "does not chain" in done.stderr, done.stdout + done.stderr
    assert tree(out) == before


def test_a_publish_over_unreadable_versions_json_fails_cleanly(out, tmp_path):
    target = out / "membres" / "versions.json"
    target.write_bytes(target.read_bytes()[:50])
    before = tree(out)
    done = subprocess.run([LOCALRET, "publish", "--no-prefect", "--out", str(out), "--state", str(tmp_path / "state"),
                           "--as-of", "2026-11-27"], capture_output=True, text=True)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "membres/versions.json" in done.stderr and "unreadable" in done.stderr and "Traceback" not in done.stderr
    assert tree(out) == before
