"""The Atom feeds (<out>/feed.atom and <out>/<dataset>/feed.atom): one entry per release, newest
first, each dated by its release (versions.json `created`, which the release takes from its
--as-of: same sources and date, same bytes)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from localret.feed import write_feeds
from site_helpers import BASE_URL, copy_out, datasets, published_sample, versions

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="session")
def out(tmp_path_factory):
    return published_sample(tmp_path_factory)


def entries(feed: Path) -> list[dict]:
    root = ET.parse(feed).getroot()
    return [{"id": e.find(f"{ATOM}id").text, "updated": e.find(f"{ATOM}updated").text,
             "published": e.find(f"{ATOM}published").text} for e in root.findall(f"{ATOM}entry")]


def feed_updated(feed: Path) -> str:
    return ET.parse(feed).getroot().find(f"{ATOM}updated").text


def atom_time(created: str) -> str:
    return dt.datetime.fromisoformat(created.replace("Z", "+00:00")).isoformat()


def add_release(work: Path, name: str, version: str, created: str) -> None:
    """A later release of `name`, as a later run records one (its folder, its versions.json
    entry, the number of releases published before that run)."""
    last = versions(work, name)[-1]
    sequence = sum(len(versions(work, n)) for n in datasets(work))
    shutil.copytree(work / name / last["version"], work / name / version)
    doc = json.loads((work / name / "versions.json").read_text(encoding="utf-8"))
    doc["versions"].append(dict(last, version=version, date=created[:10], created=created, bump="minor", sequence=sequence))
    (work / name / "versions.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def test_the_published_feeds_date_every_entry_by_its_release(out):
    everything = entries(out / "feed.atom")
    expected = {}
    for name in datasets(out):
        mine = entries(out / name / "feed.atom")
        assert [e["id"] for e in mine] == [f"tag:localret.cat,2026:{name}/{v['version']}" for v in reversed(versions(out, name))]
        for entry, release in zip(mine, reversed(versions(out, name))):
            assert entry["updated"] == entry["published"] == atom_time(release["created"]) == "2026-11-27T00:00:00+00:00"
            expected[entry["id"]] = entry["updated"]
    assert {e["id"]: e["updated"] for e in everything} == expected
    assert feed_updated(out / "feed.atom") == max(expected.values())


def test_newest_first_with_the_times_of_the_releases(out, tmp_path):
    work = copy_out(out, tmp_path / "out")
    add_release(work, "ens", "1.1.0", "2026-12-03T00:00:00Z")
    add_release(work, "membres", "1.1.0", "2026-12-15T00:00:00Z")
    add_release(work, "membres", "1.2.0", "2027-01-10T00:00:00Z")
    write_feeds(work, BASE_URL)

    site = entries(work / "feed.atom")
    assert [e["id"].rsplit(":", 1)[1] for e in site[:3]] == ["membres/1.2.0", "membres/1.1.0", "ens/1.1.0"]
    assert [e["updated"] for e in site[:4]] == ["2027-01-10T00:00:00+00:00", "2026-12-15T00:00:00+00:00",
                                                 "2026-12-03T00:00:00+00:00", "2026-11-27T00:00:00+00:00"]
    assert len(site) == sum(len(versions(work, n)) for n in datasets(work))
    assert feed_updated(work / "feed.atom") == "2027-01-10T00:00:00+00:00"
    membres = entries(work / "membres" / "feed.atom")
    assert [e["id"].rsplit("/", 1)[1] for e in membres] == ["1.2.0", "1.1.0", "1.0.0"]
    assert [e["published"] for e in membres] == ["2027-01-10T00:00:00+00:00", "2026-12-15T00:00:00+00:00",
                                                 "2026-11-27T00:00:00+00:00"]
    assert feed_updated(work / "membres" / "feed.atom") == "2027-01-10T00:00:00+00:00"
    assert feed_updated(work / "convenis" / "feed.atom") == "2026-11-27T00:00:00+00:00"  # its own newest release
    for feed in [work / "feed.atom", *work.glob("*/feed.atom")]:
        times = [e["updated"] for e in entries(feed)]
        assert times == sorted(times, reverse=True), feed


def test_releases_of_one_day_newest_run_first(out, tmp_path):
    """Releases made on one day share its time; the later run's come first all the same."""
    assert {v["sequence"] for n in datasets(out) for v in versions(out, n)} == {0}  # one run, on an empty <out>
    work = copy_out(out, tmp_path / "out")
    add_release(work, "convenis", "1.0.1", "2026-11-27T00:00:00Z")
    add_release(work, "contractacio-agregada", "1.0.1", "2026-11-27T00:00:00Z")
    write_feeds(work, BASE_URL)
    site = entries(work / "feed.atom")
    assert [e["id"].rsplit(":", 1)[1] for e in site[:2]] == ["contractacio-agregada/1.0.1", "convenis/1.0.1"]
    assert {e["updated"] for e in site} == {"2026-11-27T00:00:00+00:00"}
    assert [e["id"].rsplit("/", 1)[1] for e in entries(work / "convenis" / "feed.atom")] == ["1.0.1", "1.0.0"]


def test_same_releases_same_bytes(out, tmp_path):
    """Nothing in a feed comes from the clock: rewritten from the same <out>, the same bytes."""
    work = copy_out(out, tmp_path / "out")
    add_release(work, "membres", "1.1.0", "2026-12-15T00:00:00Z")
    write_feeds(work, BASE_URL)
    feeds = sorted([work / "feed.atom", *work.glob("*/feed.atom")])
    before = {f: f.read_bytes() for f in feeds}
    for f in feeds:
        f.unlink()
    write_feeds(work, BASE_URL)
    assert {f: f.read_bytes() for f in feeds} == before
