"""What is published for a dataset, read without building anything: its versions.json, and
the result a run reports for it. Kept free of pandas and DuckDB so that a run with nothing
to do can answer from here alone."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ReleaseResult:
    dataset: str
    version: str | None  # None: nothing changed, nothing published
    previous: str | None
    bump: str
    rows: dict[str, int]
    summary: str
    changes: dict = field(default_factory=dict)
    folder: Path | None = None
    staged: tuple | None = None  # (stage folder, versions) until commit() makes it visible

    @property
    def released(self) -> bool:
        return self.version is not None and self.version != self.previous


def read_versions(out: Path, name: str) -> list[dict]:
    path = out / name / "versions.json"
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["versions"]
        if not isinstance(entries, list) or not all(isinstance(e, dict) and "version" in e for e in entries):
            raise ValueError("versions")
        return entries
    except (OSError, ValueError, KeyError, TypeError):
        from localret.errors import PublishError

        raise PublishError(f"{path}: il·legible; no s'hi pot afegir cap versió (comproveu-ho amb `localret verify`) / "
                           "unreadable; no release can be added to it (check it with `localret verify`)") from None


def unchanged(out: Path, name: str, summary: str = "omès: entrades sense canvis / skipped: inputs unchanged") -> ReleaseResult:
    """The result of a dataset that was not rebuilt: its inputs have not changed."""
    last = read_versions(out, name)[-1]
    return ReleaseResult(name, last["version"], last["version"], "none", last["rows"], summary,
                         folder=out / name / last["version"])


# ---------- the chain of releases ----------
# Each entry of versions.json carries the sha256 of the entry before it, so that an old
# release rewritten consistently (files, datapackage.json and its entry) breaks the chain, and
# `localret verify` says where. The manifest (publication.py) covers the newest entry.

CHAIN_FIELD = "previous_sha256"


def content_sha(data) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def entry_hash(entry: dict) -> str:
    return content_sha(entry)


def chained(entries: list[dict]) -> list[dict]:
    """The entries with the chain filled in where it is missing (releases of earlier versions
    of this program); an entry that has it keeps it (`chain_problems` checks it)."""
    out, previous = [], None
    for entry in entries:
        if CHAIN_FIELD not in entry:
            entry = {**entry, CHAIN_FIELD: previous}
        out.append(entry)
        previous = entry_hash(entry)
    return out


def chain_problems(name: str, entries: list[dict]) -> list[str]:
    problems, previous = [], None
    for entry in entries:
        if entry.get(CHAIN_FIELD, previous) != previous:
            problems.append(f"{name}/versions.json: l'entrada {entry.get('version')} no encadena amb l'anterior "
                            f"(modificada?) / entry {entry.get('version')} does not chain to the one before (altered?)")
        previous = entry_hash(entry)
    return problems


def structure(schema) -> dict:
    """What a schema change means for users: names, order, types, formats, constraints, keys.
    Titles, descriptions and examples are descriptive metadata (a PATCH at most)."""
    return {
        "fields": [{k: v for k, v in f.items() if k not in ("title", "description", "example")} for f in schema.descriptor["fields"]],
        "primaryKey": schema.primary_key,
        "foreignKeys": schema.foreign_keys,
    }


def table_hash(csv_sha256: str, schema) -> str:
    """A published table's identity: its canonical CSV's bytes and its structure."""
    return content_sha([csv_sha256, structure(schema)])
