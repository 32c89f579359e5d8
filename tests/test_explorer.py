"""The explorer (explora/?taula=<dataset>/<table>) in a real browser: Debian's headless Chromium,
driven by Playwright, over localret.rangeserver.RangeServer on 127.0.0.1 (HTTP ranges, every
byte counted), no request leaving loopback. Its counts, facets, sorts, searches, pages and CSV
export are checked against the published CSVs read with pandas; a 300,000-row Parquet file in
many row groups, swapped in for adhesions, is read by ranges only and counted from its footer.
Also `localret preview`, which serves a published folder for the explorer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import unicodedata
import urllib.request
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from localret.rangeserver import RangeServer
from localret.site.i18n import CODES
from site_helpers import copy_out, package, published_sample
from test_browser import AXE, CHROMIUM, Watch, axe_violations

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)"),
              pytest.mark.timeout(600)]

MEMBRES = "explora/?taula=membres/membres"
DAY_2014 = "2014-06-30"
BIG_ROWS = 300_000


# ---------- fixtures ----------

@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return published_sample(tmp_path_factory)


@pytest.fixture(scope="module")
def served(out):
    with RangeServer(out) as server:
        yield server


@pytest.fixture
def page(browser, served):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ca-ES", service_workers="block",
                                  accept_downloads=True)
    pg = context.new_page()
    watch = Watch(pg, served.url)
    yield pg, watch, served.url
    watch.check("explorer")
    context.close()


@pytest.fixture(scope="module")
def members(out) -> pd.DataFrame:
    return pd.read_csv(out / "membres" / "latest" / "membres.csv", dtype=str, keep_default_na=False)


def on(frame: pd.DataFrame, day: str) -> pd.DataFrame:
    """Members on a day, by the pipeline's rule: joined on or before it, not left by it."""
    return frame[(frame.data_alta <= day) & ((frame.data_baixa == "") | (frame.data_baixa > day))]


def open_view(pg, url: str) -> None:
    pg.goto(url)
    pg.wait_for_selector("#explorador[data-state=ready]", timeout=30_000)


def row_count(pg) -> int:
    value = pg.get_attribute("[data-testid=row-count]", "data-value")
    assert value is not None and value.isdigit(), value
    return int(value)


def wait_count(pg, expected: int) -> None:
    pg.wait_for_function(f"document.querySelector('[data-testid=row-count]')?.dataset.value === '{expected}' "
                         "&& document.getElementById('explorador').dataset.state === 'ready'", timeout=30_000)


def facet(pg, field: str) -> dict[str, int]:
    pg.wait_for_selector(f"[data-testid='facet-{field}'][data-state=ready]", timeout=30_000)
    items = pg.eval_on_selector_all(f"[data-testid='facet-{field}'] [data-count]",
                                    "els => els.map(e => [e.dataset.value, Number(e.dataset.count)])")
    return dict(items)


def column(pg, name: str) -> list[str]:
    names = pg.eval_on_selector_all("#x-rows thead th", "els => els.map(e => e.textContent.replace(/[↑↓]/g, '').trim())")
    k = names.index(name) + 1
    return pg.eval_on_selector_all(f"#x-rows tbody td:nth-child({k})", "els => els.map(e => e.textContent)")


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


# ---------- what the build writes ----------

def test_membres_has_comarca_and_a_declared_period(out, members):
    res = next(r for r in package(out, "membres")["resources"] if r["name"] == "membres")
    assert res["schema"]["localret:period"] == {"start": "data_alta", "end": "data_baixa"}
    assert {"codi_ine", "comarca_codi", "comarca_nom"} <= set(members.columns)
    ajuntaments = members[members.tipus_ens == "AJUNTAMENT"]
    assert (ajuntaments.comarca_nom != "").all() and (ajuntaments.codi_ine.str.len() == 5).all()
    # the comarca is the ens table's
    ens = pd.read_csv(out / "ens" / "latest" / "ens.csv", dtype=str, keep_default_na=False).set_index("ens_id")
    assert (members.comarca_nom == ens.loc[members.ens_id, "comarca_nom"].to_numpy()).all()


def test_taules_json_describes_every_published_table(out):
    tables = json.loads((out / "explora" / "taules.json").read_text(encoding="utf-8"))["tables"]
    published = {}
    for dp in out.glob("*/latest/datapackage.json"):
        for res in json.loads(dp.read_text(encoding="utf-8"))["resources"]:
            published[f"{dp.parent.parent.name}/{res['name']}"] = res
    assert {t["id"] for t in tables} == set(published)
    for t in tables:
        res = published[t["id"]]
        assert t["rows"] == res["localret:rows"]
        assert [f["name"] for f in t["fields"]] == [f["name"] for f in res["schema"]["fields"]]
        assert set(t["title"]) == {"ca", "es", "en"}
        assert (out / "explora" / t["parquet"]).resolve().is_file()
    membres = next(t for t in tables if t["id"] == "membres/membres")
    assert membres["period"] == {"start": "data_alta", "end": "data_baixa"} and "tipus_ens" in membres["facets"]


# ---------- the explorer over the sample ----------

def test_table_list_links_every_table(page, out):
    pg, watch, base = page
    pg.goto(base + "explora/")
    rows = pg.eval_on_selector_all("#taules tbody tr", "els => els.map(e => [e.dataset.taula, Number(e.dataset.rows), e.querySelector('a').getAttribute('href')])")
    tables = json.loads((out / "explora" / "taules.json").read_text(encoding="utf-8"))["tables"]
    assert [(t["id"], t["rows"]) for t in tables] == [(r[0], r[1]) for r in rows]
    assert all(href == f"index.html?taula={taula}" for taula, _, href in rows)
    pg.click("#taules a[href='index.html?taula=membres/membres']")
    pg.wait_for_selector("#explorador[data-state=ready]")
    assert pg.is_hidden("#explora-taules")


def test_comarca_filter_counts_as_the_csv(page, members):
    pg, watch, base = page
    open_view(pg, base + MEMBRES + "&comarca_nom=Osona")
    expected = members[members.comarca_nom == "Osona"]
    assert 0 < len(expected) < len(members)
    assert row_count(pg) == len(expected)
    assert set(column(pg, "comarca_nom")) == {"Osona"}
    assert pg.input_value("#x-f-comarca_nom") == "Osona"
    # members of Osona on a day: both filters at once
    open_view(pg, base + MEMBRES + f"&comarca_nom=Osona&data={DAY_2014}")
    assert row_count(pg) == len(on(expected, DAY_2014))


def test_a_date_in_2014_and_its_facet_by_type(page, members):
    pg, watch, base = page
    open_view(pg, base + MEMBRES + f"&data={DAY_2014}")
    day = on(members, DAY_2014)
    assert 0 < len(day) < len(members)
    assert row_count(pg) == len(day)
    assert pg.input_value("#x-data") == DAY_2014
    assert facet(pg, "tipus_ens") == day.tipus_ens.value_counts().to_dict()
    # a member who leaves on a day is not counted that day; one who joins is
    left = members[members.data_baixa != ""].iloc[0]
    open_view(pg, base + MEMBRES + f"&data={left.data_baixa}")
    assert row_count(pg) == len(on(members, left.data_baixa))


def test_facet_counts_and_picking_a_value(page, members):
    pg, watch, base = page
    open_view(pg, base + MEMBRES)
    assert row_count(pg) == len(members)
    assert facet(pg, "tipus_ens") == members.tipus_ens.value_counts().to_dict()
    assert facet(pg, "motiu_baixa") == members.motiu_baixa.value_counts().to_dict()  # "" : the empty ones
    pg.click("[data-testid='facet-tipus_ens'] button[data-value='CONSELL_COMARCAL']")
    wait_count(pg, int((members.tipus_ens == "CONSELL_COMARCAL").sum()))
    assert "tipus_ens=CONSELL_COMARCAL" in pg.url
    assert pg.get_attribute("[data-testid='facet-tipus_ens'] button[data-value='CONSELL_COMARCAL']", "aria-pressed") == "true"


def test_sort_by_a_column_both_ways(page, members):
    pg, watch, base = page
    open_view(pg, base + MEMBRES)
    pg.click("button[data-sort='data_alta']")
    pg.wait_for_selector("th[aria-sort=ascending] button[data-sort='data_alta']")
    pg.wait_for_selector("#explorador[data-state=ready]")
    assert column(pg, "data_alta") == sorted(members.data_alta)[:50]
    assert "_sort=data_alta" in pg.url and "_desc" not in pg.url
    pg.click("button[data-sort='data_alta']")
    pg.wait_for_selector("th[aria-sort=descending] button[data-sort='data_alta']")
    pg.wait_for_selector("#explorador[data-state=ready]")
    assert column(pg, "data_alta") == sorted(members.data_alta, reverse=True)[:50]
    assert "_desc=1" in pg.url


def test_text_search(page, out, members):
    pg, watch, base = page
    open_view(pg, base + MEMBRES)
    schema = next(r for r in package(out, "membres")["resources"] if r["name"] == "membres")["schema"]
    text_columns = [f["name"] for f in schema["fields"] if f["type"] == "string"]
    pg.fill("#x-q", "MANRESA")
    hits = members[members[text_columns].apply(lambda row: any("manresa" in fold(v) for v in row), axis=1)]
    assert len(hits) >= 1
    wait_count(pg, len(hits))
    assert "q=MANRESA" in pg.url
    pg.fill("#x-q", "barcelones")  # no accent typed: Barcelonès matches
    wait_count(pg, int(members[text_columns].apply(lambda row: any("barcelones" in fold(v) for v in row), axis=1).sum()))


def test_pagination(page, members):
    pg, watch, base = page
    open_view(pg, base + MEMBRES)
    assert column(pg, "ens_id") == list(members.ens_id[:50])
    pages = -(-len(members) // 50)
    assert pg.get_attribute("#x-page", "data-pages") == str(pages)
    pg.click("#x-next")
    pg.wait_for_selector("#x-page[data-page='2']")
    assert column(pg, "ens_id") == list(members.ens_id[50:100])
    assert "_page=2" in pg.url
    open_view(pg, base + MEMBRES + f"&_page={pages}")
    assert column(pg, "ens_id") == list(members.ens_id[(pages - 1) * 50:])
    assert pg.is_disabled("#x-next") and not pg.is_disabled("#x-prev")


def test_csv_export_is_the_filtered_rows(page, members):
    pg, watch, base = page
    open_view(pg, base + MEMBRES + f"&comarca_nom=Osona&data={DAY_2014}&_sort=nom")
    with pg.expect_download() as info:
        pg.click("#x-export")
    path = info.value.path()
    raw = Path(path).read_bytes()
    raw.decode("utf-8")  # UTF-8
    got = pd.read_csv(path, dtype=str, keep_default_na=False)
    expected = on(members[members.comarca_nom == "Osona"], DAY_2014)
    assert list(got.columns) == list(members.columns)
    assert len(got) == len(expected) == row_count(pg)
    key = ["ens_id", "data_alta"]
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True), expected.sort_values(key).reset_index(drop=True))
    assert list(got.nom) == column(pg, "nom")[:len(got)]  # in the order shown


def test_a_shared_url_restores_the_view(page, browser, served, members):
    pg, watch, base = page
    open_view(pg, base + MEMBRES)
    pg.fill("#x-f-comarca_nom", "Osona")
    pg.press("#x-f-comarca_nom", "Enter")
    wait_count(pg, int((members.comarca_nom == "Osona").sum()))
    pg.fill("#x-data", DAY_2014)
    wait_count(pg, len(on(members[members.comarca_nom == "Osona"], DAY_2014)))
    pg.click("button[data-sort='nom']")
    pg.wait_for_selector("th[aria-sort=ascending] button[data-sort='nom']")
    pg.wait_for_selector("#explorador[data-state=ready]")
    url = pg.url
    for part in ("taula=membres/membres", "comarca_nom=Osona", f"data={DAY_2014}", "_sort=nom"):
        assert part in url
    count, names = row_count(pg), column(pg, "nom")
    other = browser.new_context(locale="ca-ES", service_workers="block")
    try:
        second = other.new_page()
        second_watch = Watch(second, base)
        open_view(second, url)
        assert row_count(second) == count
        assert column(second, "nom") == names
        assert second.input_value("#x-f-comarca_nom") == "Osona" and second.input_value("#x-data") == DAY_2014
        second.reload()
        second.wait_for_selector("#explorador[data-state=ready]")
        assert row_count(second) == count and second.url == url
        second_watch.check("shared url")
    finally:
        other.close()


def test_keyboard_only(page, members):
    """Tab reaches the comarca filter, typing and Enter apply it; the count changes; a facet
    button is reached and pressed with the keyboard too. No mouse."""
    pg, watch, base = page
    open_view(pg, base + MEMBRES)
    for _ in range(80):
        pg.keyboard.press("Tab")
        if pg.evaluate("document.activeElement.id") == "x-f-comarca_nom":
            break
    else:
        pytest.fail("Tab never reached the comarca filter")
    pg.keyboard.type("Osona")
    pg.keyboard.press("Enter")
    osona = members[members.comarca_nom == "Osona"]
    wait_count(pg, len(osona))
    assert pg.get_attribute("[data-testid=row-count]", "aria-live") == "polite"
    for _ in range(40):
        pg.keyboard.press("Tab")
        if pg.evaluate("document.activeElement.closest(\"[data-testid='facet-tipus_ens']\") !== null"):
            break
    else:
        pytest.fail("Tab never reached the facet")
    value = pg.evaluate("document.activeElement.dataset.value")
    pg.keyboard.press("Enter")
    wait_count(pg, int((osona.tipus_ens == value).sum()))


def test_a_date_change_re_renders_within_200_ms(page):
    pg, watch, base = page
    open_view(pg, base + MEMBRES + f"&data={DAY_2014}")
    timings = []
    for day in ("2005-01-01", "2010-06-30", "2020-12-31"):
        timings.append(pg.evaluate("""async (day) => {
            const input = document.getElementById('x-data');
            const root = document.getElementById('explorador');
            const t0 = performance.now();
            input.value = day;
            input.dispatchEvent(new Event('change', {bubbles: true}));
            while (root.dataset.state !== 'ready') await new Promise(r => setTimeout(r, 0));
            return performance.now() - t0;
        }""", day))
        assert f"data={day}" in pg.url
    assert min(timings) < 200, timings


@pytest.mark.parametrize("lang,page_name,words", [
    ("ca", "index.html", ("Cerca en el text", "files")),
    ("es", "index.es.html", ("Buscar en el texto", "filas")),
    ("en", "index.en.html", ("Search the text", "rows")),
])
def test_three_languages_without_accessibility_violations(page, members, lang, page_name, words):
    pg, watch, base = page
    pg.goto(base + f"explora/{page_name}")
    assert pg.get_attribute("html", "lang") == lang
    if AXE.is_file():
        assert axe_violations(pg) == []
    open_view(pg, base + f"explora/{page_name}?taula=membres/membres&comarca_nom=Osona")
    assert pg.get_attribute("html", "lang") == lang
    assert row_count(pg) == int((members.comarca_nom == "Osona").sum())
    assert words[0] in pg.inner_text("label[for=x-q]")
    assert words[1] in pg.inner_text("[data-testid=row-count]")
    pg.wait_for_selector("#explorador[data-facets=ready]")
    # a code list's values carry their label in the page's language
    assert f"{CODES['tipus_ens']['AJUNTAMENT'][lang]} (AJUNTAMENT)" in pg.inner_text("[data-testid='facet-tipus_ens'] button[data-value='AJUNTAMENT']")
    if AXE.is_file():
        assert axe_violations(pg) == []


def test_every_table_opens(page, out):
    pg, watch, base = page
    for t in json.loads((out / "explora" / "taules.json").read_text(encoding="utf-8"))["tables"]:
        open_view(pg, base + f"explora/?taula={t['id']}")
        assert row_count(pg) == t["rows"], t["id"]
    pg.goto(base + "explora/?taula=no/such")
    pg.wait_for_selector("#explorador[data-state=error] [role=alert]")
    assert pg.is_visible("#explora-taules")


def test_opened_as_a_file_it_says_how_to_serve_it(browser, out):
    context = browser.new_context()
    try:
        pg = context.new_page()
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto((out / "explora" / "index.html").as_uri() + "?taula=membres/membres")
        assert pg.is_visible("#explora-file")
        assert "localret preview" in pg.inner_text("#explora-file")
        assert errors == []
    finally:
        context.close()


# ---------- a large table, read partially ----------

@pytest.fixture(scope="module")
def big(out, tmp_path_factory):
    """A copy of the published output whose adhesions.parquet holds BIG_ROWS synthetic rows
    (the published ones repeated, with varied dates) in row groups of 20,000 rows."""
    dest = copy_out(out, tmp_path_factory.mktemp("explorer-big") / "out")
    target = dest / "contractacio-agregada" / "latest" / "adhesions.parquet"
    source = out / "contractacio-agregada" / "latest" / "adhesions.parquet"
    con = duckdb.connect()
    n = con.execute(f"SELECT count(*) FROM '{source}'").fetchone()[0]
    target.unlink()
    con.execute(f"""COPY (SELECT a.* REPLACE (a.data_adhesio + (r % 97)::INTEGER AS data_adhesio)
                      FROM range({BIG_ROWS}) t(r) JOIN (SELECT *, row_number() OVER () - 1 AS k FROM '{source}') a ON a.k = r % {n}
                      ORDER BY r) TO '{target}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 20000)""")
    groups = con.execute(f"SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{target}')").fetchone()[0]
    assert groups >= 10
    with RangeServer(dest) as server:
        yield server, target, con
    con.close()


def test_a_large_table_is_read_by_ranges_and_counted_from_its_footer(browser, big):
    server, target, con = big
    context = browser.new_context(service_workers="block")
    try:
        pg = context.new_page()
        watch = Watch(pg, server.url)
        size = target.stat().st_size
        open_view(pg, server.url + "explora/?taula=contractacio-agregada/adhesions")
        assert row_count(pg) == BIG_ROWS  # taules.json says 850: the footer decides
        assert len(pg.locator("#x-rows tbody tr").all()) == 50
        counts = facet(pg, "tipus_ens")
        assert counts == dict(con.execute(f"SELECT tipus_ens, count(*) FROM '{target}' GROUP BY 1").fetchall())
        pg.wait_for_selector("#explorador[data-facets=ready]")
        reads = server.log.requests("adhesions.parquet")
        assert reads and all(r.status == 206 for r in reads if r.method == "GET"), reads
        first = server.log.bytes_sent("adhesions.parquet")
        assert first < size * 0.5, (first, size)
        # a filter reads its column, then the row groups of the page
        estat = con.execute(f"SELECT estat, count(*) FROM '{target}' GROUP BY 1 ORDER BY 2 LIMIT 1").fetchone()
        open_view(pg, server.url + f"explora/?taula=contractacio-agregada/adhesions&estat={estat[0]}")
        assert row_count(pg) == estat[1]
        assert set(column(pg, "estat")) == {estat[0]}
        assert server.log.bytes_sent("adhesions.parquet") - first < size * 0.5
        assert all(r.status == 206 for r in server.log.requests("adhesions.parquet") if r.method == "GET")
        watch.check("large table")
    finally:
        context.close()


# ---------- localret preview ----------

def test_preview_serves_the_output_with_ranges(out, tmp_path):
    binary = Path(sys.executable).parent / "localret"
    # SIGINT as a terminal's Ctrl-C delivers it, even when this test runs in a background job
    # (whose shell starts it, and so the server, with SIGINT ignored)
    proc = subprocess.Popen([str(binary), "preview", "--out", str(out), "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": "1"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line, (line, proc.stderr.read() if proc.poll() is not None else "")
        url = line[line.index("http://"):].split()[0]
        with urllib.request.urlopen(url + "explora/") as response:
            assert response.status == 200 and b'data-taules="taules.json"' in response.read()
        request = urllib.request.Request(url + "membres/latest/membres.parquet", headers={"Range": "bytes=0-3"})
        with urllib.request.urlopen(request) as response:
            assert response.status == 206 and response.read() == b"PAR1"
    finally:
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=20)
    assert rc == 0
    missing = subprocess.run([str(binary), "preview", "--out", str(tmp_path / "none")], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "index.html" in missing.stderr
