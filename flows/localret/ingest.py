"""Stage 1: find the source files, read them as text, check their columns against the input
contract, and load them into DuckDB as raw text tables (`raw_<name>`) with their row numbers.

Nothing is typed or judged here beyond the shape of each file: the rules in
localret.validate do that, over whole columns at once.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from localret import codes, paths, register, schema
from localret.duck import file_order
from localret.errors import SourceError
from localret.fsutil import sha256_file
from localret.reader import Table, read_table

SOURCE_SUFFIXES = (".csv", ".xlsx")
# CSV files up to this size are read beside a big one (a few MiB of memory each at most; an
# XLSX of any size unfolds into far more than its bytes, so it is read as a big one).
SMALL_CSV = 4 * 1024 * 1024


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
    """`progress(name, rows)`, if given, is told each file read, as it is read. The files,
    problems and notes come in the contract's order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SourceError(str(folder), None, None, "la carpeta de fonts no existeix / the sources folder does not exist")
    con = con or duckdb.connect()
    sources = Sources(con, folder)
    manifest = folder / "manifest.json"
    if manifest.is_file():
        try:
            sources.manifest = read_manifest(manifest)
        except SourceError as exc:  # reported with the other unreadable files: nothing is published
            sources.problems.append(exc)
    # The big files one after the other, biggest first, on a connection of their own, while a
    # second one loads the small files, the macros and the register: DuckDB parses a big CSV
    # on both cores but keeps neither full, and the small loads are a quarter of a second of
    # planning on one core. One big file at a time keeps the memory bound of one. Every load
    # runs inside one file_order: the setting is the database's, and a load that left it
    # would switch it off under another one still reading.
    loads = {name: _Load(name, folder) for name in schema.SOURCE_NAMES}
    small = [load for load in loads.values() if load.small]
    big = sorted((load for load in loads.values() if not load.small), key=lambda load: -load.size)
    with file_order(con), ThreadPoolExecutor(max_workers=1) as one, ThreadPoolExecutor(max_workers=1) as other:
        futures = {one.submit(_on_cursor, con, task): task for task in big}  # each pool runs its tasks in order
        futures |= {other.submit(_on_cursor, con, task): task for task in [
            codes.install_macros, *small, lambda c: sources.register_meta.update(load_register(c))]}
        for future in as_completed(futures):
            future.result()
            load = futures[future]
            if progress and isinstance(load, _Load) and load.file is not None:
                progress(load.name, load.file.rows)
    for load in loads.values():
        if load.problem is not None:
            sources.problems.append(load.problem)
            continue
        sources.notes.extend(f"{load.path.name}: {note}" for note in load.notes)
        sources.files[load.name] = load.file
    return sources


def _on_cursor(con: duckdb.DuckDBPyConnection, task) -> None:
    cursor = con.cursor()
    try:
        task(cursor)
    finally:
        cursor.close()


class _Load:
    """One source: found, read, its columns checked and loaded as raw_<name>; or the problem
    that stopped it (reported with the others: nothing is published)."""

    def __init__(self, name: str, folder: Path):
        self.name, self.file, self.notes, self.problem = name, None, [], None
        try:
            self.path = locate(folder, name)
            self.size = self.path.stat().st_size
        except SourceError as exc:
            self.path, self.size, self.problem = None, 0, exc

    @property
    def small(self) -> bool:
        return self.path is None or (self.size <= SMALL_CSV and self.path.suffix.lower() == ".csv")

    def __call__(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.problem is not None:
            return
        try:
            table = read_table(self.path)
            _check_columns(table, schema.source_schema(self.name))
            _load_raw(con, self.name, table)
            if table.rows == 0:
                raise SourceError(self.path.name, 2, None, "el fitxer no té cap fila de dades / the file has no data rows")
        except SourceError as exc:
            self.problem = exc
            return
        # what the run keeps of it (not its text: the raw table holds that)
        self.notes = table.notes
        self.file = SourceFile(self.name, self.path, table.sha256 or sha256_file(self.path), self.size,
                               table.format, table.encoding, table.delimiter, table.rows, table.decimal_comma)


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
        # trim() copies every string; only values that start or end with a space need it. LIKE,
        # not starts_with: DuckDB turns these LIKEs into its prefix and suffix tests, and the
        # whole test then costs about half as much (0.13 s less CPU over 1M rows of 14 columns).
        v = f'"{c}"'
        return f"CASE WHEN {v} LIKE ' %' OR {v} LIKE '% ' THEN NULLIF(trim({v}), '') ELSE {v} END"

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
