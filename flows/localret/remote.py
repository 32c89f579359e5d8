"""Publication to object storage (`--out s3://bucket/prefix`, through fsspec).

Object stores have no rename, so the pipeline works on a local mirror of the bucket (kept in
--state, so only what is new is ever downloaded), publishes into it exactly as into a
folder, and then uploads what changed in the order that keeps readers safe: the files of new
releases first, then latest/, then versions.json (which announces them), then the catalogue,
feeds and pages. A run that dies mid-upload leaves objects that nothing announces yet; the
next run uploads them again."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import fsspec

from localret.errors import PublishError

REMOTE = re.compile(r"^[a-z][a-z0-9+.-]*://")


def is_remote(out: str | Path) -> bool:
    return bool(REMOTE.match(str(out)))


def mirror_for(url: str, state: Path) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", url)[:80] + "-" + hashlib.sha256(url.encode()).hexdigest()[:8]
    return state / "mirrors" / safe / "public"


def _fs(url: str):
    fs, root = fsspec.core.url_to_fs(url)
    return fs, root.rstrip("/")


def listing(url: str) -> dict[str, int]:
    """{relative path: size} of every object under the prefix."""
    fs, root = _fs(url)
    if not fs.exists(root):
        return {}
    found = fs.find(root, detail=True)
    return {path[len(root) + 1:]: int(info.get("size") or 0) for path, info in found.items() if info.get("type") != "directory"}


def pull(url: str, mirror: Path) -> int:
    """Download every object the mirror lacks or holds at another size. Returns how many."""
    fs, root = _fs(url)
    mirror.mkdir(parents=True, exist_ok=True)
    count = 0
    try:
        for rel, size in sorted(listing(url).items()):
            local = mirror / rel
            if local.is_file() and local.stat().st_size == size and not rel.endswith(("versions.json",)):
                continue
            local.parent.mkdir(parents=True, exist_ok=True)
            fs.get_file(f"{root}/{rel}", str(local))
            count += 1
    except OSError as exc:
        raise PublishError(f"{url}: no s'ha pogut llegir / could not read: {exc}") from None
    return count


def _rank(rel: str) -> int:
    """Upload order: release files, latest copies, versions.json, then everything else, and
    the manifest of every file last (a reader who finds it finds everything it lists)."""
    parts = rel.split("/")
    if rel == "manifest.json":
        return 4
    if len(parts) >= 3 and parts[1][:1].isdigit():
        return 0
    if len(parts) >= 3 and parts[1] == "latest":
        return 1
    if len(parts) == 2 and parts[1] == "versions.json":
        return 2
    return 3


def push(mirror: Path, url: str) -> list[str]:
    """Upload new and changed files in the safe order. Returns what was uploaded."""
    fs, root = _fs(url)
    remote = listing(url)
    todo = []
    for local in sorted(p for p in mirror.rglob("*") if p.is_file()):
        rel = str(local.relative_to(mirror))
        if any(part.startswith(".") for part in rel.split("/")):
            continue  # staging, temporary and lock files are never published
        if remote.get(rel) == local.stat().st_size and not _differs(fs, f"{root}/{rel}", local):
            continue
        todo.append(rel)
    try:
        for rel in sorted(todo, key=lambda r: (_rank(r), r)):
            fs.put_file(str(mirror / rel), f"{root}/{rel}")
    except OSError as exc:
        raise PublishError(f"{url}: no s'ha pogut escriure / could not write: {exc}") from None
    return todo


def _differs(fs, remote_path: str, local: Path) -> bool:
    """Same size is not same bytes: compare contents (published files are small or immutable)."""
    if local.parent.name[:1].isdigit():
        return False  # a release file never changes once uploaded
    with fs.open(remote_path, "rb") as fh:
        return fh.read() != local.read_bytes()


def fresh_copy(url: str, dest: Path) -> Path:
    """Every object as it is in the bucket, for `localret verify` to read the real bytes."""
    pull(url, dest)
    return dest
