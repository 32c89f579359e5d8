"""The whole output, all or nothing.

A run never writes into <out>. It writes into a shadow of it (<out>'s neighbour on the same
filesystem, every file a hard link to the published one), where every writer runs: releases,
latest/, versions.json, the DuckDB file, feeds, catalogue, pages, sitemap. Then the privacy
guard reads every file the run changed, and a manifest of every file with its sha256 is
written. Only then does anything become visible: the commit links each changed file into
<out> in the order that keeps readers safe (new release folders, latest/, versions.json,
the database, the site, what went away) and replaces manifest.json last.

An exception anywhere before the commit leaves <out> byte-identical: the shadow is thrown
away. A process killed during the commit leaves a journal beside <out>; the next run (or
`localret verify`, which reports it) sees it, and the next run completes the commit from the
shadow, which was complete and checked before the journal was written: roll forward, never a
mix. The commit is idempotent: what is already in place shares the shadow's inode.

Writers must never write a file in place (hard links share bytes): every project writer
replaces files by rename (fsutil.atomic_write_bytes) or writes new folders.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from localret.errors import could_not_write
from localret.fault import point
from localret.fsutil import atomic_write_bytes, file_hash, fsync_file
from localret.outdir import working_folder

MANIFEST = "manifest.json"
DATABASE = "localret.duckdb"


def shadow_root(out: Path) -> Path:
    """The run's shadow of <out>: on its filesystem, so that hard links and renames work."""
    return working_folder(out, "next")


def journal_path(out: Path) -> Path:
    return out.parent / f".{out.name}.commit"


def _hidden(rel: str) -> bool:
    """Working files (staging, shadow, temporary names, locks) are never published."""
    return any(part.startswith(".") for part in rel.split("/"))


def published_files(root: Path) -> dict[str, os.stat_result]:
    """Every published file under root (relative path -> stat), hidden working files apart."""
    found = {}
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            found[str(path.relative_to(root))] = path.lstat()
    return found


# ---------- the shadow ----------

def recover(out: Path) -> list[str]:
    """Before a run: complete a commit a killed run left (its shadow was whole and checked),
    or throw away a shadow that never reached its commit."""
    shadow = shadow_root(out)
    if journal_path(out).exists():
        if shadow.is_dir():
            _apply(out, shadow)
            _finish(out, shadow)
            return [f"{out}: publicació interrompuda completada / interrupted publication completed"]
        journal_path(out).unlink()
    if shadow.exists():
        shutil.rmtree(shadow)
        return [f"{shadow}: restes d'una execució interrompuda, descartades / leftovers of an interrupted run discarded"]
    return []


def open_shadow(out: Path) -> Path:
    """A fresh shadow: every published file hard-linked (no bytes copied)."""
    shadow = shadow_root(out)
    if shadow.exists():
        shutil.rmtree(shadow)
    shadow.mkdir(parents=True)
    if out.is_dir():
        for rel in published_files(out):
            target = shadow / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(out / rel, target)
    return shadow


def discard(out: Path) -> None:
    shutil.rmtree(shadow_root(out), ignore_errors=True)


@contextmanager
def transaction(out: Path):
    """Yields the shadow to write into; on any exception it is thrown away and <out> is as it
    was. The caller commits (`commit`) as its last step inside the block. A failure during
    the commit itself leaves the journal: the next run completes that commit."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        shadow = open_shadow(out)
    except OSError as exc:
        discard(out)
        raise could_not_write(exc, out) from None
    try:
        yield shadow
    except BaseException as exc:
        if not journal_path(out).exists():
            discard(out)
        if isinstance(exc, OSError):
            raise could_not_write(exc, out) from None
        raise


# ---------- what changed ----------

@dataclass
class Plan:
    new_dirs: list[str] = field(default_factory=list)  # whole folders new to <out>: one rename each
    swapped_dirs: list[str] = field(default_factory=list)  # latest/ folders replaced whole
    files: list[str] = field(default_factory=list)  # files replaced or added one by one
    removed: list[str] = field(default_factory=list)  # files no longer published

    @property
    def empty(self) -> bool:
        return not (self.new_dirs or self.swapped_dirs or self.files or self.removed)

    def changed_files(self, shadow: Path) -> list[str]:
        """Every file the commit will make visible (relative to the shadow)."""
        inside = {f"{d}/{rel}" for d in self.new_dirs + self.swapped_dirs for rel in published_files(shadow / d)}
        return sorted(inside | set(self.files))


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_ino, a.st_dev) == (b.st_ino, b.st_dev)


def _equal_bytes(a: Path, b: Path, sa: os.stat_result, sb: os.stat_result) -> bool:
    return sa.st_size == sb.st_size and file_hash(a) == file_hash(b)


def plan(out: Path, shadow: Path) -> Plan:
    new = published_files(shadow)
    old = published_files(out) if out.is_dir() else {}
    p = Plan()
    handled: set[str] = set()
    # A folder that <out> lacks (a new release, a new dataset) appears whole, by one rename.
    for rel in new:
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if not (out / folder).is_dir():
                if folder not in p.new_dirs:
                    p.new_dirs.append(folder)
                handled.add(rel)
                break
    # latest/ is a copy of the newest release: swapped whole, never seen half old, half new.
    for rel in new:
        parts = rel.split("/")
        if rel in handled or len(parts) < 3 or parts[1] != "latest":
            continue
        folder = "/".join(parts[:2])
        if folder in p.swapped_dirs:
            continue
        inside_new = {r for r in new if r.startswith(folder + "/")}
        inside_old = {r for r in old if r.startswith(folder + "/")}
        if inside_new != inside_old or any(not _same(new[r], old[r]) and not _equal_bytes(shadow / r, out / r, new[r], old[r])
                                           for r in inside_new):
            p.swapped_dirs.append(folder)
        handled |= inside_new
    for rel, st in new.items():
        if rel in handled:
            continue
        if rel not in old or (not _same(st, old[rel]) and not _equal_bytes(shadow / rel, out / rel, st, old[rel])):
            p.files.append(rel)
    swapped = tuple(d + "/" for d in p.swapped_dirs)
    p.removed = [rel for rel in old if rel not in new and not rel.startswith(swapped)]
    p.files.sort(key=lambda rel: (_rank(rel), rel))
    return p


def _rank(rel: str) -> int:
    """Visibility order of single files: release files, versions.json (which announces them),
    the database, the site, and the manifest last of all."""
    parts = rel.split("/")
    if rel == MANIFEST:
        return 9
    if len(parts) >= 3 and parts[1][:1].isdigit():
        return 0
    if len(parts) == 2 and parts[1] == "versions.json":
        return 2
    if rel == DATABASE:
        return 3
    return 4


# ---------- the manifest ----------

def write_manifest(shadow: Path, out: Path | None = None) -> dict:
    """Every published file with its size and sha256, sorted: `localret verify` checks every
    byte under <out> against it. Reproducible: no time in it. A file the run left alone (the
    same inode as in <out>) keeps the line of <out>'s manifest: only new bytes are read."""
    known: dict[str, dict] = {}
    if out is not None:
        try:
            known = read_manifest(out)
        except (OSError, ValueError, KeyError, TypeError):
            known = {}  # none yet, or unreadable: read every file
    files = []
    for rel, st in published_files(shadow).items():
        if rel == MANIFEST:
            continue
        line = known.get(rel)
        if not (line and line.get("bytes") == st.st_size and _unchanged(shadow / rel, out / rel if out else None, st)):
            line = {"path": rel, "bytes": st.st_size, "sha256": file_hash(shadow / rel)}
        files.append({"path": rel, "bytes": line["bytes"], "sha256": line["sha256"]})
    manifest = {"generator": "localret", "files": files}
    data = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if not (shadow / MANIFEST).is_file() or (shadow / MANIFEST).read_bytes() != data:
        atomic_write_bytes(shadow / MANIFEST, data)
    return manifest


def _unchanged(path: Path, published: Path | None, st: os.stat_result) -> bool:
    try:
        return published is not None and _same(st, published.lstat())
    except OSError:
        return False


def read_manifest(root: Path) -> dict[str, dict]:
    """{path: {bytes, sha256}}; raises ValueError when unreadable."""
    data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    return {f["path"]: f for f in data["files"]}


# ---------- the commit ----------

def commit(out: Path, shadow: Path, guard=None) -> Plan:
    """Check, then make visible. The guard reads every file that would become visible; the
    manifest is written; the journal marks the point after which the next run rolls forward."""
    from localret import privacy

    write_manifest(shadow, out)
    p = plan(out, shadow)
    if p.empty:
        discard(out)
        return p
    if guard is not None:
        privacy.check_folder(guard, shadow, only=_one_per_inode(shadow, [f for f in p.changed_files(shadow) if f != MANIFEST]))
    point("commit")
    atomic_write_bytes(journal_path(out), json.dumps({"shadow": str(shadow)}).encode())
    _apply(out, shadow)
    _finish(out, shadow)
    return p


def _one_per_inode(root: Path, rels: list[str]) -> list[str]:
    """latest/ and its release share inodes: the guard reads those bytes once."""
    seen, keep = set(), []
    for rel in rels:
        st = (root / rel).lstat()
        if (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            keep.append(rel)
    return keep


def _apply(out: Path, shadow: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    p = plan(out, shadow)
    for folder in p.new_dirs:
        _place_dir(shadow / folder, out / folder)
    for folder in p.swapped_dirs:
        _swap_dir(shadow / folder, out / folder)
    for rel in p.files:
        _place_file(shadow / rel, out / rel)
    for rel in p.removed:
        (out / rel).unlink(missing_ok=True)
        point()
    _remove_leftovers(out)
    fsync_file(out)


def _finish(out: Path, shadow: Path) -> None:
    journal_path(out).unlink(missing_ok=True)
    fsync_file(out.parent)
    shutil.rmtree(shadow, ignore_errors=True)


def _link_tree(src: Path, dest: Path) -> None:
    for rel in published_files(src):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(src / rel, target)


def _place_dir(src: Path, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.tmp-commit")
    if tmp.exists():
        shutil.rmtree(tmp)
    _link_tree(src, tmp)
    target.parent.mkdir(parents=True, exist_ok=True)
    point()
    os.rename(tmp, target)
    point()


def _swap_dir(src: Path, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.tmp-commit")
    old = target.with_name(f".{target.name}.old-commit")
    for leftover in (tmp, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    _link_tree(src, tmp)
    point()
    if target.exists():
        os.rename(target, old)
        point()
    os.rename(tmp, target)
    point()
    shutil.rmtree(old, ignore_errors=True)


def _place_file(src: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-commit")
    tmp.unlink(missing_ok=True)
    os.link(src, tmp)
    os.replace(tmp, target)
    point()


def _remove_leftovers(out: Path) -> None:
    """Temporary names of an interrupted commit, and folders emptied by removals."""
    for dirpath, dirs, files in os.walk(out, topdown=False):
        here = Path(dirpath)
        for name in dirs:
            if name.endswith((".tmp-commit", ".old-commit")):
                shutil.rmtree(here / name, ignore_errors=True)
        for name in files:
            if name.endswith(".tmp-commit"):
                (here / name).unlink(missing_ok=True)
        if here != out and not any(here.iterdir()):
            here.rmdir()
