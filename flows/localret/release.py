"""Stage 4b: turn a built dataset into an immutable, versioned release.

Layout under <out>/<dataset>/: <version>/ (never rewritten), latest/ (a plain copy of the
newest release), versions.json (every release). No change, no release: the decision is made
from content hashes of canonical tables, so the calendar or a re-export is not a change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb

from localret import changelog, diff, package
from localret.build import BuiltDataset
from localret.errors import PublishError
from localret.fault import point, writer_points
from localret.fsutil import atomic_write_text, fsync_file, fsync_tree, replace_dir
from localret import versions
from localret.versions import ReleaseResult, read_versions


structure = versions.structure
_sha = versions.content_sha


def table_hashes(dataset: BuiltDataset, files) -> dict[str, str]:
    return {r.spec.name: versions.table_hash(files[r.spec.name]["csv"].sha256, r.spec.schema) for r in dataset.resources}


def metadata_hash(dataset: BuiltDataset, illustrative: bool) -> str:
    # How changes are worded is not a property of the data: rewording makes no release.
    meta = {k: v for k, v in dataset.spec.meta.items() if k != "sentences"}
    return _sha([meta, [r.spec.schema.descriptor for r in dataset.resources], illustrative])


def release_dataset(con: duckdb.DuckDBPyConnection, dataset: BuiltDataset, out: Path, staging: Path, *,
                    inputs: list[dict], illustrative: bool, register_meta: dict,
                    extra_writers=(), base_url: str | None = None) -> ReleaseResult:
    name = dataset.name
    run_inputs = inputs
    inputs = [i for i in inputs if i["name"] in dataset.spec.sources or i["name"] == "manifest"]
    stage = staging / name
    if stage.exists():
        shutil.rmtree(stage)
    files = writer_points("release", package.write_tables)(con, dataset, stage)
    hashes = table_hashes(dataset, files)
    meta_hash = metadata_hash(dataset, illustrative)
    history = read_versions(out, name)
    broken = versions.chain_problems(name, history)
    if broken:
        raise PublishError(f"{broken[0]}; comproveu-ho amb `localret verify` / check it with `localret verify`")
    last = history[-1] if history else None
    rows = {r.spec.name: r.rows for r in dataset.resources}
    if last and last["tables"] == hashes and last["metadata_hash"] == meta_hash:
        shutil.rmtree(stage)
        return ReleaseResult(name, last["version"], last["version"], "none", rows,
                             "sense canvis / no change", folder=out / name / last["version"])

    diffs = _diffs(con, dataset, out / name / last["version"] if last else None, stage, last)
    bump = max([d.bump for d in diffs] + [diff.NONE])
    if last and bump == diff.NONE:
        bump = diff.PATCH  # only descriptive metadata (or formatting) changed
    version = diff.bump_version(last["version"] if last else None, bump)
    created = dt.datetime.combine(dataset.as_of, dt.time(), tzinfo=dt.timezone.utc)
    changes = changelog.changes(dataset, diffs, version, last["version"] if last else None, created.date())
    package.write_json(stage / "changes.json", changes)
    (stage / "CHANGES.md").write_text(changelog.markdown(changes), encoding="utf-8")
    extra = []
    for writer in extra_writers:  # XLSX, README...: written before datapackage.json lists them
        extra.extend(writer_points("release", writer)(con, dataset, stage, version=version, changes=changes, illustrative=illustrative,
                            base_url=base_url))
    extra_files = [package.WrittenFile(p, *package.file_digest(stage / p)) for p in ["CHANGES.md", "changes.json", *extra]]
    dp = package.datapackage(dataset, files, version=version, created=created, inputs=inputs,
                             illustrative=illustrative, register_meta=register_meta, extra_files=extra_files)
    package.write_json(stage / "datapackage.json", dp)
    dp_sha = package.file_digest(stage / "datapackage.json")[1]
    summary = changes["summary"]["ca"]
    entry = {
        "version": version, "date": created.date().isoformat(), "created": dp["created"],
        "data_referencia": dataset.as_of.isoformat(), "bump": diff.BUMP_NAMES[bump] if last else "initial",
        "rows": rows, "hash": _sha(hashes), "tables": hashes, "metadata_hash": meta_hash,
        "summary": summary, "summary_i18n": changes["summary"], "inputs": [i["sha256"] for i in inputs], "run_inputs": run_inputs,
        "datapackage_sha256": dp_sha, "base_url": base_url, "sequence": release_sequence(out),
    }
    return ReleaseResult(name, version, last["version"] if last else None, entry["bump"], rows, summary, changes,
                         out / name / version, staged=(out, stage, history + [entry]))


def release_sequence(out: Path) -> int:
    """How many releases <out> held before this run: the same for every release of one run and
    higher for each later run. It orders the releases of one day in the feeds (their `created`
    is the day's midnight, from --as-of), and depends only on what was published before."""
    return sum(len(read_versions(out, p.parent.name)) for p in sorted(out.glob("*/versions.json")))


def commit(result: ReleaseResult) -> None:
    """Make a prepared release visible. Called only once every dataset of the run has been
    prepared, into the run's shadow of <out>; the privacy guard reads it there at the commit
    (publication.commit), so a run publishes all of its releases or none."""
    if result.staged is None:
        return
    out, stage, entries = result.staged
    publish_release(out, result.dataset, stage, result.version, entries)
    result.staged = None


def _diffs(con, dataset: BuiltDataset, prev: Path | None, stage: Path, last: dict | None) -> list[diff.TableDiff]:
    if prev is None:
        return [diff.diff_table(con, r.spec.name, None, stage / f"{r.spec.name}.csv", r.spec.schema.primary_key, False)
                for r in dataset.resources]
    prev_package = json.loads((prev / "datapackage.json").read_text(encoding="utf-8"))
    prev_structure = {r["name"]: r.get("schema") for r in prev_package["resources"]}
    out = []
    for r in dataset.resources:
        old = prev / f"{r.spec.name}.csv"
        changed = r.spec.name in prev_structure and structure_of(prev_structure[r.spec.name]) != _sha(structure(r.spec.schema))
        out.append(diff.diff_table(con, r.spec.name, old if old.exists() else None, stage / f"{r.spec.name}.csv",
                                   r.spec.schema.primary_key, changed))
    for gone in set(last["tables"]) - {r.spec.name for r in dataset.resources}:
        out.append(diff.diff_table(con, gone, prev / f"{gone}.csv", None, [], True))
    return out


def structure_of(descriptor: dict) -> str:
    from localret.schema import Schema

    return _sha(structure(Schema("x", descriptor)))


def publish_release(out: Path, name: str, stage: Path, version: str, entries: list[dict]) -> Path:
    """Make the release visible all at once: the version folder by one rename, then latest/
    (a full copy, swapped in by renames), then versions.json (replaced atomically), which
    announces it. A crash between these steps leaves a complete but unannounced folder,
    which `repair` removes on the next run; announced releases are never touched."""
    home = out / name
    home.mkdir(parents=True, exist_ok=True)
    target = home / version
    if target.exists():
        raise PublishError(f"{target}: la versió ja existeix i és immutable / the version already exists and is immutable")
    latest_stage = stage.parent / f"{name}.latest"
    if latest_stage.exists():
        shutil.rmtree(latest_stage)
    # latest/ holds the same bytes as the release: hard links (one inode, read once by the guard)
    shutil.copytree(stage, latest_stage, copy_function=os.link)
    fsync_tree(stage)
    fsync_tree(latest_stage)
    point()
    os.rename(stage, target)
    fsync_file(home)
    point()
    replace_dir(latest_stage, home / "latest")
    atomic_write_text(home / "versions.json", json.dumps({"dataset": name, "versions": versions.chained(entries)},
                                                        ensure_ascii=False, indent=2) + "\n")
    return target


def repair(out: Path) -> list[str]:
    """Undo what a run killed mid-publication left behind, before anything new is written:
    a version folder renamed into place but never listed in versions.json was never
    announced, so it goes; latest/ is restored from the newest listed release."""
    done = []
    if not out.is_dir():
        return done
    for home in sorted(p for p in out.iterdir() if p.is_dir()):
        for leftover in list(home.glob(".*.old-*")) + list(home.glob(".*.tmp-*")):
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
            done.append(f"{home.name}/{leftover.name}: restes d'una execució interrompuda / leftover removed")
        listed_versions = read_versions(out, home.name)
        if not listed_versions and not (home / "versions.json").exists():
            continue
        listed = {v["version"] for v in listed_versions}
        for folder in sorted(p for p in home.iterdir() if p.is_dir() and p.name[:1].isdigit() and p.name not in listed):
            shutil.rmtree(folder)
            done.append(f"{home.name}/{folder.name}: versió mai anunciada, retirada / never announced, removed")
        if listed_versions:
            newest = home / listed_versions[-1]["version"]
            latest = home / "latest"
            from localret.verify import compare_latest

            if compare_latest(newest, latest, home.name):
                tmp = home.parent / f".{home.name}.latest-repair"
                if tmp.exists():
                    shutil.rmtree(tmp)
                shutil.copytree(newest, tmp)
                fsync_tree(tmp)
                replace_dir(tmp, latest)
                done.append(f"{home.name}/latest: restaurat des de / restored from {newest.name}")
    for leftover in out.glob(".*.tmp-*"):
        leftover.unlink()
    return done
