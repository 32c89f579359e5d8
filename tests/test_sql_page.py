"""The SQL page (explora/sql*.html) in a real browser: Debian's headless Chromium, driven by
Playwright, over localret.rangeserver.RangeServer on 127.0.0.1 (HTTP ranges, a log of every
request and byte). DuckDB-WASM answers the example queries as DuckDB in Python does on the
published Parquet files; ?q= runs on load; a bad query shows its error; the CSV download holds
the result; every published table is queryable by its name; a multi-row-group Parquet file is
read partially; only the SQL page loads the engine; the page works in three languages and
from the keyboard. No request leaves 127.0.0.1."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import os
import shutil
from pathlib import Path
from urllib.parse import quote

import duckdb
import html5lib
import pytest

from localret.rangeserver import RangeServer
from localret.site import published
from localret.site import sql as sql_section
from localret.site.build import Site
from site_helpers import BASE_URL, datasets, html_pages, package, published_sample
from test_browser import AXE, CHROMIUM, Watch, axe_violations

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)")

RESULT = "[data-testid='sql-result']"
FINISHED = "['done', 'error'].includes(document.querySelector(\"[data-testid='sql-result']\").dataset.state)"
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return published_sample(tmp_path_factory)


@pytest.fixture(scope="module")
def server(out):
    with RangeServer(out) as srv:
        yield srv


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ca-ES", service_workers="block",
                                  accept_downloads=True)
    pg = context.new_page()
    watch = Watch(pg, server.url)
    yield pg, watch, server
    context.close()


# ---------- helpers ----------

def config(out: Path, lang_page: str = "sql.html") -> dict:
    doc = html5lib.parse((out / "explora" / lang_page).read_bytes(), namespaceHTMLElements=False)
    return json.loads(next(s for s in doc.iter("script") if s.get("id") == "sql-config").text)


def python_duckdb(out: Path) -> duckdb.DuckDBPyConnection:
    """DuckDB in Python with the page's views, over the same published files."""
    con = duckdb.connect()
    for table in config(out)["tables"]:
        path = (out / "explora" / table["url"]).resolve()
        reader = f"read_parquet('{path}')" if table["format"] == "parquet" else f"read_csv_auto('{path}', header=true)"
        for name in table["views"]:
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM {reader}')
    return con


def as_text(value) -> str | None:
    """A Python DuckDB value as the page writes it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, int)):
        return str(value)
    if isinstance(value, float):
        return repr(value).removesuffix(".0")
    return str(value)


def expected(con, sql: str) -> tuple[list[str], list[list[str | None]]]:
    cur = con.execute(sql)
    return [d[0] for d in cur.description], [[as_text(v) for v in row] for row in cur.fetchall()]


def shown(pg) -> tuple[list[str], list[list[str | None]]]:
    """The result table's header and cells (None for a NULL), and it must be whole (<= max rows)."""
    return pg.evaluate("""() => {
        const r = document.querySelector("[data-testid='sql-result']");
        const head = [...r.querySelectorAll('table thead th')].map(th => th.textContent);
        const rows = [...r.querySelectorAll('table tbody tr')].map(tr =>
            [...tr.cells].map(td => td.hasAttribute('data-null') ? null : td.textContent));
        return [head, rows];
    }""")


def wait_result(pg) -> dict:
    pg.wait_for_function(FINISHED, timeout=TIMEOUT)
    return pg.eval_on_selector(RESULT, "r => ({state: r.dataset.state, rows: Number(r.dataset.rows), error: r.dataset.error || null})")


def run_typed(pg, sql: str) -> dict:
    """Types a query in the textarea and runs it with Ctrl+Enter (the keyboard's way)."""
    pg.evaluate("document.querySelector(\"[data-testid='sql-result']\").dataset.state = 'idle'")
    pg.fill("#sql-query", sql)
    pg.focus("#sql-query")
    pg.keyboard.press("Control+Enter")
    return wait_result(pg)


def open_query(pg, base: str, sql: str, lang_page: str = "sql.html") -> dict:
    pg.goto(f"{base}explora/{lang_page}?q={quote(sql)}")
    return wait_result(pg)


# ---------- the published pages ----------

def test_pages_published_in_three_languages_with_the_engine_beside_them(out):
    for name in ("sql.html", "sql.es.html", "sql.en.html", "sql.js", "sql.css", "duckdb/duckdb-eh.wasm",
                 "duckdb/duckdb-browser-eh.worker.js", "duckdb/apache-arrow-LICENSE.txt", "duckdb/apache-arrow-NOTICE.txt",
                 "duckdb/duckdb-wasm-LICENSE.txt"):
        assert (out / "explora" / name).is_file(), name
    # the engine as npm installed it, in its published form (the wasm byte for byte; the worker
    # without its source-map comment and its licence notices' mailboxes)
    from localret.site import jsbundle

    for name in ("duckdb-eh.wasm", "duckdb-browser-eh.worker.js"):
        assert (out / "explora" / "duckdb" / name).read_bytes() == jsbundle.library_file(f"@duckdb/duckdb-wasm/dist/{name}")
    assert jsbundle.library_file("@duckdb/duckdb-wasm/dist/duckdb-eh.wasm") == (
        jsbundle.node_modules() / "@duckdb/duckdb-wasm/dist/duckdb-eh.wasm").read_bytes()
    licence = (out / "explora" / "duckdb" / "apache-arrow-LICENSE.txt").read_text(encoding="utf-8")
    assert licence.lstrip().startswith("Apache License") and "END OF TERMS AND CONDITIONS" in licence and "@" not in licence
    assert "MIT License" in (out / "explora" / "duckdb" / "duckdb-wasm-LICENSE.txt").read_text(encoding="utf-8")
    for lang_page, lang in (("sql.html", "ca"), ("sql.es.html", "es"), ("sql.en.html", "en")):
        text = (out / "explora" / lang_page).read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in text
        assert "DuckDB-WASM 1.28.0" in text and "MIT" in text and "Apache Arrow 13.0.0" in text and "Apache 2.0" in text
        assert 'data-testid="sql-result"' in text and 'aria-live="polite"' in text


def test_only_the_sql_pages_reference_the_engine(out):
    for page in html_pages(out):
        text = page.read_text(encoding="utf-8")
        mine = page.parent.name == "explora" and page.name.startswith("sql")
        assert mine == ('src="sql.js"' in text or "sql.js\"" in text), page
        assert mine == ("duckdb-eh.wasm" in text), page


def test_schema_sidebar_lists_every_published_table_and_column(out):
    doc = html5lib.parse((out / "explora" / "sql.html").read_bytes(), namespaceHTMLElements=False)
    listed = {a.get("data-table"): a for a in doc.iter("a") if a.get("data-table")}
    aside = next(el for el in doc.iter("aside"))
    total = 0
    for name in datasets(out):
        for res in package(out, name)["resources"]:
            assert res["name"] in listed, res["name"]
            item = next(li for li in aside.iter("li") if res["name"] in [a.get("data-table") for a in li.findall("a")])
            columns = [c.text for c in item.findall(".//ul[@class='sql-columns']/li/code")]
            assert columns == [f["name"] for f in res["schema"]["fields"]], res["name"]
            total += 1
    assert total == len(listed) >= 19


def test_naming_rule_for_hyphens_and_clashes(out, tmp_path):
    """Hyphenated tables answer to their quoted name and with underscores; when two datasets
    publish the same table name, the first on the site keeps the bare name and both get
    <dataset>_<table>."""
    work = tmp_path / "out"
    shutil.copytree(out / "ens", work / "ens")
    shutil.copytree(out / "resums", work / "resums")
    twin = work / "zz-ens"  # a second dataset that also publishes a table named `ens`
    shutil.copytree(out / "ens", twin)
    versions = json.loads((twin / "versions.json").read_text(encoding="utf-8"))
    versions["dataset"] = "zz-ens"
    (twin / "versions.json").write_text(json.dumps(versions), encoding="utf-8")
    tables = sql_section.queryable_tables(published.load(work))
    views = {(t["dataset"].name, t["table"]): t["views"] for t in tables}
    assert views[("ens", "ens")] == ["ens", "ens_ens"]
    assert views[("zz-ens", "ens")] == ["zz_ens_ens"]
    assert views[("resums", "membres-per-tipus")] == ["membres-per-tipus", "membres_per_tipus"]
    assert views[("resums", "cobertura")] == ["cobertura"]
    assert tables[0]["url"].startswith("../ens/1.0.0/") and tables[0]["format"] == "parquet"


def test_rebuilt_engine_files_are_byte_identical_and_verify_passes(out, tmp_path):
    from localret.verify import verify

    problems, checked, _ = verify(out)
    assert problems == [] and checked >= 5
    work = tmp_path / "out"
    shutil.copytree(out, work)
    before = {p.relative_to(work).as_posix(): p.read_bytes() for p in (work / "explora").rglob("*") if p.is_file()}
    shutil.rmtree(work / "explora")
    Site(work, BASE_URL).build()
    after = {p.relative_to(work).as_posix(): p.read_bytes() for p in (work / "explora").rglob("*") if p.is_file()}
    assert set(before) >= {"explora/duckdb/duckdb-eh.wasm", "explora/sql.js", "explora/sql.html"}
    assert {k: v for k, v in after.items() if k in before} == before


# ---------- in the browser ----------

def test_example_queries_give_the_answers_of_duckdb_in_python(page, out):
    pg, watch, server = page
    con = python_duckdb(out)
    pg.goto(server.url + "explora/sql.html")
    links = pg.locator("a.sql-example")
    ids = links.evaluate_all("els => els.map(e => e.dataset.example)")
    assert {"membres-per-comarca", "altes-2014", "adhesions-per-operador"} <= set(ids)
    for i, example in enumerate(ids):
        sql = links.nth(i).get_attribute("data-sql")
        pg.evaluate("document.querySelector(\"[data-testid='sql-result']\").dataset.state = 'idle'")
        links.nth(i).click()
        state = wait_result(pg)
        assert state["state"] == "done", (example, state)
        assert pg.input_value("#sql-query") == sql
        assert "q=" in pg.url  # the view can be shared
        head, rows = shown(pg)
        want_head, want_rows = expected(con, sql)
        assert head == want_head, example
        assert rows == want_rows, example
        assert state["rows"] == len(want_rows) > 0, example
    # the comarca example counts every active member once: the published total
    by_comarca = expected(con, pg.locator("a.sql-example[data-example='membres-per-comarca']").get_attribute("data-sql"))[1]
    total = sum(int(r["membres_actius"]) for r in csv.DictReader(
        (out / "resums" / "latest" / "membres-per-tipus.csv").open(encoding="utf-8")))
    assert sum(int(r[1]) for r in by_comarca) == total
    watch.check("examples")


def test_q_runs_on_load(page, out):
    pg, watch, server = page
    sql = "SELECT tipus_ens, count(*) AS n FROM ens GROUP BY tipus_ens ORDER BY n DESC, tipus_ens"
    state = open_query(pg, server.url, sql)
    assert state["state"] == "done"
    assert pg.input_value("#sql-query") == sql
    head, rows = shown(pg)
    assert (head, rows) == expected(python_duckdb(out), sql)
    ens_rows = sum(1 for _ in csv.DictReader((out / "ens" / "latest" / "ens.csv").open(encoding="utf-8")))
    assert sum(int(r[1]) for r in rows) == ens_rows
    assert pg.locator(f"{RESULT} table thead th").count() == 2
    assert pg.locator(f"{RESULT} table caption").inner_text() == f"Resultat: {len(rows)} files"
    if AXE.is_file():  # the page with a result table
        assert axe_violations(pg) == []
    watch.check("?q=")


def test_bad_query_shows_its_error_and_the_page_recovers_by_keyboard(page):
    pg, watch, server = page
    state = open_query(pg, server.url, "SELEC * FROM membres")
    assert state["state"] == "error" and "syntax error" in state["error"]
    alert = pg.locator(f"{RESULT} [role='alert']")
    assert alert.is_visible() and "SELEC" in alert.inner_text() and "Error en la consulta" in alert.inner_text()
    assert pg.inner_text("#sql-status").startswith("Error en la consulta")
    assert pg.is_disabled("#sql-download")
    if AXE.is_file():  # the page with an error
        assert axe_violations(pg) == []
    state = run_typed(pg, "SELECT * FROM taula_que_no_existeix")
    assert state["state"] == "error" and "taula_que_no_existeix" in state["error"]
    # an extension that is not built in is an error, never a download from DuckDB's site (watch.check)
    state = run_typed(pg, "SELECT * FROM read_json_auto('membres.json')")
    assert state["state"] == "error" and "json" in state["error"]
    # from the keyboard: the textarea, Ctrl+Enter, then Tab to the run button and Enter
    state = run_typed(pg, "SELECT 6 * 7 AS resposta")
    assert state["state"] == "done" and shown(pg) == [["resposta"], [["42"]]]
    pg.fill("#sql-query", "SELECT 'ok' AS r")
    pg.evaluate("document.querySelector(\"[data-testid='sql-result']\").dataset.state = 'idle'")
    pg.focus("#sql-query")
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.id") == "sql-run"
    pg.keyboard.press("Enter")
    assert wait_result(pg)["state"] == "done" and shown(pg) == [["r"], [["ok"]]]
    assert pg.get_attribute("#sql-status", "role") == "status"
    watch.check("errors")


def test_csv_download_equals_the_result(page, out, tmp_path):
    pg, watch, server = page
    sql = ("SELECT nom, tipus_ens, data_alta, data_baixa, motiu_baixa, 'a,\"b\"' AS cometes FROM membres "
           "WHERE nom LIKE '%''%' OR nom LIKE '%·%' OR motiu_baixa IS NOT NULL ORDER BY nom, data_alta, ens_id")
    state = open_query(pg, server.url, sql)
    assert state["state"] == "done" and state["rows"] > 10
    with pg.expect_download() as info:
        pg.click("#sql-download")
    download = info.value
    assert download.suggested_filename == "consulta.csv"
    path = tmp_path / "consulta.csv"
    download.save_as(path)
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    head, cells = shown(pg)
    assert rows[0] == head
    assert rows[1:] == [[c if c is not None else "" for c in r] for r in cells]
    want_head, want_rows = expected(python_duckdb(out), sql)
    assert rows == [want_head] + [[c if c is not None else "" for c in r] for r in want_rows]
    assert any("·" in r[0] or "'" in r[0] or "’" in r[0] for r in rows[1:])
    watch.check("csv")


def test_every_published_table_is_queryable_by_its_name(page, out):
    pg, watch, server = page
    names = {}
    for name in datasets(out):
        for res in package(out, name)["resources"]:
            names[res["name"]] = int(res["localret:rows"])
            if "-" in res["name"]:
                names[res["name"].replace("-", "_")] = int(res["localret:rows"])
    assert {"membres", "ens", "adhesions", "lots", "procediments", "operadors", "convenis", "membres_per_tipus"} <= set(names)
    sql = "\nUNION ALL ".join(f"SELECT '{n}' AS taula, count(*) AS files FROM \"{n}\"" for n in sorted(names)) + "\nORDER BY taula"
    state = open_query(pg, server.url, sql)
    assert state["state"] == "done", state
    assert {t: int(n) for t, n in shown(pg)[1]} == names
    # a table link of the sidebar shows its first rows
    pg.evaluate("document.querySelector(\"[data-testid='sql-result']\").dataset.state = 'idle'")
    pg.click("a[data-table='membres']")
    assert wait_result(pg)["rows"] == min(100, names["membres"])
    watch.check("tables")


def test_range_reads_move_a_fraction_of_a_multi_row_group_parquet(browser, out, tmp_path):
    """A copy of the publication whose adhesions Parquet has 1,000x the rows in row groups of
    20,000 (written by DuckDB, as the pipeline writes): count(*) reads the footer, a GROUP BY
    on one column only that column's chunks, never the whole file."""
    work = tmp_path / "out"
    shutil.copytree(out, work, copy_function=os.link)  # hard links: only the file replaced below differs
    table = next(t for t in config(work)["tables"] if "adhesions" in t["views"])
    target = (work / "explora" / table["url"]).resolve()
    big = tmp_path / "adhesions.parquet"
    # each copy of a row a body code and a date of its own, shuffled: data that compresses as real data does
    duckdb.execute(f"COPY (SELECT a.* REPLACE (a.codi_ens || '-' || r.range AS codi_ens, "
                   f"a.data_adhesio + CAST(r.range % 3650 AS INTEGER) AS data_adhesio) "
                   f"FROM read_parquet('{target}') AS a, range(1000) AS r ORDER BY hash(r.range, a.codi_ens, a.lot_numero)) "
                   f"TO '{big}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 20000)")
    target.unlink()  # a hard link to the published file: replaced, never written through
    shutil.move(big, target)
    size = target.stat().st_size
    groups = duckdb.execute(f"SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{target}')").fetchone()[0]
    rows = duckdb.execute(f"SELECT count(*) FROM '{target}'").fetchone()[0]
    assert groups >= 20 and size > 1_000_000
    context = browser.new_context(service_workers="block")
    pg = context.new_page()
    try:
        with RangeServer(work) as srv:
            watch = Watch(pg, srv.url)
            suffix = "/" + table["url"].removeprefix("../")  # /<dataset>/<version>/adhesions.parquet
            state = open_query(pg, srv.url, "SELECT count(*) AS n FROM adhesions")
            assert state["state"] == "done" and shown(pg)[1] == [[str(rows)]]
            counted = srv.log.bytes_sent(suffix)
            heads = [e for e in srv.log.requests(suffix) if e.method == "HEAD"]
            assert heads and all(e.status == 206 and e.range for e in heads)  # DuckDB-WASM's range probe
            assert all(e.status == 206 for e in srv.log.requests(suffix))  # never a whole-file GET
            srv.log.clear()
            state = run_typed(pg, "SELECT operador, count(*) AS n FROM adhesions GROUP BY operador ORDER BY n DESC, operador")
            assert state["state"] == "done"
            con = duckdb.connect()
            con.execute(f"CREATE VIEW adhesions AS SELECT * FROM read_parquet('{target}')")
            assert tuple(shown(pg)) == expected(con, "SELECT operador, count(*) AS n FROM adhesions GROUP BY operador ORDER BY n DESC, operador")
            grouped = srv.log.bytes_sent(suffix)
            watch.check("range reads")
    finally:
        context.close()
    print(f"\nrange reads: {size} B file, {groups} row groups; count(*) moved {counted} B ({counted / size:.2%}), "
          f"GROUP BY one column {grouped} B ({grouped / size:.2%})")
    assert counted < 0.2 * size
    assert grouped < 0.5 * size


def test_the_engine_loads_only_on_the_sql_page_and_only_when_used(page, out):
    pg, watch, server = page
    engine = ("/explora/sql.js", ".wasm", "/explora/duckdb/")
    server.log.clear()
    for rel in ["index.html", "index.en.html", "membres/index.html", "ens/index.es.html"]:
        pg.goto(server.url + rel, wait_until="networkidle")
    assert server.log.entries
    assert [e.path for e in server.log.entries if any(k in e.path for k in engine)] == []
    # the SQL page itself: the page's script, but not the 18 MB until the reader turns to the form
    server.log.clear()
    pg.goto(server.url + "explora/sql.html", wait_until="networkidle")
    assert server.log.requests("/explora/sql.js")
    assert not server.log.requests(".wasm") and not server.log.requests(".parquet")
    pg.focus("#sql-query")
    pg.wait_for_function("document.getElementById('sql-status').textContent === 'Motor SQL a punt.'", timeout=TIMEOUT)
    assert server.log.requests("/explora/duckdb/duckdb-eh.wasm")
    assert pg.get_attribute(RESULT, "data-state") == "idle"
    watch.check("engine")


@pytest.mark.parametrize("lang_page,lang,words", [
    ("sql.es.html", "es", ("Consulta los datos con SQL", "Resultado: 1 fila", "1 fila en", "Error en la consulta", "Ejecutar")),
    ("sql.en.html", "en", ("Query the data with SQL", "Result: 1 row", "1 row in", "Query error", "Run")),
])
def test_spanish_and_english_pages(page, out, lang_page, lang, words):
    pg, watch, server = page
    title, caption, status, error, run = words
    state = open_query(pg, server.url, "SELECT count(*) AS n FROM membres WHERE year(data_alta) = 2014", lang_page)
    assert state["state"] == "done"
    assert pg.get_attribute("html", "lang") == lang
    assert pg.inner_text("h1") == title
    assert pg.locator(f"{RESULT} caption").inner_text() == caption
    assert pg.inner_text("#sql-status").startswith(status)
    assert pg.inner_text("#sql-run") == run
    # the examples are worded in the language; their answers are the Catalan page's
    ca = {e["id"]: e for e in sql_section.examples(sql_section.queryable_tables(published.load(out)), "2026-11-27", "ca")}
    con = python_duckdb(out)
    for link in pg.locator("a.sql-example").all():
        sql = link.get_attribute("data-sql")
        assert expected(con, sql) == expected(con, ca[link.get_attribute("data-example")]["sql"])
    titles = pg.locator("a.sql-example").all_inner_texts()
    assert len(titles) == len(ca) and not set(titles) & {e["title"] for e in ca.values()}
    state = run_typed(pg, "SELECT nonsense FROM membres")
    assert state["state"] == "error" and pg.inner_text("#sql-status").startswith(error)
    with pg.expect_download() as info:
        run_typed(pg, "SELECT 1 AS x")
        pg.click("#sql-download")
    assert info.value.suggested_filename == ("query.csv" if lang == "en" else "consulta.csv")
    watch.check(lang_page)


def test_a_long_result_shows_its_first_rows_and_downloads_whole(page, tmp_path):
    pg, watch, server = page
    state = open_query(pg, server.url, "SELECT range AS i, range % 7 = 0 AS setena FROM range(2500) ORDER BY i")
    assert state == {"state": "done", "rows": 2500, "error": None}
    assert pg.locator(f"{RESULT} tbody tr").count() == sql_section.MAX_ROWS
    assert "1.000 de 2.500" in pg.locator(f"{RESULT} caption").inner_text()
    with pg.expect_download() as info:
        pg.click("#sql-download")
    info.value.save_as(tmp_path / "q.csv")
    rows = list(csv.reader((tmp_path / "q.csv").open(encoding="utf-8", newline="")))
    assert rows[0] == ["i", "setena"] and len(rows) == 2501
    assert rows[-1] == ["2499", "true"] and rows[9] == ["8", "false"]
    watch.check("long result")


def test_a_host_without_ranges_still_answers(browser, out):
    """Python's http.server answers every request whole (200, no ranges): DuckDB-WASM falls
    back to reading the files whole, and the answers are the same."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    context = browser.new_context(service_workers="block")
    pg = context.new_page()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}/"
        watch = Watch(pg, base)
        sql = "SELECT tipus_ens, count(*) AS n FROM membres GROUP BY ALL ORDER BY n DESC, tipus_ens"
        assert open_query(pg, base, sql)["state"] == "done"
        assert tuple(shown(pg)) == expected(python_duckdb(out), sql)
        watch.check("no ranges")
    finally:
        context.close()
        httpd.shutdown()
        httpd.server_close()
