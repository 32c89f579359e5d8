"""The reader: every format Localret's systems export reads to the same text values, with the
row numbers the user sees; anything else is refused with a SourceError naming the file."""

from __future__ import annotations

import datetime as dt
import hashlib

import openpyxl
import pytest

from localret import ingest
from localret.errors import SourceError
from localret.reader import read_table

HEADER = ["codi_ens", "nom", "data", "import", "nota"]
# Catalan habits: typographic apostrophe, middle dot, accents, a code that lost its zero, a
# field that needs quoting in a comma CSV.
ROWS = [
    ["0801930008", "Ajuntament de Barcelona", "2023-02-01", "1234.5", "Sant Adrià, el Besòs"],
    ["815800000", "Consell Comarcal del Vallès Occidental", "2019-04-09", "3", None],
    ["2500190004", "Ajuntament d’Abella de la Conca", "2001-12-31", "0.25", "col·laboració"],
]
EXPECTED = [dict(zip(HEADER, r)) for r in ROWS]


def csv_text(rows=ROWS, delimiter=",", newline="\n") -> str:
    def cell(v):
        if v is None:
            return ""
        return f'"{v}"' if (delimiter in v or '"' in v) else v
    lines = [delimiter.join(HEADER)] + [delimiter.join(cell(v) for v in r) for r in rows]
    return newline.join(lines) + newline


def values(table) -> list[dict]:
    return [{c: r[c] for c in HEADER} for r in table.frame.to_dict("records")]


@pytest.mark.parametrize("encoding, delimiter, newline, detected", [
    ("utf-8", ",", "\n", "utf-8"),
    ("utf-8-sig", ",", "\n", "utf-8-sig"),
    ("utf-8", ";", "\n", "utf-8"),
    ("utf-8-sig", ";", "\r\n", "utf-8-sig"),
    ("cp1252", ";", "\r\n", "windows-1252"),
    ("cp1252", ",", "\n", "windows-1252"),
    ("utf-8", ",", "\r\n", "utf-8"),
])
def test_csv_variants_read_to_the_same_text(tmp_path, encoding, delimiter, newline, detected):
    path = tmp_path / "t.csv"
    path.write_bytes(csv_text(delimiter=delimiter, newline=newline).encode(encoding))
    table = read_table(path)
    assert table.format == "csv"
    assert table.columns == HEADER
    assert values(table) == EXPECTED
    assert table.encoding == detected and table.delimiter == delimiter  # settled once read
    assert list(table.frame["_row"]) == [2, 3, 4]
    assert table.decimal_comma == (delimiter == ";")


def test_windows_1252_with_the_only_accent_on_the_last_line_of_a_big_file(tmp_path):
    """Encoding detection that samples the start of a file would take this for UTF-8."""
    filler = [[f"08{i:08d}", f"Ens numero {i}", "2020-01-01", str(i), "text ascii"] for i in range(6000)]
    last = ["0801930008", "Ajuntament de Lluçà", "2020-01-01", "1", "Sant Martí d’Albars"]
    raw = csv_text(filler + [last], delimiter=";", newline="\r\n").encode("cp1252")
    assert len(raw) > 300 * 1024 and raw[:-40].isascii() and not raw.isascii()
    path = tmp_path / "big.csv"
    path.write_bytes(raw)
    table = read_table(path)
    assert len(table.frame) == 6001
    assert table.encoding == "windows-1252"
    tail = table.frame.iloc[-1]
    assert tail["nom"] == "Ajuntament de Lluçà" and tail["nota"] == "Sant Martí d’Albars"
    assert tail["_row"] == 6002


def test_xlsx_reads_to_the_same_text(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "dades"
    sheet.append(HEADER)
    sheet.append(["0801930008", "Ajuntament de Barcelona", dt.datetime(2023, 2, 1), 1234.5, "Sant Adrià, el Besòs"])
    sheet.append([815800000, "Consell Comarcal del Vallès Occidental", dt.date(2019, 4, 9), 3, None])  # zero lost
    sheet.append([2500190004, "Ajuntament d’Abella de la Conca", "2001-12-31", 0.25, "col·laboració"])
    assert isinstance(sheet["A3"].value, int) and sheet["C2"].is_date
    book.create_sheet("altres").append(["ignored"])
    path = tmp_path / "t.xlsx"
    book.save(path)
    table = read_table(path)
    assert table.format == "xlsx" and table.columns == HEADER
    assert values(table) == EXPECTED
    assert list(table.frame["_row"]) == [2, 3, 4]
    assert any("dades" in n for n in table.notes)  # only the first sheet was read, and it says so


def test_blank_lines_are_skipped_but_keep_their_number(tmp_path):
    text = csv_text().splitlines()
    text.insert(2, "")  # a blank line between the first and second data rows
    text.insert(4, ",,,,")  # a row of empty cells
    path = tmp_path / "blank.csv"
    path.write_text("\n".join(text) + "\n\n", encoding="utf-8")
    table = read_table(path)
    assert values(table) == EXPECTED
    assert list(table.frame["_row"]) == [2, 4, 6]


def test_rows_of_empty_cells_keep_the_numbers_of_the_rows_below(tmp_path):
    """The fast path (DuckDB) numbers records by their position in the file."""
    text = csv_text().splitlines()
    text.insert(2, ",,,,")
    path = tmp_path / "cells.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    table = read_table(path)
    assert table.scan is not None
    assert values(table) == EXPECTED
    assert list(table.frame["_row"]) == [2, 4, 5]


def test_a_value_over_two_lines_is_one_row(tmp_path):
    rows = [ROWS[0], ["0801930008", "Nom", "2023-02-01", "1", "primera línia\nsegona línia"], ROWS[2]]
    path = tmp_path / "multiline.csv"
    path.write_text(csv_text(rows).replace("primera línia\nsegona línia", '"primera línia\nsegona línia"'), encoding="utf-8")
    table = read_table(path)
    assert list(table.frame["_row"]) == [2, 3, 4]  # as a spreadsheet shows it: one row, two lines
    assert table.frame.iloc[1]["nota"] == "primera línia\nsegona línia"


@pytest.mark.parametrize("bad, reason", [('1,"ab"c,3,4,5', "cometes"), ('1,"ab,3,4,5', "cometes"),
                                         ("1,2,3,4", "4 camps"), ("1,2,3,4,5,6", "6 camps")])
def test_a_malformed_record_is_refused_with_its_row(tmp_path, bad, reason):
    lines = csv_text().splitlines()
    lines.insert(3, bad)  # row 4 in a spreadsheet
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = refused(path)
    assert err.row == 4 and reason in err.reason


def test_a_big_file_with_empty_lines_says_how_rows_are_counted(tmp_path):
    """Above LARGE_CSV no file is held whole: DuckDB reads it, skipping empty lines, and the
    note says so (row numbers then count records)."""
    from localret import reader

    line = "0801930008,Ajuntament de Barcelona,2023-02-01,1234.5,nota\n"
    body = line * (reader.LARGE_CSV // len(line) + 10)
    path = tmp_path / "big.csv"
    path.write_text(",".join(HEADER) + "\n" + line + "\n" + body, encoding="utf-8")
    table = read_table(path)
    assert table.scan is not None and path.stat().st_size > reader.LARGE_CSV
    frame = table.frame  # the note is known once the file has been read
    assert any("línies buides" in n for n in table.notes)
    assert list(frame["_row"][:3]) == [2, 3, 4]  # the empty line is not counted
    assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_nul_byte_deep_in_a_big_file_is_refused_with_its_line(tmp_path):
    from localret import reader

    line = "0801930008,Ajuntament de Barcelona,2023-02-01,1234.5,nota\n"
    n = reader.LARGE_CSV // len(line) + 10
    path = tmp_path / "big-nul.csv"
    path.write_text(",".join(HEADER) + "\n" + line * (n - 5) + line.replace("nota", "no\x00ta") + line * 4, encoding="utf-8")
    err = refused(path)
    assert err.row == n - 3 and "NUL" in err.reason


def test_line_endings_that_change_from_row_to_row_are_read(tmp_path):
    """DuckDB's strict parser refuses them; a small file then goes through pandas."""
    lines = csv_text().splitlines()
    path = tmp_path / "mixed.csv"
    path.write_bytes("".join(line + ("\r\n" if i % 2 else "\n") for i, line in enumerate(lines)).encode("cp1252"))
    table = read_table(path)
    assert values(table) == EXPECTED and list(table.frame["_row"]) == [2, 3, 4]


def test_blank_rows_in_xlsx_keep_their_number(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(ROWS[0])
    sheet.append([])
    sheet.append(ROWS[1])
    sheet.append([None, None])
    sheet.append(ROWS[2])
    path = tmp_path / "blank.xlsx"
    book.save(path)
    table = read_table(path)
    assert values(table) == EXPECTED
    assert list(table.frame["_row"]) == [2, 4, 6]


def test_values_are_text_and_never_typed(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n007,1.50,NA\n", encoding="utf-8")
    row = read_table(path).frame.iloc[0]
    assert (row["a"], row["b"], row["c"]) == ("007", "1.50", "NA")  # NA is text, not missing


# --- refusals ----------------------------------------------------------------------------------
def refused(path) -> SourceError:
    with pytest.raises(SourceError) as info:
        read_table(path).frame  # a CSV's body is parsed when it is loaded
    err = info.value
    assert err.file == path.name and path.name in str(err)
    return err


def test_neither_utf8_nor_windows_1252_is_refused(tmp_path):
    path = tmp_path / "weird.csv"
    path.write_bytes(b"a;b\nok;ok\nx\x81y;\x8dz\n")
    err = refused(path)
    assert err.row == 3
    assert "UTF-8" in err.reason and "1252" in err.reason


def test_bom_with_invalid_utf8_is_refused(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\n1,caf\xe9\n")
    refused(path)


def test_nul_bytes_are_refused(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"a,b\n1,2\n3,\x004\n")
    err = refused(path)
    assert err.row == 3 and "NUL" in err.reason


def test_utf16_is_refused(tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes("a,b\n1,2\n".encode("utf-16"))
    refused(path)


def test_csv_that_is_really_an_xlsx_is_refused(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.save(tmp_path / "real.xlsx")
    path = tmp_path / "fake.csv"
    path.write_bytes((tmp_path / "real.xlsx").read_bytes())
    err = refused(path)
    assert ".xlsx" in err.reason


def test_xlsx_that_is_really_a_csv_is_refused(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text(csv_text(), encoding="utf-8")
    refused(path)


def test_legacy_xls_is_refused(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    refused(path)


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf", b"   \r\n"])
def test_empty_file_is_refused(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    err = refused(path)
    assert "buit" in err.reason or "empty" in err.reason


def test_empty_xlsx_is_refused(tmp_path):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    refused(path)


def test_unsupported_extension_is_refused(tmp_path):
    path = tmp_path / "t.ods"
    path.write_text(csv_text(), encoding="utf-8")
    refused(path)


def test_missing_file_is_refused(tmp_path):
    refused(tmp_path / "absent.csv")


def test_duplicated_column_in_header_is_refused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("a,b,a\n1,2,3\n", encoding="utf-8")
    err = refused(path)
    assert err.row == 1 and err.field == "a"


def test_ragged_row_is_refused_with_its_row(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    err = refused(path)
    assert err.row == 3


# --- column contract, through ingest -----------------------------------------------------------
def ingest_problem(folder, name: str) -> SourceError:
    src = ingest.ingest(folder)
    problems = [p for p in src.problems if p.file.startswith(name)]
    assert len(problems) == 1, src.problems
    assert name not in src.files  # a file with a bad header is not loaded at all
    return problems[0]


def test_missing_column_is_refused_naming_it(sources):
    t = sources.table("convenis")
    t.frame = t.frame.drop(columns="objecte")
    t.columns.remove("objecte")
    t.save()
    err = ingest_problem(sources.folder, "convenis")
    assert (err.file, err.row, err.field) == ("convenis.csv", 1, "objecte")
    assert "objecte" in str(err)


def test_unknown_column_is_refused_naming_it(sources):
    t = sources.table("contractes")
    t.rename("adjudicatari", "adjudicataria").save()
    err = ingest_problem(sources.folder, "contractes")
    assert err.file == "contractes.csv" and err.row == 1
    assert "adjudicatari" in str(err) and "adjudicataria" in str(err)


def test_files_read_side_by_side_are_reported_in_the_contracts_order(sources):
    """Ingest reads the big files on one connection and the small ones on another: whatever
    finishes first, files, problems and row numbers come out as a one-by-one reading gives."""
    contractes = sources.table("contractes")
    contractes.frame = contractes.frame.drop(columns="titol")
    contractes.columns.remove("titol")
    contractes.save()
    parts = sources.folder / "convenis_parts.csv"
    parts.write_text(parts.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    told = []
    src = ingest.ingest(sources.folder, progress=lambda name, rows: told.append((name, rows)))
    assert [(p.file, p.row) for p in src.problems] == [("contractes.csv", 1), ("convenis_parts.csv", 2)]
    assert list(src.files) == ["membres", "adhesions", "convenis"]
    assert sorted(told) == sorted((name, f.rows) for name, f in src.files.items())
    import pandas as pd

    in_file = pd.read_csv(sources.folder / "adhesions.csv", sep=";", encoding="cp1252", dtype=str)["procediment_id"]
    loaded = dict(src.con.execute("SELECT _row, procediment_id FROM raw_adhesions").fetchall())
    assert loaded == {row: value for row, value in enumerate(in_file, start=2)}
    # what the other connection loaded beside them: the register and the code macros
    assert src.con.execute("SELECT count(*) FROM register_municipis").fetchone()[0] > 900
    assert src.con.execute("SELECT lr_codi_ens_prefix_ok('0801930008')").fetchone()[0] is True


def test_big_files_are_read_one_at_a_time(sources, monkeypatch):
    """Only small CSVs are read beside a big file: two big ones at once would add up their
    memory."""
    import threading
    import time

    monkeypatch.setattr(ingest, "SMALL_CSV", 5_000)  # all the sample's files but one count as big
    active, most, lock = set(), [0], threading.Lock()
    load_raw = ingest._load_raw

    def watched(con, name, table):
        big = table.path.stat().st_size > ingest.SMALL_CSV or table.format == "xlsx"
        with lock:
            active.add(name) if big else None
            most[0] = max(most[0], len(active))
        try:
            time.sleep(0.1 if big else 0)  # long enough for another big load to start, if one could
            return load_raw(con, name, table)
        finally:
            with lock:
                active.discard(name)

    monkeypatch.setattr(ingest, "_load_raw", watched)
    assert sum(p.stat().st_size > 5_000 for p in sources.folder.iterdir() if p.suffix in (".csv", ".xlsx")) == 4
    src = ingest.ingest(sources.folder)
    assert not src.problems and len(src.files) == 5
    assert most[0] == 1


def test_duplicated_column_is_refused_naming_it(sources):
    t = sources.table("membres")
    t.rename("observacions", "nom").save()
    err = ingest_problem(sources.folder, "membres")
    assert (err.file, err.row, err.field) == ("membres.csv", 1, "nom")


def test_columns_in_another_order_are_read_by_name(sources):
    path = sources.file("convenis_parts")
    lines = path.read_text(encoding="utf-8").splitlines()
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    reordered = [[r[i] for i in reversed(range(len(r)))] for r in rows]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(reordered)
    path.write_text(buf.getvalue(), encoding="utf-8")
    report, src = sources.validate()
    assert report.ok and report.warning_count == 0
    assert any("order" in n for n in report.notes)
    first = src.con.execute("SELECT conveni_id, nom, rol FROM src_convenis_parts ORDER BY _row LIMIT 1").fetchone()
    assert first == ("C-2001-001", "Consorci Localret", "SIGNANT")


def test_unreadable_file_is_reported_by_validate_with_file_and_row(sources):
    path = sources.file("contractes")
    path.write_bytes(path.read_bytes() + b"x\x81;\n")
    report, _ = sources.validate()
    assert not report.ok
    hits = [f for f in report.findings if f.code == "fitxer-illegible"]
    assert [(f.file, f.row) for f in hits] == [("contractes.csv", 19)]


def test_both_csv_and_xlsx_present_is_refused(sources):
    t = sources.table("membres")
    t.save()
    openpyxl.Workbook().save(sources.folder / "membres.xlsx")
    err = ingest_problem(sources.folder, "membres")
    assert "membres" in str(err)


def test_missing_source_file_is_reported(sources):
    sources.file("convenis").unlink()
    err = ingest_problem(sources.folder, "convenis")
    assert "convenis" in err.file


# --- the `sources` helper of conftest rewrites files faithfully ----------------------------------
def test_sources_helper_round_trip_is_faithful(sources):
    """Every source rewritten as a UTF-8 CSV (the .xlsx too) reads back to the same text and
    still validates cleanly: the edits of the other tests are the only changes they make."""
    before = {name: sources.table(name).rows() for name in ("membres", "contractes", "adhesions", "convenis", "convenis_parts")}
    for name in before:
        sources.table(name).save()
    assert not (sources.folder / "membres.xlsx").exists() and (sources.folder / "membres.csv").exists()
    for name, rows in before.items():
        t = sources.table(name)
        assert t.original.suffix == ".csv"
        assert t.original.read_bytes().decode("utf-8")  # UTF-8 now, whatever it was
        # codes that the spreadsheet stored as numbers stay as the text the user saw
        assert t.rows() == rows, name
    assert sources.table("adhesions").delimiter == ";"  # decimal commas keep their meaning
    report, _ = sources.validate()
    assert report.findings == [], report.to_text()


def test_sources_helper_edits(sources):
    t = sources.table("convenis_parts")
    n, last = len(t.frame), t.last_row
    third = t.row(4)
    t.drop(3)
    assert len(t.frame) == n - 1 and t.row(3) == third  # rows below move up, as in a spreadsheet
    new = t.append({"conveni_id": "C-2001-001", "nif": "P0801900B", "nom": "Ajuntament de Barcelona", "rol": "ADHERIT"})
    assert new == last
    t.set(new, "carrec_signant", "Alcaldessa de Barcelona")
    t.rename("carrec_signant", "carrec")
    t.save()
    again = read_table(sources.file("convenis_parts"))
    assert "carrec" in again.columns and "carrec_signant" not in again.columns
    tail = again.frame.iloc[-1]
    assert (tail["_row"], tail["nom"], tail["carrec"], tail["codi_ens"]) == (new, "Ajuntament de Barcelona", "Alcaldessa de Barcelona", None)


@pytest.mark.parametrize("content", [b'{"illustrative": tru', b"[1, 2]", b"\xff\xfe{}"])
def test_malformed_manifest_is_an_error_not_a_crash(sources, content):
    """manifest.json decides whether the data are labelled illustrative: never ignored."""
    (sources.folder / "manifest.json").write_bytes(content)
    report, _ = sources.validate()
    assert not report.ok
    assert [(f.file, f.code) for f in report.findings] == [("manifest.json", "fitxer-illegible")]


def test_duckdb_spills_into_a_private_folder_of_its_own(sample_dir, tmp_path, monkeypatch):
    """The raw tables hold private fields: never DuckDB's default `.tmp` in the working directory."""
    import gc
    import os
    import stat

    from localret import stages

    monkeypatch.chdir(tmp_path)
    src = stages.read_sources(sample_dir)
    folder = src.con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
    assert not folder.startswith(str(tmp_path)) and folder != ".tmp"
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    src.con.close()
    del src
    gc.collect()
    assert not os.path.exists(folder)  # gone with its connection, not only at exit


# --- input sanity (issue 11) -------------------------------------------------------------------
def test_utf8_with_one_windows_1252_byte_is_refused_with_its_line_and_byte(tmp_path):
    """Never re-decoded: the file is UTF-8 (accents on line 2), one byte on line 4 is not."""
    raw = csv_text().encode("utf-8")
    lines = raw.split(b"\n")
    lines[3] = lines[3].replace(b"Abella", b"Ab\xe9lla")
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"\n".join(lines))
    err = refused(path)
    offset = b"\n".join(lines).index(b"\xe9")
    assert err.row == 4 and f"byte {offset}" in err.reason and "0xE9" in err.reason and "line 2" in err.reason


def test_windows_1252_without_any_utf8_sequence_is_read(tmp_path):
    path = tmp_path / "w.csv"
    path.write_bytes(csv_text(delimiter=";", newline="\r\n").encode("cp1252"))
    table = read_table(path)
    assert values(table) == EXPECTED and table.encoding == "windows-1252"


def test_windows_1252_holding_a_utf8_sequence_is_refused(tmp_path):
    rows = [r[:] for r in ROWS]
    rows[2][1] = "Ajuntament d’Abella"
    raw = csv_text(rows, delimiter=";").encode("cp1252") + "Sant Martí;x;x;x;x\n".encode("utf-8")
    path = tmp_path / "w.csv"
    path.write_bytes(raw)
    err = refused(path)  # the first byte that is not UTF-8 is the à of line 2 (Sant Adrià)
    assert err.row == 2 and "line 5" in err.reason and "not re-decoded" in err.reason


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_cr_only_line_endings_are_read(tmp_path, encoding):
    path = tmp_path / "mac.csv"
    path.write_bytes(csv_text(newline="\r").encode(encoding))
    table = read_table(path)
    assert values(table) == EXPECTED and list(table.frame["_row"]) == [2, 3, 4]


def test_a_quoted_cr_is_part_of_the_value(tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes(csv_text().replace("col·laboració", '"col·la\rboració"').encode("utf-8"))
    table = read_table(path)
    assert table.frame.iloc[2]["nota"] == "col·la\rboració"


def test_a_very_long_field_is_read_not_a_crash(tmp_path):
    """The reader takes it whole and the rule camp-massa-gran names its row and field
    (test_rules: field-over-1-mib; the corpus: twenty-mib-field)."""
    rows = [r[:] for r in ROWS]
    rows[1][1] = "x" * (20 * 1024 * 1024)
    path = tmp_path / "long.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    table = read_table(path)
    assert len(table.frame.iloc[1]["nom"]) == 20 * 1024 * 1024 and list(table.frame["_row"]) == [2, 3, 4]


def test_header_names_lose_invisible_characters_with_a_note(tmp_path):
    path = tmp_path / "h.csv"
    text = csv_text().replace("nom,", "nom\u200b\u00a0,", 1).replace("nota", "\ufeffnota")
    path.write_text(text, encoding="utf-8-sig")
    table = read_table(path)
    assert table.columns == HEADER and values(table) == EXPECTED
    assert len([n for n in table.notes if "invisible" in n]) == 2


def test_a_control_character_in_a_header_is_refused_naming_the_column(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text(csv_text().replace("data", "da\u202eta", 1), encoding="utf-8")
    err = refused(path)
    assert err.row == 1 and "column 3" in err.reason


def test_source_files_with_upper_case_extensions_are_found(tmp_path):
    (tmp_path / "membres.XLSX").write_bytes(b"PK\x03\x04")
    assert ingest.locate(tmp_path, "membres").name == "membres.XLSX"
    (tmp_path / "membres.Csv").write_text("a\n1\n")
    with pytest.raises(SourceError, match="keep only one"):
        ingest.locate(tmp_path, "membres")


def _book(path, build):
    book = openpyxl.Workbook()
    build(book)
    book.save(path)
    return path


def test_xlsx_cells_of_every_type_read_as_text(tmp_path):
    def build(book):
        sheet = book.active
        sheet.append(HEADER)
        sheet.append(["0801930008", True, dt.datetime(2023, 2, 1, 0, 0), 1234.5, "=text"])
        sheet.append(["0801930009", False, dt.datetime(2023, 2, 1, 10, 30), 3, None])
        sheet["E2"].data_type = "s"
        sheet["E3"] = "#N/A"
        sheet["E3"].data_type = "e"
    table = read_table(_book(tmp_path / "t.xlsx", build))
    got = table.frame[["nom", "data", "import", "nota"]].values.tolist()
    assert got == [["true", "2023-02-01", "1234.5", "=text"], ["false", "2023-02-01T10:30:00", "3", "#N/A"]]


def test_xlsx_used_range_to_the_last_cell_costs_only_the_real_cells(tmp_path):
    import re
    import zipfile

    src = _book(tmp_path / "src.xlsx", lambda b: [b.active.append(r) for r in [HEADER, *ROWS]])
    path = tmp_path / "t.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
                assert b"XFD1048576" in data
            zout.writestr(info, data)
    table = read_table(path)
    assert values(table) == EXPECTED


def test_xlsx_hidden_first_sheet_is_skipped_with_a_note(tmp_path):
    def build(book):
        hidden = book.active
        hidden.title = "notes"
        hidden.append(["notes internes"])
        hidden.sheet_state = "hidden"
        data = book.create_sheet("dades")
        for r in [HEADER, *ROWS]:
            data.append(r)
    table = read_table(_book(tmp_path / "t.xlsx", build))
    assert values(table) == EXPECTED and any("hidden sheets (notes)" in n for n in table.notes)


def test_xlsx_without_a_visible_sheet_is_refused(tmp_path):
    def build(book):
        book.active.append(HEADER)
        book.create_sheet("b").sheet_state = "visible"
        book.active.sheet_state = "hidden"
        book["b"].sheet_state = "hidden"
    path = tmp_path / "t.xlsx"
    try:
        _book(path, build)
    except Exception:  # openpyxl itself refuses to save a workbook without a visible sheet
        pytest.skip("openpyxl cannot write a workbook without a visible sheet")
    assert "no visible sheet" in refused(path).reason


def test_xlsx_title_row_above_the_header_is_refused_naming_both_rows(tmp_path):
    def build(book):
        sheet = book.active
        sheet.append(["Llistat de membres 2026"])
        sheet.append([])
        for r in [HEADER, *ROWS]:
            sheet.append(r)
    err = refused(_book(tmp_path / "t.xlsx", build))
    assert err.row == 1 and "row 3" in err.reason and "Llistat de membres 2026" in err.reason


def test_xlsx_huge_text_is_refused_with_row_and_field_without_holding_it(tmp_path):
    from corpus_input import write_book  # openpyxl cuts a text at Excel's 32,767 characters

    rows = [r[:] for r in ROWS]
    rows[1][4] = "z" * (2 * 1024 * 1024)
    path = tmp_path / "t.xlsx"
    write_book(path, [("dades", "visible", [HEADER, *rows])])
    err = refused(path)
    assert (err.row, err.field) == (3, "nota") and "1 MiB" in err.reason
