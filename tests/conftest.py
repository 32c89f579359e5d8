"""Shared fixtures: the bundled sample, an editable copy of it, one publication of it, and the
`shared` skip helper for tests that read ../shared (absent on some machines)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from localret import paths
from localret.reader import read_table

ROOT = Path(paths.ROOT)
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "reference"
AS_OF = dt.date(2026, 11, 27)
SOURCE_SUFFIXES = (".csv", ".xlsx")


# --- ../shared ---------------------------------------------------------------------------------
def require_shared() -> Path:
    """Skip the calling test cleanly when ../shared is not there."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} does not exist (the shared reference folder is optional)")
    return SHARED


def pytest_runtest_setup(item):
    if item.get_closest_marker("shared") is not None:
        require_shared()


@pytest.fixture
def shared_dir() -> Path:
    return require_shared()


# --- the sample sources ------------------------------------------------------------------------
@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return Path(paths.SAMPLE_SOURCES)


class SourceTable:
    """One source file as the user sees it in a spreadsheet: text cells and row numbers
    (header = row 1). Edits are made in memory; `save()` writes it back as a UTF-8 CSV named
    like the original (the .xlsx, if it was one, is deleted), keeping the original delimiter."""

    def __init__(self, folder: Path, name: str):
        self.folder, self.name = folder, name
        found = [folder / f"{name}{s}" for s in SOURCE_SUFFIXES if (folder / f"{name}{s}").exists()]
        assert len(found) == 1, f"expected exactly one source file for {name}: {found}"
        self.original = found[0]
        table = read_table(self.original)
        self.columns = list(table.columns)
        self.delimiter = table.delimiter or ","
        self.frame: pd.DataFrame = table.frame.copy()

    # reading
    def index_of(self, row: int) -> int:
        hits = self.frame.index[self.frame["_row"] == row]
        assert len(hits) == 1, f"{self.name}: no row {row}"
        return hits[0]

    def get(self, row: int, field: str) -> str | None:
        return self.frame.at[self.index_of(row), field]

    def row(self, row: int) -> dict:
        return {c: self.frame.at[self.index_of(row), c] for c in self.columns}

    def rows(self) -> list[dict]:
        return [{"_row": r["_row"], **{c: r[c] for c in self.columns}} for r in self.frame.to_dict("records")]

    def find(self, **where) -> list[int]:
        """Row numbers of the rows whose cells equal the given values (None = empty)."""
        mask = pd.Series(True, index=self.frame.index)
        for col, value in where.items():
            mask &= self.frame[col].isna() if value is None else (self.frame[col] == value)
        return [int(r) for r in self.frame.loc[mask, "_row"]]

    @property
    def last_row(self) -> int:
        return int(self.frame["_row"].max())

    # editing
    def set(self, row: int, field: str, value: str | None) -> "SourceTable":
        assert field in self.columns, field
        self.frame.at[self.index_of(row), field] = value
        return self

    def append(self, values: dict) -> int:
        """Add a row at the end; returns its row number."""
        unknown = set(values) - set(self.columns)
        assert not unknown, unknown
        number = self.last_row + 1
        new = {"_row": number, **{c: values.get(c) for c in self.columns}}
        self.frame = pd.concat([self.frame, pd.DataFrame([new], dtype=object)], ignore_index=True)
        return number

    def drop(self, row: int) -> "SourceTable":
        """Remove a row: the rows below move up one, as in a spreadsheet."""
        self.frame = self.frame.drop(index=self.index_of(row)).reset_index(drop=True)
        self._renumber()
        return self

    def rename(self, old: str, new: str) -> "SourceTable":
        self.columns = [new if c == old else c for c in self.columns]
        self.frame = self.frame.rename(columns={old: new})
        return self

    def _renumber(self) -> None:
        self.frame["_row"] = range(2, 2 + len(self.frame))

    def save(self) -> Path:
        target = self.folder / f"{self.name}.csv"
        with target.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter=self.delimiter, lineterminator="\n")
            writer.writerow(self.columns)
            for record in self.frame[self.columns].itertuples(index=False):
                writer.writerow(["" if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in record])
        if self.original != target:
            self.original.unlink()
        self.original = target
        self._renumber()  # what the user sees in the file just written
        return target


class Sources:
    """A private copy of the bundled sample that a test may edit."""

    def __init__(self, folder: Path):
        self.folder = folder

    def table(self, name: str) -> SourceTable:
        return SourceTable(self.folder, name)

    def set(self, name: str, row: int, field: str, value: str | None) -> SourceTable:
        t = self.table(name).set(row, field, value)
        t.save()
        return t

    def file(self, name: str) -> Path:
        found = [self.folder / f"{name}{s}" for s in SOURCE_SUFFIXES if (self.folder / f"{name}{s}").exists()]
        assert len(found) == 1, found
        return found[0]

    def validate(self):
        """Ingest and validate this folder: (report, ingested sources)."""
        from localret import stages

        src = stages.read_sources(self.folder)
        return stages.check(src), src


@pytest.fixture
def sources(tmp_path, sample_dir) -> Sources:
    folder = tmp_path / "sources"
    shutil.copytree(sample_dir, folder)
    return Sources(folder)


# --- one publication of the sample, shared read-only ------------------------------------------
@pytest.fixture(scope="session")
def published(tmp_path_factory, sample_dir) -> Path:
    """<out> after `pipeline.publish` of the bundled sample at AS_OF (no Prefect). Read-only:
    tests that change an output tree copy it first."""
    from localret.pipeline import Options, publish

    base = tmp_path_factory.mktemp("published")
    out, state = base / "out", base / "state"
    publish(Options(sample_dir, out, state, AS_OF))
    return out


# --- helpers ------------------------------------------------------------------------------------
def tree_hashes(root: Path, exclude: tuple[str, ...] = ()) -> dict[str, str]:
    """sha256 of every file under root, by relative path."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and rel not in exclude:
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


# --- process exit -------------------------------------------------------------------------------
_EXIT_STATUS = {"code": 0}


def pytest_sessionfinish(session, exitstatus):
    _EXIT_STATUS["code"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """DuckDB's bindings print pages of harmless "leaked" lines when the interpreter tears down
    objects that Prefect's test server still holds; leave once pytest has said everything, so
    its closing line stays the last thing CI reads."""
    import os
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_EXIT_STATUS["code"])


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, launched once per browser test module (site_helpers.CHROMIUM, ARGS)."""
    from site_helpers import ARGS, CHROMIUM

    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()
