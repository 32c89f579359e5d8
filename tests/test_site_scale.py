"""Pages that do not grow with the data: the member search lists at most SEARCH_ROWS bodies
(the first alphabetically) and says so, the chart of adhesions per lot draws at most MAX_BARS
lots and says so; below the caps nothing changes. The caps are lowered here so that the
bundled sample goes over them."""

from __future__ import annotations

import csv

import html5lib
import pytest

from localret.site import build, charts, published
from localret.site.build import Site, published_sort_key
from site_helpers import BASE_URL, copy_out, published_sample, tree_bytes


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return published_sample(tmp_path_factory)


def parse(path):
    return html5lib.parse(path.read_bytes(), namespaceHTMLElements=False)


def search_names(page) -> list[str]:
    table = parse(page).find(".//table[@id='ens-table']")
    return [tr.find("th").text for tr in table.find("tbody").findall("tr")]


def ens_rows(out) -> list[dict]:
    with (out / "ens" / "latest" / "ens.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def grow_ens(work, times: int) -> int:
    """The ens table `times` as long (new ids, same names): what a bigger register looks like."""
    path = work / "ens" / "latest" / "ens.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields)
        writer.writeheader()
        for k in range(times):
            for r in rows:
                writer.writerow({**r, "ens_id": f"{k}{r['ens_id']}"} if k else r)
    return len(rows) * times


def test_member_search_is_capped_and_says_so(out, tmp_path, monkeypatch):
    monkeypatch.setattr(build, "SEARCH_ROWS", 50)
    work = copy_out(out, tmp_path / "out")
    total = len(ens_rows(work))
    Site(work, BASE_URL).build()
    names = search_names(work / "ens" / "index.html")
    expected = sorted(ens_rows(work), key=lambda r: (published_sort_key(r["nom"] or ""), r["ens_id"]))[:50]
    assert names == [r["nom"] for r in expected]
    doc = parse(work / "ens" / "index.html")
    note = doc.find(".//p[@class='search-capped']")
    assert note is not None and "50" in note.text and f"{total:,}".replace(",", ".") in note.text and "ens.csv" in note.text
    count = doc.find(".//p[@id='ens-count']")
    assert count.get("data-template").startswith("{n} de 50 ")
    en = parse(work / "ens" / "index.en.html").find(".//p[@class='search-capped']")
    assert en is not None and "alphabetical" in en.text


def test_member_search_page_does_not_grow_with_the_register(out, tmp_path, monkeypatch):
    monkeypatch.setattr(build, "SEARCH_ROWS", 50)
    small = copy_out(out, tmp_path / "small")
    Site(small, BASE_URL).build()
    big = copy_out(out, tmp_path / "big")
    total = grow_ens(big, 4)
    Site(big, BASE_URL).build()
    assert len(search_names(big / "ens" / "index.html")) == len(search_names(small / "ens" / "index.html")) == 50
    note = parse(big / "ens" / "index.html").find(".//p[@class='search-capped']").text
    assert f"{total:,}".replace(",", ".") in note
    # the same bodies come first: only the count and the file sizes in the page differ
    assert abs((big / "ens" / "index.html").stat().st_size - (small / "ens" / "index.html").stat().st_size) < 2000


def test_below_the_caps_nothing_is_said(out):
    for lang in ("index.html", "index.en.html"):
        doc = parse(out / "ens" / lang)
        assert doc.find(".//p[@class='search-capped']") is None
        assert not [p for p in parse(out / "resums" / lang).iter("p") if p.get("class") == "figure-note"]


def test_adhesions_chart_draws_the_top_lots_and_says_so(out, monkeypatch):
    monkeypatch.setattr(charts, "MAX_BARS", 5)
    resums = next(d for d in published.load(out) if d.name == "resums")
    rows = resums.read_rows("adhesions-per-lot")
    assert len(rows) > 5, "the sample must have more lots than the lowered cap"
    chart = charts.adhesions_by_lot(resums, "ca")
    top = sorted(rows, key=lambda r: -int(r["adhesions"]))[:5]
    assert sorted(int(r[-1]) for r in chart.rows) == sorted(int(r["adhesions"]) for r in top)
    assert len(chart.rows) == 5 and "5" in chart.note and str(len(rows)) in chart.note
    assert f"{len(rows)} lots" in chart.alt  # the text alternative still speaks of every lot


def test_capped_site_is_deterministic(out, tmp_path, monkeypatch):
    monkeypatch.setattr(build, "SEARCH_ROWS", 50)
    monkeypatch.setattr(charts, "MAX_BARS", 5)
    work = copy_out(out, tmp_path / "out")
    Site(work, BASE_URL).build()
    before = tree_bytes(work, (".html", ".svg"))
    for p in work.rglob("*.html"):
        p.unlink()
    Site(work, BASE_URL).build()
    assert tree_bytes(work, (".html", ".svg")) == before
    assert any(b"figure-note" in data for name, data in before.items() if name.startswith("resums/"))
