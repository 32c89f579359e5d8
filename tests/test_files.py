"""Files every tool opens, read back from one publication of the sample: localret.duckdb in
DuckDB's long-term-support release (1.4, installed by the test into a venv of its own) as well
as in the pipeline's own version, every column described there, Parquet fields described,
money as DECIMAL, and the "how to open" lines of each README and landing page run for real on
the published CSVs. The citation names the version's own address."""

from __future__ import annotations

import csv
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from filelock import FileLock
from lxml import html

from localret import build, opening, schema
from localret.build import BuildError
from localret.site.published import DEFAULT_BASE_URL
from localret.stages import DATABASE_STORAGE_VERSION

pytestmark = pytest.mark.timeout(600)
LTS = "1.4.5"  # DuckDB's long-term-support release line (1.4), its newest patch
BASE = DEFAULT_BASE_URL  # the `published` fixture publishes with the default base URL
LANGS = ("ca", "es", "en")
HEADINGS = {lang: opening.T[lang]["heading"] for lang in LANGS}
MONEY = re.compile(r"(import|pressupost|consum)_")


def specs():
    return build.load_specs()


def resources():
    return [(spec, res) for spec in specs() for res in spec.resources]


def norm(text) -> str:
    return " ".join(str(text).split())


def csv_columns(path: Path) -> dict[str, list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {c: [r[c] for r in rows] for c in (rows[0] if rows else {})}


# --- DuckDB 1.4 in a venv of its own ------------------------------------------------------------
def _lts_python() -> Path:
    """A venv with duckdb==LTS, made once per machine under the temporary folder (outside the
    repository) and reused; a lock keeps two workers from building it at once."""
    home = Path(tempfile.gettempdir()) / f"localret-test-duckdb-{LTS}"
    python = home / "bin" / "python"
    with FileLock(str(home) + ".lock", timeout=600):
        probe = [str(python), "-c", f"import duckdb, sys; sys.exit(duckdb.__version__ != '{LTS}')"]
        if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
            return python
        shutil.rmtree(home, ignore_errors=True)
        steps = [[sys.executable, "-m", "venv", str(home)],
                 [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"duckdb=={LTS}"]]
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, timeout=480)
            if done.returncode != 0:
                shutil.rmtree(home, ignore_errors=True)
                why = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
                message = f"cannot install duckdb=={LTS} into a venv ({' '.join(step[:3])}...): {why[0]}"
                if os.environ.get("CI"):  # CI must run this check, not skip it
                    pytest.fail(message)
                pytest.skip(message)
    return python


@pytest.fixture(scope="module")
def lts_python() -> Path:
    return _lts_python()


# Run by the 1.4 interpreter: everything it reads from the file, as JSON.
READER = r"""
import hashlib, json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
out = {"version": duckdb.__version__, "tables": {}}
for (name, comment) in con.execute("SELECT table_name, comment FROM duckdb_tables() ORDER BY 1").fetchall():
    cols = con.execute("SELECT column_name, data_type, comment FROM duckdb_columns() WHERE table_name = ? "
                       "ORDER BY column_index", [name]).fetchall()
    rows = con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
    out["tables"][name] = {"comment": comment, "columns": [list(c) for c in cols], "rows": len(rows),
                           "first": [str(v) for v in rows[0]] if rows else [],
                           "digest": hashlib.sha256(repr(rows).encode()).hexdigest()}
print(json.dumps(out))
"""


def read_database(python: str, db: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run([python, "-c", READER, str(db)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_database_opens_in_duckdb_lts_and_in_the_pipelines_own(published, lts_python):
    db = published / "localret.duckdb"
    lts = read_database(str(lts_python), db)
    own = read_database(sys.executable, db)
    assert lts["version"] == LTS and own["version"] == duckdb.__version__ != LTS
    # what the READMEs and pages promise ("DuckDB 1.4 or later") is what is written and tested
    assert LTS.startswith(opening.DUCKDB_SINCE + ".") and DATABASE_STORAGE_VERSION == f"v{opening.DUCKDB_SINCE}.0"
    expected = {res.table[4:] for _, res in resources()}
    assert set(lts["tables"]) == set(own["tables"]) == expected
    for name, table in own["tables"].items():
        assert table["rows"] > 0, name
        assert lts["tables"][name] == table, name  # same columns, types, comments and rows, byte for byte
    con = duckdb.connect(str(db), read_only=True)
    try:
        tags = dict(con.execute("SELECT database_name, tags FROM duckdb_databases()").fetchall())
        assert tags["localret"]["storage_version"].startswith(DATABASE_STORAGE_VERSION)
    finally:
        con.close()


def test_a_file_in_the_newer_format_is_what_the_lts_cannot_read(tmp_path, lts_python):
    """The check above can fail: DuckDB's own default format today is beyond 1.4's reach."""
    db = tmp_path / "newer.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    con.close()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run([str(lts_python), "-c", READER, str(db)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode != 0 and "version" in done.stderr.lower()


# --- comments ----------------------------------------------------------------------------------------
def test_every_table_and_column_carries_its_schema_description(published):
    con = duckdb.connect(str(published / "localret.duckdb"), read_only=True)
    try:
        columns = {(t, c): comment for t, c, comment in
                   con.execute("SELECT table_name, column_name, comment FROM duckdb_columns() "
                               "WHERE database_name = 'localret' AND NOT internal").fetchall()}
        tables = dict(con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE NOT internal").fetchall())
    finally:
        con.close()
    described = 0
    for spec, res in resources():
        table = res.table[4:]
        d = res.schema.descriptor
        assert tables[table].startswith(norm(d["title"])) and f"({spec.name}/{res.name})" in tables[table], table
        assert norm(d["description"]).rstrip(".") in tables[table], table
        for f in res.schema.fields:
            assert f.descriptor.get("description"), (res.name, f.name)
            assert columns[(table, f.name)] == norm(f.descriptor["description"]), (table, f.name)
            described += 1
    assert described == len(columns)  # no column without one, and no other column


# --- Parquet metadata ----------------------------------------------------------------------------------
@pytest.mark.parametrize("ds, name", [(spec.name, res.name) for spec, res in resources()])
def test_parquet_fields_carry_their_descriptions(published, ds, name):
    path = published / ds / "latest" / f"{name}.parquet"
    dp = json.loads((published / ds / "latest" / "datapackage.json").read_text(encoding="utf-8"))
    res = next(r for r in dp["resources"] if r["name"] == name)
    arrow = pq.read_schema(path)
    for f in res["schema"]["fields"]:
        meta = arrow.field(f["name"]).metadata
        assert meta[b"description"].decode() == norm(f["description"]), f["name"]
        assert meta[b"title"].decode() == norm(f["title"]), f["name"]
    assert arrow.metadata[b"title"].decode() == res["title"]
    # The footer's plain key-value metadata, for any Parquet reader (here DuckDB's).
    kv = dict(duckdb.sql(f"SELECT key::VARCHAR, decode(value) FROM parquet_kv_metadata('{path}')").fetchall())
    assert kv["title"] == res["title"] and kv["description"] == res["description"]
    assert json.loads(kv["localret:table_schema"]) == res["schema"]


# --- money ------------------------------------------------------------------------------------------------
def test_every_amount_field_is_declared_decimal():
    declared = []
    for path in sorted(Path(schema.paths.SCHEMAS).glob("*.json")):
        for f in json.loads(path.read_text(encoding="utf-8"))["fields"]:
            if MONEY.match(f["name"]):
                assert f.get("type") == "number" and f.get(schema.DECIMAL_PROPERTY) == {"precision": 18, "scale": 2}, \
                    (path.name, f["name"])
                declared.append(f["name"])
    assert len(declared) >= 6  # convenis, lots, procediments, adhesions-per-lot


@pytest.mark.parametrize("ds, name", [(spec.name, res.name) for spec, res in resources()
                                      if any(f.decimal for f in res.schema.fields)])
def test_money_is_decimal_in_parquet_duckdb_and_csv(published, ds, name):
    spec_res = next(res for spec, res in resources() if spec.name == ds and res.name == name)
    money = [f for f in spec_res.schema.fields if f.decimal]
    arrow = pq.read_schema(published / ds / "latest" / f"{name}.parquet")
    con = duckdb.connect(str(published / "localret.duckdb"), read_only=True)
    try:
        types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?",
                                 [spec_res.table[4:]]).fetchall())
    finally:
        con.close()
    cells = csv_columns(published / ds / "latest" / f"{name}.csv")
    dp = json.loads((published / ds / "latest" / "datapackage.json").read_text(encoding="utf-8"))
    published_fields = {f["name"]: f for r in dp["resources"] if r["name"] == name for f in r["schema"]["fields"]}
    for f in money:
        assert arrow.field(f.name).type == pa.decimal128(18, 2), f.name
        assert types[f.name] == "DECIMAL(18,2)", f.name
        # plain text with a decimal point and the cents, as the canonical CSV has always had them
        assert cells[f.name] and all(re.fullmatch(r"-?[0-9]+\.[0-9]{2}", v) for v in cells[f.name] if v), f.name
        assert published_fields[f.name][schema.DECIMAL_PROPERTY] == {"precision": 18, "scale": 2}
    # the other numbers (percentages) stay binary floats: only money is declared
    for f in spec_res.schema.fields:
        if f.type == "number" and not f.decimal:
            assert arrow.field(f.name).type == pa.float64(), f.name


def test_a_malformed_decimal_declaration_is_a_declaration_error(tmp_path):
    project = tmp_path / "project"
    for folder in ("datasets", "schemas"):
        shutil.copytree(Path(schema.paths.ROOT) / folder, project / folder)
    path = project / "schemas" / "lots.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"precision": 18, "scale": 2', '"precision": 18, "scale": 20', 1), encoding="utf-8")
    with pytest.raises(BuildError, match=r"schemas/lots\.json: camp 'pressupost_sense_iva'.*localret:decimal") as exc:
        build.load_specs(project)
    assert BuildError.exit_code == 4 and "precision" in str(exc.value)


# --- how to open the files ---------------------------------------------------------------------------
def fenced(text: str, fence: str) -> list[str]:
    return [m.strip() for m in re.findall(rf"```{fence}\n(.*?)```", text, flags=re.S)]


def local(line: str, url: str, folder: Path) -> str:
    assert url in line, (url, line)
    return line.replace(url, folder.as_posix() + "/")


def run_pandas(line: str) -> pd.DataFrame:
    scope: dict = {}
    exec(line, scope)  # the line exactly as published, on a local copy of the file
    return scope["df"]


def check_codes_kept(frame_columns, path: Path, codes: list[str]) -> int:
    """The code columns read by a tool equal the CSV's text; returns how many had a leading zero."""
    text = csv_columns(path)
    zeros = 0
    for c in codes:
        assert [("" if v is None or (isinstance(v, float) and pd.isna(v)) else v) for v in frame_columns[c]] == text[c], c
        zeros += sum(v.startswith("0") for v in text[c])
    return zeros


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(published):
    """The published tree behind a real HTTP server on loopback: the site's base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(published)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def test_the_data_dictionaries_show_money_as_decimal(published):
    """The README's dictionary (three languages) and the landing page's show the exact type."""
    for spec, res in resources():
        money = [f.name for f in res.schema.fields if f.decimal]
        if not money:
            continue
        readme = (published / spec.name / "latest" / "README.md").read_text(encoding="utf-8")
        page = (published / spec.name / "index.html").read_text(encoding="utf-8")
        for name in money:
            rows = [line for line in readme.splitlines() if line.startswith(f"| `{name}` |")]
            # one row per language, and per table holding the field
            assert rows and len(rows) % 3 == 0 and all("number (DECIMAL(18,2))" in r for r in rows), (spec.name, name, rows)
            cell = re.search(rf"<code>{name}</code>.*?</tr>", page, re.S)
            assert cell and "number (DECIMAL(18,2))" in cell.group(0), (spec.name, name)


@pytest.fixture(scope="module")
def readmes(published) -> dict[str, str]:
    return {spec.name: (published / spec.name / "1.0.0" / "README.md").read_text(encoding="utf-8") for spec in specs()}


def test_each_readme_says_how_to_open_the_files_in_three_languages(published, readmes):
    for spec in specs():
        text = readmes[spec.name]
        at = [text.index(f"### {HEADINGS[lang]}") for lang in LANGS]
        assert at == sorted(at) and text.index("## Català") < at[0] < text.index("## Español") < at[1] \
            < text.index("## English") < at[2], spec.name
        assert text.count(f"`{spec.name}.xlsx`") >= 3 and (published / spec.name / "1.0.0" / f"{spec.name}.xlsx").is_file()
        assert text.count(f"`{BASE}localret.duckdb`") == 3
        for fence in ("python", "r", "sql"):
            assert len(fenced(text, fence)) == 3 and len(set(fenced(text, fence))) == 1, (spec.name, fence)


def test_the_readme_lines_run_and_keep_leading_zeros(published, readmes, served):
    zeros = 0
    for spec in specs():
        text, folder = readmes[spec.name], published / spec.name / "1.0.0"
        url = f"{BASE}{spec.name}/1.0.0/"
        py, sql, r = fenced(text, "python")[0], fenced(text, "sql")[0], fenced(text, "r")[0]
        how = opening.how_to(spec.name, [(res.name, f"{res.name}.csv", res.schema.descriptor["fields"])
                                         for res in spec.resources], url, BASE)
        path = folder / how.example.path
        codes = list(how.example.codes)
        assert codes, spec.name  # every dataset has a table with codes
        frame = run_pandas(local(py, url, folder))
        assert list(frame.columns) == list(csv_columns(path))
        zeros += check_codes_kept({c: frame[c].tolist() for c in codes}, path, codes)
        # and as a reader runs it, over HTTP (the site's address stands for the real one)
        remote = run_pandas(py.replace(BASE, served))
        assert remote.equals(frame), spec.name
        con = duckdb.connect()
        try:
            cur = con.execute(local(sql, url, folder))
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
        finally:
            con.close()
        assert names == list(csv_columns(path)) and len(rows) == len(frame)
        check_codes_kept({c: [row[names.index(c)] for row in rows] for c in codes}, path, codes)
        # R may not be here: its line is checked as text
        assert r.startswith(f'df <- readr::read_csv("{url}{how.example.path}", col_types = readr::cols(') and r.endswith(' = "c"))')
        assert all(f'{c} = "c"' in r for c in codes) and r.count("(") == r.count(")") and r.count('"') % 2 == 0
    assert zeros > 1000  # the codes do start with zeros (08 Barcelona...): the check means something


def test_without_the_types_the_codes_would_lose_their_zeros(published):
    """What the lines prevent: pandas guessing types turns codi_ine 08019 into 8019."""
    path = published / "ens" / "latest" / "ens.csv"
    guessed = pd.read_csv(path)["codi_ine"].dropna()
    assert not all(str(v).startswith("0") for v in guessed)
    assert any(v.startswith("0") for v in csv_columns(path)["codi_ine"])


def page_lines(page: Path) -> dict[str, str]:
    doc = html.fromstring(page.read_bytes())
    return {c.get("data-tool"): c.text_content() for c in doc.xpath('//section[@aria-labelledby="obrir"]//code[@data-tool]')}


@pytest.mark.parametrize("lang", LANGS)
def test_each_landing_page_says_how_to_open_the_files(published, lang):
    for spec in specs():
        page = published / spec.name / ("index.html" if lang == "ca" else f"index.{lang}.html")
        doc = html.fromstring(page.read_bytes())
        section = doc.xpath('//section[@aria-labelledby="obrir"]')
        assert len(section) == 1, (spec.name, lang)
        assert section[0].xpath("string(h2)") == HEADINGS[lang]
        assert doc.xpath('//nav[contains(@class, "toc")]//a[@href="#obrir"]')
        text = norm(section[0].text_content())
        assert f"{spec.name}.xlsx" in text and f"{BASE}localret.duckdb" in text
        lines = page_lines(page)
        assert set(lines) == {"pandas", "r", "duckdb"}
        url = f"{BASE}{spec.name}/latest/"
        frame = run_pandas(local(lines["pandas"], url, published / spec.name / "latest"))
        how = opening.how_to(spec.name, [(res.name, f"{res.name}.csv", res.schema.descriptor["fields"])
                                         for res in spec.resources], url, BASE)
        check_codes_kept({c: frame[c].tolist() for c in how.example.codes},
                         published / spec.name / "latest" / how.example.path, list(how.example.codes))
        assert lines["duckdb"] == how.line("duckdb") and lines["r"] == how.line("r")


def test_code_columns_come_from_the_schemas():
    fields = [
        {"name": "codi_ine", "type": "string", "constraints": {"pattern": "[0-9]{5}"}},
        {"name": "ens_id", "type": "string", "example": "0801930008"},
        {"name": "dir3", "type": "string", "constraints": {"pattern": "L01[0-9]{6}"}},
        {"name": "nom", "type": "string", "example": "Ajuntament de Barcelona"},
        {"name": "poblacio", "type": "integer", "example": 1000},
    ]
    assert opening.code_columns(fields) == ["codi_ine", "ens_id"]


# --- citation --------------------------------------------------------------------------------------------
def test_every_citation_names_the_versions_address(published, readmes):
    for spec in specs():
        versioned = f"{BASE}{spec.name}/1.0.0/"
        cites = [line for line in readmes[spec.name].splitlines() if re.match(r"> (Font|Fuente|Source): Consorci Localret\. ", line)]
        assert len(cites) == 3 and all(c.endswith(versioned) for c in cites), cites
        for lang in LANGS:
            page = published / spec.name / ("index.html" if lang == "ca" else f"index.{lang}.html")
            doc = html.fromstring(page.read_bytes())
            quote = norm(doc.xpath('string(//blockquote[contains(@class, "citation")])'))
            assert quote.endswith(versioned), (spec.name, lang, quote)
            for block in doc.xpath('//script[@type="application/ld+json"]'):
                data = json.loads(block.text)
                if data.get("@type") == "Dataset":
                    assert data["creditText"].endswith(versioned)
        book = openpyxl.load_workbook(published / spec.name / "1.0.0" / f"{spec.name}.xlsx", read_only=True)
        try:
            about = {row[0]: row[1] for row in book["Llegiu-me"].iter_rows(values_only=True) if row and row[0]}
        finally:
            book.close()
        assert about["Com citar"].endswith(versioned)
