"""The guard's scanners on their own: a private value or a personal-data pattern is found
wherever it sits in a large file, also across the boundary of the blocks the file is read in,
and the hit names file, row and field but never the value."""

from __future__ import annotations

import zipfile

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from localret import privacy
from localret.privacy import CONTAINS_PRIVATE, PRIVATE_VALUE, Guard

SECRET = "Montserrat Puigdollers i Vilaseca"
PHONE = "612 34 56 78"


@pytest.fixture(params=[{}, {"preserve_insertion_order": False, "memory_limit": "256MB", "threads": 4}],
                ids=["default", "unordered"])
def guard(request) -> Guard:
    """Also on a connection set up as the pipeline's (no insertion order, a memory limit):
    rows must still be numbered as in the file."""
    con = duckdb.connect(config=request.param)
    con.execute("CREATE TABLE raw_membres (persona_contacte VARCHAR, email_contacte VARCHAR, telefon_contacte VARCHAR, "
                "observacions VARCHAR)")
    con.execute("INSERT INTO raw_membres VALUES (?, 'mpuig@example.org', '600 11 22 33', NULL)", [SECRET])
    return Guard(con, ["membres"])


def kinds(hits) -> set[str]:
    return {h.kind for h in hits}


def big_sheet(path, secret_row: int, rows: int = 3000, value: str = SECRET) -> int:
    """Writes the workbook; the offset of value in its sheet's XML (-1 if absent)."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("dades")
    ws.write_row(0, 0, ["id", "nom", "import"])
    for r in range(1, rows + 1):
        ws.write_row(r, 0, [f"{r:06d}", value if r == secret_row else f"Ajuntament número {r}", r * 1.5])
    book.close()
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/worksheets/sheet1.xml").find(value.encode())


@pytest.mark.parametrize("cut", [None, 1, 10, 30])
def test_private_value_deep_in_a_sheet_across_block_boundaries(guard, tmp_path, monkeypatch, cut):
    """cut: where in the value the first block ends (None: the real block size)."""
    offset = big_sheet(tmp_path / "t.xlsx", secret_row=2345)
    monkeypatch.setattr(privacy, "BLOCK", privacy.BLOCK if cut is None else offset + cut)
    hits = guard.scan(tmp_path)
    assert [(h.file, h.row, h.field, h.kind) for h in hits] == [("t.xlsx:xl/worksheets/sheet1.xml", 2346, "nom", PRIVATE_VALUE)]
    assert SECRET not in hits[0].describe()


@pytest.mark.parametrize("cut", [None, 12])
def test_phone_in_a_sheet_is_found_with_its_row(guard, tmp_path, monkeypatch, cut):
    offset = big_sheet(tmp_path / "t.xlsx", secret_row=1999, value=f"truqueu al {PHONE}")
    monkeypatch.setattr(privacy, "BLOCK", privacy.BLOCK if cut is None else offset + cut)
    hits = guard.scan(tmp_path)
    assert [(h.row, h.field, h.kind) for h in hits] == [(2000, "nom", "telèfon / phone")]


def test_a_clean_sheet_has_no_hit(guard, tmp_path, monkeypatch):
    monkeypatch.setattr(privacy, "BLOCK", 4093)
    big_sheet(tmp_path / "t.xlsx", secret_row=0)
    assert guard.scan(tmp_path) == []


@pytest.mark.parametrize("split", [None, SECRET, PHONE, "persona.real@example.org", "12345678Z"])
def test_text_file_across_block_boundaries(guard, tmp_path, monkeypatch, split):
    """split: the needle that the blocks' boundaries cut in the middle (None: real block size)."""
    lines = [f"línia {i}: text normal, sense res" for i in range(400)]
    lines[123] += f" contacte: {SECRET}"
    lines[250] += f" telèfon {PHONE}"
    lines[300] += " escriviu a persona.real@example.org o a info@localret.cat"
    lines[350] += " DNI 12345678Z"
    data = "\n".join(lines).encode()
    (tmp_path / "README.md").write_bytes(data)
    if split:  # the first block ends inside the needle
        monkeypatch.setattr(privacy, "BLOCK", data.find(split.encode()) + len(split) // 2)
    hits = {h.kind: h for h in guard.scan(tmp_path)}
    assert {k: h.row for k, h in hits.items()} == {PRIVATE_VALUE: 124, "telèfon / phone": 251,
                                                   "correu electrònic / e-mail": 301, "DNI/NIE": 351}
    assert all(SECRET not in h.describe() and PHONE not in h.describe() for h in hits.values())


def test_a_file_of_a_kind_the_guard_was_not_taught_is_read_as_text(guard, tmp_path):
    """Whatever a later change publishes (GeoJSON, a file without a suffix, a binary blob with
    text inside), its bytes are searched: an unknown suffix is never a way past the guard."""
    (tmp_path / "limits.geojson").write_text('{"type": "Feature", "properties": {"contacte": "%s"}}' % SECRET, encoding="utf-8")
    (tmp_path / "NOTES").write_text(f"Truqueu al {PHONE}\n", encoding="utf-8")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\xff" + f"mpuig@gmail.com".encode() + b"\x00")
    hits = {h.file: h.kind for h in guard.scan(tmp_path)}
    assert hits == {"limits.geojson": PRIVATE_VALUE, "NOTES": "telèfon / phone", "blob.bin": "correu electrònic / e-mail"}


def test_a_number_alone_is_read_unless_it_is_a_number_by_declaration(guard, tmp_path):
    """A phone typed as a whole title is an element's or a string's whole text: read. A byte
    size is one too, but declared a number (an RDF typed literal, an element named for a size,
    JSON-LD's "@value", a chart's SVG text): not read, not a phone."""
    phone = "612345678"
    (tmp_path / "leak.atom").write_text(f"<feed><entry><title>{phone}</title></entry></feed>", encoding="utf-8")
    (tmp_path / "leak.rdf").write_text(f"<rdf:RDF><dct:title>{phone}</dct:title></rdf:RDF>", encoding="utf-8")
    (tmp_path / "leak.json").write_text(f'{{"rows": [{{"nom": "{phone}"}}]}}', encoding="utf-8")
    (tmp_path / "ok.rdf").write_text(
        f'<rdf:RDF><dcat:byteSize rdf:datatype="http://www.w3.org/2001/XMLSchema#nonNegativeInteger">{phone}</dcat:byteSize>'
        f'<x:count>{phone}</x:count></rdf:RDF>', encoding="utf-8")
    (tmp_path / "ok.jsonld").write_text(f'{{"dcat:byteSize": {{"@value": "{phone}", "@type": "xsd:integer"}}, "n": {phone}}}',
                                        encoding="utf-8")
    (tmp_path / "ok.svg").write_text(f"<svg><text x='1'>{phone}</text></svg>", encoding="utf-8")
    assert sorted(h.file for h in guard.scan(tmp_path)) == ["leak.atom", "leak.json", "leak.rdf"]


def test_institutional_mailbox_is_not_a_leak(guard, tmp_path):
    (tmp_path / "a.md").write_text("Contacte: dades@localret.cat\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("id,correu\n1,dades@localret.cat\n", encoding="utf-8")
    assert guard.scan(tmp_path) == []


def test_tables_name_row_and_field(guard, tmp_path):
    n = 300_000
    names = [f"Ajuntament {i}" for i in range(n)]
    notes = [f"Una observació prou llarga per ser text lliure, número {i}" for i in range(n)]
    names[215_000] = SECRET  # exact value
    notes[217_000] = f"Segons {SECRET}, cal revisar-ho; una observació llarga"  # inside free text
    notes[290_000] = notes[217_000]
    mails = [None] * n
    mails[218_500] = "algu@example.org"
    mails[100] = "info@localret.cat"  # allowed: a row-level find that is no hit
    table = pa.table({"id": list(range(n)), "nom": names, "nota": notes, "correu": mails})
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=10_000)
    duckdb.connect().execute(f"COPY (SELECT * FROM read_parquet('{tmp_path / 't.parquet'}')) TO '{tmp_path / 't.csv'}' (HEADER)")
    hits = guard.scan(tmp_path)
    for file in ("t.csv", "t.parquet"):
        got = {(h.field, h.kind): h.row for h in hits if h.file == file}
        assert got == {("nom", PRIVATE_VALUE): 215_002, ("nota", CONTAINS_PRIVATE): 217_002,
                       ("correu", "correu electrònic / e-mail"): 218_502}, file


def test_private_mail_addresses_are_stopped_by_the_pattern(tmp_path):
    """Private e-mail addresses are left out of the automaton (a million of them at 10 million
    adhesions); the e-mail pattern must still stop each one, in every kind of file, and a
    private address at the allowed domain stays a private value."""
    con = duckdb.connect()
    con.execute("CREATE TABLE raw_membres (persona_contacte VARCHAR, email_contacte VARCHAR, telefon_contacte VARCHAR, "
                "observacions VARCHAR)")
    con.execute("INSERT INTO raw_membres VALUES (NULL, 'mpuig@example.org', NULL, NULL), (NULL, 'jordi.pla@localret.cat', NULL, NULL)")
    guard = Guard(con, ["membres"])
    big_sheet(tmp_path / "t.xlsx", secret_row=700, value="escriviu a mpuig@example.org")
    (tmp_path / "a.md").write_text("Contacte: mpuig@example.org\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("Contacte: jordi.pla@localret.cat\n", encoding="utf-8")
    hits = {(h.file.split(":")[0], h.kind) for h in guard.scan(tmp_path)}
    assert hits == {("t.xlsx", "correu electrònic / e-mail"), ("a.md", "correu electrònic / e-mail"), ("b.md", PRIVATE_VALUE)}


def test_small_tables_judged_together_keep_each_hit_in_its_own_file_row_and_field(guard, tmp_path):
    """Small CSV and Parquet files (and a DuckDB file's small tables) are judged in one batch:
    each hit still names its own file, row and column, clean neighbours with the same column
    names get none, and hits come back in file order."""
    con = duckdb.connect()
    for n in range(6):
        notes = [f"nota {n}-{r}" for r in range(5)]
        if n == 2:
            notes[3] = f"trucar al {PHONE}"
        if n == 4:
            notes[1] = SECRET.upper()
        frame = pa.table({"nom": [f"Ajuntament {n}-{r}" for r in range(5)], "nota": notes})
        if n % 2:
            pq.write_table(frame, tmp_path / f"t{n}.parquet")
        else:
            con.execute(f"COPY (SELECT * FROM frame) TO '{tmp_path / f't{n}.csv'}' (HEADER)")
    db = duckdb.connect(str(tmp_path / "z.duckdb"))
    db.execute("CREATE TABLE a AS SELECT 'net' AS nota FROM range(3)")
    db.execute(f"CREATE TABLE b AS SELECT CASE WHEN range = 2 THEN '{SECRET}' ELSE 'net' END AS nota FROM range(4)")
    db.close()
    hits = guard.scan(tmp_path)
    assert [(h.file, h.row, h.field, h.kind) for h in hits] == [
        ("t2.csv", 5, "nota", "telèfon / phone"),
        ("t4.csv", 3, "nota", PRIVATE_VALUE),
        ("z.duckdb:b", 4, "nota", PRIVATE_VALUE),
    ]


def test_a_csv_of_any_dialect_is_read_and_a_packaged_one_in_the_dialect_it_was_written_in(guard, tmp_path):
    """A CSV that no datapackage.json beside it describes (a writer's of its own: semicolons,
    quoted separators) is read as DuckDB's sniffer finds it, never refused or skipped; one
    that a datapackage describes is read in package.py's dialect (no sniffing), its numbers
    left unread."""
    (tmp_path / "own.csv").write_text(f'nom;nota\n"Ajuntament; de Vic";net\n"x";"trucar al {PHONE}"\n', encoding="utf-8")
    packaged = tmp_path / "pkg"
    packaged.mkdir()
    (packaged / "t.csv").write_text(f'codi,nom,import\n1,"Vic, Ajuntament",12\n2,{SECRET},612345678\n', encoding="utf-8")
    (packaged / "datapackage.json").write_text(
        '{"resources": [{"path": "t.csv", "schema": {"fields": [{"name": "codi", "type": "string"}, '
        '{"name": "nom", "type": "string"}, {"name": "import", "type": "integer"}]}}]}', encoding="utf-8")
    assert "auto_detect=false" in privacy._csv_source(packaged / "t.csv")[0]
    assert privacy._csv_source(packaged / "t.csv")[1] == {"import"}
    assert "auto_detect" not in privacy._csv_source(tmp_path / "own.csv")[0]
    hits = [(h.file, h.row, h.field, h.kind) for h in guard.scan(tmp_path)]
    assert hits == [("own.csv", 3, "nota", "telèfon / phone"), ("pkg/t.csv", 3, "nom", PRIVATE_VALUE)]
