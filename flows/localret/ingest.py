"""Stage 1: find the source files, read them as text, check their columns against the input
contract, and load them into DuckDB as raw text tables (`raw_<name>`) with their row numbers.

Nothing is typed or judged here beyond the shape of each file: the rules in
localret.validate do that, over whole columns at once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from localret import codes, paths, register, schema
from localret.errors import SourceError
from localret.reader import Table, read_table

SOURCE_SUFFIXES = (".csv", ".xlsx")


@dataclass
class SourceFile:
    name: str  # the contract's name, e.g. "membres"
    path: Path
    sha256: str
    bytes: int
    format: str
    encoding: str | None
    delimiter: str | None
    rows: int
    decimal_comma: bool

    def describe(self) -> dict:
        return {
            "name": self.name, "file": self.path.name, "sha256": self.sha256, "bytes": self.bytes,
            "format": self.format, "encoding": self.encoding, "delimiter": self.delimiter, "rows": self.rows,
        }


@dataclass
class Sources:
    """What ingest hands on: a DuckDB connection holding the raw tables, and their files."""

    con: duckdb.DuckDBPyConnection
    folder: Path
    files: dict[str, SourceFile] = field(default_factory=dict)
    problems: list[SourceError] = field(default_factory=list)  # files that could not be read
    notes: list[str] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)
    register_meta: dict = field(default_factory=dict)

    @property
    def illustrative(self) -> bool:
        return bool(self.manifest.get("illustrative"))

    def file_label(self, name: str) -> str:
        return self.files[name].path.name if name in self.files else name


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def locate(folder: Path, name: str) -> Path:
    found = [folder / f"{name}{suffix}" for suffix in SOURCE_SUFFIXES if (folder / f"{name}{suffix}").exists()]
    if not found:
        raise SourceError(f"{name}.csv|.xlsx", None, None, f"falta el fitxer font a {folder} / source file missing")
    if len(found) > 1:
        raise SourceError(found[0].name, None, None, f"hi ha {found[0].name} i {found[1].name}: deixeu-ne només un / both files exist: keep only one")
    path = found[0]
    real = path.resolve()
    if not real.is_relative_to(folder.resolve()):
        raise SourceError(path.name, None, None, "l'enllaç apunta fora de la carpeta de fonts / the link points outside the sources folder")
    if not real.is_file():
        raise SourceError(path.name, None, None, "no és un fitxer normal / not a regular file")
    return path


def ingest(folder: Path, con: duckdb.DuckDBPyConnection | None = None, progress=None) -> Sources:
    folder = Path(folder)
    if not folder.is_dir():
        raise SourceError(str(folder), None, None, "la carpeta de fonts no existeix / the sources folder does not exist")
    con = con or duckdb.connect()
    codes.install_macros(con)
    sources = Sources(con, folder)
    manifest = folder / "manifest.json"
    if manifest.is_file():
        try:
            sources.manifest = read_manifest(manifest)
        except SourceError as exc:  # reported with the other unreadable files: nothing is published
            sources.problems.append(exc)
    for name in schema.SOURCE_NAMES:
        try:
            path = locate(folder, name)
            table = read_table(path)
            _check_columns(table, schema.source_schema(name))
            _load_raw(con, name, table)
            if table.rows == 0:
                raise SourceError(path.name, 2, None, "el fitxer no té cap fila de dades / the file has no data rows")
        except SourceError as exc:
            sources.problems.append(exc)
            continue
        sources.notes.extend(f"{path.name}: {note}" for note in table.notes)
        sources.files[name] = SourceFile(
            name, path, sha256_file(path), path.stat().st_size, table.format, table.encoding,
            table.delimiter, table.rows, table.decimal_comma,
        )
        if progress:
            progress(name)
    sources.register_meta = load_register(con)
    return sources


def read_manifest(path: Path) -> dict:
    """The optional manifest.json (e.g. {"illustrative": true}): a JSON object, or an error,
    never ignored (it decides whether the data are labelled as illustrative)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(path.name, getattr(exc, "lineno", None), None,
                          f"no és JSON vàlid en UTF-8 / not valid UTF-8 JSON: {str(exc)[:200]}") from None
    if not isinstance(data, dict):
        raise SourceError(path.name, None, None, "ha de ser un objecte JSON {...} / must be a JSON object {...}")
    return data


def _check_columns(table: Table, contract: schema.Schema) -> None:
    expected = contract.field_names
    missing = [c for c in expected if c not in table.columns]
    unknown = [c for c in table.columns if c not in expected]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"falten les columnes / missing columns: {', '.join(missing)}")
        if unknown:
            parts.append(f"columnes desconegudes / unknown columns: {', '.join(unknown)}")
        raise SourceError(table.path.name, 1, (missing or unknown)[0], "; ".join(parts))
    if table.columns != expected:
        table.notes.append("les columnes són en un altre ordre; es llegeixen pel nom / columns in another order: read by name")


def _load_raw(con: duckdb.DuckDBPyConnection, name: str, table: Table) -> None:
    """All text: trimmed, blanks as NULL, codes left-padded to the 10 digits a spreadsheet cut."""
    contract = schema.source_schema(name)
    cols = ['CAST("_row" AS INTEGER) AS _row']
    for f in contract.fields:
        v = f"NULLIF(trim(CAST(\"{f.name}\" AS VARCHAR)), '')"
        if "codi_ens" in f.checks:
            v = f"CASE WHEN regexp_full_match({v}, '[0-9]{{6,9}}') THEN lpad({v}, 10, '0') ELSE {v} END"
        cols.append(f'{v} AS "{f.name}"')
    select = f"SELECT {', '.join(cols)} FROM _frame"
    if table.batches is None:
        con.register("_frame", table.frame)
        con.execute(f"CREATE OR REPLACE TABLE raw_{name} AS {select}")
        con.unregister("_frame")
    else:  # streamed: one batch in memory at a time
        first = True
        for batch in table.batches():
            con.register("_frame", batch)
            con.execute(f"CREATE OR REPLACE TABLE raw_{name} AS {select}" if first else f"INSERT INTO raw_{name} {select}")
            con.unregister("_frame")
            first = False
        if first:  # a header and nothing else
            columns = ", ".join(f'"{f.name}" VARCHAR' for f in contract.fields)
            con.execute(f"CREATE OR REPLACE TABLE raw_{name} (_row INTEGER, {columns})")
    table.rows = con.execute(f"SELECT count(*) FROM raw_{name}").fetchall()[0][0]


def load_register(con: duckdb.DuckDBPyConnection, src: Path = paths.REGISTER) -> dict:
    municipis, meta = register.load_register(src)
    comarques = meta.pop("comarques_taula")
    con.register("_m", municipis)
    con.execute("CREATE OR REPLACE TABLE register_municipis AS SELECT * FROM _m")
    con.register("_c", comarques)
    con.execute("CREATE OR REPLACE TABLE register_comarques AS SELECT * FROM _c")
    con.unregister("_m")
    con.unregister("_c")
    return meta
