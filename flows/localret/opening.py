"""How to open a dataset's files, said the same way by its README (every release) and its
landing page: the XLSX for spreadsheets; one line each for pandas, R (readr) and DuckDB that
reads a CSV with its code columns as text, so that 08019 stays 08019; the Parquet copy and the
DuckDB database. Catalan first, then Spanish and English.

Which columns are codes comes from the Table Schemas, not from a list kept here: a text field
whose declared pattern or example admits a value made of digits only (codi_ine, comarca_codi,
codi_ens...). Those are the ones a reader guessing types would turn into numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

DATABASE = "localret.duckdb"
DUCKDB_SINCE = "1.4"  # localret.duckdb's storage version (stages.DATABASE_STORAGE_VERSION)

T = {
    "ca": {
        "heading": "Com obrir els fitxers",
        "sheet_label": "En un full de càlcul",
        "sheet": "(Excel, LibreOffice Calc): obriu {xlsx}, amb un full per taula, els codis com a text (conserven els "
                 "zeros inicials), les dates com a dates i els imports com a nombres. Obert directament, el CSV pot "
                 "perdre els zeros inicials i els accents.",
        "code_label": "Amb un programa",
        "code": "llegiu el CSV amb les columnes de codi com a text, perquè conservin els zeros inicials ({zero}, no "
                "{nozero}). Per exemple, la taula {table}:",
        "code_plain": "llegiu el CSV; per exemple, la taula {table}:",
        "others": "Columnes de codi de les altres taules:",
        "parquet": "El Parquet ja porta els tipus (codis com a text, imports com a DECIMAL) i la descripció de cada "
                   "camp: pandas ({pd_parquet}), R ({r_parquet}) i DuckDB el llegeixen tal com és.",
        "database": "Totes les taules de tots els conjunts en un sol fitxer: {db} (DuckDB {since} o posterior; la "
                    "descripció de cada columna és a {columns}).",
    },
    "es": {
        "heading": "Cómo abrir los ficheros",
        "sheet_label": "En una hoja de cálculo",
        "sheet": "(Excel, LibreOffice Calc): abra {xlsx}, con una hoja por tabla, los códigos como texto (conservan "
                 "los ceros iniciales), las fechas como fechas y los importes como números. Abierto directamente, el "
                 "CSV puede perder los ceros iniciales y los acentos.",
        "code_label": "Con un programa",
        "code": "lea el CSV con las columnas de código como texto, para que conserven los ceros iniciales ({zero}, "
                "no {nozero}). Por ejemplo, la tabla {table}:",
        "code_plain": "lea el CSV; por ejemplo, la tabla {table}:",
        "others": "Columnas de código de las demás tablas:",
        "parquet": "El Parquet ya lleva los tipos (códigos como texto, importes como DECIMAL) y la descripción de "
                   "cada campo (en catalán): pandas ({pd_parquet}), R ({r_parquet}) y DuckDB lo leen tal cual.",
        "database": "Todas las tablas de todos los conjuntos en un solo fichero: {db} (DuckDB {since} o posterior; "
                    "la descripción de cada columna, en catalán, está en {columns}).",
    },
    "en": {
        "heading": "How to open the files",
        "sheet_label": "In a spreadsheet",
        "sheet": "(Excel, LibreOffice Calc): open {xlsx}, with one sheet per table, codes as text (leading zeros "
                 "kept), dates as dates and amounts as numbers. Opened directly, the CSV may lose leading zeros and "
                 "accents.",
        "code_label": "In code",
        "code": "read the CSV with the code columns as text, so that they keep their leading zeros ({zero}, not "
                "{nozero}). For example, the table {table}:",
        "code_plain": "read the CSV; for example, the table {table}:",
        "others": "Code columns of the other tables:",
        "parquet": "The Parquet file already carries the types (codes as text, amounts as DECIMAL) and each field's "
                   "description (in Catalan): pandas ({pd_parquet}), R ({r_parquet}) and DuckDB read it as it is.",
        "database": "Every table of every dataset in one file: {db} (DuckDB {since} or later; each column's "
                    "description, in Catalan, is in {columns}).",
    },
}
TOOLS = (("pandas", "pandas (Python)", "python"), ("r", "R (readr)", "r"), ("duckdb", "DuckDB (SQL)", "sql"))
# Digits only, as many as a code may have: a pattern that admits one of these admits a code
# that a number would shorten.
_DIGIT_RUNS = tuple("0" * n for n in range(1, 21))


def code_columns(fields: list[dict]) -> list[str]:
    """The text fields whose values may be digits only (leading zeros included)."""
    out = []
    for f in fields:
        if f.get("type", "string") != "string":
            continue
        example = str(f.get("example", ""))
        pattern = (f.get("constraints") or {}).get("pattern")
        if example.isdigit() or (pattern and any(re.fullmatch(pattern, d) for d in _DIGIT_RUNS)):
            out.append(f["name"])
    return out


def pandas_line(url: str, codes: list[str]) -> str:
    dtype = ", dtype={" + ", ".join(f'"{c}": str' for c in codes) + "}" if codes else ""
    return f'import pandas as pd; df = pd.read_csv("{url}"{dtype})'


def r_line(url: str, codes: list[str]) -> str:
    # cols() guesses every column it does not name; "c" is col_character()
    types = (", col_types = readr::cols(" + ", ".join(f'{c} = "c"' for c in codes) + ")") if codes else ""
    return f'df <- readr::read_csv("{url}"{types})'


def duckdb_line(url: str, codes: list[str]) -> str:
    types = ", types = {" + ", ".join(f"'{c}': 'VARCHAR'" for c in codes) + "}" if codes else ""
    return f"SELECT * FROM read_csv('{url}'{types});"


LINES = {"pandas": pandas_line, "r": r_line, "duckdb": duckdb_line}


@dataclass(frozen=True)
class Table:
    name: str
    path: str  # the CSV, relative to the release folder
    codes: tuple[str, ...]


@dataclass(frozen=True)
class HowTo:
    """What both writers say, for one dataset, its files at `files_url` (a folder URL)."""

    xlsx: str
    example: Table
    others: tuple[Table, ...]  # the other tables that have code columns
    files_url: str
    database_url: str

    def line(self, tool: str) -> str:
        return LINES[tool](self.files_url + self.example.path, list(self.example.codes))

    def paragraphs(self, lang: str, code, text=str) -> dict[str, str]:
        """The texts, each made safe by `text` (escape for HTML), with the file, column and
        function names put in through `code` (a code span in Markdown, <code> in HTML)."""
        t = T[lang]
        values = {"xlsx": code(self.xlsx), "table": code(self.example.path), "zero": code("08019"),
                  "nozero": code("8019"), "db": code(self.database_url), "since": DUCKDB_SINCE,
                  "pd_parquet": code("pd.read_parquet"), "r_parquet": code("arrow::read_parquet"),
                  "columns": code("duckdb_columns()")}
        keys = {"sheet": "sheet", "code": "code" if self.example.codes else "code_plain",
                "parquet": "parquet", "database": "database"}
        return {k: text(t[key]).format(**values) for k, key in keys.items()}


def how_to(dataset: str, tables: list[tuple[str, str, list[dict]]], files_url: str, site_url: str) -> HowTo:
    """tables: (name, CSV path, Table Schema fields) in the dataset's order. The example is the
    first table with code columns (the first table if none has any)."""
    all_tables = [Table(name, path, tuple(code_columns(fields))) for name, path, fields in tables]
    example = next((t for t in all_tables if t.codes), all_tables[0])
    others = tuple(t for t in all_tables if t.codes and t is not example)
    return HowTo(f"{dataset}.xlsx", example, others, files_url, f"{site_url}{DATABASE}")


# ---------- README (Markdown) ----------

def readme_lines(h: HowTo, lang: str, level: str = "###") -> list[str]:
    """The section, in Markdown. Its texts are ours and hold no Markdown; the names that come
    from declarations (files, columns) are snake_case or file names, inside code spans."""
    p = h.paragraphs(lang, lambda value: f"`{value}`")
    t = T[lang]
    lines = [f"{level} {t['heading']}", "", f"- **{t['sheet_label']}** {p['sheet']}",
             f"- **{t['code_label']}**: {p['code']}", ""]
    for tool, label, fence in TOOLS:
        lines += [f"  {label}:", "", f"  ```{fence}", f"  {h.line(tool)}", "  ```", ""]
    if h.others:
        lines += [f"  {t['others']}", ""]
        lines += [f"  - `{o.path}`: " + ", ".join(f"`{c}`" for c in o.codes) for o in h.others]
        lines.append("")
    lines += [f"- {p['parquet']}", f"- {p['database']}", ""]
    return lines


# ---------- landing page (HTML: templates/how_to_open.html) ----------

def page_context(h: HowTo, lang: str) -> dict:
    p = h.paragraphs(lang, lambda value: Markup("<code>{}</code>").format(value), text=escape)
    t = T[lang]
    return {
        "heading": t["heading"], "sheet_label": t["sheet_label"], "code_label": t["code_label"], **p,
        "lines": [{"label": label, "tool": tool, "text": h.line(tool)} for tool, label, _ in TOOLS],
        "others_label": t["others"] if h.others else "",
        "others": [{"path": o.path, "codes": list(o.codes)} for o in h.others],
    }
