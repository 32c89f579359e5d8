"""Read one tabular file exactly as Localret's systems (and Idescat) export it.

The contract: CSV in UTF-8 (with or without BOM) or Windows-1252, comma or semicolon, any
line ending (LF, CRLF, CR), or XLSX (first visible sheet, header in row 1). Every value comes back as text (None for an empty cell) so that codes
keep their zeros and nothing is typed before validation; each row keeps the number the
user sees in their spreadsheet (header = row 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from localret.errors import SourceError

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls and password-protected .xlsx
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024  # a zip bomb is refused before it is inflated
MAX_CELL_CHARS = 5000
# The largest field accepted, in bytes of UTF-8 (README, "Input contract"): a longer one is an
# error naming file, row and field (validate.sanity_rules). A CSV record too long for DuckDB's
# parser (its default line limit: setting one costs a third more CPU to every parse) is refused by
# the reader with its row, the field limit of Python's csv module (used only then) being
# MAX_LINE_BYTES; the XLSX reader refuses a far bigger text before parsing.
from localret.limits import MAX_FIELD_BYTES  # noqa: E402  (the cell limit, shared with validation)
MAX_LINE_BYTES = 2 * 1024 * 1024


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
    """The encoding rule (README, "Input contract"): a file that decodes as UTF-8 is UTF-8; a
    file with no valid UTF-8 multi-byte sequence at all is Windows-1252; a file that mixes
    UTF-8 sequences with bytes that are not UTF-8 is refused at its first bad byte, never
    re-decoded into mojibake. Anything else is refused too."""
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
            raise _bad_encoding(path, raw, exc.start, bom=True) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    evidence = _utf8_sequence(raw)
    if evidence is not None:
        raise _mixed_encoding(path, _line_at(raw, bad), bad, raw[bad], _line_at(raw, evidence))
    try:
        return raw.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise _bad_encoding(path, raw, exc.start) from None


def _newline(raw: bytes) -> bytes:
    """The byte that ends lines: CR only when a file's first line break is a lone CR."""
    cr, lf = raw.find(b"\r"), raw.find(b"\n")
    return b"\r" if cr >= 0 and (lf < 0 or lf > cr + 1) else b"\n"


def _line_at(raw: bytes, offset: int) -> int:
    return raw[:offset].count(_newline(raw[:CHUNK])) + 1


_NOT_CP1252 = frozenset((0x81, 0x8D, 0x8F, 0x90, 0x9D))  # the bytes Windows-1252 leaves undefined

# A valid UTF-8 sequence of two to four bytes (RFC 3629: no overlong forms, no surrogates).
_UTF8_MULTI = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
                         rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
                         rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")
# Lead bytes as L, continuation bytes as C: bytes.translate and `in` find a candidate "LC" at
# several hundred MB/s, where a regex over the bytes manages a fifth of that.
_LEAD_CONT = bytes((76 if 0xC2 <= b <= 0xF4 else 67 if 0x80 <= b <= 0xBF else 46) for b in range(256))


def _utf8_sequence(data: bytes, start: int = 0) -> int | None:
    """Offset of the first valid UTF-8 multi-byte sequence in data, or None."""
    marks = data.translate(_LEAD_CONT)
    at = marks.find(b"LC", start)
    while at >= 0:
        if _UTF8_MULTI.match(data, at):
            return at
        at = marks.find(b"LC", at + 1)
    return None


def _bad_encoding(path: Path, raw: bytes, offset: int, bom: bool = False) -> SourceError:
    line = _line_at(raw, offset)
    if bom:  # a BOM promises UTF-8: no second guess
        return SourceError(path.name, line, None, f"el fitxer comença amb la marca UTF-8 (BOM) però el byte {offset + 3} "
                           f"(0x{raw[offset]:02X}) no és UTF-8; deseu-lo tot com a UTF-8 / the file starts with the UTF-8 mark (BOM) "
                           f"but byte {offset + 3} (0x{raw[offset]:02X}) is not UTF-8: save it all as UTF-8")
    return SourceError(path.name, line, None, "codificació no reconeguda: deseu el fitxer com a UTF-8 o Windows-1252 / unknown encoding: save the file as UTF-8 or Windows-1252")


def _mixed_encoding(path: Path, line: int, offset: int, byte: int, utf8_line: int) -> SourceError:
    if byte in _NOT_CP1252:  # neither UTF-8 nor Windows-1252
        return SourceError(path.name, line, None, f"codificació no reconeguda (byte {offset}: 0x{byte:02X}): deseu el fitxer com a "
                           f"UTF-8 / unknown encoding (byte {offset}: 0x{byte:02X}): save the file as UTF-8")
    return SourceError(path.name, line, None,
                       f"el fitxer és UTF-8 (p. ex. la línia {utf8_line}) però el byte {offset} (0x{byte:02X}) d'aquesta línia no "
                       "ho és: no es reinterpreta; deseu-lo tot com a UTF-8 / the file is UTF-8 (e.g. line "
                       f"{utf8_line}) but byte {offset} (0x{byte:02X}) of this line is not: it is not re-decoded; save it all as UTF-8")


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
    header_notes: list[str] = []
    columns = _header_names(path, header[:-1] if trailing_empty else header, header_notes)
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
    return Table(path, frame, columns, "csv", encoding=encoding, delimiter=delimiter, notes=header_notes)


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
        first_line = _first_line_bytes(fh)
        fh.seek(0)
        bom = first_line.startswith(b"\xef\xbb\xbf")
        # A regex, not bytes.find: find stops at every line break to compare; re skips ahead.
        ending = b"\r\n" if first_line.endswith(b"\r\n") else b"\r" if first_line.endswith(b"\r") else b"\n"
        blank = re.compile(re.escape({b"\r\n": b"\n\r\n", b"\r": b"\r\r", b"\n": b"\n\n"}[ending]))
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


def _first_line_bytes(fh) -> bytes:
    """The first line with its ending (LF, CRLF or a lone CR, as old Mac exports end lines),
    read in pieces: a file without any line break is not read whole to find one."""
    data = b""
    while True:
        piece = fh.read(64 * 1024)
        data += piece
        cut = re.search(rb"\r\n|\n|\r(?=[^\n])", data)
        if cut:
            return data[: cut.end()]
        if not piece:
            return data
        if len(data) > MAX_LINE_BYTES:
            raise SourceError(Path(fh.name).name, 1, None, f"la primera línia (capçalera) supera els {MAX_LINE_BYTES // 2**20} MiB "
                              f"sense cap salt de línia / the first line (header) is longer than {MAX_LINE_BYTES // 2**20} MiB "
                              "without a line break")


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
        raw_header = _first_line_bytes(fh)
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
    header_notes: list[str] = []
    columns = _header_names(path, header, header_notes)
    scan = CsvScan(path, path, delimiter, columns, probe)
    return Table(path, None, columns, "csv", encoding="utf-8-sig" if bom else "utf-8", delimiter=delimiter, scan=scan,
                 notes=header_notes)


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
        with _CSV_MODULE:
            limit = csv.field_size_limit()
            csv.field_size_limit(MAX_LINE_BYTES)  # what DuckDB reads, Python reads (the default is 128 KiB)
            try:
                with self.path.open("rb") as fh:
                    ending = _first_line_bytes(fh)
                # Lines end at LF (a lone CR inside quotes is part of a value), or at CR in a CR-only file.
                newline = "" if ending.endswith(b"\r") and not ending.endswith(b"\r\n") else "\n"
                with self.path.open("r", encoding="utf-8-sig", errors="replace", newline=newline) as fh:
                    try:
                        _check_records(self.original, csv.reader(fh, delimiter=self.delimiter, strict=True), len(self.columns), 0)
                    except SourceError as located:
                        return located
            finally:
                csv.field_size_limit(limit)
        return None

    def _unlocated(self, exc: Exception) -> SourceError:
        import re

        m = re.search(r"Line: (\d+)", str(exc))
        return SourceError(self.original.name, int(m.group(1)) if m else None, None,
                           f"fila mal formada (nombre de camps o cometes) / malformed row (field count or quotes): "
                           f"{str(exc).splitlines()[0][:200]}")


def _transcode_cp1252(path: Path) -> Path:
    """Windows-1252 is not one of DuckDB's encodings (latin-1 differs on ’ € and others): a
    UTF-8 copy, written chunk by chunk. DuckDB found bytes that are not UTF-8; the same pass
    that transcodes makes sure the file holds no UTF-8 sequence at all (else it mixes both and
    is refused, see `decode`) and that every byte is Windows-1252."""
    import codecs
    import tempfile

    with path.open("rb") as fh:
        head = fh.read(CHUNK)
    if head.startswith(b"\xef\xbb\xbf"):  # a BOM promises UTF-8: no second guess
        offset = _first_undecodable(path, "utf-8-sig")
        raise _bad_encoding_at(path, offset, bom=True)
    newline = _newline(head)
    tmp = tempfile.NamedTemporaryFile(prefix="localret-", suffix=".csv", delete=False)
    try:
        with path.open("rb") as src, tmp:
            decoder = codecs.getincrementaldecoder("cp1252")()
            done, line, carry = 0, 1, b""
            for chunk in iter(lambda: src.read(CHUNK), b""):
                window = carry + chunk
                seq = _utf8_sequence(window)
                if seq is not None:
                    bad = _first_undecodable(path, "utf-8")
                    raise _mixed_encoding(path, *_line_of(path, bad, newline), _byte_at(path, bad),
                                          line + window[:seq].count(newline) - carry.count(newline))
                try:
                    tmp.write(decoder.decode(chunk).encode("utf-8"))
                except UnicodeDecodeError as exc:
                    raise _bad_encoding_at(path, done + max(exc.start, 0)) from None
                line += chunk.count(newline)
                done += len(chunk)
                carry = chunk[-3:]
    except BaseException:
        Path(tmp.name).unlink(missing_ok=True)
        raise
    return Path(tmp.name)


def _byte_at(path: Path, offset: int) -> int:
    with path.open("rb") as fh:
        fh.seek(offset)
        return fh.read(1)[0]


def _line_of(path: Path, offset: int, newline: bytes) -> tuple[int, int]:
    """(line, offset) of a byte, counting lines in chunks."""
    line, left = 1, offset
    with path.open("rb") as fh:
        while left > 0:
            piece = fh.read(min(CHUNK, left))
            if not piece:
                break
            line += piece.count(newline)
            left -= len(piece)
    return line, offset


def _bad_encoding_at(path: Path, offset: int, bom: bool = False) -> SourceError:
    with path.open("rb") as fh:
        head = fh.read(CHUNK)
    line, _ = _line_of(path, offset, _newline(head))
    byte = _byte_at(path, offset)
    if bom:
        return SourceError(path.name, line, None, f"el fitxer comença amb la marca UTF-8 (BOM) però el byte {offset} "
                           f"(0x{byte:02X}) no és UTF-8; deseu-lo tot com a UTF-8 / the file starts with the UTF-8 mark (BOM) "
                           f"but byte {offset} (0x{byte:02X}) is not UTF-8: save it all as UTF-8")
    return SourceError(path.name, line, None, f"codificació no reconeguda (byte {offset}: 0x{byte:02X}): deseu el fitxer com a UTF-8 o "
                       f"Windows-1252 / unknown encoding (byte {offset}: 0x{byte:02X}): save the file as UTF-8 or Windows-1252")


def _first_undecodable(path: Path, encoding: str) -> int | None:
    """The offset of the first byte that is not `encoding` ("utf-8", "utf-8-sig" skipping the
    BOM, "cp1252"), reading in chunks; None if every byte is."""
    import codecs

    start = 3 if encoding == "utf-8-sig" else 0
    decoder = codecs.getincrementaldecoder(encoding.removesuffix("-sig"))()
    done = start
    with path.open("rb") as fh:
        fh.seek(start)
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            pending = len(getattr(decoder, "buffer", b""))  # bytes of a sequence the last chunk cut
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return done - pending + exc.start
            done += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return done - len(getattr(decoder, "buffer", b""))
    return None


# Python's csv module has one field size limit for the whole process, and ingest reads files
# on two threads: a reader must not see the limit that another one raised for a while.
_CSV_MODULE = threading.RLock()


def _check_field_counts(path: Path, text: str, delimiter: str, width: int, offset: int) -> None:
    """pandas pads a short row with nulls without a word: a row whose delimiter changed
    would lose all its values. Every record must have the header's number of fields."""
    _check_records(path, csv.reader(io.StringIO(text), delimiter=delimiter, strict=True), width, offset)


def _check_records(path: Path, reader, width: int, offset: int) -> None:
    """Row numbers count records, as a spreadsheet does: a value over two lines is one row,
    and a record whose quote never closes is reported where it starts."""
    with _CSV_MODULE:
        number = offset
        try:
            for record in reader:
                number += 1
                if len(record) != width and any(v.strip() for v in record):
                    raise SourceError(path.name, number, None, f"la fila té {len(record)} camps en comptes de {width} (separador o cometes?) / "
                                      f"the row has {len(record)} fields instead of {width} (delimiter or quotes?)")
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise SourceError(path.name, number + 1, None, f"un camp d'aquesta fila supera el límit de {MAX_FIELD_BYTES // 2**20} MiB per "
                                  f"cel·la (la fila fa més de {MAX_LINE_BYTES // 2**20} MiB) / a field of this row is over the "
                                  f"{MAX_FIELD_BYTES // 2**20} MiB limit per cell (the row is over {MAX_LINE_BYTES // 2**20} MiB)") from None
            if "new-line character seen in unquoted field" in str(exc):
                raise SourceError(path.name, number + 1, None, "la fila té un salt de línia (CR) enmig d'un valor sense cometes / "
                                  "the row has a line break (CR) inside a value without quotes") from None
            raise SourceError(path.name, number + 1, None, f"fila mal formada (cometes) / malformed row (quotes): {exc}") from None


def _parser_line(exc: Exception, offset: int) -> int | None:
    import re

    m = re.search(r"(?:line|Row #) ?(\d+)", str(exc))
    return int(m.group(1)) + offset if m else None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[-1][:200]


# Characters that nobody sees in a header cell and that would make an exact column name fail:
# removed wherever they are (a BOM left by a concatenation, zero-width spaces and joiners, the
# word joiner, a soft hyphen). Spaces of every kind (NBSP included) are trimmed at both ends.
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"))
_HEADER_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _header_names(path: Path, header: list[str], notes: list[str]) -> list[str]:
    """The column names as the contract spells them: invisible characters removed and spaces
    trimmed, each change said in a note (README, "Input contract"); a control character or a
    text-direction mark in a name is refused, naming the column."""
    columns = []
    for i, raw in enumerate(header, start=1):
        hit = _HEADER_CONTROL.search(raw)
        if hit:
            raise SourceError(path.name, 1, raw.translate(_INVISIBLE).strip() or None,
                              f"el nom de la columna {i} conté un caràcter de control o de direcció del text (U+{ord(hit.group()):04X}) / "
                              f"the name of column {i} holds a control or text-direction character (U+{ord(hit.group()):04X})")
        name = raw.translate(_INVISIBLE).strip()
        if name != raw and name != raw.strip(" ") and name:
            notes.append(f"capçalera, columna {i}: s'han tret caràcters invisibles o espais del nom {raw!r} -> '{name}' / "
                         f"header, column {i}: invisible characters or spaces removed from the name")
        columns.append(name)
    _check_header(path, columns)
    return columns


def _check_header(path: Path, columns: list[str]) -> None:
    seen: set[str] = set()
    for i, name in enumerate(columns, start=1):
        if not name:
            raise SourceError(path.name, 1, None, f"la columna {i} no té nom / column {i} has no name")
        if name in seen:
            raise SourceError(path.name, 1, name, "columna duplicada / duplicated column")
        seen.add(name)


# --- XLSX ---------------------------------------------------------------------------------------
# The workbook is read as a stream of XML events (expat), never through a library that sizes
# its memory from what the file claims: a sheet's <dimension> (its "used range") may say
# A1:XFD1048576 whatever it holds, and a dense grid of that range is 17 billion cells. Memory
# follows the cells that exist; a text is never held beyond MAX_FIELD_BYTES characters
# (README, "Input contract": first visible sheet, header in row 1, error values, dates).
XLSX_CHUNK = 1 << 20
_BUILTIN_DATE_FORMATS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47,
                         50, 51, 52, 53, 54, 55, 56, 57, 58}
_ERROR_VALUES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")
TITLE_SEARCH_ROWS = 20  # how far below row 1 a header is looked for, to say where it is


class _TooBig:
    """A text longer than MAX_FIELD_BYTES characters: only its length is kept."""

    def __init__(self, length: int):
        self.length = length


class _Xlsx:
    """The parts of a workbook the reader needs, each parsed as a stream."""

    def __init__(self, path: Path, zf: zipfile.ZipFile):
        self.path, self.zf = path, zf
        self.names = set(zf.namelist())
        self.inflated = 0

    def refuse(self, row, field, reason) -> SourceError:
        return SourceError(self.path.name, row, field, reason)

    def parse(self, name: str, start, end, text=None) -> None:
        """Feed part `name` to expat with the given handlers (element names without prefix)."""
        import xml.parsers.expat

        parser = xml.parsers.expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = lambda tag, attrs: start(tag.rpartition(":")[2], attrs)
        parser.EndElementHandler = lambda tag: end(tag.rpartition(":")[2])
        if text is not None:
            parser.CharacterDataHandler = text
        try:
            with self.zf.open(name) as fh:
                for chunk in iter(lambda: fh.read(XLSX_CHUNK), b""):
                    self.inflated += len(chunk)
                    if self.inflated > MAX_XLSX_UNCOMPRESSED:
                        raise self.refuse(None, None, f"el llibre descomprimit ocupa més de {MAX_XLSX_UNCOMPRESSED // 2**20} MiB; massa gran o "
                                          f"maliciós / the workbook inflates to more than {MAX_XLSX_UNCOMPRESSED // 2**20} MiB: too large or hostile")
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except xml.parsers.expat.ExpatError as exc:
            raise self.refuse(None, None, f"llibre Excel il·legible ({name}) / unreadable Excel workbook: {str(exc)[:200]}") from None
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise self.refuse(None, None, f"llibre Excel malmès / corrupt Excel workbook: {str(exc)[:200]}") from None

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type, part name) for a part (e.g. xl/workbook.xml)."""
        folder, _, base = part.rpartition("/")
        name = f"{folder}/_rels/{base}.rels"
        out: dict[str, tuple[str, str]] = {}
        if name not in self.names:
            return out

        def start(tag, attrs):
            if tag == "Relationship" and "Id" in attrs and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else _join(folder, target)
                out[attrs["Id"]] = (attrs.get("Type", ""), target)
        self.parse(name, start, lambda tag: None)
        return out

    def sheets(self) -> tuple[list[tuple[str, str, str]], bool]:
        """[(name, state, part)] in workbook order, and whether dates count from 1904."""
        rels = self.rels("xl/workbook.xml")
        found, date1904 = [], [False]

        def start(tag, attrs):
            if tag == "sheet":
                rid = next((v for k, v in attrs.items() if k == "id" or k.endswith(":id")), None)
                part = rels.get(rid, ("", ""))[1]
                found.append((attrs.get("name", "?"), attrs.get("state", "visible"), part))
            elif tag == "workbookPr":
                date1904[0] = attrs.get("date1904", "0").lower() in ("1", "true")
        self.parse("xl/workbook.xml", start, lambda tag: None)
        return found, date1904[0]

    def part_of_type(self, kind: str, default: str) -> str:
        for rtype, target in self.rels("xl/workbook.xml").values():
            if rtype.endswith("/" + kind):
                return target
        return default

    def date_styles(self) -> set[int]:
        """Indices of the cell formats (cellXfs) that show a number as a date or a time."""
        name = self.part_of_type("styles", "xl/styles.xml")
        if name not in self.names:
            return set()
        custom: dict[int, str] = {}
        xfs: list[int] = []
        where = []

        def start(tag, attrs):
            where.append(tag)
            if tag == "numFmt":
                custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
            elif tag == "xf" and len(where) >= 2 and where[-2] == "cellXfs":
                xfs.append(int(attrs.get("numFmtId", "0") or 0))
        self.parse(name, start, lambda tag: where.pop())

        def is_date(fmt: int) -> bool:
            if fmt in custom:
                code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", custom[fmt]).split(";")[0].lower()
                return bool(re.search(r"[dmyhs]", code))
            return fmt in _BUILTIN_DATE_FORMATS
        return {i for i, fmt in enumerate(xfs) if is_date(fmt)}

    def shared_strings(self) -> list:
        name = self.part_of_type("sharedStrings", "xl/sharedStrings.xml")
        strings: list = []
        if name not in self.names:
            return strings
        state = {"parts": [], "size": 0, "in_t": False, "skip": 0}

        def start(tag, attrs):
            if tag == "si":
                state["parts"], state["size"] = [], 0
            elif tag == "rPh":  # phonetic guide: not part of the text
                state["skip"] += 1
            elif tag == "t" and not state["skip"]:
                state["in_t"] = True

        def end(tag):
            if tag == "si":
                strings.append(_TooBig(state["size"]) if state["size"] > MAX_FIELD_BYTES else _unescape("".join(state["parts"])))
            elif tag == "rPh":
                state["skip"] -= 1
            elif tag == "t":
                state["in_t"] = False

        def text(data):
            if state["in_t"]:
                state["size"] += len(data)
                if state["size"] <= MAX_FIELD_BYTES:
                    state["parts"].append(data)
        self.parse(name, start, end, text)
        return strings


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """OOXML writes characters that XML cannot hold (control characters) as _xHHHH_, and a
    literal "_x" as _x005F_x: read them back, so that the rules see what the cell holds."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


_MAIN_NS = ("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}", "{http://purl.oclc.org/ooxml/spreadsheetml/main}", "")
_LOCAL = {f"{ns}{tag}": tag for ns in _MAIN_NS for tag in ("v", "f", "is", "t", "r", "rPh", "c")}
_CELL_TAGS = {f"{ns}c" for ns in _MAIN_NS}


def _inline_text(elem) -> str:
    """An inline string's text: its <t>, or the <t> of each rich-text run (<r>); a phonetic
    guide (<rPh>) is not part of it."""
    parts = []
    for piece in elem:
        tag = piece.tag.rpartition("}")[2]
        if tag == "t":
            parts.append(piece.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in piece if t.tag.rpartition("}")[2] == "t")
    return "".join(parts)


HUGE_XML_RUN = 4 * 1024 * 1024  # bytes without markup: far more than any cell under the limit


class _HugeText(Exception):
    pass


class _CountingReader:
    """A sheet's XML as lxml reads it: inflated bytes counted against the workbook's limit, and
    a stretch of text longer than HUGE_XML_RUN stopped before any parser holds it (where it
    stands is kept: the row and column of the last cell opened before it)."""

    _CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)([0-9]+)"')

    def __init__(self, book: _Xlsx, part: str):
        self.book, self.fh = book, book.zf.open(part)
        self.run = 0  # bytes since the last '<'
        self.tail = b""
        self.huge: tuple[int, int | None] | None = None

    def read(self, n: int = -1) -> bytes:
        if self.huge is not None:
            return b""
        chunk = self.fh.read(XLSX_CHUNK if n is None or n < 0 else min(n, XLSX_CHUNK))
        self.book.inflated += len(chunk)
        if self.book.inflated > MAX_XLSX_UNCOMPRESSED:
            raise self.book.refuse(None, None, f"el llibre descomprimit ocupa més de {MAX_XLSX_UNCOMPRESSED // 2**20} MiB; massa gran o "
                                   f"maliciós / the workbook inflates to more than {MAX_XLSX_UNCOMPRESSED // 2**20} MiB: too large or hostile")
        last = chunk.rfind(b"<")
        first = chunk.find(b"<")
        if last < 0:
            self.run += len(chunk)
        else:
            longest = max(self.run + first, len(chunk) - last - 1)
            self.run = len(chunk) - last - 1
            if longest > HUGE_XML_RUN:
                self.run = longest
        if self.run > HUGE_XML_RUN:
            hits = list(self._CELL.finditer(self.tail + (chunk if last >= 0 else b"")))
            where = (int(hits[-1].group(2)), _col_index(hits[-1].group(1).decode())) if hits else (None, None)
            self.huge = where
            return b"<"  # not well-formed: lxml stops, and read_rows says why
        if last >= 0:
            self.tail = chunk[max(0, last - 4096):]
        return chunk


def _join(folder: str, target: str) -> str:
    parts = folder.split("/") if folder else []
    for piece in target.split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def _col_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n - 1


def _a1(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def _serial_date(serial: float, date1904: bool) -> str | None:
    """An Excel date serial as ISO text: a date at midnight, else a date and time."""
    base = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    try:
        value = base + dt.timedelta(days=serial)
    except (OverflowError, ValueError):
        return None
    value = value.replace(microsecond=0) + dt.timedelta(seconds=round(value.microsecond / 1e6))
    return value.date().isoformat() if value.time() == dt.time() else value.isoformat()


def _number_text(raw: str) -> str:
    """A number cell as a person typed it: integral values lose their '.0'."""
    try:
        value = float(raw)
    except ValueError:
        return raw
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _read_xlsx(path: Path) -> Table:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise SourceError(path.name, None, None, "llibre Excel malmès / corrupt Excel workbook") from None
    with zf:
        total = sum(info.file_size for info in zf.infolist())
        if total > MAX_XLSX_UNCOMPRESSED:
            raise SourceError(path.name, None, None, f"el llibre descomprimit ocuparia {total // 2**20} MiB; massa gran o maliciós / the workbook would inflate to {total // 2**20} MiB: too large or hostile")
        book = _Xlsx(path, zf)
        if "xl/workbook.xml" not in book.names:
            raise SourceError(path.name, None, None, "el fitxer .xlsx no és un llibre Excel vàlid / not a valid Excel workbook")
        return _read_sheet(book)


def _read_sheet(book: _Xlsx) -> Table:
    path = book.path
    sheets, date1904 = book.sheets()
    visible = [s for s in sheets if s[1] not in ("hidden", "veryHidden")]
    if not visible:
        raise book.refuse(None, None, "el llibre no té cap full visible / the workbook has no visible sheet")
    name, _, part = visible[0]
    if part not in book.names:
        raise book.refuse(None, None, f"falta el full '{name}' dins del llibre / the sheet '{name}' is missing from the workbook")
    notes = []
    hidden_before = [s[0] for s in sheets[: sheets.index(visible[0])]]
    if hidden_before:
        notes.append(f"s'ha llegit el primer full visible '{name}'; els fulls amagats ({', '.join(hidden_before)}) no es llegeixen / "
                     f"the first visible sheet '{name}' was read; hidden sheets ({', '.join(hidden_before)}) are not read")
    elif len(sheets) > 1:
        notes.append(f"s'ha llegit només el primer full '{name}' / only the first sheet was read")
    dates = book.date_styles()
    strings = book.shared_strings()

    rows: list[tuple[int, dict[int, object]]] = []  # (row number, {column: text}) of the first rows
    merges: list[str] = []
    cache: dict[tuple[str, bool], str] = {}  # numbers and dates repeat: one text object each

    def cell_value(c, row: int, col: int):
        kind = c.get("t", "n")
        raw, inline = None, None
        for child in c:
            tag = child.tag
            tag = _LOCAL.get(tag) or tag.rpartition("}")[2]
            if tag == "v":
                raw = child.text or ""
            elif tag == "f":
                raise book.refuse(row, None, "el full conté fórmules; exporteu-lo amb valors / the sheet contains formulas: "
                                  "export it with values only")
            elif tag == "is":
                inline = _inline_text(child)
        if kind == "inlineStr":
            raw = inline if inline is not None else raw
        if raw is None or raw == "":
            return None
        if len(raw) > MAX_FIELD_BYTES:
            return _TooBig(len(raw))
        if kind == "s":
            key = raw.strip()
            if not key.isdigit() or int(key) >= len(strings):
                raise book.refuse(row, None, f"la cel·la {_a1(row - 1, col)} remet a un text compartit que no existeix / "
                                  f"cell {_a1(row - 1, col)} refers to a shared string that does not exist")
            return strings[int(key)]
        if kind == "b":
            return {"1": "true", "0": "false"}.get(raw.strip(), raw)
        if kind == "e":
            return raw.strip() or "#N/A"  # an error value: judged by the rule valor-error-excel
        if kind in ("str", "inlineStr"):
            return _unescape(raw)
        if kind == "d":
            value = raw.strip().removesuffix("Z")
            return value[:10] if value.endswith("T00:00:00") else value
        style = c.get("s")
        is_date = style is not None and style.isdigit() and int(style) in dates
        key = (raw, is_date)
        value = cache.get(key)
        if value is None:
            text = raw.strip()
            value = None
            if is_date:
                try:
                    value = _serial_date(float(text), date1904)
                except ValueError:
                    value = None
            value = value or _number_text(text)
            if len(cache) < 100_000:
                cache[key] = value
        return value

    def read_rows() -> None:
        """lxml hands over one <row> at a time (the filter runs in C), and each is dropped
        once read; a text node bigger than lxml's safe limit is an error of the workbook."""
        from lxml import etree

        next_row = 1
        columns_of: dict[str, int] = {}
        stream = _CountingReader(book, part)
        try:
            for _, elem in etree.iterparse(stream, events=("end",), tag=("{*}row", "{*}mergeCell"), huge_tree=False,
                                           resolve_entities=False, no_network=True, remove_comments=True):
                if elem.tag.rpartition("}")[2] == "mergeCell":
                    if elem.get("ref"):
                        merges.append(elem.get("ref"))
                    continue
                r = elem.get("r")
                number = int(r) if r and r.isdigit() else next_row
                next_row = number + 1
                values: dict[int, object] = {}
                col = -1
                for c in elem:
                    if c.tag not in _CELL_TAGS and c.tag.rpartition("}")[2] != "c":
                        continue
                    ref = c.get("r")
                    if ref:
                        letters = ref.rstrip("0123456789")
                        col = columns_of.get(letters)
                        if col is None:
                            col = columns_of[letters] = _col_index(letters)
                    else:
                        col += 1
                    value = cell_value(c, number, col)
                    if value is not None and value != "":
                        values[col] = value
                elem.clear()
                while elem.getprevious() is not None:
                    del elem.getparent()[0]
                if values:
                    if body is None:
                        rows.append((number, values))
                        if len(rows) >= TITLE_SEARCH_ROWS:
                            settle()
                    else:
                        add(number, values)
        except etree.XMLSyntaxError as exc:
            if stream.huge is not None:
                row, col = stream.huge
                field = columns[col] if body is not None and col is not None and col < len(columns) else None
                raise book.refuse(row, field, f"una cel·la té un text de més de {HUGE_XML_RUN // 2**20} MiB, més que el límit d'"
                                  f"{MAX_FIELD_BYTES // 2**20} MiB per cel·la / a cell holds a text over {HUGE_XML_RUN // 2**20} MiB, "
                                  f"over the {MAX_FIELD_BYTES // 2**20} MiB limit per cell") from None
            raise book.refuse(None, None, f"llibre Excel il·legible ({part}) / unreadable Excel workbook: {str(exc)[:200]}") from None
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise book.refuse(None, None, f"llibre Excel malmès / corrupt Excel workbook: {str(exc)[:200]}") from None
        finally:
            stream.fh.close()

    # The first rows are kept until the header is settled (a title above it is looked for among
    # them); every later row goes straight into its columns: no row is held twice.
    body: dict[str, list] | None = None
    columns: list[str] = []

    def settle() -> None:
        nonlocal body, columns
        if not rows:
            raise book.refuse(None, None, "el full és buit / the sheet is empty")
        head_row, head = rows[0]
        _check_title_rows(book, rows, head_row, head)
        header = [head.get(i) for i in range(max(head) + 1)]
        for i, v in enumerate(header):
            if isinstance(v, _TooBig):
                raise book.refuse(1, None, f"el nom de la columna {i + 1} és massa llarg / the name of column {i + 1} is too long")
        columns = _header_names(path, ["" if v is None else str(v) for v in header], notes)
        body = {"_row": [], **{c: [] for c in columns}}
        for number, values in rows[1:]:
            add(number, values)
        rows.clear()

    def add(number: int, values: dict) -> None:
        width = len(columns)
        beyond = [c for c in values if c >= width]
        if beyond:
            extra = values[min(beyond)]
            shown = f"{extra[:50]!r}" if isinstance(extra, str) else "(text)"
            raise book.refuse(number, None, f"hi ha valors fora de les columnes amb capçalera / values beyond the headed columns: {shown}")
        body["_row"].append(number)
        for i, c in enumerate(columns):
            v = values.get(i)
            if isinstance(v, _TooBig):
                raise book.refuse(number, c, f"el camp té {v.length} caràcters, més que el límit d'{MAX_FIELD_BYTES // 2**20} MiB per "
                                  f"cel·la / the field holds {v.length} characters, over the {MAX_FIELD_BYTES // 2**20} MiB limit per cell")
            body[c].append(v)

    read_rows()
    if merges:
        first = merges[0].split(":")
        r0 = int(re.sub(r"[A-Z$]", "", first[0]) or 1)
        raise book.refuse(r0, None, f"cel·les combinades ({merges[0]}): només la primera conserva el valor; "
                          "descombineu-les / merged cells: only the first keeps the value; unmerge them")
    if body is None:
        settle()
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in body.items()})
    body.clear()
    return Table(path, frame, columns, "xlsx", notes=notes)


def _check_title_rows(book: _Xlsx, rows, head_row: int, head: dict) -> None:
    """The header is row 1. A title above it ("Llistat de membres 2026" in A1, the header in
    row 3) is refused, naming the row where the header seems to be: the row numbers the report
    gives must be the ones the user sees, and a guessed header could be a data row."""
    filled = [(n, len(v)) for n, v in rows[:TITLE_SEARCH_ROWS]]
    widest = max(filled, key=lambda x: x[1])
    if head_row != 1 or (len(head) == 1 and widest[1] > 1):
        below = next((n for n, k in filled if k > 1), None) if len(head) == 1 else head_row
        where = f"; la capçalera sembla ser a la fila {below}" if below else ""
        first = head.get(min(head))
        shown = f" ({first[:60]!r})" if isinstance(first, str) and len(head) == 1 else ""
        raise book.refuse(head_row, None, f"la capçalera ha de ser a la fila 1 i la fila {head_row}{shown} no ho sembla: esborreu les "
                          f"files de títol o buides de sobre{where} / the header must be in row 1 and row {head_row} does not look like "
                          f"one: delete the title or empty rows above it" + (f"; the header seems to be in row {below}" if below else ""))
