"""Corpus cases of issue 11 (input sanity): see tests/corpus.py for the Case contract.

Classes: control characters and text-direction marks; bytes that are not UTF-8 in a UTF-8
file; CR line endings; fields over the size limit; XLSX whose used range, hidden sheets, title
rows, error values, booleans and dates test the reader; invisible characters in headers and
extensions in capitals; absurd dates and datetimes; a systematic mistake that must not bury
the rest of the report. Big XLSX inputs are written part by part with zipfile, streaming."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from corpus import ADH, Case, cp1252_lines, membres_rows, put_cp1252, rewrite_csv
from localret import paths
from localret.xlsx import column_letter

# Data rows of the bundled sample's adhesions.csv: a mistake made on every row is reported once, "(xN files/rows ...)".
ADHESION_ROWS = sum(1 for line in (paths.SAMPLE_SOURCES / "adhesions.csv").read_bytes().decode("cp1252").splitlines()[1:] if line)


# --- helpers ------------------------------------------------------------------------------------
def cell_edit(name: str, row: int, column: str, value: str, quote_all: bool = False):
    """Builder: set one cell of a UTF-8 source (row as the spreadsheet numbers it)."""
    def build(src: Path) -> None:
        import csv
        import io

        table = list(csv.reader(io.StringIO((src / name).read_text(encoding="utf-8-sig"))))
        table[row - 1][table[0].index(column)] = value
        out = io.StringIO()
        # csv quotes a value holding a CR only when asked (its line terminator here is LF)
        csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL).writerows(table)
        (src / name).write_text(out.getvalue(), encoding="utf-8")
    return build


def cp1252_edit(row: int, column: int, value: str):
    """Builder: set one cell of adhesions.csv (Windows-1252, semicolons, CRLF)."""
    def build(src: Path) -> None:
        rows = cp1252_lines(src)
        parts = rows[row - 1].split(";")
        parts[column] = value
        rows[row - 1] = ";".join(parts)
        put_cp1252(src, rows)
    return build


def insert_bytes(name: str, line: int, after: bytes, data: bytes):
    """Builder: insert raw bytes in a file's line (1-based), after the first `after` in it."""
    def build(src: Path) -> None:
        raw = (src / name).read_bytes()
        newline = b"\r\n" if b"\r\n" in raw else b"\n"
        lines = raw.split(newline)
        at = lines[line - 1].index(after) + len(after)
        lines[line - 1] = lines[line - 1][:at] + data + lines[line - 1][at:]
        (src / name).write_bytes(newline.join(lines))
    return build


def both(*builders):
    def build(src: Path) -> None:
        for b in builders:
            b(src)
    return build


# A minimal workbook written part by part: inline strings, and styles 1 (a date) and 2 (a date
# and time), so that serial numbers read as dates.
CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                 '</Types>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
             'Target="xl/workbook.xml"/></Relationships>')
STYLES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="22" applyNumberFormat="1"/></cellXfs>'
          '</styleSheet>')
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


col = column_letter


def xml_cell(ref: str, value) -> str:
    """A cell: text (inline), or a (type, raw) pair: ("n", "3"), ("b", "1"), ("e", "#N/A"),
    ("d", serial) with the date style, ("dt", serial) with the date-time style, ("s", index)."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        kind, raw = value
        style = {"d": ' s="1"', "dt": ' s="2"'}.get(kind, "")
        t = {"d": "n", "dt": "n"}.get(kind, kind)
        return f'<c r="{ref}"{style} t="{t}"><v>{escape(str(raw))}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def xml_row(number: int, values: list) -> str:
    return f'<row r="{number}">' + "".join(xml_cell(f"{col(i)}{number}", v) for i, v in enumerate(values)) + "</row>"


def write_book(path: Path, sheets: list[tuple[str, str, object]], shared=None) -> None:
    """sheets: (name, state, body) where body(fh) writes the <sheetData> rows as bytes, or is a
    list of rows (row 1 first). shared(fh), if given, writes the <si> items of sharedStrings."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        entries = "".join(f'<sheet name="{escape(n)}" sheetId="{i + 1}"{"" if s == "visible" else f" state={chr(34)}{s}{chr(34)}"} r:id="rId{i + 1}"/>'
                          for i, (n, s, _) in enumerate(sheets))
        zf.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS}><sheets>{entries}</sheets></workbook>')
        rels = "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                       f'Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(sheets)))
        rels += ('<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
                 '<Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                 'Target="sharedStrings.xml"/>')
        zf.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships '
                    f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        zf.writestr("xl/styles.xml", STYLES)
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(f'<?xml version="1.0" encoding="UTF-8"?><sst {NS[:NS.index(" xmlns:r")]}>'.encode())
            if shared:
                shared(fh)
            fh.write(b"</sst>")
        for i, (_, _, body) in enumerate(sheets):
            with zf.open(f"xl/worksheets/sheet{i + 1}.xml", "w", force_zip64=True) as fh:
                dimension = getattr(body, "dimension", None)
                fh.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>'.encode())
                if dimension:
                    fh.write(f'<dimension ref="{dimension}"/>'.encode())
                fh.write(b"<sheetData>")
                if callable(body):
                    body(fh)
                else:
                    for number, values in enumerate(body, start=1):
                        fh.write(xml_row(number, values).encode())
                fh.write(b"</sheetData></worksheet>")


def roster(src: Path) -> list[list]:
    return membres_rows(src)


def roster_book(edit=None, *, dimension=None, extra=None, sheets_before=(), shared=None):
    """Builder: membres.xlsx rewritten by write_book; edit(rows) may change the rows (row 1 is
    the header); extra(fh, last_row) writes more rows after them."""
    def build(src: Path) -> None:
        rows = roster(src)
        if edit:
            edit(rows)

        def body(fh):
            for number, values in enumerate(rows, start=1):
                fh.write(xml_row(number, values).encode())
            if extra:
                extra(fh, len(rows))
        body.dimension = dimension
        (src / "membres.xlsx").unlink()
        write_book(src / "membres.xlsx", [*sheets_before, ("membres", "visible", body)], shared=shared)
    return build


def set_roster(row: int, column: str, value):
    def edit(rows):
        rows[row - 1][rows[0].index(column)] = value
    return edit


def huge_shared_string(size: int):
    def shared(fh):
        fh.write(b"<si><t>")
        block = b"A" * (1 << 20)
        for _ in range(size // len(block)):
            fh.write(block)
        fh.write(b"</t></si>")
    return shared


def stray_cell_at_the_bottom(fh, last: int) -> None:
    fh.write(xml_row(1048576, [None, None, "Ajuntament perdut al final del full"]).encode())


def empty_rows_to_the_bottom(fh, last: int) -> None:
    """A row element for every row down to Excel's last one (a sheet 'formatted' to the end)."""
    block = []
    for number in range(last + 1, 1048576):
        block.append(f'<row r="{number}"/>')
        if len(block) == 50_000:
            fh.write("".join(block).encode())
            block = []
    fh.write("".join(block).encode())
    fh.write(xml_row(1048576, [("e", "#REF!")]).encode())


def convenis_as_xlsx(src: Path) -> None:
    """convenis.csv as a workbook whose `prorrogable` cells are real booleans."""
    import csv
    import io

    table = list(csv.reader(io.StringIO((src / "convenis.csv").read_text(encoding="utf-8-sig"))))
    i = table[0].index("prorrogable")
    for row in table[1:]:
        row[i] = ("b", "1" if row[i] in ("sí", "si", "SÍ", "SI", "S", "1", "true", "TRUE") else "0") if row[i] else None
    (src / "convenis.csv").unlink()
    write_book(src / "convenis.XLSX", [("convenis", "visible", [[v if v != "" else None for v in r] for r in table])])


def header_edit(name: str, old: str, new: str):
    def build(src: Path) -> None:
        raw = (src / name).read_bytes()
        enc = "cp1252" if name == "adhesions.csv" else "utf-8"
        head, sep, rest = raw.partition(b"\n")
        text = head.decode(enc)
        assert old in text
        (src / name).write_bytes(text.replace(old, new, 1).encode("utf-8" if enc == "utf-8" else enc) + sep + rest)
    return build


def rename(old: str, new: str):
    def build(src: Path) -> None:
        (src / old).rename(src / new)
    return build


def line_endings(name: str, newline: bytes):
    def build(src: Path) -> None:
        raw = (src / name).read_bytes().replace(b"\r\n", b"\n")
        (src / name).write_bytes(raw.replace(b"\n", newline))
    return build


def systematic(src: Path) -> None:
    rows = cp1252_lines(src)
    for i in range(1, len(rows)):
        if rows[i]:
            parts = rows[i].split(";")
            parts[ADH["estat"]] = "ACTIVA"
            rows[i] = ";".join(parts)
    put_cp1252(src, rows)
    cell_edit("contractes.csv", 6, "servei", "INTERNET")(src)


def cell_append(name: str, row: int, column: str, tail: str):
    def build(src: Path) -> None:
        def edit(table):
            i = table[0].index(column)
            table[row - 1][i] += tail
        rewrite_csv(src, name, edit)
    return build


def cp1252_append(row: int, column: int, tail: str):
    def build(src: Path) -> None:
        rows = cp1252_lines(src)
        parts = rows[row - 1].split(";")
        parts[column] += tail
        rows[row - 1] = ";".join(parts)
        put_cp1252(src, rows)
    return build


def dates_as_serials(column: str, kind: str):
    """Every date of a roster column as an Excel serial number in a date(-time) cell."""
    import datetime as dt

    def edit(rows):
        i = rows[0].index(column)
        for r in rows[1:]:
            if r[i]:
                day = dt.date.fromisoformat(r[i]) if "-" in r[i] else dt.datetime.strptime(r[i], "%d/%m/%Y").date()
                r[i] = (kind, str((day - dt.date(1899, 12, 30)).days))
    return edit


def big_field(size: int):
    def build(src: Path) -> None:
        rows = cp1252_lines(src)
        parts = rows[19].split(";")
        parts[1] = "B" * size
        rows[19] = ";".join(parts)
        put_cp1252(src, rows)
    return build


CASES = [
    # --- control characters and text-direction marks ------------------------------------------------
    Case("c0-escape-in-titol", cell_edit("contractes.csv", 4, "titol", "Contractació \x1b[31magregada"), 1,
         ["contractes.csv, fila 4", "titol", "caracter-control"]),
    Case("c1-nel-in-carrec", cell_edit("convenis_parts.csv", 7, "carrec_signant", "Alcalde\x85de Vic"), 1,
         ["convenis_parts.csv, fila 7", "carrec_signant", "caracter-control"]),
    Case("bidi-override-in-titol", cell_edit("convenis.csv", 5, "titol", "Conveni \u202egnirts\u202c de prova"), 1,
         ["convenis.csv, fila 5", "titol", "caracter-control"]),
    Case("bidi-isolate-in-xlsx-nom", roster_book(set_roster(9, "nom", "Ajuntament de \u2067Prova\u2069")), 1,
         ["membres.xlsx, fila 9", "nom", "caracter-control"]),
    Case("bidi-mark-in-titol", cell_edit("convenis.csv", 6, "titol", "Conveni \u200fmarc"), 1,
         ["convenis.csv, fila 6", "titol", "caracter-control"]),
    Case("only-invisible-characters-in-titol", cell_edit("contractes.csv", 6, "titol", "\u200b\u2060\ufeff"), 1,
         ["contractes.csv, fila 6", "titol", "caracter-control"]),
    Case("line-separator-in-free-text-accepted", cell_edit("convenis.csv", 7, "objecte", "Primer paràgraf.\u2029Segon."), 0, []),
    Case("tab-in-code-field", cell_edit("contractes.csv", 3, "adjudicatari", "Vodafone\tEspaña"), 1,
         ["contractes.csv, fila 3", "adjudicatari", "caracter-control"]),
    Case("newline-in-non-free-text", cell_edit("convenis_parts.csv", 11, "nom", "Ajuntament\nde Tremp"), 1,
         ["convenis_parts.csv, fila 11", "camp 'nom'", "caracter-control"]),
    Case("newline-in-free-text-accepted", cell_edit("convenis.csv", 4, "objecte", "Primer paràgraf.\r\nSegon\tparàgraf."), 0, []),
    Case("escaped-control-in-xlsx", roster_book(set_roster(12, "nom", "Ajuntament_x0007_ de Prova")), 1,
         ["membres.xlsx, fila 12", "nom", "caracter-control"]),
    Case("control-in-private-free-text", roster_book(set_roster(6, "observacions", "trucar_x000B_ dilluns")), 1,
         ["membres.xlsx, fila 6", "observacions", "caracter-control"]),
    # --- bytes that are not UTF-8 in a UTF-8 file ---------------------------------------------------
    Case("utf8-with-one-cp1252-byte", insert_bytes("contractes.csv", 5, b"Contractaci", b"\xe9"), 1,
         ["contractes.csv, fila 5", "not re-decoded"]),
    Case("utf8-bom-with-one-cp1252-byte", insert_bytes("convenis.csv", 9, b"C-", b"\x92"), 1,
         ["convenis.csv, fila 9", "UTF-8 mark (BOM)"]),
    Case("cp1252-with-a-utf8-letter", insert_bytes("adhesions.csv", 30, b";", "Ajuntament d’Olià ".encode("utf-8")), 1,
         ["adhesions.csv", "not re-decoded"]),
    Case("utf8-bad-byte-small-pandas-path", both(insert_bytes("convenis_parts.csv", 20, b",", b"\x80"),
                                                 insert_bytes("convenis_parts.csv", 4, b"", b"\n")), 1,
         ["convenis_parts.csv", "not re-decoded"]),
    # --- line endings -----------------------------------------------------------------------------
    Case("cr-only-utf8", line_endings("contractes.csv", b"\r"), 0, []),
    Case("cr-only-cp1252", line_endings("adhesions.csv", b"\r"), 0, []),
    Case("quoted-cr-in-titol", cell_edit("contractes.csv", 8, "titol", "Contractació\ragregada", quote_all=True), 1,
         ["contractes.csv, fila 8", "titol", "caracter-control"]),
    Case("unquoted-cr-inside-a-row", cell_edit("contractes.csv", 12, "titol", "Contractació\ragregada"), 1,
         ["contractes.csv, fila 12", "line break (CR) inside a value without quotes"]),
    # --- field size ---------------------------------------------------------------------------------
    Case("one-and-a-half-mib-field", cell_edit("convenis.csv", 6, "objecte", "Col·laborar " * 120_000), 1,
         ["convenis.csv, fila 6", "objecte", "camp-massa-gran"]),
    Case("three-mib-record", cell_edit("contractes.csv", 7, "adjudicatari", "Operador " * 350_000), 1,
         ["contractes.csv, fila 7", "1 MiB"]),
    Case("twenty-mib-field", big_field(20 * 1024 * 1024), 1, ["adhesions.csv, fila 20", "1 MiB"]),
    Case("huge-shared-string", roster_book(set_roster(5, "motiu_baixa", ("s", "0")), shared=huge_shared_string(300 * 2**20)), 1,
         ["membres.xlsx, fila 5", "motiu_baixa", "1 MiB"]),
    Case("huge-inline-string", roster_book(set_roster(7, "nom", "N" * (3 * 2**20))), 1,
         ["membres.xlsx, fila 7", "nom", "1 MiB"]),
    # --- XLSX: used range, hidden sheets, title rows, error values, booleans, dates --------------------
    Case("used-range-to-the-last-cell", roster_book(dimension="A1:XFD1048576"), 0, []),
    Case("full-height-stray-cell", roster_book(dimension="A1:XFD1048576", extra=stray_cell_at_the_bottom), 1,
         ["membres.xlsx, fila 1048576", "tipus_ens", "valor-obligatori"]),
    Case("full-height-empty-rows", roster_book(extra=empty_rows_to_the_bottom), 1,
         ["membres.xlsx, fila 1048576", "codi_ens", "valor-error-excel"]),
    Case("hidden-first-sheet", roster_book(sheets_before=[("notes", "hidden", [["notes internes"]])]), 0, ["hidden sheets"]),
    Case("only-hidden-sheets", lambda src: write_book(src / "membres.xlsx", [("m", "hidden", roster(src)), ("n", "veryHidden", [["x"]])]), 1,
         ["membres.xlsx", "no visible sheet"]),
    Case("title-row-above-header", roster_book(lambda rows: rows.__setitem__(slice(0, 0), [["Llistat de membres 2026"], []])), 1,
         ["membres.xlsx, fila 1", "Llistat de membres 2026", "row 3"]),
    Case("empty-rows-above-header", roster_book(lambda rows: rows.__setitem__(slice(0, 0), [[], []])), 1,
         ["membres.xlsx, fila 3", "header must be in row 1"]),
    Case("error-na-in-nom", roster_book(set_roster(10, "nom", ("e", "#N/A"))), 1, ["membres.xlsx, fila 10", "nom", "valor-error-excel"]),
    Case("error-ref-in-date", roster_book(set_roster(15, "data_alta", ("e", "#REF!"))), 1,
         ["membres.xlsx, fila 15", "data_alta", "valor-error-excel"]),
    Case("error-div0-text-in-csv", cell_edit("contractes.csv", 9, "pressupost_sense_iva", "#DIV/0!"), 1,
         ["contractes.csv, fila 9", "pressupost_sense_iva", "valor-error-excel"]),
    Case("boolean-cell-in-enum-field", roster_book(set_roster(4, "tipus_ens", ("b", "1"))), 1,
         ["membres.xlsx, fila 4", "tipus_ens", "valor-no-admes"]),
    Case("boolean-cells-in-boolean-field", convenis_as_xlsx, 0, []),
    Case("excel-datetime-at-midnight", roster_book(dates_as_serials("data_alta", "dt")), 0, []),
    Case("excel-datetime-with-time", roster_book(set_roster(8, "data_alta", ("dt", "36526.75"))), 1,
         ["membres.xlsx, fila 8", "data_alta", "data-amb-hora"]),
    # --- headers and extensions ---------------------------------------------------------------------
    Case("zero-width-space-in-header", header_edit("contractes.csv", "titol", "titol\u200b"), 0, ["invisible"]),
    Case("second-bom-and-nbsp-in-header", header_edit("convenis.csv", "\ufeffconveni_id", "\ufeff\ufeffconveni_id\u00a0"), 0, ["invisible"]),
    Case("bidi-in-header", header_edit("convenis_parts.csv", "rol", "r\u202eol"), 1, ["convenis_parts.csv, fila 1", "column 5"]),
    Case("upper-case-extensions", both(rename("contractes.csv", "contractes.CSV"), rename("membres.xlsx", "membres.XLSX")), 0, []),
    # --- dates ---------------------------------------------------------------------------------------
    Case("year-1850", cp1252_edit(25, 5, "03/04/1850"), 1, ["adhesions.csv, fila 25", "data_adhesio", "data-fora-de-rang"]),
    Case("year-2999", cell_edit("convenis.csv", 7, "data_fi_vigencia", "2999-12-31"), 1,
         ["convenis.csv, fila 7", "data_fi_vigencia", "data-fora-de-rang"]),
    # a warning does not stop the publication; the summary counts it (`localret validate` lists it)
    Case("future-adhesion-warns", cp1252_edit(33, 5, "30/06/2097"), 0, ["0 errors, 1 avisos / warnings"]),
    Case("sql-midnight-datetimes", both(cell_append("convenis.csv", 3, "data_signatura", " 00:00:00"),
                                        cell_append("contractes.csv", 4, "data_adjudicacio", "T00:00:00"),
                                        cp1252_append(12, 5, " 0:00")), 0, []),
    Case("datetime-with-time", cell_edit("contractes.csv", 10, "data_adjudicacio", "2019-04-09 13:45:00"), 1,
         ["contractes.csv, fila 10", "data_adjudicacio", "data-amb-hora"]),
    # --- a systematic mistake does not bury the rest ------------------------------------------------
    Case("systematic-mistake-grouped", systematic, 1,
         ["adhesions.csv, fila 2, camp 'estat'", f"(x{ADHESION_ROWS} files/rows; primeres/first: 2, 3, 4, 5, 6)", "contractes.csv, fila 6"]),
]
