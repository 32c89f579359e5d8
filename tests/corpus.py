"""The corpus of broken and hostile inputs: each case edits a fresh copy of the sample and says
exactly what must happen (exit code, the words of the message, and where it points).

A case is (id, builder, expected). The builder receives the sources folder and edits it.
`expected` holds: code (exit code), says (substrings the output must contain: the reason,
the file, "fila N", the field), and for accepted-but-hostile inputs, what must be true."""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import xlsxwriter

from localret.reader import read_table
from localret.sample import fields

# Column positions in adhesions.csv (the order of its source schema).
ADH = {name: i for i, name in enumerate(fields("adhesions"))}


@dataclass
class Case:
    id: str
    build: Callable[[Path], None]
    code: int
    says: list[str] = field(default_factory=list)
    slow: bool = False
    args: list[str] = field(default_factory=list)  # extra `localret publish` options (--as-of, --base-url...)
    env: dict[str, str] = field(default_factory=dict)  # extra environment; "{tmp}" is the case's folder
    check: Callable[[Path], None] | None = None  # more to assert afterwards, given the case's folder (out = <tmp>/public)
    # While this returns a reason, the case waits for a change made elsewhere (it is expected to fail).
    pending: Callable[[], str | None] | None = None


# --- helpers ------------------------------------------------------------------------------------
def text(path: Path, encoding: str = "utf-8") -> str:
    return path.read_bytes().decode(encoding)


def lines(src: Path, name: str) -> list[str]:
    return text(src / name).splitlines()


def put_lines(src: Path, name: str, rows: list[str], encoding: str = "utf-8", newline: str = "\n") -> None:
    (src / name).write_bytes((newline.join(rows) + newline).encode(encoding))


def edit_line(src: Path, name: str, index: int, old: str, new: str) -> None:
    rows = lines(src, name)
    assert old in rows[index], (old, rows[index])
    rows[index] = rows[index].replace(old, new, 1)
    put_lines(src, name, rows)


def membres_as_csv(src: Path) -> None:
    """The roster as a UTF-8 CSV (it ships as .xlsx), to edit it as text."""
    frame = read_table(src / "membres.xlsx").frame.drop(columns="_row")
    (src / "membres.xlsx").unlink()
    frame.to_csv(src / "membres.csv", index=False, lineterminator="\n")


def cp1252_lines(src: Path) -> list[str]:
    return (src / "adhesions.csv").read_bytes().decode("cp1252").split("\r\n")


def put_cp1252(src: Path, rows: list[str]) -> None:
    (src / "adhesions.csv").write_bytes("\r\n".join(rows).encode("cp1252"))


def write_xlsx(path: Path, rows: list[list], *, merge: str | None = None, formula: str | None = None,
               more_sheets: int = 0) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("membres")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write_string(r, c, str(value))
    if merge:
        sheet.merge_range(merge, rows[1][2])
    if formula:
        sheet.write_formula(formula, "=1+1", None, 2)
    for i in range(more_sheets):
        book.add_worksheet(f"notes{i}").write_string(0, 0, "notes internes")
    book.close()


def membres_rows(src: Path) -> list[list]:
    frame = read_table(src / "membres.xlsx").frame.drop(columns="_row")
    return [list(frame.columns)] + frame.astype(object).where(frame.notna(), None).values.tolist()


# --- builders -----------------------------------------------------------------------------------
def empty_file(src):
    (src / "contractes.csv").write_bytes(b"")


def header_only(src):
    put_lines(src, "convenis_parts.csv", lines(src, "convenis_parts.csv")[:1])


def rewrite_csv(src, name: str, edit) -> None:
    """Parse a UTF-8 source as CSV, let `edit` change the list of records, write it back."""
    import csv

    table = list(csv.reader(io.StringIO(text(src / name, "utf-8-sig"))))
    edit(table)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    (src / name).write_text(out.getvalue(), encoding="utf-8")


def missing_column(src):
    rewrite_csv(src, "contractes.csv", lambda t: [r.pop() for r in t])


def extra_column(src):
    rows = lines(src, "contractes.csv")
    put_lines(src, "contractes.csv", [rows[0] + ",comentari"] + [r + ",x" for r in rows[1:]])


def duplicated_column(src):
    rows = lines(src, "contractes.csv")
    put_lines(src, "contractes.csv", [rows[0] + ",titol"] + [r + ",x" for r in rows[1:]])


def blank_column_name(src):
    rows = lines(src, "contractes.csv")
    put_lines(src, "contractes.csv", [rows[0] + ","] + [r + ",x" for r in rows[1:]])


def reordered_columns(src):
    import csv

    rows = list(csv.reader(io.StringIO(text(src / "contractes.csv"))))
    order = list(reversed(range(len(rows[0]))))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([[r[i] for i in order] for r in rows])
    (src / "contractes.csv").write_text(out.getvalue(), encoding="utf-8")


def late_latin1(src):
    """Windows-1252 whose only accent comes after the first megabyte (frictionless looks at
    the first ~200 KB and would take it for UTF-8)."""
    import unicodedata

    rows = cp1252_lines(src)
    data = [r for r in rows[1:] if r]

    def plain(row: str) -> str:
        row = row.replace("SOL·LICITADA", "ADHERIDA")
        row = unicodedata.normalize("NFKD", row).encode("ascii", "ignore").decode()
        parts = row.split(";")
        parts[1] += " " * 1400  # trailing spaces: trimmed at ingest, but they push the accent far
        return ";".join(parts)

    last = data[-1].split(";")
    last[1] = "Ajuntament de l’Escala · prova"
    put_cp1252(src, [rows[0]] + [plain(r) for r in data[:-1]] + [";".join(last), ""])


def mixed_line_endings(src):
    rows = lines(src, "contractes.csv")
    data = "".join(r + ("\r\n" if i % 2 else "\n") for i, r in enumerate(rows))
    (src / "contractes.csv").write_bytes(data.encode("utf-8"))


def stray_quote(src):
    edit_line(src, "contractes.csv", 3, ",", ',"', )


def delimiter_changes(src):
    rows = cp1252_lines(src)
    rows[40] = rows[40].replace(";", ",")
    put_cp1252(src, rows)


def third_date_format(src):
    rows = cp1252_lines(src)
    parts = rows[5].split(";")
    d, m, y = parts[5].split("/")
    parts[5] = f"{y}/{m}/{d}"
    rows[5] = ";".join(parts)
    put_cp1252(src, rows)


def impossible_date(src):
    rows = cp1252_lines(src)
    parts = rows[6].split(";")
    parts[5] = "31/02/2020"
    rows[6] = ";".join(parts)
    put_cp1252(src, rows)


def two_digit_year(src):
    rows = cp1252_lines(src)
    parts = rows[7].split(";")
    parts[5] = "15/03/19"
    rows[7] = ";".join(parts)
    put_cp1252(src, rows)


def thousands_in_comma_file(src):
    rows = lines(src, "contractes.csv")
    import csv

    table = list(csv.reader(io.StringIO("\n".join(rows))))
    table[2][table[0].index("pressupost_sense_iva")] = "1,234,567.00"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    (src / "contractes.csv").write_text(out.getvalue(), encoding="utf-8")


def point_decimal_in_semicolon_file(src):
    rows = cp1252_lines(src)
    parts = rows[8].split(";")
    parts[ADH["consum_anual_sense_iva"]] = "1234.56"
    rows[8] = ";".join(parts)
    put_cp1252(src, rows)


def lost_leading_zero(src):
    rows = cp1252_lines(src)
    i = next(i for i, r in enumerate(rows) if r.startswith("08"))
    rows[i] = rows[i][1:]
    put_cp1252(src, rows)


def wrong_control_digit(src):
    rows = cp1252_lines(src)
    parts = rows[9].split(";")
    parts[0] = parts[0][:5] + str((int(parts[0][5]) + 1) % 10) + parts[0][6:]
    rows[9] = ";".join(parts)
    put_cp1252(src, rows)


def wrong_nif_letter(src):
    rows = lines(src, "convenis_parts.csv")
    i = next(i for i, r in enumerate(rows) if ",P5800010J," in r)
    rows[i] = rows[i].replace(",P5800010J,", ",P5800010K,")
    put_lines(src, "convenis_parts.csv", rows)


def duplicate_key(src):
    rows = lines(src, "contractes.csv")
    put_lines(src, "contractes.csv", rows + [rows[1]])


def fk_to_nowhere(src):
    rows = lines(src, "convenis_parts.csv")
    rows[3] = "C-1999-999" + rows[3][rows[3].index(","):]
    put_lines(src, "convenis_parts.csv", rows)


def adhesion_to_missing_lot(src):
    rows = cp1252_lines(src)
    parts = rows[10].split(";")
    parts[4] = "9"
    rows[10] = ";".join(parts)
    put_cp1252(src, rows)


def overlapping_episodes(src):
    membres_as_csv(src)
    rows = lines(src, "membres.csv")
    import csv

    table = list(csv.reader(io.StringIO("\n".join(rows))))
    twin = list(table[1])
    twin[4] = "2010-01-01"  # joins again while the first episode is still open
    table.append(twin)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    (src / "membres.csv").write_text(out.getvalue(), encoding="utf-8")


def csv_is_xlsx(src):
    (src / "contractes.csv").write_bytes((src / "membres.xlsx").read_bytes())


def xlsx_is_csv(src):
    (src / "membres.xlsx").write_bytes((src / "contractes.csv").read_bytes())


def several_sheets(src):
    write_xlsx(src / "membres.xlsx", membres_rows(src), more_sheets=2)


def merged_cells(src):
    write_xlsx(src / "membres.xlsx", membres_rows(src), merge="C6:C7")


def formulas(src):
    write_xlsx(src / "membres.xlsx", membres_rows(src), formula="M3")


def password_protected(src):
    # An encrypted workbook is an OLE2 compound file, whatever its extension says.
    (src / "membres.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4096))


def corrupt_xlsx(src):
    data = (src / "membres.xlsx").read_bytes()
    (src / "membres.xlsx").write_bytes(data[: len(data) // 2])


def zip_bomb(src):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(1024):  # 1 GiB of zeros, about 1 MB compressed
                fh.write(chunk)
    (src / "membres.xlsx").write_bytes(buf.getvalue())


def huge_file(src):
    """About 200 MB of roster rows, every one of them wrong: bounded memory, bounded report."""
    membres_as_csv(src)
    header = lines(src, "membres.csv")[0]
    row = "0801930008,,Ajuntament de Prova amb un nom llarg per ocupar espai,DESCONEGUT,01/01/2001,,,,,,,\n"
    with open(src / "membres.csv", "w", encoding="utf-8") as fh:
        fh.write(header + "\n")
        block = row * 10_000
        for _ in range(200 * 1024 * 1024 // len(block)):
            fh.write(block)


def formula_text(src):
    rows = lines(src, "contractes.csv")
    import csv

    table = list(csv.reader(io.StringIO("\n".join(rows))))
    table[4][1] = "=HYPERLINK(\"http://example.invalid\",\"clic\")"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    (src / "contractes.csv").write_text(out.getvalue(), encoding="utf-8")


def at_text(src):
    rows = lines(src, "convenis_parts.csv")
    i = next(i for i, r in enumerate(rows) if ",President del Consorci Localret," in r)
    rows[i] = rows[i].replace(",President del Consorci Localret,", ",@SUM(A1),")
    put_lines(src, "convenis_parts.csv", rows)


def html_names(src):
    rows = cp1252_lines(src)
    parts = rows[11].split(";")
    parts[1] = "Ajuntament <script>alert(1)</script></script>"
    rows[11] = ";".join(parts)
    put_cp1252(src, rows)


def nul_bytes(src):
    data = (src / "contractes.csv").read_bytes()
    (src / "contractes.csv").write_bytes(data[:200] + b"\x00" + data[200:])


def long_cell(src):
    rows = cp1252_lines(src)
    parts = rows[12].split(";")
    parts[1] = "A" * 10_000
    rows[12] = ";".join(parts)
    put_cp1252(src, rows)


def rtl_and_emoji(src):
    membres_as_csv(src)
    rows = lines(src, "membres.csv")
    rows[1] = rows[1].replace(",Ajuntament ", ",Ajuntament 🏛️ بلدية ", 1)
    put_lines(src, "membres.csv", rows)


def symlink_outside(src):
    outside = src.parent / "elsewhere.csv"
    (src / "contractes.csv").rename(outside)
    (src / "contractes.csv").symlink_to(outside)


def missing_file(src):
    (src / "convenis.csv").unlink()


def both_formats(src):
    membres_as_csv(src)
    (src / "membres.xlsx").write_bytes(b"PK\x03\x04")


def unknown_encoding(src):
    (src / "contractes.csv").write_bytes(text(src / "contractes.csv").encode("utf-16"))


def required_missing(src):
    rows = lines(src, "contractes.csv")
    rows[2] = rows[2].replace("FIX_VEU_DADES", "", 1).replace("MOBIL", "", 1).replace("VEU_FIXA", "", 1)
    put_lines(src, "contractes.csv", rows)


def enum_violation(src):
    rows = cp1252_lines(src)
    parts = rows[13].split(";")
    parts[ADH["estat"]] = "ACTIVA"
    rows[13] = ";".join(parts)
    put_cp1252(src, rows)


def negative_amount(src):
    rows = cp1252_lines(src)
    parts = rows[14].split(";")
    parts[ADH["consum_anual_sense_iva"]] = "-12,50"
    rows[14] = ";".join(parts)
    put_cp1252(src, rows)


def per_ens_without_operator(src):
    rows = cp1252_lines(src)
    i = next(i for i, r in enumerate(rows) if ";lle-bcn-2020;" in r)
    parts = rows[i].split(";")
    parts[ADH["operador"]] = ""
    rows[i] = ";".join(parts)
    put_cp1252(src, rows)


def personal_data_in_objecte(src):
    rows = lines(src, "convenis.csv")
    rows[2] = rows[2].replace(",CONVENI,", ",CONVENI,", 1)
    import csv

    table = list(csv.reader(io.StringIO(text(src / "convenis.csv", "utf-8-sig"))))
    table[2][4] = "Contacte: maria.puig@example.cat, 612 345 678"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    (src / "convenis.csv").write_text(out.getvalue(), encoding="utf-8-sig")


def bad_manifest(src):
    (src / "manifest.json").write_text("{illustrative: yes", encoding="utf-8")


CASES = [
    Case("empty-file", empty_file, 1, ["contractes.csv", "buit", "empty"]),
    Case("header-only", header_only, 1, ["convenis_parts.csv", "cap fila", "no data rows"]),
    Case("missing-column", missing_column, 1, ["contractes.csv", "missing columns: adjudicatari"]),
    Case("extra-column", extra_column, 1, ["contractes.csv", "unknown columns: comentari"]),
    Case("duplicated-column", duplicated_column, 1, ["contractes.csv", "camp 'titol'", "duplicated column"]),
    Case("blank-column-name", blank_column_name, 1, ["contractes.csv", "no name"]),
    Case("reordered-columns", reordered_columns, 0, ["columns in another order"]),
    Case("late-latin1", late_latin1, 0, []),
    Case("mixed-line-endings", mixed_line_endings, 0, []),
    Case("stray-quote", stray_quote, 1, ["contractes.csv", "fila 4", "malformed"]),
    Case("delimiter-changes", delimiter_changes, 1, ["adhesions.csv, fila 41", "1 fields instead of 14"]),
    Case("third-date-format", third_date_format, 1, ["adhesions.csv, fila 6", "data_adhesio", "not a date"]),
    Case("impossible-date", impossible_date, 1, ["adhesions.csv, fila 7", "data_adhesio", "31/02/2020"]),
    Case("two-digit-year", two_digit_year, 1, ["adhesions.csv, fila 8", "data_adhesio", "15/03/19"]),
    Case("thousands-separators", thousands_in_comma_file, 1, ["contractes.csv, fila 3", "pressupost_sense_iva", "not a number"]),
    Case("point-decimal-in-semicolon-file", point_decimal_in_semicolon_file, 1, ["adhesions.csv, fila 9", "consum_anual_sense_iva", "1234.56"]),
    Case("lost-leading-zero", lost_leading_zero, 0, []),
    Case("wrong-control-digit", wrong_control_digit, 1, ["adhesions.csv, fila 10", "codi_ens", "codi-ens-digit-control"]),
    Case("wrong-nif-letter", wrong_nif_letter, 1, ["convenis_parts.csv", "nif", "P5800010K", "nif-incorrecte"]),
    Case("duplicate-key", duplicate_key, 1, ["contractes.csv", "clau-duplicada"]),
    Case("fk-to-nowhere", fk_to_nowhere, 1, ["convenis_parts.csv, fila 4", "conveni_id", "C-1999-999", "referencia-inexistent"]),
    Case("adhesion-to-missing-lot", adhesion_to_missing_lot, 1, ["adhesions.csv, fila 11", "referencia-inexistent"]),
    Case("overlapping-episodes", overlapping_episodes, 1, ["membres.csv", "episodis-encavalcats"]),
    Case("csv-is-xlsx", csv_is_xlsx, 1, ["contractes.csv", "is an Excel workbook"]),
    Case("xlsx-is-csv", xlsx_is_csv, 1, ["membres.xlsx", "not an Excel workbook"]),
    Case("several-sheets", several_sheets, 0, ["only the first sheet was read"]),
    Case("merged-cells", merged_cells, 1, ["membres.xlsx", "merged"]),
    Case("formulas", formulas, 1, ["membres.xlsx", "formula"]),
    Case("password-protected", password_protected, 1, ["membres.xlsx", "encrypted"]),
    Case("corrupt-xlsx", corrupt_xlsx, 1, ["membres.xlsx", "corrupt"]),
    Case("zip-bomb", zip_bomb, 1, ["membres.xlsx", "too large or hostile"]),
    Case("200-mb-file", huge_file, 1, ["membres.csv", "valor-no-admes", "partial report"], slow=True),
    Case("formula-text", formula_text, 1, ["contractes.csv, fila 5", "titol", "possible-formula"]),
    Case("at-text", at_text, 1, ["convenis_parts.csv", "carrec_signant", "possible-formula"]),
    Case("html-names", html_names, 0, []),
    Case("nul-bytes", nul_bytes, 1, ["contractes.csv", "NUL"]),
    Case("10000-char-cell", long_cell, 1, ["adhesions.csv, fila 13", "nom_ens", "massa-llarg"]),
    Case("rtl-and-emoji", rtl_and_emoji, 0, []),
    Case("symlink-outside", symlink_outside, 1, ["contractes.csv", "outside the sources folder"]),
    Case("missing-file", missing_file, 1, ["convenis", "source file missing"]),
    Case("both-formats", both_formats, 1, ["membres", "keep only one"]),
    Case("utf16-encoding", unknown_encoding, 1, ["contractes.csv", "UTF-16"]),
    Case("unknown-encoding", lambda src: (src / "contractes.csv").write_bytes((src / "contractes.csv").read_bytes() + b"\x81\x8d\n"),
         1, ["contractes.csv", "unknown encoding"]),
    Case("required-missing", required_missing, 1, ["contractes.csv, fila 3", "servei", "valor-obligatori"]),
    Case("enum-violation", enum_violation, 1, ["adhesions.csv, fila 14", "estat", "valor-no-admes"]),
    Case("negative-amount", negative_amount, 1, ["adhesions.csv, fila 15", "consum_anual_sense_iva", "valor-massa-petit"]),
    Case("per-ens-without-operator", per_ens_without_operator, 1, ["adhesions.csv", "operador", "operador-obligatori"]),
    Case("personal-data-in-objecte", personal_data_in_objecte, 1, ["convenis.csv, fila 3", "objecte", "dades-personals"]),
    Case("bad-manifest", bad_manifest, 1, ["manifest.json", "not valid UTF-8 JSON"]),
]
