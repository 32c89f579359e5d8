"""Incremental runs: a dataset whose inputs, declaration and code are those of its last
successful build is not built again (OWID-style: a key of checksums decides what is stale).
Datasets whose figures depend on the reference date (`reference_date: true`) always build."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from localret import provenance
from localret.fsutil import atomic_write_text

if TYPE_CHECKING:
    from localret import build


def _sha_files(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def build_key(spec: build.DatasetSpec, inputs: list[dict], project: Path, register: Path, code: dict) -> str:
    folder = project / "datasets" / spec.name
    # publisher.yaml too: every release records the publisher (build.load_specs)
    declaration = [*folder.glob("*.yaml"), *folder.glob("*.sql"), project / "datasets" / "views.sql",
                   project / "datasets" / "publisher.yaml",
                   *(project / "schemas" / f"{r.schema.name}.json" for r in spec.resources)]
    used = sorted(i["sha256"] for i in inputs if i["name"] in spec.sources or i["name"] == "manifest")
    return hashlib.sha256(json.dumps([used, _sha_files([p for p in declaration if p.exists()]),
                                      _sha_files(list(register.glob("*"))), code], sort_keys=True).encode()).hexdigest()


def _store(state: Path) -> Path:
    return state / "build-keys.json"


def plan(specs, inputs: list[dict], out: Path, state: Path, project: Path, register: Path) -> tuple[list[str], dict[str, str]]:
    """Returns (datasets that are up to date and can be skipped, the current keys)."""
    code = provenance.code_version()
    keys = {s.name: build_key(s, inputs, project, register, code) for s in specs}
    known = json.loads(_store(state).read_text(encoding="utf-8")).get(str(out), {}) if _store(state).exists() else {}
    skip = [s.name for s in specs
            if not s.meta.get("reference_date") and known.get(s.name) == keys[s.name]
            and (out / s.name / "versions.json").exists()]
    return skip, keys


def remember(state: Path, out: Path, keys: dict[str, str]) -> None:
    data = json.loads(_store(state).read_text(encoding="utf-8")) if _store(state).exists() else {}
    data[str(out)] = keys
    state.mkdir(parents=True, exist_ok=True)
    atomic_write_text(_store(state), json.dumps(data, indent=2, sort_keys=True) + "\n")
