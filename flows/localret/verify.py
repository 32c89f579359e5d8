"""`localret verify`: check every byte under <out> against what the publication says of itself.

- manifest.json lists every published file with its size and sha256 (written last by each
  run): a file changed, missing or not listed is a problem;
- each dataset's versions.json is readable and chained (each entry holds the sha256 of the
  one before it);
- each release folder matches its datapackage.json (sizes, sha256, nothing undescribed), the
  datapackage matches the sha256 its versions.json entry recorded, and each table's hash in
  versions.json is recomputed from its CSV and its schema;
- latest/ is a copy of the newest release;
- nothing hidden lies under <out> but the working files of a run (a web server serves a
  `.htaccess` or any other hidden file it is given).
Anything unreadable is a reported problem, never a crash. Traces of a run killed during its
commit (a journal beside <out>) are notices: the next run completes that commit."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from localret import publication, versions
from localret.fsutil import tree_differences
from localret.package import file_digest

SELF_DESCRIBED = {"datapackage.json"}
# The hidden names a run gives its working files under <out> (fsutil, publication, release,
# xlsx; outdir.working_folder when <out> is a mount point): seen while a run writes, or left by
# one that was killed, which the next run clears.
WORKING_NAME = re.compile(r"\..+\.(?:tmp-\d+|old-\d+|tmp-commit|old-commit|latest-repair|rows)|\.(?:next|staging)")


class Digests:
    """(size, sha256) of each file, computed once however many checks ask for it."""

    def __init__(self):
        self._known: dict[Path, tuple[int, str]] = {}

    def __call__(self, path: Path) -> tuple[int, str]:
        if path not in self._known:
            self._known[path] = file_digest(path)
        return self._known[path]


def verify(out: Path) -> tuple[list[str], int, list[str]]:
    """Returns (problems, releases checked, notices)."""
    problems: list[str] = []
    notices: list[str] = []
    digest = Digests()
    committing = publication.journal_path(out).exists() and publication.shadow_root(out).is_dir()
    if committing:
        notices.append(f"{out}: publicació interrompuda a mig fer visible; la propera execució la completa / "
                       "publication interrupted while becoming visible; the next run completes it")
    problems += _check_manifest(out, digest, committing)
    for rel, working in _hidden_entries(out):
        if working:
            notices.append(f"{rel}: fitxer de treball d'una execució (en curs o interrompuda) / a run's working file "
                           "(running or interrupted)")
        else:
            problems.append(f"{rel}: fitxer ocult que localret no publica / hidden file that localret does not publish")
    checked = 0
    for home in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not (home / "versions.json").exists():
            continue
        found, n = _check_dataset(home, digest, committing)
        checked += n
        for text, is_notice in found:
            (notices if is_notice else problems).append(text)
    return problems, checked, notices


def _hidden_entries(out: Path) -> list[tuple[str, bool]]:
    """(relative path, is a run's working file) of every hidden file or folder under out (a
    hidden folder once, not what it holds)."""
    found = []
    for dirpath, dirs, files in os.walk(out):
        here = Path(dirpath)
        for name in sorted(dirs + files):
            if name.startswith("."):
                found.append((str((here / name).relative_to(out)), bool(WORKING_NAME.fullmatch(name))))
        dirs[:] = [d for d in dirs if not d.startswith(".")]
    return sorted(found)


def _check_manifest(out: Path, digest: Digests, committing: bool) -> list[str]:
    files = publication.published_files(out)
    if not files:
        return []
    try:
        listed = publication.read_manifest(out)
    except FileNotFoundError:
        return [f"{publication.MANIFEST}: no existeix; no es pot comprovar cap fitxer / missing; no file can be checked"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{publication.MANIFEST}: il·legible / unreadable ({type(exc).__name__})"]
    pending: dict[str, dict] = {}
    if committing:
        try:
            pending = publication.read_manifest(publication.shadow_root(out))
        except (OSError, ValueError, KeyError, TypeError):
            pending = {}
    problems = []
    for rel in files:
        if rel == publication.MANIFEST:
            continue
        candidates = [e for e in (listed.get(rel), pending.get(rel)) if e]
        if not candidates:
            problems.append(f"{rel}: no és al manifest / not in the manifest")
            continue
        size, sha = digest(out / rel)
        if not any(e.get("bytes") == size and e.get("sha256") == sha for e in candidates):
            problems.append(f"{rel}: bytes diferents dels del manifest / bytes differ from the manifest")
    for rel in sorted(set(listed) - set(files)):
        if not committing:  # mid-commit, a folder may be between its two renames
            problems.append(f"{rel}: és al manifest però no existeix / in the manifest but missing")
    return problems


def _check_dataset(home: Path, digest: Digests, committing: bool) -> tuple[list[tuple[str, bool]], int]:
    """(problem or notice, is_notice) for one dataset's folder, and the releases checked."""
    try:
        entries = json.loads((home / "versions.json").read_text(encoding="utf-8"))["versions"]
        listed = [e["version"] for e in entries]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [(f"{home.name}/versions.json: il·legible / unreadable ({type(exc).__name__})", False)], 0
    found = [(p, False) for p in versions.chain_problems(home.name, entries)]
    folders = {p.name for p in home.iterdir() if p.is_dir() and p.name[:1].isdigit()}
    for missing in sorted(set(listed) - folders):
        found.append((f"{home.name}/{missing}: a versions.json però no existeix / listed in versions.json but missing", False))
    for extra in sorted(folders - set(listed)):
        found.append((f"{home.name}/{extra}: carpeta de versió no anunciada a versions.json / release folder not listed "
                      "in versions.json", committing))
    checked = 0
    for entry in entries:
        if entry["version"] in folders:
            label = f"{home.name}/{entry['version']}"
            found += [(p, False) for p in check_release(home / entry["version"], label, entry.get("datapackage_sha256"), digest)]
            found += [(p, False) for p in _check_tables(home / entry["version"], label, entry, digest)]
            checked += 1
    if listed:
        found += [(p, committing) for p in compare_latest(home / listed[-1], home / "latest", home.name)]
    return found, checked


def check_release(folder: Path, label: str, package_sha256: str | None = None, digest=None) -> list[str]:
    digest = digest or Digests()
    problems = []
    if package_sha256 and (folder / "datapackage.json").is_file() and digest(folder / "datapackage.json")[1] != package_sha256:
        problems.append(f"{label}/datapackage.json: sha256 diferent del de versions.json / sha256 differs from versions.json")
    try:
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        entries = [(r["path"], r.get("bytes"), r.get("hash")) for r in package.get("resources", [])]
        entries += [(f["path"], f.get("bytes"), f.get("hash")) for f in package.get("localret:files", [])]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return [f"{label}/datapackage.json: il·legible / unreadable ({type(exc).__name__})"]
    described = {path for path, _, _ in entries} | SELF_DESCRIBED
    for path, size, expected in entries:
        target = folder / path
        if not target.is_file():
            problems.append(f"{label}/{path}: falta el fitxer / file missing")
            continue
        actual_size, actual_sha = digest(target)
        if size is not None and actual_size != size:
            problems.append(f"{label}/{path}: mida {actual_size} en comptes de {size} bytes / size differs")
        if expected is not None and f"sha256:{actual_sha}" != expected:
            problems.append(f"{label}/{path}: sha256 no coincideix / sha256 mismatch")
    for extra in sorted(p.name for p in folder.iterdir() if p.name not in described):
        problems.append(f"{label}/{extra}: fitxer no descrit a datapackage.json / file not described in datapackage.json")
    return problems


def _check_tables(folder: Path, label: str, entry: dict, digest: Digests) -> list[str]:
    """Each table's hash in versions.json, recomputed from its CSV and its published schema."""
    from localret.schema import Schema

    try:
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        schemas = {r["name"]: r["schema"] for r in package["resources"] if r.get("path", "").endswith(".csv")}
    except (OSError, ValueError, KeyError, TypeError):
        return []  # reported by check_release
    problems = []
    for table, expected in (entry.get("tables") or {}).items():
        csv = folder / f"{table}.csv"
        if table not in schemas or not csv.is_file():
            problems.append(f"{label}/{table}: taula de versions.json sense fitxer o esquema / table of versions.json "
                            "without its file or schema")
            continue
        try:
            actual = versions.table_hash(digest(csv)[1], Schema(table, schemas[table]))
        except (KeyError, TypeError, ValueError):
            actual = None
        if actual != expected:
            problems.append(f"{label}/{table}.csv: el hash de taula no coincideix amb versions.json / "
                            "table hash differs from versions.json")
    return problems


def compare_latest(newest: Path, latest: Path, name: str) -> list[str]:
    if not newest.is_dir():
        return []  # the newest release's folder is missing: said already
    if not latest.is_dir():
        return [f"{name}/latest: no existeix / missing"]
    labels = {"missing": "falta respecte de la versió més nova / missing from latest",
              "extra": "sobra / not in the newest release",
              "differs": f"diferent de {newest.name} / differs from the newest release"}
    return [f"{name}/latest/{f}: {labels[what]}" for f, what in tree_differences(newest, latest)]
