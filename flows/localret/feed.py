"""Atom feeds of releases: <out>/feed.atom (every dataset) and <out>/<dataset>/feed.atom.
One entry per release, with its changes; entry ids never change once published."""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

from feedgen.feed import FeedGenerator

from localret.extras import site_writer
from localret.fsutil import write_if_changed

TAG_AUTHORITY = "tag:localret.cat,2026"
MAX_ENTRIES = 200


def releases(out: Path) -> list[dict]:
    """Every release of every dataset, newest first, with what its feed entry needs; its time
    is the release's own (versions.json `created`), never the clock's."""
    found = []
    for versions in sorted(out.glob("*/versions.json")):
        data = json.loads(versions.read_text(encoding="utf-8"))
        name = data["dataset"]
        latest = json.loads((versions.parent / "latest" / "datapackage.json").read_text(encoding="utf-8"))
        for entry in data["versions"]:
            changes_path = versions.parent / entry["version"] / "changes.json"
            changes = json.loads(changes_path.read_text(encoding="utf-8")) if changes_path.exists() else {"sentences": []}
            found.append({"dataset": name, "title": latest["title"], **entry, "sentences": changes["sentences"]})
    # Newest first: by the release's time, then (releases of one day share it) by the run that
    # made it, then the dataset and, within one dataset, its version.
    return sorted(found, key=lambda r: (r["created"], r.get("sequence", 0), r["dataset"], _semver(r["version"])),
                  reverse=True)


def _semver(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


def entry_id(dataset: str, version: str) -> str:
    return f"{TAG_AUTHORITY}:{dataset}/{version}"


def render(items: list[dict], *, feed_id: str, title: str, self_url: str, site_url: str, base_url: str) -> bytes:
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.author({"name": "Consorci Localret"})
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=site_url, rel="alternate", type="text/html")
    fg.language("ca")
    fg.rights("CC-BY-4.0")
    updated = max((_time(i["created"]) for i in items), default=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    fg.updated(updated)
    # feedgen prepends entries: add oldest first so the newest stays on top.
    for item in reversed(items[:MAX_ENTRIES]):
        fe = fg.add_entry()
        fe.id(entry_id(item["dataset"], item["version"]))
        fe.title(f"{item['title']} {item['version']}")
        fe.updated(_time(item["created"]))
        fe.published(_time(item["created"]))
        fe.link(href=f"{base_url}{item['dataset']}/#v{item['version']}", rel="alternate", type="text/html")
        fe.summary(item["summary"])
        fe.content(_content(item), type="html")
    xml = fg.atom_str(pretty=True)
    return xml


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _content(item: dict) -> str:
    parts = []
    for lang, label in (("ca", "Canvis"), ("es", "Cambios"), ("en", "Changes")):
        lis = "".join(f"<li>{html.escape(s.get(lang, ''))}</li>" for s in item["sentences"])
        parts.append(f'<h2 lang="{lang}">{label}</h2><ul lang="{lang}">{lis}</ul>')
    return "".join(parts)


@site_writer
def write_feeds(out: Path, base_url: str) -> None:
    base_url = base_url.rstrip("/") + "/"
    items = releases(out)
    write_if_changed(out / "feed.atom", render(
        items, feed_id=f"{TAG_AUTHORITY}:feed", title="Consorci Localret: dades obertes (versions publicades)",
        self_url=f"{base_url}feed.atom", site_url=base_url, base_url=base_url))
    for name in sorted({i["dataset"] for i in items}):
        mine = [i for i in items if i["dataset"] == name]
        write_if_changed(out / name / "feed.atom", render(
            mine, feed_id=f"{TAG_AUTHORITY}:{name}/feed", title=f"{mine[0]['title']}: versions publicades",
            self_url=f"{base_url}{name}/feed.atom", site_url=f"{base_url}{name}/", base_url=base_url))
