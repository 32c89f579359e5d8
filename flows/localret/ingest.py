"""Stage 1: find the source files, read them as text, check their columns against the input
contract, and load them into DuckDB as raw text tables (`raw_<name>`) with their row numbers.

Nothing is typed or judged here beyond the shape of each file: the rules in
localret.validate do that, over whole columns at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from localret import codes, paths, register, schema
from localret.duck import file_order
from localret.errors import SourceError
from localret.fsutil import sha256_file
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


def locate(folder: Path, name: str) -> Path:
    # The extension in any case (MEMBRES.XLSX is not what the contract names, membres.XLSX is).
    wanted = {f"{name}{suffix}" for suffix in SOURCE_SUFFIXES}
    found = sorted(p for p in folder.iterdir() if p.name in wanted or (p.stem == name and p.suffix.lower() in SOURCE_SUFFIXES))
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
    """`progress(name, rows)`, if given, is told each file read."""
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
            name, path, table.sha256 or sha256_file(path), path.stat().st_size, table.format, table.encoding,
            table.delimiter, table.rows, table.decimal_comma,
        )
        if progress:
            progress(name, table.rows)
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
    if table.scan is not None:
        _load_scanned(con, name, table, contract)
        return
    cols = ['CAST("_row" AS INTEGER) AS _row']
    for f in contract.fields:
        v = f"NULLIF(trim(CAST(\"{f.name}\" AS VARCHAR)), '')"
        cols.append(f'{_padded(f, v)} AS "{f.name}"')
    con.register("_frame", table.frame)
    con.execute(f"CREATE OR REPLACE TABLE raw_{name} AS SELECT {', '.join(cols)} FROM _frame")
    con.unregister("_frame")
    table.rows = con.execute(f"SELECT count(*) FROM raw_{name}").fetchall()[0][0]


def _padded(f: schema.Field, v: str) -> str:
    if "codi_ens" in f.checks:
        # strlen (bytes, no decoding) first: most codes have their 10 digits and skip the regex
        return f"CASE WHEN strlen({v}) < 10 AND regexp_full_match({v}, '[0-9]{{6,9}}') THEN lpad({v}, 10, '0') ELSE {v} END"
    return v


def _load_scanned(con: duckdb.DuckDBPyConnection, name: str, table: Table, contract: schema.Schema) -> None:
    """DuckDB reads the CSV in parallel into raw_<name>_data, in file order, so that a row's
    number is its rowid + 2 (the header is row 1): raw_<name> is that view. A record whose
    every field is empty is not a record (as a blank spreadsheet row is not)."""
    def clean(c: str) -> str:
        # trim() copies every string; only values that start or end with a space need it
        v = f'"{c}"'
        return f"CASE WHEN starts_with({v}, ' ') OR ends_with({v}, ' ') THEN NULLIF(trim({v}), '') ELSE {v} END"

    inner = ", ".join(f'{clean(f.name)} AS "{f.name}"' for f in contract.fields)
    outer = ", ".join(f'{_padded(f, chr(34) + f.name + chr(34))} AS "{f.name}"' for f in contract.fields)
    data = f"raw_{name}_data"
    with file_order(con):
        table.scan.load(table, con, lambda src: f"CREATE OR REPLACE TABLE {data} AS SELECT {outer} FROM (SELECT {inner} FROM {src})")
    blank = f"coalesce({', '.join(chr(34) + f.name + chr(34) for f in contract.fields)}) IS NULL"
    has_blank = con.execute(f"SELECT count(*) FROM {data} WHERE {blank}").fetchall()[0][0] > 0
    con.execute(f"CREATE OR REPLACE VIEW raw_{name} AS SELECT CAST(rowid + 2 AS INTEGER) AS _row, * FROM {data}"
                + (f" WHERE NOT ({blank})" if has_blank else ""))
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
