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
    return json.loads(path.read_text(encoding="utf-8"))["versions"]


def unchanged(out: Path, name: str, summary: str = "omès: entrades sense canvis / skipped: inputs unchanged") -> ReleaseResult:
    """The result of a dataset that was not rebuilt: its inputs have not changed."""
    last = read_versions(out, name)[-1]
    return ReleaseResult(name, last["version"], last["version"], "none", last["rows"], summary,
                         folder=out / name / last["version"])
