"""<dataset>.xlsx in every release, for people who live in Excel: one sheet per table with
real types (text as text, numbers as numbers, dates as dates), a frozen header row, column
widths and an autofilter; a "Diccionari" sheet (the Table Schemas) and a "Llegiu-me" sheet
(what it is, version, licence, source).

Text cells are always written as text: codes keep their leading zeros and a value such as
"=1+1" or "-5 €" never becomes a formula or a number. The file is byte-reproducible: the
workbook's creation date is the release date and nothing else varies between runs.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from pathlib import Path

import xlsxwriter

from localret.build import BuiltDataset, order_by
from localret.extras import release_writer
from localret.site.published import (ILLUSTRATIVE_MARK, LICENSE_ID, LICENSE_URL, PUBLISHER, DEFAULT_BASE_URL,
                                     base, citation, constraints_text, example_text)

DICTIONARY_SHEET = "Diccionari"
README_SHEET = "Llegiu-me"
MAX_ROWS = 1_048_576 - 1  # Excel's limit, less the header row
MAX_WIDTH = 60
WIDTH_SAMPLE = 2000  # rows looked at to size the columns
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


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


def _writer_for(field_type: str, fmt: _Formats):
    """A function writing one cell of a column of this Table Schema type."""
    def as_text(ws, r, c, v):
        ws.write_string(r, c, str(v), fmt.text)

    def as_number(ws, r, c, v):
        if isinstance(v, bool):
            ws.write_boolean(r, c, v)
        elif isinstance(v, (int, float, decimal.Decimal)):
            ws.write_number(r, c, float(v) if isinstance(v, decimal.Decimal) else v,
                            fmt.integer if field_type == "integer" else fmt.number)
        else:
            as_text(ws, r, c, v)

    def as_date(ws, r, c, v):
        if isinstance(v, dt.datetime):
            ws.write_datetime(r, c, v.replace(tzinfo=None), fmt.datetime)
        elif isinstance(v, dt.date):
            ws.write_datetime(r, c, v, fmt.date)
        else:
            as_text(ws, r, c, v)

    def as_bool(ws, r, c, v):
        if isinstance(v, bool):
            ws.write_boolean(r, c, v)
        else:
            as_text(ws, r, c, v)

    return {"integer": as_number, "number": as_number, "date": as_date, "datetime": as_date,
            "boolean": as_bool}.get(field_type, as_text)


@release_writer
def write_xlsx(con, dataset: BuiltDataset, folder: Path, *, version: str, changes: dict, illustrative: bool,
               base_url: str | None = None, **_ignored) -> list[str]:
    name = f"{dataset.name}.xlsx"
    created = dt.datetime.combine(dataset.as_of or dt.date(2000, 1, 1), dt.time())
    if changes.get("date"):
        created = dt.datetime.combine(dt.date.fromisoformat(changes["date"]), dt.time())
    book = xlsxwriter.Workbook(str(folder / name), {
        "constant_memory": True,  # rows are streamed: memory stays flat however long the table
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
        "default_date_format": "yyyy-mm-dd", "remove_timezone": True, "nan_inf_to_errors": True,
    })
    try:
        title_ca = dataset.spec.text("title")
        book.set_properties({
            "title": title_ca, "subject": f"{dataset.name} {version}", "author": PUBLISHER, "company": PUBLISHER,
            "keywords": ", ".join(dataset.spec.meta.get("keywords", {}).get("ca", [])),
            "comments": f"Llicència {LICENSE_ID}. Font: {PUBLISHER}.", "created": created,
        })
        fmt = _Formats(book)
        taken = {DICTIONARY_SHEET, README_SHEET}
        truncated = []
        for res in dataset.resources:
            truncated += _write_table(con, book, fmt, res, sheet_name(res.spec.name, taken))
        _write_dictionary(book, fmt, dataset)
        _write_readme(book, fmt, dataset, version=version, changes=changes, illustrative=illustrative,
                      base_url=base(base_url or DEFAULT_BASE_URL), truncated=truncated)
    finally:
        book.close()
    return [name]


def _write_table(con, book, fmt: _Formats, res, sheet: str) -> list[str]:
    spec = res.spec
    fields = spec.schema.descriptor["fields"]
    ws = book.add_worksheet(sheet)
    writers = [_writer_for(f.get("type", "string"), fmt) for f in fields]
    widths = [max(len(f["name"]), 6) for f in fields]
    cursor = con.execute(f"SELECT * FROM {spec.table} ORDER BY {order_by(spec)}")
    # widths must be set before the rows are streamed: measure a first batch
    first = cursor.fetchmany(WIDTH_SAMPLE)
    for row in first:
        for i, v in enumerate(row):
            widths[i] = max(widths[i], _text_width(v))
    for i, w in enumerate(widths):
        ws.set_column(i, i, min(w + 2, MAX_WIDTH))
    ws.freeze_panes(1, 0)
    for c, f in enumerate(fields):
        ws.write_string(0, c, f["name"], fmt.header)
    r = 0
    truncated = []

    def emit(rows):
        nonlocal r
        for row in rows:
            if r >= MAX_ROWS:
                return False
            r += 1
            for c, v in enumerate(row):
                if v is not None:
                    writers[c](ws, r, c, v)
        return True

    ok = emit(first)
    while ok:
        batch = cursor.fetchmany(10_000)
        if not batch:
            break
        ok = emit(batch)
    if not ok:
        truncated.append(sheet)
    ws.autofilter(0, 0, max(r, 1), len(fields) - 1)
    return truncated


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
