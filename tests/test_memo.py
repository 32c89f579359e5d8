"""The charts' cache (memo.py): a hit gives exactly the bytes drawing gives, any change of input
or code is a miss, and a damaged entry is a miss, never an error."""

from __future__ import annotations

import pytest

from localret import memo
from localret.site import charts, published
from site_helpers import published_sample


@pytest.fixture(scope="module")
def resums(tmp_path_factory):
    out = published_sample(tmp_path_factory)
    return {d.name: d for d in published.load(out)}["resums"]


def svgs(drawn):
    return {k: (c.svg, c.title, c.alt, c.rows) for k, c in drawn.items()}


def test_a_hit_is_what_drawing_gives(resums, tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALRET_CACHE", str(tmp_path))
    first = charts.build_all(resums)
    assert len(list((tmp_path / "charts").glob("*.pickle"))) == 1
    again = charts.build_all(resums)
    assert svgs(again) == svgs(first) and len(first) >= 20


def test_a_tunable_or_damaged_entry_is_a_miss(resums, tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALRET_CACHE", str(tmp_path))
    charts.build_all(resums)
    monkeypatch.setattr(charts, "MAX_BARS", 3)
    charts.build_all(resums)
    entries = sorted((tmp_path / "charts").glob("*.pickle"))
    assert len(entries) == 2
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:100])  # truncated
    redrawn = charts.build_all(resums)
    assert all(len(c.svg) > 1000 for c in redrawn.values())


def test_keys_change_with_any_part():
    assert memo.key("a", b"bc") != memo.key("ab", b"c")
    assert memo.load("nothing", memo.key("x")) is None
