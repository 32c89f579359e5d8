"""Read one tabular file exactly as Localret's systems (and Idescat) export it.

The contract: CSV in UTF-8 (with or without BOM) or Windows-1252, comma or semicolon, or
XLSX (first sheet). Every value comes back as text (None for an empty cell) so that codes
keep their zeros and nothing is typed before validation; each row keeps the number the
user sees in their spreadsheet (header = row 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from localret.errors import SourceError

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls and password-protected .xlsx
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024  # a zip bomb is refused before it is inflated
MAX_CELL_CHARS = 5000


# Small CSVs with empty lines between records go through pandas, which keeps every line's
# number; above this size a CSV is never held whole (DuckDB reads it, see _scan_csv).
LARGE_CSV = 32 * 1024 * 1024
CHUNK = 4 * 1024 * 1024
# DuckDB's CSV buffer. Measured with DuckDB 2.0 on 2 cores from 8 to 128 MiB: from 20 MiB up
# to 48, loading 1M rows takes 0.46 s instead of 0.68 s with DuckDB's default, and 10M rows
# 5.2 s instead of 10.9 s.
CSV_BUFFER = 24 * 1024 * 1024


@dataclass
class Table:
    """A source file read as text, with what was learned about its format."""

    path: Path
    _frame: pd.DataFrame | None  # one text column per header name plus `_row` (None: see `scan`)
    columns: list[str]
    format: str  # "csv" or "xlsx"
    encoding: str | None = None  # for a scanned CSV, settled when DuckDB reads it (see CsvScan.load)
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    scan: "CsvScan | None" = None  # CSVs that DuckDB reads straight into the raw table
    rows: int = 0
    sha256: str | None = None  # when the reader already read every byte

    @property
    def frame(self) -> pd.DataFrame:
        """The whole table as text in memory, as the pipeline never needs it for a scanned
        CSV (tests and small tools do): the same rows and numbers the raw table gets."""
        if self._frame is None and self.scan is not None:
            self._frame = self.scan.to_frame(self)
        return self._frame

    @frame.setter
    def frame(self, value: pd.DataFrame) -> None:
        self._frame = value

    @property
    def decimal_comma(self) -> bool:
        """Semicolon CSVs come from Catalan-locale spreadsheets: 1.234,56."""
        return self.delimiter == ";"


def read_table(path: Path, *, title_lines_until: str | None = None) -> Table:
    """Read a CSV or XLSX file. `title_lines_until` skips lines above the header that
    starts with that column name (Idescat puts titles above its header)."""
    path = Path(path)
    try:
        head = path.open("rb").read(8)
    except OSError as exc:
        raise SourceError(path.name, None, None, f"no s'ha pogut llegir el fitxer / cannot read the file: {exc.strerror}") from None
    suffix = path.suffix.lower()
    is_zip = head.startswith(XLSX_MAGIC)
    if head.startswith(OLE_MAGIC):
        raise SourceError(path.name, None, None, "fitxer Excel xifrat o en format antic .xls; deseu-lo com a .xlsx sense contrasenya / encrypted or legacy .xls workbook: save it as .xlsx without a password")
    if suffix == ".xlsx":
        if not is_zip:
            raise SourceError(path.name, None, None, "el fitxer té extensió .xlsx però no és un llibre Excel / the file is named .xlsx but is not an Excel workbook")
        return _read_xlsx(path)
    if suffix == ".csv":
        if is_zip:
            raise SourceError(path.name, None, None, "el fitxer té extensió .csv però és un llibre Excel (.xlsx) / the file is named .csv but is an Excel workbook")
        if title_lines_until is None:
            table = _scan_csv(path)
            if table is not None:
                return table
        return _read_csv(path, title_lines_until)
    raise SourceError(path.name, None, None, f"format no admès '{suffix}' (només .csv o .xlsx) / unsupported format (only .csv or .xlsx)")


def decode(path: Path, raw: bytes) -> tuple[str, str]:
    """UTF-8 first (strict, over the whole file: an accent on the last line counts), then
    Windows-1252. Anything else is refused rather than published as mojibake."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError(path.name, None, None, "codificació UTF-16 no admesa: deseu el fitxer com a UTF-8 / UTF-16 is not accepted: save the file as UTF-8")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise SourceError(path.name, line, None, "el fitxer conté un caràcter nul (NUL); no és un CSV de text / the file contains a NUL byte: not a text CSV")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        try:
            return raw.decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _bad_encoding(path, raw, exc) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise _bad_encoding(path, raw, exc) from None


def _bad_encoding(path: Path, raw: bytes, exc: UnicodeDecodeError) -> SourceError:
    line = raw[: exc.start].count(b"\n") + 1
    return SourceError(path.name, line, None, "codificació no reconeguda: deseu el fitxer com a UTF-8 o Windows-1252 / unknown encoding: save the file as UTF-8 or Windows-1252")


def _read_csv(path: Path, title_lines_until: str | None) -> Table:
    text, encoding = decode(path, path.read_bytes())
    lines_skipped = 0
    if title_lines_until is not None:
        for lines_skipped, line in enumerate(text.splitlines()):
            if line.startswith(title_lines_until):
                break
        else:
            raise SourceError(path.name, None, None, f"no s'ha trobat la capçalera que comença per '{title_lines_until}' / header not found")
        text = "\n".join(text.splitlines()[lines_skipped:])
    if not text.strip():
        raise SourceError(path.name, None, None, "el fitxer és buit / the file is empty")
    header_line = text.splitlines()[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    header = next(csv.reader([header_line], delimiter=delimiter))
    # Idescat ends its header with a trailing delimiter: an unnamed, empty last column.
    trailing_empty = bool(header) and header[-1] == ""
    columns = [c.strip() for c in (header[:-1] if trailing_empty else header)]
    _check_header(path, columns)
    _check_field_counts(path, text, delimiter, len(header), lines_skipped)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            header=0,
            names=columns + (["__trailing"] if trailing_empty else []),
            engine="c",
            skip_blank_lines=False,
            quoting=csv.QUOTE_MINIMAL,
            doublequote=True,
        )
    except pd.errors.ParserError as exc:
        raise SourceError(path.name, _parser_line(exc, lines_skipped), None, f"fila mal formada (nombre de camps o cometes) / malformed row (field count or quotes): {_first_line(exc)}") from None
    if trailing_empty:
        if frame["__trailing"].notna().any():
            row = int(frame.index[frame["__trailing"].notna()][0]) + 2 + lines_skipped
            raise SourceError(path.name, 1, None, f"la columna {len(columns) + 1} no té nom però té valors (fila {row}) / "
                              f"column {len(columns) + 1} has no name but holds values")
        frame = frame.drop(columns="__trailing")
    frame = frame.astype(object).where(frame.notna(), None)
    # Row number as the user counts it: header is row 1 (after any title lines).
    frame.insert(0, "_row", range(2 + lines_skipped, 2 + lines_skipped + len(frame)))
    blank = frame[columns].isna().all(axis=1)
    frame = frame[~blank].reset_index(drop=True)  # a blank line is not a record
    return Table(path, frame, columns, "csv", encoding=encoding, delimiter=delimiter)


@dataclass
class Probe:
    """What one pass over the bytes tells before any parsing."""

    sha256: str
    bom: bool
    blank_lines_inside: bool  # an empty line with records after it


BLANK_LINES_NOTE = ("hi ha línies buides entre files: els números de fila compten registres / empty lines between "
                    "rows: row numbers count records")


def _probe(path: Path) -> Probe:
    """sha256, NUL bytes (refused), a BOM, and whether an empty line sits between records:
    a spreadsheet counts it as a row, a CSV parser skips it, so row numbers would drift."""
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as fh:
        first_line = fh.readline()
        fh.seek(0)
        bom = first_line.startswith(b"\xef\xbb\xbf")
        # A regex, not bytes.find: find stops at every line break to compare; re skips ahead.
        blank = re.compile(re.escape(b"\n\r\n" if first_line.endswith(b"\r\n") else b"\n\n"))
        offset, first_blank, tail = 0, None, b""
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
            if b"\x00" in chunk:
                _refuse_nul(path, offset + chunk.index(b"\x00"))
            if first_blank is None:
                hit = blank.search(tail + chunk)
                if hit:
                    first_blank = offset - len(tail) + hit.start()
            tail = chunk[-2:]
            offset += len(chunk)
        inside = False
        if first_blank is not None:  # only trailing blank lines are harmless
            fh.seek(first_blank)
            inside = any(piece.strip() for piece in iter(lambda: fh.read(CHUNK), b""))
    return Probe(h.hexdigest(), bom, inside)


def _refuse_nul(path: Path, at: int) -> None:
    line = 1
    with path.open("rb") as fh:
        while at > 0:
            piece = fh.read(min(CHUNK, at))
            line += piece.count(b"\n")
            at -= len(piece)
    raise SourceError(path.name, line, None, "el fitxer conté un caràcter nul (NUL); no és un CSV de text / the file contains a NUL byte: not a text CSV")


class _Background:
    """A function running in a thread while DuckDB parses (both leave the GIL for their
    heavy part); its result, or its exception, is taken when needed."""

    def __init__(self, fn, *args):
        import threading

        self._result = self._error = None
        self._thread = threading.Thread(target=self._run, args=(fn, *args), daemon=True)
        self._thread.start()

    def _run(self, fn, *args):
        try:
            self._result = fn(*args)
        except BaseException as exc:  # handed over to the caller of result()
            self._error = exc

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result


def _scan_csv(path: Path) -> Table | None:
    """The fast path: DuckDB parses the file in parallel (strict about quotes and field
    counts) straight into the raw table; Python only reads the header line. Files whose
    row numbers only a line-by-line reader can keep (empty lines between records, a
    trailing unnamed column) return None when small enough for that reader. A big file's
    probe (hash, NUL bytes, empty lines) runs beside DuckDB's parse."""
    with path.open("rb") as fh:
        if fh.read(2) in (b"\xff\xfe", b"\xfe\xff"):
            raise SourceError(path.name, None, None, "codificació UTF-16 no admesa: deseu el fitxer com a UTF-8 / UTF-16 is not accepted: save the file as UTF-8")
    small = path.stat().st_size <= LARGE_CSV
    probe = _probe(path) if small else _Background(_probe, path)
    with path.open("rb") as fh:
        raw_header = fh.readline()
    bom = raw_header.startswith(b"\xef\xbb\xbf")
    raw_header = raw_header.removeprefix(b"\xef\xbb\xbf").rstrip(b"\r\n")
    try:
        header_line = raw_header.decode("utf-8")
    except UnicodeDecodeError:
        header_line = raw_header.decode("cp1252", errors="replace")
    if not header_line.strip():
        raise SourceError(path.name, None, None, "el fitxer és buit / the file is empty")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    header = next(csv.reader([header_line], delimiter=delimiter))
    if small and (probe.blank_lines_inside or (len(header) > 1 and header[-1] == "")):
        return None
    columns = [c.strip() for c in header]
    _check_header(path, columns)
    scan = CsvScan(path, path, delimiter, columns, probe)
    return Table(path, None, columns, "csv", encoding="utf-8-sig" if bom else "utf-8", delimiter=delimiter, scan=scan)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class CsvScan:
    """A CSV that DuckDB reads: `load` runs the statement that reads it, turning DuckDB's
    parse errors into the contract's messages (file, row, reason)."""

    original: Path
    path: Path  # the file itself, or a UTF-8 copy of a Windows-1252 one
    delimiter: str
    columns: list[str]
    probe: object  # a Probe, or one still running (_Background)

    def read_sql(self) -> str:
        columns = ", ".join(f"{_sql_text(c)}: 'VARCHAR'" for c in self.columns)
        return (f"read_csv({_sql_text(str(self.path))}, columns={{{columns}}}, auto_detect=false, header=true, "
                f"delim={_sql_text(self.delimiter)}, quote='\"', escape='\"', strict_mode=true, null_padding=false, "
                f"encoding='utf-8', buffer_size={CSV_BUFFER})")

    def load(self, table: Table, con, statement) -> None:
        """Runs statement(read_sql()) and settles what the table learns from the reading:
        its encoding, its sha256, a note about empty lines."""
        import duckdb

        encoding = None
        try:
            try:
                con.execute(statement(self.read_sql()))
            except duckdb.InvalidInputException as exc:
                if "not utf-8 encoded" not in str(exc):
                    raise
                self.path = _transcode_cp1252(self.original)
                encoding = "windows-1252"
                con.execute(statement(self.read_sql()))
        except duckdb.InvalidInputException as exc:
            self._settled()  # a NUL byte explains a parse error better than the parser does
            located = self._located(exc)
            if located is not None or self.original.stat().st_size > LARGE_CSV:
                raise (located or self._unlocated(exc)) from None
            # What Python's csv module reads and DuckDB's strict parser does not (line endings
            # that change from row to row): a small file goes through pandas, row for row.
            fallback = _read_csv(self.original, None)
            encoding = fallback.encoding if fallback.encoding != "utf-8" else encoding
            con.register("_csv_fallback", fallback.frame)
            try:
                con.execute(statement("_csv_fallback"))
            finally:
                con.unregister("_csv_fallback")
        finally:
            if self.path != self.original:
                self.path.unlink(missing_ok=True)
                self.path = self.original
        probe = self._settled()
        table.sha256 = probe.sha256
        table.encoding = encoding or table.encoding
        if probe.blank_lines_inside and BLANK_LINES_NOTE not in table.notes:
            table.notes.append(BLANK_LINES_NOTE)

    def _settled(self) -> Probe:
        if isinstance(self.probe, _Background):
            self.probe = self.probe.result()
        return self.probe

    def to_frame(self, table: Table) -> pd.DataFrame:
        import duckdb

        con = duckdb.connect()
        self.load(table, con, lambda src: f"CREATE TABLE t AS SELECT * FROM {src}")
        names = ", ".join(f'"{c}"' for c in self.columns)
        frame = con.execute(f"SELECT CAST(rowid + 2 AS BIGINT) AS _row, {names} FROM t "
                            f"WHERE coalesce({names}) IS NOT NULL ORDER BY rowid").df()
        con.close()
        frame = frame.astype(object)
        return frame.where(frame.notna(), None)

    def _located(self, exc: Exception) -> SourceError | None:
        """DuckDB says that a record is malformed; Python's csv module, reading the same
        file record by record, says exactly which and why (only ever on a bad file)."""
        with self.path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
            try:
                _check_records(self.original, csv.reader(fh, delimiter=self.delimiter, strict=True), len(self.columns), 0)
            except SourceError as located:
                return located
        return None

    def _unlocated(self, exc: Exception) -> SourceError:
        import re

        m = re.search(r"Line: (\d+)", str(exc))
        return SourceError(self.original.name, int(m.group(1)) if m else None, None,
                           f"fila mal formada (nombre de camps o cometes) / malformed row (field count or quotes): "
                           f"{str(exc).splitlines()[0][:200]}")


def _transcode_cp1252(path: Path) -> Path:
    """Windows-1252 is not one of DuckDB's encodings (latin-1 differs on ’ € and others):
    a UTF-8 copy, written chunk by chunk, after checking that every byte is Windows-1252."""
    import codecs
    import tempfile

    with path.open("rb") as fh:
        bom = fh.read(3) == b"\xef\xbb\xbf"
    bad = _first_undecodable(path, "utf-8-sig") if bom else _first_undecodable(path, "cp1252")
    if bad is not None:  # a BOM promises UTF-8: no second guess
        raise SourceError(path.name, bad, None, "codificació no reconeguda: deseu el fitxer com a UTF-8 o Windows-1252 / unknown encoding: save the file as UTF-8 or Windows-1252")
    tmp = tempfile.NamedTemporaryFile(prefix="localret-", suffix=".csv", delete=False)
    with path.open("rb") as src, tmp:
        decoder = codecs.getincrementaldecoder("cp1252")()
        for chunk in iter(lambda: src.read(CHUNK), b""):
            tmp.write(decoder.decode(chunk).encode("utf-8"))
    return Path(tmp.name)


def _first_undecodable(path: Path, encoding: str) -> int | None:
    """The line of the first byte that is not `encoding`, reading in chunks; None if all is."""
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return line + chunk[: max(exc.start, 0)].count(b"\n")
            line += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return line
    return None


def _check_field_counts(path: Path, text: str, delimiter: str, width: int, offset: int) -> None:
    """pandas pads a short row with nulls without a word: a row whose delimiter changed
    would lose all its values. Every record must have the header's number of fields."""
    _check_records(path, csv.reader(io.StringIO(text), delimiter=delimiter, strict=True), width, offset)


def _check_records(path: Path, reader, width: int, offset: int) -> None:
    """Row numbers count records, as a spreadsheet does: a value over two lines is one row,
    and a record whose quote never closes is reported where it starts."""
    number = offset
    try:
        for record in reader:
            number += 1
            if len(record) != width and any(v.strip() for v in record):
                raise SourceError(path.name, number, None, f"la fila té {len(record)} camps en comptes de {width} (separador o cometes?) / "
                                  f"the row has {len(record)} fields instead of {width} (delimiter or quotes?)")
    except csv.Error as exc:
        raise SourceError(path.name, number + 1, None, f"fila mal formada (cometes) / malformed row (quotes): {exc}") from None


def _parser_line(exc: Exception, offset: int) -> int | None:
    import re

    m = re.search(r"(?:line|Row #) ?(\d+)", str(exc))
    return int(m.group(1)) + offset if m else None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[-1][:200]


def _check_header(path: Path, columns: list[str]) -> None:
    seen: set[str] = set()
    for i, name in enumerate(columns, start=1):
        if not name:
            raise SourceError(path.name, 1, None, f"la columna {i} no té nom / column {i} has no name")
        if name in seen:
            raise SourceError(path.name, 1, name, "columna duplicada / duplicated column")
        seen.add(name)


def _read_xlsx(path: Path) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
            names = set(zf.namelist())
    except zipfile.BadZipFile:
        raise SourceError(path.name, None, None, "llibre Excel malmès / corrupt Excel workbook") from None
    if total > MAX_XLSX_UNCOMPRESSED:
        raise SourceError(path.name, None, None, f"el llibre descomprimit ocuparia {total // 2**20} MiB; massa gran o maliciós / the workbook would inflate to {total // 2**20} MiB: too large or hostile")
    if "xl/workbook.xml" not in names:
        raise SourceError(path.name, None, None, "el fitxer .xlsx no és un llibre Excel vàlid / not a valid Excel workbook")
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
        merged = sheet.merged_cell_ranges or []
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for broken parts
        raise SourceError(path.name, None, None, f"llibre Excel il·legible / unreadable Excel workbook: {str(exc)[:200]}") from None
    if merged:
        (r0, c0), (r1, c1) = merged[0]
        raise SourceError(path.name, r0 + 1, None, f"cel·les combinades ({_a1(r0, c0)}:{_a1(r1, c1)}): només la primera conserva el valor; "
                          "descombineu-les / merged cells: only the first keeps the value; unmerge them")
    formula_row = _first_formula_row(path)
    if formula_row is not None:
        raise SourceError(path.name, formula_row, None, "el full conté fórmules; exporteu-lo amb valors / the sheet contains formulas: "
                          "export it with values only")
    while rows and all(v in ("", None) for v in rows[-1]):
        rows.pop()
    if not rows:
        raise SourceError(path.name, None, None, "el full és buit / the sheet is empty")
    first_row = 1
    notes = []
    if len(book.sheet_names) > 1:
        notes.append(f"s'ha llegit només el primer full '{book.sheet_names[0]}' / only the first sheet was read")
    header = [_xlsx_text(v) or "" for v in rows[0]]
    while header and header[-1] == "":
        header.pop()
    columns = [c.strip() for c in header]
    _check_header(path, columns)
    width = len(columns)
    body = []
    for offset, values in enumerate(rows[1:], start=1):
        cells = [_xlsx_text(v) for v in values]
        extra = [c for c in cells[width:] if c is not None]
        if extra:
            raise SourceError(path.name, first_row + offset, None, f"hi ha valors fora de les columnes amb capçalera / values beyond the headed columns: {extra[0][:50]!r}")
        cells = (cells + [None] * width)[:width]
        if all(c is None for c in cells):
            continue  # a blank spreadsheet row is not a record
        body.append([first_row + offset, *cells])
    frame = pd.DataFrame(body, columns=["_row", *columns], dtype=object)
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in ["_row", *columns]})
    return Table(path, frame, columns, "xlsx", notes=notes)


def _a1(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def _first_formula_row(path: Path) -> int | None:
    """A formula's cached value is whatever the author's Excel last computed: refuse it.
    Reads the first sheet's XML as a stream (no full inflation)."""
    import re

    with zipfile.ZipFile(path) as zf:
        book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
        first = re.search(r"<(?:\w+:)?sheet\b[^>]*\br:id=\"([^\"]+)\"", book)
        target = "worksheets/sheet1.xml"
        if first and "xl/_rels/workbook.xml.rels" in zf.namelist():
            rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            for rel in re.finditer(r"<Relationship\b[^>]*>", rels):
                if f'Id="{first.group(1)}"' in rel.group(0):
                    target = re.search(r'Target="([^"]+)"', rel.group(0)).group(1).lstrip("/").removeprefix("xl/")
        name = f"xl/{target}"
        if name not in zf.namelist():
            return None
        tail, row = b"", None
        with zf.open(name) as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                data = tail + chunk
                hit = re.search(rb"<(?:\w+:)?f[ >/]", data)
                if hit:
                    rows = re.findall(rb'<(?:\w+:)?row\b[^>]*\br="(\d+)"', data[: hit.start()])
                    return int(rows[-1]) if rows else 1
                tail = data[-64:]
    return row


def _xlsx_text(value) -> str | None:
    """A cell as the text a person typed: integral floats lose their '.0'; dates are ISO."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, int)):
        return str(value) if isinstance(value, int) else value.isoformat()
    return str(value)
