"""Each table on its dataset's page links to the explorer and to the SQL page, in the page's
language, with a URL that names that table (build.table_links)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import html5lib
import pytest

from site_helpers import datasets, package, published_sample

LANG_PAGES = {"index.html": ("index.html", "sql.html"), "index.es.html": ("index.es.html", "sql.es.html"),
              "index.en.html": ("index.en.html", "sql.en.html")}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return published_sample(tmp_path_factory)


def test_every_table_links_to_its_explorer_view_and_its_sql_query(out):
    for name in datasets(out):
        tables = [r["name"] for r in package(out, name)["resources"]]
        for page, (explorer, sql) in LANG_PAGES.items():
            doc = html5lib.parse((out / name / page).read_bytes(), namespaceHTMLElements=False)
            links = [a.get("href") for p in doc.iter("p") if p.get("class") == "table-links" for a in p.iter("a")]
            explored = [parse_qs(urlsplit(h).query)["taula"][0] for h in links if urlsplit(h).path == f"../explora/{explorer}"]
            queried = [parse_qs(urlsplit(h).query)["q"][0] for h in links if urlsplit(h).path == f"../explora/{sql}"]
            assert explored == [f"{name}/{t}" for t in tables], (name, page)
            assert len(queried) == len(tables) and all(t in q or t.replace("-", "_") in q for t, q in zip(tables, queried))
            assert (out / "explora" / explorer).is_file() and (out / "explora" / sql).is_file()
