"""The credits page names every data source and every library whose code the pages run, with
the version and licence installed; every page links to it from its footer."""

from __future__ import annotations

import json

import html5lib
import pytest

from localret.site import jsbundle
from site_helpers import html_pages, published_sample


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return published_sample(tmp_path_factory)


def rows(page) -> dict[str, list[str]]:
    doc = html5lib.parse(page.read_bytes(), namespaceHTMLElements=False)
    table = next(doc.iter("table"))
    found = {}
    for tr in table.iter("tr"):
        cells = ["".join(td.itertext()).strip() for td in tr.findall("td")]
        if cells:
            found[cells[0]] = cells[1:]
    return found


def test_every_bundled_library_is_credited_with_its_installed_version(out):
    modules = jsbundle.node_modules()
    expected = {p["name"] for entry in jsbundle.entries() for p in jsbundle.bundled_packages(entry)}
    # what the pages ship: the explorer's Parquet reader, the SQL engine and Arrow
    assert {"hyparquet", "@duckdb/duckdb-wasm", "apache-arrow"} <= expected
    for page in ("index.html", "index.es.html", "index.en.html"):
        listed = rows(out / "credits" / page)
        assert set(listed) == expected, page
        for name, (version, licence, files) in listed.items():
            installed = json.loads((modules / name / "package.json").read_text(encoding="utf-8"))
            assert version == installed["version"] and licence == installed.get("license", ""), name
            assert files and all(f.strip() in jsbundle.entries() for f in files.split(","))


def test_data_sources_are_credited_in_three_languages(out):
    for page, words in (("index.html", ("Idescat", "Instituto Geográfico Nacional", "CC BY 4.0")),
                        ("index.es.html", ("Idescat", "Instituto Geográfico Nacional", "Fuente: Idescat")),
                        ("index.en.html", ("Idescat", "Instituto Geográfico Nacional", "Source: Idescat"))):
        text = (out / "credits" / page).read_text(encoding="utf-8")
        assert all(w in text for w in words), page


def test_every_page_links_to_the_credits_from_its_footer(out):
    for page in html_pages(out):
        doc = html5lib.parse(page.read_bytes(), namespaceHTMLElements=False)
        footer = next(doc.iter("footer"))
        hrefs = [a.get("href") for a in footer.iter("a")]
        assert any(h and h.rsplit("/", 2)[-2:][0] == "credits" for h in hrefs), page
        target = [h for h in hrefs if h and "credits/" in h][0]
        assert (page.parent / target).resolve().is_file(), (page, target)
