"""The release writers. <dataset>.xlsx in each release: text stays text (codes keep their zeros, "=1+1" is never a
formula), numbers are numbers, dates are dates, frozen header, autofilter, the dictionary
and readme sheets, and the same bytes every time. README.md: Catalan, Spanish, English, every
table and field, licence and citation."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import duckdb
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localret.build import BuiltDataset, BuiltResource, DatasetSpec, ResourceSpec
from localret.schema import Schema
from localret.xlsx import DICTIONARY_SHEET, README_SHEET, sheet_name, write_xlsx
from site_helpers import AS_OF, BASE_URL, datasets, package, published_sample, versions

HOSTILE = ["=1+1", "+34 600 000 000", "-5", "@SUM(A1:A2)", "=HYPERLINK(\"http://x\",\"y\")", "0012", "1e3", "  "]


@pytest.fixture(scope="session")
def out(tmp_path_factory):
    return published_sample(tmp_path_factory)


def tiny_dataset(con: duckdb.DuckDBPyConnection, name: str = "prova") -> BuiltDataset:
    """A one-table dataset whose text column holds values a spreadsheet would turn into
    formulas or numbers."""
    schema = Schema("valors", {
        "name": "valors", "title": "Valors", "description": "Valors perillosos en un full de càlcul.",
        "primaryKey": ["id"],
        "fields": [
            {"name": "id", "type": "integer", "title": "Identificador", "description": "Número de fila."},
            {"name": "text", "type": "string", "title": "Text", "description": "Un text qualsevol.", "example": "=1+1"},
            {"name": "codi", "type": "string", "title": "Codi", "description": "Codi amb zeros.", "constraints": {"pattern": "[0-9]+"}},
            {"name": "import", "type": "number", "title": "Import", "description": "Un import."},
            {"name": "data", "type": "date", "title": "Data", "description": "Una data."},
            {"name": "actiu", "type": "boolean", "title": "Actiu", "description": "Sí o no."},
        ],
    })
    rows = ", ".join(
        f"({i + 1}, '{v.replace(chr(39), chr(39) * 2)}', '{i:05d}', {i * 1.5}, DATE '2020-01-{i + 1:02d}', {str(i % 2 == 0).lower()})"
        for i, v in enumerate(HOSTILE))
    con.execute(f'CREATE OR REPLACE TABLE out_valors AS SELECT * FROM (VALUES {rows}) t(id, "text", codi, "import", "data", actiu)')
    meta = {"name": name, "title": {"ca": "Prova", "es": "Prueba", "en": "Test"},
            "description": {"ca": "Un conjunt de prova.", "es": "Un conjunto de prueba.", "en": "A test dataset."},
            "keywords": {"ca": ["prova"], "es": ["prueba"], "en": ["test"]}}
    spec = DatasetSpec(name, meta, (ResourceSpec("valors", schema, "SELECT 1"),))
    return BuiltDataset(spec, [BuiltResource(spec.resources[0], len(HOSTILE))], as_of=AS_OF)


def write_tiny(tmp_path, sub="a"):
    con = duckdb.connect()
    folder = tmp_path / sub
    folder.mkdir()
    names = write_xlsx(con, tiny_dataset(con), folder, version="1.2.3",
                       changes={"date": "2026-11-27", "summary": {"ca": "Primera publicació"}}, illustrative=True)
    assert names == ["prova.xlsx"]
    return folder / "prova.xlsx"


def test_text_is_never_a_formula_or_a_number(tmp_path):
    path = write_tiny(tmp_path)
    book = openpyxl.load_workbook(path)
    ws = book["valors"]
    header = [c.value for c in ws[1]]
    assert header == ["id", "text", "codi", "import", "data", "actiu"]
    for i, row in enumerate(ws.iter_rows(min_row=2)):
        assert row[1].value == HOSTILE[i] and row[1].data_type == "s", row[1].value
        assert row[2].value == f"{i:05d}" and row[2].data_type == "s"  # zeros kept
        assert row[0].data_type == "n" and row[0].value == i + 1
        assert row[3].data_type == "n" and row[3].value == pytest.approx(i * 1.5)
        assert isinstance(row[4].value, dt.datetime) and row[4].value.date() == dt.date(2020, 1, i + 1)
        assert row[4].number_format == "yyyy-mm-dd"
        assert row[5].value is (i % 2 == 0)
    # and in the file itself: no formula element anywhere
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", z.read(name)), name


def test_tiny_dictionary_and_readme(tmp_path):
    book = openpyxl.load_workbook(write_tiny(tmp_path))
    assert book.sheetnames == ["valors", DICTIONARY_SHEET, README_SHEET]
    d = list(book[DICTIONARY_SHEET].iter_rows(values_only=True))
    assert d[0] == ("taula", "camp", "títol", "tipus", "descripció", "exemple", "restriccions")
    text_row = next(r for r in d if r[1] == "text")
    assert text_row[5] == "=1+1" and book[DICTIONARY_SHEET].cell(row=d.index(text_row) + 1, column=6).data_type == "s"
    assert next(r for r in d if r[1] == "id")[6].startswith("clau primària")
    readme = "\n".join(" ".join(str(v) for v in r if v) for r in book[README_SHEET].iter_rows(values_only=True))
    assert "1.2.3" in readme and "CC-BY-4.0" in readme and "Font: Consorci Localret" in readme
    assert "MOSTRA IL·LUSTRATIVA" in readme


def test_byte_reproducible_with_release_date(tmp_path):
    a, b = write_tiny(tmp_path, "a"), write_tiny(tmp_path, "b")
    assert a.read_bytes() == b.read_bytes()
    props = openpyxl.load_workbook(a).properties
    assert props.created == dt.datetime(2026, 11, 27)
    assert props.creator == "Consorci Localret"


def test_sheet_names_are_valid_and_unique():
    taken = {"Diccionari", "Llegiu-me"}
    long = "a-very-long-resource-name-that-excel-would-reject"
    first, second = sheet_name(long, taken), sheet_name(long, taken)
    assert len(first) <= 31 and len(second) <= 31 and first != second
    assert sheet_name("diccionari", taken) != "diccionari"  # Excel compares names without case
    assert sheet_name("a/b:c?", set()) == "a_b_c_"


def test_every_release_has_its_xlsx(out):
    for name in datasets(out):
        dp = package(out, name)
        listed = {f["path"]: f for f in dp["localret:files"]}
        assert f"{name}.xlsx" in listed, name
        assert listed[f"{name}.xlsx"]["mediatype"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        book = openpyxl.load_workbook(out / name / "latest" / f"{name}.xlsx", read_only=False)
        tables = [r["name"] for r in dp["resources"]]
        assert book.sheetnames == tables + [DICTIONARY_SHEET, README_SHEET]
        for res in dp["resources"]:
            ws = book[res["name"]]
            assert ws.freeze_panes == "A2"
            assert ws.auto_filter.ref.startswith("A1:")
            assert [c.value for c in ws[1]] == [f["name"] for f in res["schema"]["fields"]]
            assert ws.max_row == res["localret:rows"] + 1
            assert ws.column_dimensions["A"].width > 0
        fields = sum(len(r["schema"]["fields"]) for r in dp["resources"])
        assert book[DICTIONARY_SHEET].max_row == fields + 1


def test_sample_codes_keep_zeros_and_types(out):
    book = openpyxl.load_workbook(out / "ens" / "latest" / "ens.xlsx")
    ws = book["ens"]
    header = [c.value for c in ws[1]]
    col = {name: i for i, name in enumerate(header)}
    rows = list(ws.iter_rows(min_row=2))
    barcelona = next(r for r in rows if r[col["ens_id"]].value == "0801930008")
    assert barcelona[col["codi_ine"]].value == "08019" and barcelona[col["codi_ine"]].data_type == "s"
    assert barcelona[col["provincia_codi"]].value == "08"
    assert isinstance(barcelona[col["poblacio"]].value, int)
    assert isinstance(barcelona[col["comarca_data_referencia"]].value, dt.datetime)
    readme = " ".join(str(v) for r in book[README_SHEET].iter_rows(values_only=True) for v in r if v)
    assert "MOSTRA IL·LUSTRATIVA" in readme  # the sample says so: localret:illustrative is true
    assert package(out, "ens")["localret:illustrative"] is True


def test_sample_readme(out):
    for name in datasets(out):
        text = (out / name / "latest" / "README.md").read_text(encoding="utf-8")
        dp = package(out, name)
        ca, es, en = text.index("## Català"), text.index("## Español"), text.index("## English")
        assert ca < es < en
        title = dp["title"].removesuffix(" (MOSTRA IL·LUSTRATIVA)")
        date = versions(out, name)[-1]["date"]
        assert f"Font: Consorci Localret. {title}, versió {dp['version']} ({date}). {BASE_URL}{name}/" in text
        assert f"versió {dp['version']}" in text and f"versión {dp['version']}" in text and f"version {dp['version']}" in text
        assert "CC-BY-4.0" in text and "MOSTRA IL·LUSTRATIVA" in text
        for res in dp["resources"]:
            assert f"`{res['name']}`" in text
            for f in res["schema"]["fields"]:
                assert f"`{f['name']}`" in text
        assert "Primera publicació" in text and "First release" in text
        assert "README.md" in {f["path"] for f in dp["localret:files"]}


def test_a_table_over_excel_limit_is_cut_in_order_and_said(tmp_path, monkeypatch):
    """Above Excel's row limit the sheet keeps the first rows in published order, the
    autofilter and dimension cover exactly them, and "Llegiu-me" names the cut sheet."""
    import localret.xlsx as xlsx

    monkeypatch.setattr(xlsx, "MAX_ROWS", 5)
    path = write_tiny(tmp_path)
    book = openpyxl.load_workbook(path)
    ws = book["valors"]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == [1, 2, 3, 4, 5]
    assert ws.max_row == 6 and ws.auto_filter.ref == "A1:F6"
    readme = [r for r in book[README_SHEET].iter_rows(values_only=True) if r[0] == "Atenció"]
    assert len(readme) == 1 and "valors" in readme[0][1] and "CSV" in readme[0][1]
    with zipfile.ZipFile(path) as z:
        assert b'<dimension ref="A1:F6"/>' in z.read("xl/worksheets/sheet1.xml")


def test_a_table_at_excel_limit_is_whole_and_not_flagged(tmp_path, monkeypatch):
    import localret.xlsx as xlsx

    monkeypatch.setattr(xlsx, "MAX_ROWS", len(HOSTILE))
    book = openpyxl.load_workbook(write_tiny(tmp_path))
    assert book["valors"].max_row == len(HOSTILE) + 1
    assert not [r for r in book[README_SHEET].iter_rows(values_only=True) if r[0] == "Atenció"]


def test_awkward_text_round_trips(tmp_path):
    """What the SQL cell writer must escape: markup, control characters, Excel's own _xHHHH_
    escapes, surrounding blanks, and empty cells (no element) next to full ones."""
    con = duckdb.connect()
    awkward = ["<b>&amp;</b>", "a\x01b\x1fc", "_x0041_ literal", " lead", "trail\t", "línia 1\nlínia 2", "€ · l·l", None,
               "\x0b_x00e9_\r\ufffe"]
    dataset = tiny_dataset(con)
    values = ", ".join("NULL" if v is None else "'" + v.replace("'", "''") + "'" for v in awkward)
    con.execute(f"CREATE OR REPLACE TABLE out_valors AS SELECT i + 1 AS id, ([{values}])[i + 1] AS \"text\", NULL AS codi, "
                f"NULL::DOUBLE AS \"import\", NULL::DATE AS \"data\", NULL::BOOLEAN AS actiu FROM range({len(awkward)}) t(i)")
    folder = tmp_path / "x"
    folder.mkdir()
    write_xlsx(con, dataset, folder, version="1.0.0", changes={"date": "2026-11-27"}, illustrative=False)
    ws = openpyxl.load_workbook(folder / "prova.xlsx")["valors"]
    got = [r[1] for r in ws.iter_rows(min_row=2, max_row=len(awkward) + 1, values_only=True)]
    # Excel reads _xHHHH_ back as the character (openpyxl leaves it), as xlsxwriter writes it
    escaped = {"a\x01b\x1fc": "a_x0001_b_x001F_c", "_x0041_ literal": "_x005F_x0041_ literal",
               "\x0b_x00e9_\r\ufffe": "_x000B__x005F_x00e9__x000D__xFFFE_"}
    assert got == [escaped.get(v, v) for v in awkward]
    assert all(r[2] is None and r[3] is None for r in ws.iter_rows(min_row=2, values_only=True))


AWKWARD_CHARS = ["a", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x01", "\x1f", "&", "<", ">", "_x0041_", "_X00ff_", "é",
                 "\ufffe", "\uffff", "\u00a0", "\u2028", "_", "x"]


@pytest.fixture(scope="module")
def cells():
    from localret import xlsx

    con = duckdb.connect()
    xlsx._install_text(con)
    return con


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.lists(st.sampled_from(AWKWARD_CHARS), max_size=8).map("".join), min_size=1, max_size=40))
def test_a_text_cells_fast_path_writes_what_the_escaping_path_does(cells, values):
    """Most text cells are written by DuckDB as <t>value</t>; the values a regular expression
    finds awkward (controls, markup, _xHHHH_, blanks at either end) by xlsx._inline_text. For
    any value, the cell is what _inline_text alone would write."""
    from localret import xlsx

    cells.execute("CREATE OR REPLACE TABLE t (i INTEGER, v VARCHAR)")
    cells.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    got = [cell for (cell,) in cells.execute(f"SELECT {xlsx._cell_sql('v', 'text', 'A', 3)} FROM t ORDER BY i").fetchall()]
    assert got == [f'<c r="A\x01" s="3" t="inlineStr"><is>{xlsx._inline_text(v)}</is></c>' for v in values]


def test_long_text_is_cut_at_excels_limit_and_keeps_its_blanks():
    from localret import xlsx

    assert xlsx._inline_text("x" * 40000 + " ") == "<t xml:space=\"preserve\">" + "x" * 32767 + "</t>"
    assert xlsx._inline_text("a\x01&") == "<t>a_x0001_&amp;</t>"
