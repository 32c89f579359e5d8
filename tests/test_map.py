"""The map (mapa/): the committed geometry is what `python -m localret.site.geo` derives and
matches the register; the published pages draw the 947 municipalities with their membership,
which agrees with the resums tables; in headless Chromium over a local range server (no
request leaving 127.0.0.1), names show on hover and focus, the keyboard reaches a
municipality, ?data= recolours for another day as the published CSVs say, and the three
languages load cleanly with no axe violation."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import html5lib
import pandas as pd
import pytest

from localret import paths
from localret.rangeserver import RangeServer
from localret.site import geo
from localret.site.build import Site
from localret.site.mapa import SHARE_CLASSES, is_member, share_class
from site_helpers import CHROMIUM, BASE_URL, published_sample

PAGES = {"ca": "mapa/index.html", "es": "mapa/index.es.html", "en": "mapa/index.en.html"}
DAY_2014 = "2014-06-30"


def register_rows() -> list[dict]:
    with (paths.REGISTER / "municipis.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return published_sample(tmp_path_factory)


def paths_of(page: Path, attribute: str) -> list:
    doc = html5lib.parse(page.read_bytes(), namespaceHTMLElements=False)
    return [el for el in doc.iter() if isinstance(el.tag, str) and el.tag.endswith("path") and el.get(attribute)]


def members_on(out: Path, day: str) -> set[str]:
    """INE codes of the municipalities whose AJUNTAMENT is a member on `day`, by pandas from the
    published membres.csv and ens.csv (independently of the site's code)."""
    membres = pd.read_csv(out / "membres" / "latest" / "membres.csv", dtype=str, keep_default_na=False)
    ens = pd.read_csv(out / "ens" / "latest" / "ens.csv", dtype=str, keep_default_na=False)
    ajuntaments = membres[membres.tipus_ens == "AJUNTAMENT"].drop(columns=["codi_ine"], errors="ignore").merge(ens[["ens_id", "codi_ine"]], on="ens_id")
    on = ajuntaments[(ajuntaments.data_alta != "") & (ajuntaments.data_alta <= day)
                     & ((ajuntaments.data_baixa == "") | (ajuntaments.data_baixa > day))]
    return set(on.codi_ine[on.codi_ine != ""])


def leaver(out: Path) -> tuple[str, str]:
    """A municipality whose council left on a day (data_baixa) and was a member the day before."""
    for day in sorted(pd.read_csv(out / "membres" / "latest" / "membres.csv", dtype=str, keep_default_na=False)
                      .query("tipus_ens == 'AJUNTAMENT' and data_baixa != ''").data_baixa.unique()):
        before = (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()
        gone = members_on(out, before) - members_on(out, day)
        if gone:
            return min(gone), day
    raise AssertionError("the sample has no council that leaves")


def test_membership_boundaries():
    spans = [["2005-08-10", "2014-08-22"], ["2016-01-01", None]]
    assert [is_member(spans, d) for d in ("2005-08-09", "2005-08-10", "2014-08-21", "2014-08-22", "2015-12-31",
                                          "2016-01-01", "2099-01-01")] == [False, True, True, False, False, True, True]
    assert share_class(0, 10) == 0 and share_class(5, 10) == 1 and share_class(9, 10) == 3 and share_class(10, 10) == 4


# ---------- the geometry ----------

def test_committed_geometry_is_what_the_command_derives(tmp_path):
    dest = tmp_path / "catalunya.json"
    env = {**os.environ, "PYTHONPATH": str(Path(paths.ROOT) / "flows")}
    done = subprocess.run([sys.executable, "-m", "localret.site.geo", str(dest)], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    committed = Path(geo.__file__).parent / geo.GEOMETRY
    assert dest.read_bytes() == committed.read_bytes()


def test_geometry_has_every_municipality_and_comarca_of_the_register():
    shape = geo.load()
    rows = register_rows()
    assert len(shape["municipis"]) == 947
    assert sorted(shape["municipis"]) == sorted(r["codi_ine"] for r in rows)
    assert sorted(shape["comarques"]) == sorted({r["comarca_codi"] for r in rows})
    for r in rows:
        m = shape["municipis"][r["codi_ine"]]
        assert (m["nom"], m["comarca"]) == (r["nom"], r["comarca_codi"])
        assert m["d"].startswith("M") and m["d"].endswith("Z")
    assert all(c["d"].startswith("M") for c in shape["comarques"].values())
    width, height = map(float, shape["viewBox"].split()[2:])
    assert width == 1000 and 900 < height < 1100  # Catalonia is about as tall as it is wide
    assert "es-atlas 0.6.0" in shape["source"]["geometry"] and shape["source"]["data_licence"] == "CC BY 4.0"
    # small enough to inline: well under the 300 kB gzipped the map may weigh
    assert len(gzip.compress(json.dumps(shape).encode())) < 120_000


def test_a_register_that_es_atlas_does_not_match_is_refused(tmp_path):
    register = tmp_path / "register"
    register.mkdir()
    rows = register_rows()
    with (register / "municipis.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[1:] + [{**rows[0], "codi_ine": "08999", "nom": "Inventat"}])
    dest = tmp_path / "out.json"
    with pytest.raises(RuntimeError) as err:
        geo.derive(dest, register)
    assert "08999" in str(err.value) and rows[0]["codi_ine"] in str(err.value)
    assert not dest.exists()


# ---------- the published pages ----------

def test_every_municipality_is_drawn_with_its_code(out):
    codes = sorted(r["codi_ine"] for r in register_rows())
    for page in PAGES.values():
        found = paths_of(out / page, "data-codi-ine")
        assert sorted(el.get("data-codi-ine") for el in found) == codes
        for el in found:
            assert el.get("data-membre") in ("0", "1")
            assert el.get("tabindex") == "0" and el.get("role") == "img"
            title = el.find("{http://www.w3.org/2000/svg}title")
            assert title is not None and title.text == el.get("aria-label")


def test_member_count_equals_coverage(out):
    cover = pd.read_csv(out / "resums" / "latest" / "cobertura.csv")
    expected = int(cover.municipis_membres.iloc[0])
    reference = json.loads((out / "membres" / "latest" / "datapackage.json").read_text())["localret:data_referencia"]
    for lang, page in PAGES.items():
        found = paths_of(out / page, "data-codi-ine")
        members = {el.get("data-codi-ine") for el in found if el.get("data-membre") == "1"}
        assert len(members) == expected, lang
        assert members == members_on(out, reference)
        html = (out / page).read_text(encoding="utf-8")
        assert f'data-n="{expected}"' in html
    assert 0 < expected < 947


def test_comarca_shares_agree_with_members_per_comarca(out):
    table = pd.read_csv(out / "resums" / "latest" / "membres-per-comarca.csv", dtype={"comarca_codi": str})
    found = paths_of(out / PAGES["ca"], "data-codi-ine")
    comarques = {el.get("data-comarca-codi"): el for el in paths_of(out / PAGES["ca"], "data-comarca-codi")}
    assert sorted(comarques) == sorted(table.comarca_codi)
    classes_seen = set()
    for row in table.itertuples():
        inside = [el for el in found if el.get("data-comarca") == row.comarca_codi]
        members = sum(el.get("data-membre") == "1" for el in inside)
        assert (members, len(inside)) == (row.ajuntaments_membres, row.municipis), row.comarca_nom
        quota = int(comarques[row.comarca_codi].get("data-quota"))
        assert quota == share_class(row.ajuntaments_membres, row.municipis)
        bounds = (0,) + SHARE_CLASSES
        assert bounds[quota] <= row.percentatge_municipis and (quota == len(SHARE_CLASSES) or row.percentatge_municipis < bounds[quota + 1])
        assert f"{row.ajuntaments_membres} de {row.municipis}" in comarques[row.comarca_codi].get("aria-label")
        classes_seen.add(quota)
    assert len(classes_seen) > 1  # the scale says something in the sample


def test_tables_credits_and_languages(out):
    for lang, page in PAGES.items():
        html = (out / page).read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in html
        assert html.count("data-fila-municipi=") == 947 and html.count("data-fila-comarca=") == 43
        for credit in ("es-atlas", "Instituto Geográfico Nacional", "CC BY 4.0", "d3-geo", "topojson", "MIT"):
            assert credit in html, (lang, credit)
        assert 'type="date"' in html and 'name="data"' in html
        assert html.count('class="swatch q') == len(SHARE_CLASSES) + 1  # a legend entry per colour class
    assert "Municipis membres" in (out / PAGES["ca"]).read_text(encoding="utf-8")
    assert "Municipios miembros" in (out / PAGES["es"]).read_text(encoding="utf-8")
    assert "Member municipalities" in (out / PAGES["en"]).read_text(encoding="utf-8")


def test_weights_and_the_home_page_stays_light(out):
    """The map page (HTML with the SVG and the episodes inline, script, style) stays under
    300 kB gzipped; the home page carries no map, only the header's link to it."""
    weight = sum(len(gzip.compress((out / "mapa" / name).read_bytes(), 9)) for name in ("index.html", "mapa.js", "mapa.css"))
    assert weight < 300_000
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "data-codi-ine" not in home and 'href="mapa/index.html"' in home
    site = Site(out, BASE_URL)
    with_nav = len(gzip.compress(site.index("ca").encode(), 9))
    site.nav = []
    without = len(gzip.compress(site.index("ca").encode(), 9))
    assert 0 < with_nav - without < 1_000


# ---------- in the browser ----------

AXE = Path(paths.ROOT) / "node_modules" / "axe-core" / "axe.min.js"
browser_only = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def server(out):
    with RangeServer(out) as srv:
        yield srv


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ca-ES", service_workers="block")
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def route(r):
        if r.request.url.startswith(server.url) or r.request.url.startswith("data:"):
            r.continue_()
        else:
            problems.append(f"outside: {r.request.url}")
            r.abort()

    pg.route("**/*", route)
    yield pg, server.url, problems
    context.close()


def shown_members(pg) -> set[str]:
    return set(pg.eval_on_selector_all("path[data-codi-ine][data-membre='1']", "els => els.map(e => e.dataset.codiIne)"))


@browser_only
def test_hover_and_focus_name_the_municipality(page):
    pg, base, problems = page
    pg.goto(base + PAGES["ca"], wait_until="networkidle")
    pg.hover("path[data-codi-ine='08113']")
    assert pg.inner_text("#mapa-info").startswith("Manresa (Bages): ")
    # outlined on top of its neighbours
    assert (pg.get_attribute("svg.map-municipis path.highlight", "d")
            == pg.get_attribute("path[data-codi-ine='08113']", "d"))
    assert pg.eval_on_selector("path[data-codi-ine='08113'] title", "t => t.textContent").startswith("Manresa (Bages)")
    pg.hover("path[data-comarca-codi='07']")
    assert pg.inner_text("#mapa-info").startswith("Bages: ")
    # keyboard only: from the date control, Tab reaches a municipality, which names itself
    pg.focus("#mapa-data")
    for _ in range(10):
        pg.keyboard.press("Tab")
        if pg.evaluate("document.activeElement.matches('path[data-codi-ine]')"):
            break
    focused = pg.evaluate("document.activeElement.getAttribute('aria-label')")
    assert pg.evaluate("document.activeElement.dataset.codiIne") == "08001"  # the first in document order
    assert focused.startswith("Abrera (Baix Llobregat): ")
    assert pg.inner_text("#mapa-info") == focused
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.dataset.codiIne") == "08002"
    assert problems == []


@browser_only
def test_a_date_in_the_url_recolours_the_map(page, out):
    pg, base, problems = page
    expected = members_on(out, DAY_2014)
    reference_members = members_on(out, json.loads((out / "membres" / "latest" / "datapackage.json").read_text())
                                   ["localret:data_referencia"])
    assert expected != reference_members  # 2014 is a different map
    pg.goto(base + PAGES["ca"] + f"?data={DAY_2014}", wait_until="networkidle")
    assert pg.input_value("#mapa-data") == DAY_2014
    assert shown_members(pg) == expected
    assert pg.get_attribute("[data-testid='member-count']", "data-n") == str(len(expected))
    assert pg.inner_text("#mapa-recompte").startswith(f"{len(expected)} de 947 municipis membres")
    assert "30 de juny de 2014" in pg.inner_text("#mapa-recompte")
    # the comarca view and the tables follow the same day
    by_comarca: dict[str, list[int]] = {}
    for code, m in geo.load()["municipis"].items():
        counts = by_comarca.setdefault(m["comarca"], [0, 0])
        counts[0] += code in expected
        counts[1] += 1
    quotas = dict(pg.eval_on_selector_all("path[data-comarca-codi]", "els => els.map(e => [e.dataset.comarcaCodi, e.dataset.quota])"))
    assert quotas == {c: str(share_class(n, total)) for c, (n, total) in by_comarca.items()}
    yes = set(pg.eval_on_selector_all("tr[data-fila-municipi]", "rows => rows.filter(r => r.cells[2].textContent === 'Sí')"
                                      ".map(r => r.dataset.filaMunicipi)"))
    assert yes == expected
    bages = pg.eval_on_selector("tr[data-fila-comarca='07']", "r => r.cells[2].textContent")
    assert bages == str(by_comarca["07"][0])
    # the control changes the day and the URL (a view that can be shared)
    pg.fill("#mapa-data", "2005-01-01")
    pg.dispatch_event("#mapa-data", "change")
    assert pg.evaluate("location.search") == "?data=2005-01-01"
    assert shown_members(pg) == members_on(out, "2005-01-01")
    # a council that leaves on a day is no longer a member that day, and was the day before
    code, baixa = leaver(out)
    before = (dt.date.fromisoformat(baixa) - dt.timedelta(days=1)).isoformat()
    pg.goto(base + PAGES["ca"] + f"?data={baixa}", wait_until="networkidle")
    assert pg.get_attribute(f"path[data-codi-ine='{code}']", "data-membre") == "0"
    assert shown_members(pg) == members_on(out, baixa)
    pg.fill("#mapa-data", before)
    pg.dispatch_event("#mapa-data", "change")
    assert pg.get_attribute(f"path[data-codi-ine='{code}']", "data-membre") == "1"
    # a date that is not one falls back to the reference date
    pg.goto(base + PAGES["ca"] + "?data=2014-02-30", wait_until="networkidle")
    assert shown_members(pg) == reference_members
    assert problems == []


@browser_only
def test_three_languages_load_cleanly_and_pass_axe(page, out):
    pg, base, problems = page
    if not AXE.is_file():
        pytest.skip(f"{AXE} is missing: `make setup` installs it (npm ci)")
    for lang, rel in PAGES.items():
        pg.goto(base + rel + f"?data={DAY_2014}", wait_until="networkidle")
        assert pg.get_attribute("html", "lang") == lang
        assert pg.is_visible("#mapa-form")  # the script ran and revealed the control
        assert pg.get_attribute("[data-testid='member-count']", "data-n") == str(len(members_on(out, DAY_2014)))
        assert pg.locator("path[data-codi-ine]").count() == 947
        pg.add_script_tag(path=str(AXE))
        result = pg.evaluate("axe.run(document, {resultTypes: ['violations']})")
        assert len(result["passes"]) > 10
        violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
                      if v["impact"] in ("moderate", "serious", "critical")]
        assert violations == [], (lang, violations)
    assert problems == []


def test_geo_command_reports_a_missing_node_modules(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(paths.ROOT) / "flows"), "LOCALRET_NODE_MODULES": str(tmp_path / "none")}
    done = subprocess.run([sys.executable, "-m", "localret.site.geo", str(tmp_path / "x.json")], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "make setup" in done.stderr
    assert not (tmp_path / "x.json").exists()
