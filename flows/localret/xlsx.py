"""<dataset>.xlsx in every release, for people who live in Excel: one sheet per table with
real types (text as text, numbers as numbers, dates as dates), a frozen header row, column
widths and an autofilter; a "Diccionari" sheet (the Table Schemas) and a "Llegiu-me" sheet
(what it is, version, licence, source).

Text cells are always written as text: codes keep their leading zeros and a value such as
"=1+1" or "-5 €" never becomes a formula or a number. The file is byte-reproducible: the
workbook's creation date is the release date and nothing else varies between runs.

A table longer than Excel's limit (1,048,575 rows under the header) is cut there, in the
published order, and the "Llegiu-me" sheet says which sheets were cut and points to the CSV
and Parquet files, which always hold every row.

The rows of the table sheets are written as SpreadsheetML by DuckDB, one XML fragment per row,
and spliced into the sheet xlsxwriter wrote (workbook, styles, header row, widths, pane,
autofilter and the other sheets stay xlsxwriter's): xlsxwriter's cell-by-cell writing costs
about 15 µs a cell here, minutes for a sheet at Excel's limit.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from localret import progress
from localret.build import BuiltDataset, order_by
from localret.extras import release_writer
from localret.site.published import (ILLUSTRATIVE_MARK, LICENSE_ID, LICENSE_URL, PUBLISHER, DEFAULT_BASE_URL,
                                     base, citation, constraints_text, example_text)

DICTIONARY_SHEET = "Diccionari"
README_SHEET = "Llegiu-me"
MAX_ROWS = 1_048_576 - 1  # Excel's limit, less the header row
MAX_WIDTH = 60
WIDTH_SAMPLE = 2000  # rows looked at to size the columns
FETCH_ROWS = 20_000
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
# Stands for the row number inside a row's cells. Control characters in the data are written
# as _xHHHH_, so this one never occurs in a fragment except where it was put.
_ROW_MARK = "\x01"
# The characters xlsxwriter writes as _xHHHH_ (C0 controls but tab and newline; two non-characters)
_CONTROL_ESCAPES = {c: f"_x{c:04X}_" for c in [*(c for c in range(1, 32) if c not in (9, 10)), 0xFFFE, 0xFFFF]}
_EXCEL_ESCAPE = re.compile(r"(_x[0-9A-Fa-f]{4}_)")
TEXT_FUNCTION = "lr_xlsx_text"
_NUMERIC = re.compile(r"TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT"
                      r"|FLOAT|DOUBLE|DECIMAL\(\d+,\d+\)")
_FIRST_SERIAL_DATE = "1900-03-01"  # earlier dates meet Excel's 1900 leap-year bug: written as text


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name (at most 31 characters, none of []:*?/\\)."""
    clean = _BAD_SHEET_CHARS.sub("_", name).strip("'") or "taula"
    candidate = clean[:31]
    n = 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f"~{n}"
        candidate = clean[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(candidate)
    return candidate


def column_letter(index: int) -> str:
    """A, B, ..., Z, AA, ... for a 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _text_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, (dt.date, dt.datetime)):
        return 10 if not isinstance(value, dt.datetime) else 19
    return max((len(line) for line in str(value).split("\n")), default=0)


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook):
        self.header = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "top"})
        self.text = book.add_format({"num_format": "@"})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.integer = book.add_format({"num_format": "0"})
        self.number = book.add_format({"num_format": "General"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.bold = book.add_format({"bold": True, "valign": "top"})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.warning = book.add_format({"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE", "text_wrap": True})


# ---------- the cells, as SQL ----------

def _cell_kind(db_type: str, field_type: str) -> str:
    """How a column's cells are written: by the Table Schema type, when the value really is one."""
    if db_type == "BOOLEAN" and field_type in ("boolean", "integer", "number"):
        return "boolean"
    if _NUMERIC.fullmatch(db_type) and field_type in ("integer", "number"):
        return "number"
    if field_type in ("date", "datetime") and db_type == "DATE":
        return "date"
    if field_type in ("date", "datetime") and db_type.startswith("TIMESTAMP"):
        return "datetime"
    return "text"


def _column_format(kind: str, field_type: str, fmt: _Formats):
    return {"number": fmt.integer if field_type == "integer" else fmt.number, "boolean": None,
            "date": fmt.date, "datetime": fmt.datetime}.get(kind, fmt.text)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# What makes a text cell more than <t>value</t>: a character xlsxwriter writes as _xHHHH_ (or a
# literal _xHHHH_, which it protects), markup, or a blank at either end (RE2's \s, the blanks that
# need xml:space="preserve" to survive). One regular expression decides; the rare values it lets
# by are written by Python (_inline_text). 30 nested replace() calls, 3 more and a second
# regular expression per text column cost DuckDB more to bind than a small sheet costs to write.
_NEEDS_ESCAPE_SQL = r"[\x01-\x08\x0B-\x1F\x{FFFE}\x{FFFF}&<>]|_x[0-9A-Fa-f]{4}_|^\s|\s$"
_RE2_SPACE = "\t\n\f\r "  # RE2's \s
MAX_TEXT = 32767  # characters Excel keeps in a cell


def _inline_text(value: str) -> str:
    """<t>...</t> as xlsxwriter writes a string: at most MAX_TEXT characters, a literal _xHHHH_
    protected as _x005F_xHHHH_, control characters as _xHHHH_, XML-escaped, and
    xml:space="preserve" when the value starts or ends with a blank."""
    text = _EXCEL_ESCAPE.sub(r"_x005F\1", value[:MAX_TEXT]).translate(_CONTROL_ESCAPES)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    preserve = ' xml:space="preserve"' if value and (value[0] in _RE2_SPACE or value[-1] in _RE2_SPACE) else ""
    return f"<t{preserve}>{text}</t>"


def _install_text(con) -> None:
    """Registers _inline_text on the connection (once: a second registration is refused)."""
    import duckdb

    try:
        con.create_function(TEXT_FUNCTION, _inline_text, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR"),
                            side_effects=False)
    except duckdb.NotImplementedException:  # "already created": registered on this connection before
        pass


def _text_cell(ref: str, style: str, value: str) -> str:
    plain = f"'<t>' || left({value}, {MAX_TEXT}) || '</t>'"
    return (f"""'<c r="{ref}"{style} t="inlineStr"><is>' || CASE WHEN regexp_matches({value}, '{_NEEDS_ESCAPE_SQL}') """
            f"THEN {TEXT_FUNCTION}({value}) ELSE {plain} END || '</is></c>'")


def _cell_sql(column: str, kind: str, letter: str, style_id: int) -> str:
    """SQL giving one cell's <c> element, or '' for an empty cell (no element at all)."""
    v = _quote(column)
    ref = letter + _ROW_MARK
    style = f' s="{style_id}"' if style_id else ""
    if kind == "number":
        cell = f"""'<c r="{ref}"{style}><v>' || CAST({v} AS VARCHAR) || '</v></c>'"""
        # What xlsxwriter's nan_inf_to_errors shows, as an error value rather than a formula.
        cell = (f"""CASE WHEN NOT isfinite(CAST({v} AS DOUBLE)) THEN '<c r="{ref}"{style} t="e"><v>' || """
                f"""CASE WHEN isnan(CAST({v} AS DOUBLE)) THEN '#NUM!' ELSE '#DIV/0!' END || '</v></c>' ELSE {cell} END""")
    elif kind == "boolean":
        cell = f"""'<c r="{ref}" t="b"><v>' || CASE WHEN {v} THEN '1' ELSE '0' END || '</v></c>'"""
    elif kind in ("date", "datetime"):
        # Excel's serial numbers: days since 1899-12-30 (from 1900-03-01 on), time as a fraction.
        local = v if kind == "date" else f"CAST({v} AS TIMESTAMP)"
        serial = (f"CAST(date_diff('day', DATE '1899-12-30', {local}) AS VARCHAR)" if kind == "date" else
                  f"CAST(date_diff('microsecond', TIMESTAMP '1899-12-30', {local}) / 86400000000.0 AS VARCHAR)")
        cell = (f"CASE WHEN isfinite({local}) AND {local} >= DATE '{_FIRST_SERIAL_DATE}' "
                f"""THEN '<c r="{ref}"{style}><v>' || {serial} || '</v></c>' """
                f"ELSE {_text_cell(ref, style, f'CAST({v} AS VARCHAR)')} END")
    else:
        cell = _text_cell(ref, style, f"CAST({v} AS VARCHAR)")
    return f"coalesce({cell}, '')"


# ---------- the workbook ----------

@dataclass
class _Table:
    sheet: str
    part: str  # the sheet's part in the package: xl/worksheets/sheetN.xml
    columns: list[tuple[str, str, str]]  # (name, cell kind, letter)
    source: str  # the rows to write (a table or a subquery)
    order: str  # ORDER BY of the published order
    rows: int  # rows written (at most MAX_ROWS)
    truncated: bool


@release_writer
def write_xlsx(con, dataset: BuiltDataset, folder: Path, *, version: str, changes: dict, illustrative: bool,
               base_url: str | None = None, **_ignored) -> list[str]:
    name = f"{dataset.name}.xlsx"
    path = folder / name
    created = dt.datetime.combine(dataset.as_of or dt.date(2000, 1, 1), dt.time())
    if changes.get("date"):
        created = dt.datetime.combine(dt.date.fromisoformat(changes["date"]), dt.time())
    book = xlsxwriter.Workbook(str(path), {
        "constant_memory": True,  # the sheets xlsxwriter writes itself are small; kept flat anyway
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
        "default_date_format": "yyyy-mm-dd", "remove_timezone": True, "nan_inf_to_errors": True,
    })
    tables: list[_Table] = []
    try:
        title_ca = dataset.spec.text("title")
        book.set_properties({
            "title": title_ca, "subject": f"{dataset.name} {version}", "author": PUBLISHER, "company": PUBLISHER,
            "keywords": ", ".join(dataset.spec.meta.get("keywords", {}).get("ca", [])),
            "comments": f"Llicència {LICENSE_ID}. Font: {PUBLISHER}.", "created": created,
        })
        fmt = _Formats(book)
        taken = {DICTIONARY_SHEET, README_SHEET}
        for i, res in enumerate(dataset.resources):
            tables.append(_prepare_table(con, book, fmt, res, sheet_name(res.spec.name, taken), i))
        _write_dictionary(book, fmt, dataset)
        _write_readme(book, fmt, dataset, version=version, changes=changes, illustrative=illustrative,
                      base_url=base(base_url or DEFAULT_BASE_URL), truncated=[t.sheet for t in tables if t.truncated])
    finally:
        book.close()
    _fill_tables(con, path, tables)
    return [name]


def _prepare_table(con, book, fmt: _Formats, res, sheet: str, index: int) -> _Table:
    """The sheet as xlsxwriter writes it: widths and column formats, pane, header, autofilter
    over the rows that _fill_tables adds."""
    spec = res.spec
    fields = spec.schema.descriptor["fields"]
    ws = book.add_worksheet(sheet)
    db_types = {name: str(kind) for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {spec.table}").fetchall()}
    columns = []
    for i, f in enumerate(fields):
        kind = _cell_kind(db_types.get(f["name"], "VARCHAR"), f.get("type", "string"))
        columns.append((f["name"], kind, column_letter(i)))
    ordered = f"SELECT * FROM {spec.table} ORDER BY {order_by(spec)}"
    total = con.execute(f"SELECT count(*) FROM {spec.table}").fetchone()[0]
    rows = min(total, MAX_ROWS)
    # Above the limit, only the first rows are ever turned into cells (a top-N, not a full sort).
    source = spec.table if total <= MAX_ROWS else f"({ordered} LIMIT {MAX_ROWS})"
    # widths from the first rows: a sheet's columns are declared before its rows
    widths = [max(len(f["name"]), 6) for f in fields]
    names = ", ".join(_quote(f["name"]) for f in fields)
    for row in con.execute(f"SELECT {names} FROM ({ordered} LIMIT {WIDTH_SAMPLE})").fetchall():
        for i, v in enumerate(row):
            widths[i] = max(widths[i], _text_width(v))
    for i, ((_, kind, _), f) in enumerate(zip(columns, fields)):
        # The column's style is the cells' style, so that _fill_tables can read its number
        # from the sheet xlsxwriter writes; a value typed later in Excel takes it too.
        ws.set_column(i, i, min(widths[i] + 2, MAX_WIDTH), _column_format(kind, f.get("type", "string"), fmt))
    ws.freeze_panes(1, 0)
    for c, f in enumerate(fields):
        ws.write_string(0, c, f["name"], fmt.header)
    ws.autofilter(0, 0, max(rows, 1), len(fields) - 1)
    return _Table(sheet, f"xl/worksheets/sheet{index + 1}.xml", columns, source, order_by(spec), rows, total > MAX_ROWS)


_COL = re.compile(r'<col min="(\d+)" max="(\d+)"([^>]*)/>')
_STYLE = re.compile(r'\bstyle="(\d+)"')
_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')


def _styles(sheet_xml: str, n: int) -> list[int]:
    """The style number xlsxwriter gave each column (0: none)."""
    styles = [0] * n
    for m in _COL.finditer(sheet_xml):
        for c in range(int(m.group(1)), int(m.group(2)) + 1):
            if c <= n:
                style = _STYLE.search(m.group(3))
                styles[c - 1] = int(style.group(1)) if style else 0
    return styles


def _fill_tables(con, path: Path, tables: list[_Table]) -> None:
    """Rewrite the package with every table's rows inside its sheet. Parts keep their order,
    names, dates and compression, so the bytes depend only on the content."""
    _install_text(con)  # the cells' SQL calls it (_text_cell)
    by_part = {t.part: t for t in tables}
    tmp = path.with_name(path.name + ".tmp")
    try:
        with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                out_info = zipfile.ZipInfo(info.filename, info.date_time)
                out_info.compress_type = zipfile.ZIP_DEFLATED
                out_info.external_attr = info.external_attr
                data = zin.read(info)
                table = by_part.get(info.filename)
                if table is None or not table.rows:
                    zout.writestr(out_info, data)
                else:
                    _write_sheet(con, zout, out_info, data.decode("utf-8"), table, path.parent)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_sheet(con, zout: zipfile.ZipFile, info: zipfile.ZipInfo, sheet_xml: str, table: _Table, folder: Path) -> None:
    styles = _styles(sheet_xml, len(table.columns))
    last = f"{table.columns[-1][2]}{table.rows + 1}"
    sheet_xml = _DIMENSION.sub(f'<dimension ref="A1:{last}"/>', sheet_xml, count=1)
    head, tail = sheet_xml.split("</sheetData>", 1)
    cells = " || ".join(_cell_sql(name, kind, letter, style)
                        for (name, kind, letter), style in zip(table.columns, styles))
    cursor = con.execute(f"SELECT {cells} FROM {table.source} ORDER BY {table.order}")
    # The sheet goes through a temporary file: its size decides whether the entry needs ZIP64,
    # and that must be known before the entry is opened.
    body = folder / f".{table.part.rsplit('/', 1)[-1]}.rows"
    try:
        with body.open("w", encoding="utf-8", newline="") as fh:
            fh.write(head)
            r = 1
            while batch := cursor.fetchmany(FETCH_ROWS):
                out = []
                for (row,) in batch:
                    r += 1
                    n = str(r)
                    out.append(f'<row r="{n}">{row.replace(_ROW_MARK, n)}</row>')
                fh.write("".join(out))
                progress.update(advance=len(batch), detail=f"{folder.name}.xlsx ({table.sheet})")
            fh.write("</sheetData>")
            fh.write(tail)
        size = body.stat().st_size
        with body.open("rb") as src, zout.open(info, "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    finally:
        body.unlink(missing_ok=True)


def _write_dictionary(book, fmt: _Formats, dataset: BuiltDataset) -> None:
    ws = book.add_worksheet(DICTIONARY_SHEET)
    header = ["taula", "camp", "títol", "tipus", "descripció", "exemple", "restriccions"]
    widths = [22, 26, 30, 10, 80, 22, 40]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w, fmt.wrap if c in (4, 6) else None)
    ws.freeze_panes(1, 0)
    for c, h in enumerate(header):
        ws.write_string(0, c, h, fmt.header)
    r = 0
    for res in dataset.resources:
        pk = set(res.spec.schema.primary_key)
        for f in res.spec.schema.descriptor["fields"]:
            r += 1
            constraints = constraints_text(f, "ca", f["name"] in pk)
            values = [res.spec.name, f["name"], f.get("title", ""), f.get("type", "string"),
                      " ".join(str(f.get("description", "")).split()), example_text(f), constraints]
            for c, v in enumerate(values):
                if v:
                    ws.write_string(r, c, v, fmt.wrap if c in (4, 6) else fmt.text)
    ws.autofilter(0, 0, max(r, 1), len(header) - 1)


def _write_readme(book, fmt: _Formats, dataset: BuiltDataset, *, version: str, changes: dict, illustrative: bool,
                  base_url: str, truncated: list[str]) -> None:
    ws = book.add_worksheet(README_SHEET)
    ws.set_column(0, 0, 24, fmt.bold)
    ws.set_column(1, 1, 100, fmt.wrap)
    title = dataset.spec.text("title")
    date = changes.get("date") or (dataset.as_of.isoformat() if dataset.as_of else "")
    url = f"{base_url}{dataset.name}/"
    rows: list[tuple[str, str]] = []
    if illustrative:
        rows.append((ILLUSTRATIVE_MARK["ca"], "DADES D'EXEMPLE IL·LUSTRATIVES, generades: no són registres reals del "
                     "Consorci Localret. / Datos de ejemplo ilustrativos, generados: no son registros reales. / "
                     "Illustrative sample data, generated: not Consorci Localret's real records."))
    rows += [
        ("Títol", title),
        ("Título (es)", dataset.spec.text("title", "es")),
        ("Title (en)", dataset.spec.text("title", "en")),
        ("Descripció", dataset.spec.text("description")),
        ("Versió", version),
        ("Data de publicació", date),
        ("Data de referència", dataset.as_of.isoformat() if dataset.as_of else ""),
        ("Canvis", (changes.get("summary") or {}).get("ca", "")),
        ("Llicència", f"{LICENSE_ID} ({LICENSE_URL})"),
        ("Font", f"Font: {PUBLISHER}"),
        ("Com citar", citation(title, version, date, url)),
        ("Pàgina del conjunt de dades", url),
        ("Fulls", "Un full per taula (" + ", ".join(r.spec.name for r in dataset.resources) + "); "
                  f"«{DICTIONARY_SHEET}» descriu cada camp. Les dates són dates reals, els codis són text "
                  "(conserven els zeros inicials) i les xifres són nombres."),
        ("Format canònic", "Els fitxers CSV (UTF-8, coma, dates ISO 8601) i Parquet de la mateixa versió són la "
                           "referència; aquest llibre n'és una còpia per a fulls de càlcul."),
    ]
    if truncated:
        rows.append(("Atenció", "Fulls retallats al límit d'Excel (1.048.575 files): " + ", ".join(truncated)
                     + ". Feu servir el CSV o el Parquet per a les dades completes."))
    ws.write_string(0, 0, title, fmt.title)
    for i, (k, v) in enumerate(rows, start=2):
        ws.write_string(i, 0, k, fmt.warning if k in (ILLUSTRATIVE_MARK["ca"], "Atenció") else fmt.bold)
        if v:
            ws.write_string(i, 1, v, fmt.warning if k in (ILLUSTRATIVE_MARK["ca"], "Atenció") else fmt.wrap)
