"""`localret verify`: check every published release against what it says about itself."""

from __future__ import annotations

import json
from pathlib import Path

from localret.fsutil import tree_differences
from localret.package import file_digest

SELF_DESCRIBED = {"datapackage.json"}


def verify(out: Path) -> tuple[list[str], int, list[str]]:
    """Returns (problems, releases checked, notices). A problem names the file and what is
    wrong with an announced release. A notice is a trace of an interrupted run that hides
    nothing announced and that the next run repairs (an unannounced version folder, a
    latest/ caught mid-swap)."""
    problems: list[str] = []
    notices: list[str] = []
    checked = 0
    for home in sorted(p for p in out.iterdir() if p.is_dir() and (p / "versions.json").exists()):
        versions = json.loads((home / "versions.json").read_text(encoding="utf-8"))["versions"]
        listed = [v["version"] for v in versions]
        folders = {p.name for p in home.iterdir() if p.is_dir() and p.name[0].isdigit()}
        for missing in sorted(set(listed) - folders):
            problems.append(f"{home.name}/{missing}: a versions.json però no existeix / listed in versions.json but missing")
        unannounced = sorted(folders - set(listed))
        for extra in unannounced:
            broken = check_release(home / extra, f"{home.name}/{extra}")
            if broken:
                problems.append(f"{home.name}/{extra}: carpeta de versió no llistada i incompleta / unlisted, incomplete version folder")
            else:
                notices.append(f"{home.name}/{extra}: versió completa però no anunciada (execució interrompuda; la propera la retira) / "
                               "complete but unannounced release (interrupted run; the next run removes it)")
        for entry in versions:
            version = entry["version"]
            if version in folders:
                problems += check_release(home / version, f"{home.name}/{version}", entry.get("datapackage_sha256"))
                checked += 1
        if listed:
            stale = compare_latest(home / listed[-1], home / "latest", home.name)
            mid_swap = any(home.glob(".latest.old-*")) and not (home / "latest").exists()
            if stale and (mid_swap or any(not compare_latest(home / u, home / "latest", home.name) for u in unannounced)):
                notices.append(f"{home.name}/latest: en transició per una execució interrompuda / mid-update by an interrupted run")
            else:
                problems += stale
    return problems, checked, notices


def check_release(folder: Path, label: str, package_sha256: str | None = None) -> list[str]:
    problems = []
    if package_sha256 and (folder / "datapackage.json").is_file() and file_digest(folder / "datapackage.json")[1] != package_sha256:
        problems.append(f"{label}/datapackage.json: sha256 diferent del de versions.json / sha256 differs from versions.json")
    try:
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{label}/datapackage.json: il·legible / unreadable ({exc})"]
    entries = [(r["path"], r.get("bytes"), r.get("hash")) for r in package.get("resources", [])]
    entries += [(f["path"], f.get("bytes"), f.get("hash")) for f in package.get("localret:files", [])]
    described = {path for path, _, _ in entries} | SELF_DESCRIBED
    for path, size, digest in entries:
        target = folder / path
        if not target.is_file():
            problems.append(f"{label}/{path}: falta el fitxer / file missing")
            continue
        actual_size, actual_sha = file_digest(target)
        if size is not None and actual_size != size:
            problems.append(f"{label}/{path}: mida {actual_size} en comptes de {size} bytes / size differs")
        if digest is not None and f"sha256:{actual_sha}" != digest:
            problems.append(f"{label}/{path}: sha256 no coincideix / sha256 mismatch")
    for extra in sorted(p.name for p in folder.iterdir() if p.name not in described):
        problems.append(f"{label}/{extra}: fitxer no descrit a datapackage.json / file not described in datapackage.json")
    return problems


def compare_latest(newest: Path, latest: Path, name: str) -> list[str]:
    if not latest.is_dir():
        return [f"{name}/latest: no existeix / missing"]
    labels = {"missing": "falta respecte de la versió més nova / missing from latest",
              "extra": "sobra / not in the newest release",
              "differs": f"diferent de {newest.name} / differs from the newest release"}
    return [f"{name}/latest/{f}: {labels[what]}" for f, what in tree_differences(newest, latest)]
