"""`localret rebuild` and `localret diff`: a release rebuilt from its archived raw inputs
(to show it is byte-identical), and the changes between any two published versions."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

import duckdb

from localret import build, changelog, diff, pipeline, provenance, release, stages
from localret.errors import UsageError
from localret.fsutil import tree_differences
from localret.versions import read_versions


def _entry(out: Path, dataset: str, version: str) -> tuple[list[dict], int]:
    """A published release's entry, or a usage error that names what was asked for and lists
    what there is to choose from."""
    versions = read_versions(out, dataset)
    if not versions:
        known = sorted(p.parent.name for p in out.glob("*/versions.json")) if out.is_dir() else []
        there = (f"conjunts de dades existents / existing datasets: {', '.join(known)}" if known
                 else "no n'hi ha cap / there are none")
        raise UsageError(f"{dataset}: conjunt de dades desconegut a {out} / unknown dataset in {out}; {there}")
    for i, v in enumerate(versions):
        if v["version"] == version:
            return versions, i
    raise UsageError(f"{dataset} {version}: versió desconeguda / unknown version; "
                     f"versions existents / existing versions: {', '.join(v['version'] for v in versions)}")


def rebuild(out: Path, state: Path, dataset: str, version: str, project: Path | None = None) -> list[str]:
    """Rebuild one release in a scratch folder from the archive and compare it byte for byte
    with the published one. Returns the differences (empty = identical)."""
    versions, i = _entry(out, dataset, version)
    entry = versions[i]
    with tempfile.TemporaryDirectory(prefix="localret-rebuild-") as tmp:
        tmp = Path(tmp)
        sources = tmp / "sources"
        sources.mkdir()
        for item in entry["run_inputs"]:
            archived = provenance.archive_path(state, item["sha256"])
            if not archived.exists():
                raise UsageError(f"{archived}: l'entrada {item['file']} no és a l'arxiu / input not in the archive")
            shutil.copyfile(archived, sources / item["file"])
        scratch = tmp / "out"
        home = scratch / dataset
        home.mkdir(parents=True)
        if i > 0:  # the release was a diff against its predecessor: give it the same one
            shutil.copytree(out / dataset / versions[i - 1]["version"], home / versions[i - 1]["version"])
            (home / "versions.json").write_text(json.dumps({"dataset": dataset, "versions": versions[:i]}), encoding="utf-8")
        opts = pipeline.Options(sources, scratch, tmp / "state", dt.date.fromisoformat(entry["data_referencia"]),
                                only=[dataset], **({"project": project} if project else {}),
                                **({"base_url": entry["base_url"]} if entry.get("base_url") else {}))
        src = stages.read_sources(sources)
        report = stages.check(src)
        if not report.ok:
            return [f"les entrades arxivades ja no validen / the archived inputs no longer validate: {report.summary_line()}"]
        built = stages.build_datasets(src, opts)
        stages.release_all(src, built, opts, provenance.archive_inputs(src, tmp / "state"))
        return compare_dirs(out / dataset / version, home / version)


def compare_dirs(published: Path, rebuilt: Path) -> list[str]:
    if not rebuilt.is_dir():
        return [f"{rebuilt.name}: la reconstrucció no ha produït aquesta versió / the rebuild did not produce this version"]
    labels = {"missing": "només a la publicada / only in the published release",
              "extra": "només a la reconstruïda / only in the rebuilt release",
              "differs": "bytes diferents / bytes differ"}
    return [f"{f}: {labels[what]}" for f, what in tree_differences(published, rebuilt)]


def diff_versions(out: Path, dataset: str, v1: str, v2: str) -> dict:
    versions, i1 = _entry(out, dataset, v1)
    _, i2 = _entry(out, dataset, v2)
    old, new = out / dataset / v1, out / dataset / v2
    old_pkg = json.loads((old / "datapackage.json").read_text(encoding="utf-8"))
    new_pkg = json.loads((new / "datapackage.json").read_text(encoding="utf-8"))
    old_res = {r["name"]: r for r in old_pkg["resources"]}
    con = duckdb.connect()
    diffs = []
    for r in new_pkg["resources"]:
        before = old_res.get(r["name"])
        changed = before is not None and release.structure_of(before["schema"]) != release.structure_of(r["schema"])
        key = r["schema"].get("primaryKey", [])
        diffs.append(diff.diff_table(con, r["name"], old / before["path"] if before else None, new / r["path"],
                                     [key] if isinstance(key, str) else key, changed))
    for gone in set(old_res) - {r["name"] for r in new_pkg["resources"]}:
        diffs.append(diff.diff_table(con, gone, old / old_res[gone]["path"], None, [], True))
    spec = next((s for s in build.load_specs() if s.name == dataset), None)
    templates = spec.meta.get("sentences", {}) if spec else {}
    rows = {r["name"]: r.get("localret:rows", 0) for r in new_pkg["resources"]}
    return {
        "dataset": dataset, "from": v1, "to": v2,
        "bump": diff.BUMP_NAMES[max([d.bump for d in diffs] + [0])],
        "sentences": changelog.sentences(templates, diffs, rows),
        "tables": [d.to_json() for d in diffs],
    }
