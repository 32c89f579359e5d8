"""The SITE_WRITER of the static site: pages in Catalan (index.html), Spanish (index.es.html)
and English (index.en.html) for the home page and for each dataset (<out>/<dataset>/), the
assets they share (<out>/assets/: CSS, the member-search script, the SVG charts), and
sitemap.xml and robots.txt.

The site works from a plain folder, a static server or object storage, offline: no CDN, no
external fonts or scripts, relative links between pages; absolute URLs (from base_url) only
in metadata (canonical, hreflang, JSON-LD, sitemap). Everything that comes from the data is
escaped by Jinja2's autoescape; the JSON-LD is serialised with <, > and & escaped. Output is
deterministic: same <out>, same bytes.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import jinja2
from markupsafe import Markup

from localret import opening
from localret.schema import type_label
from localret.duck import published_csv, scratch
from localret.extras import site_writer
from localret.fsutil import write_if_changed
from localret.site import charts, i18n, published
from localret.site.published import ILLUSTRATIVE_MARK, LANGS, Dataset

ASSETS = "assets"


@dataclass(frozen=True)
class Page:
    """A section's page, in the three languages: <folder>/<stem>.html, <stem>.es.html, <stem>.en.html.
    label is the i18n key of its link in the header."""

    folder: str
    stem: str
    label: str
    place: str = "header"  # or "footer": where every page links to it

PREVIEW_ROWS = 10
# Bodies the member search lists in the page (the first in alphabetical order): more than
# Catalonia's local bodies, and a bound on the page's size whatever the data.
SEARCH_ROWS = 3000
CHANGELOG_VERSIONS = 10
FEED = "feed.atom"
# Which charts each page shows (the resums page shows them all).
PAGE_CHARTS = {
    "index": ["members-by-type", "members-per-year", "joins-and-leavings"],
    "membres": ["members-per-year", "joins-and-leavings", "members-by-type", "members-by-province", "members-by-comarca"],
    "ens": ["members-by-province", "members-by-comarca"],
    "contractacio-agregada": ["adhesions-by-lot", "adhesions-by-operator"],
    "convenis": ["agreements-per-year"],
    "resums": list(charts.BUILDERS),
}
MEMBER_TYPES = ("AJUNTAMENT", "DIPUTACIO", "CONSELL_COMARCAL", "AREA_METROPOLITANA", "ENTITAT_MUNICIPALISTA")


def page_name(lang: str, stem: str = "index") -> str:
    return f"{stem}.html" if lang == "ca" else f"{stem}.{lang}.html"


def page_url(base: str, folder: str, lang: str, stem: str = "index") -> str:
    """Absolute URL of a page: the folder itself for a Catalan index (what a server serves for it)."""
    prefix = f"{base}{folder}/" if folder else base
    return prefix if lang == "ca" and stem == "index" else prefix + page_name(lang, stem)


# Parts of the site beyond the home and dataset pages (map, explorer, SQL), built on the same
# hook as any new part would be: a function fn(site) that writes its pages with site.write,
# registered with @section(Page(...), ...) naming the pages that the sitemap and every page's
# header list. load_sections() imports the project's own.
SECTIONS: list = []


def section(*pages: Page):
    def register(fn):
        fn.pages = pages
        if fn not in SECTIONS:
            SECTIONS.append(fn)
        return fn
    return register


# Links a section offers beside each table on its dataset's page ("explore it", "query it"):
# fn(site, dataset_name, table_name, lang, root) -> [{"label": ..., "href": ...}], registered with
# @table_links by the section that owns the pages linked to.
TABLE_LINKS: list = []


def table_links(fn):
    if fn not in TABLE_LINKS:
        TABLE_LINKS.append(fn)
    return fn


# The project's own sections, in the order of the header's links (credits last: it names what
# the others ship). The order never depends on which module happened to be imported first.
SECTION_MODULES = ("localret.site.mapa", "localret.site.explora", "localret.site.sql", "localret.site.credits")


def load_sections() -> None:
    """Import the project's own sections (each registers itself)."""
    import importlib

    for name in SECTION_MODULES:
        importlib.import_module(name)


def in_order(hooks: list) -> list:
    """Registered hooks in a stable order: the project's by SECTION_MODULES, others after, by name."""
    def key(fn):
        module = fn.__module__
        return (SECTION_MODULES.index(module) if module in SECTION_MODULES else len(SECTION_MODULES), module, fn.__name__)
    return sorted(hooks, key=key)


def jsonld_id(base: str, folder: str, lang: str, node: str) -> str:
    """The schema.org @id of what a page describes: that page's own URL, so that each language's
    page (its name, description and inLanguage) is a node of its own. The Catalan page's is
    also the DCAT-AP-ES IRI of the catalogue and datasets (catalog.py)."""
    return f"{page_url(base, folder, lang)}#{node}"


def translations(base: str, folder: str, lang: str, node: str) -> dict:
    """The Catalan page is the original; the Spanish and English ones are its translations."""
    if lang == "ca":
        return {"workTranslation": [{"@id": jsonld_id(base, folder, other, node)} for other in LANGS if other != "ca"]}
    return {"translationOfWork": {"@id": jsonld_id(base, folder, "ca", node)}}


def json_for_script(data) -> Markup:
    """JSON safe inside <script>: no "</script>", no HTML comment or CDATA openers."""
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("localret.site", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["number"] = i18n.number
    env.filters["size"] = i18n.size
    env.filters["date"] = i18n.date
    env.filters["percent"] = i18n.percent
    return env


class Site:
    def __init__(self, out: Path, base_url: str):
        self.out = out
        self.base = published.base(base_url)
        self.datasets = published.load(out)
        self.by_name = {d.name: d for d in self.datasets}
        self.env = environment()
        self.charts = charts.build_all(self.by_name.get("resums"))
        self.publisher = published.site_publisher(self.datasets)
        self.written: list[Path] = []
        self._search: tuple[list[dict], int, bool] | None = None
        # What the sections add to the sitemap and the header; known before any page is
        # rendered, so that every page's header lists every section.
        load_sections()
        self.nav: list[Page] = [p for fn in in_order(SECTIONS) for p in fn.pages]

    # ---------- shared context ----------

    def common(self, lang: str, folder: str, root: str, title: str, description: str, stem: str = "index") -> dict:
        langs = [{"code": code, "name": i18n.LANG_NAMES[code], "href": page_name(code, stem), "current": code == lang,
                  "url": page_url(self.base, folder, code, stem)} for code in LANGS]
        illustrative = any(d.illustrative for d in self.datasets)
        return {
            "lang": lang, "root": root, "langs": langs, "page_title": title, "meta_description": description,
            "canonical": page_url(self.base, folder, lang, stem), "x_default": page_url(self.base, folder, "ca", stem),
            "t": lambda key, **kw: i18n.t(key, lang, **kw), "S": i18n.S,
            "site_feed": f"{root}{FEED}", "illustrative": illustrative, "illustrative_mark": ILLUSTRATIVE_MARK[lang],
            "licence_url": published.LICENSE_URL, "licence_title": published.LICENSE_TITLE,
            "contact_url": self.publisher.contact_url or self.publisher.url, "publisher_url": self.publisher.url,
            "assets": f"{root}{ASSETS}/", "scripts": [], "jsonld": None, "dataset_feed": None,
            "home": f"{root}{page_name(lang)}",
            "site_nav": [self._link(p, lang, root, folder, stem) for p in self.nav if p.place == "header"],
            "footer_nav": [self._link(p, lang, root, folder, stem) for p in self.nav if p.place == "footer"],
        }

    @staticmethod
    def _link(p: Page, lang: str, root: str, folder: str, stem: str) -> dict:
        return {"label": i18n.t(p.label, lang), "href": f"{root}{p.folder}/{page_name(lang, p.stem)}",
                "current": (p.folder, p.stem) == (folder, stem)}

    def chart_context(self, ids: list[str], lang: str, root: str) -> list[dict]:
        out = []
        for chart_id in ids:
            chart = self.charts.get((chart_id, lang))
            if chart:
                out.append({"id": chart_id, "title": chart.title, "alt": chart.alt, "src": f"{root}{ASSETS}/charts/{chart.filename}",
                            "width": chart.width, "height": chart.height, "headers": chart.headers, "rows": chart.rows,
                            "note": chart.note, "definition": self.definition(charts.TABLES.get(chart_id), lang)})
        return out

    def definition(self, table: str | None, lang: str) -> str:
        """What a resums table counts (its "localret:definition", written at publication), or ""."""
        resums = self.by_name.get("resums")
        res = next((r for r in resums.resources if r["name"] == table), None) if resums and table else None
        return ((res or {}).get("localret:definition") or {}).get(lang, "")

    def dataset_card(self, ds: Dataset, lang: str, root: str) -> dict:
        prefix = f"{root}{ds.name}/"
        xlsx = ds.file(f"{ds.name}.xlsx")
        csvs = [f for f in ds.files if f.format == "csv"]
        buttons = []
        if xlsx:
            buttons.append({"label": "XLSX", "href": f"{prefix}latest/{xlsx.path}", "size": xlsx.bytes, "download": True})
        if len(csvs) == 1:
            buttons.append({"label": "CSV", "href": f"{prefix}latest/{csvs[0].path}", "size": csvs[0].bytes, "download": True})
        elif csvs:
            buttons.append({"label": i18n.t("all_tables_csv", lang, n=len(csvs)), "href": f"{prefix}{page_name(lang)}#descarregues",
                            "size": None, "download": False})
        dp = ds.file("datapackage.json")
        if dp:
            buttons.append({"label": "Data Package (JSON)", "href": f"{prefix}latest/datapackage.json", "size": dp.bytes, "download": True})
        return {"name": ds.name, "title": ds.title(lang), "description": ds.description(lang), "version": ds.version,
                "modified": ds.modified, "size": ds.total_bytes, "rows": ds.rows, "tables": len(ds.resources),
                "href": f"{prefix}{page_name(lang)}", "buttons": buttons, "illustrative": ds.illustrative}

    def headline(self, lang: str) -> dict | None:
        resums = self.by_name.get("resums")
        if resums is None:
            return None
        by_type = resums.read_rows("membres-per-tipus")
        cover = resums.read_rows("cobertura")
        if not by_type:
            return None
        types = [{"label": i18n.code_label("tipus_ens", r["tipus_ens"], lang), "value": int(r["membres_actius"] or 0)}
                 for r in by_type]
        c = cover[0] if cover else None
        return {"total": sum(x["value"] for x in types), "types": types, "date": resums.reference_date,
                "population_share": float(c["percentatge_poblacio"]) if c and c.get("percentatge_poblacio") else None,
                "population_covered": int(c["poblacio_coberta"]) if c and c.get("poblacio_coberta") else None,
                "population": int(c["poblacio_catalunya"]) if c and c.get("poblacio_catalunya") else None,
                "municipality_share": float(c["percentatge_municipis"]) if c and c.get("percentatge_municipis") else None,
                "municipalities": int(c["municipis_catalunya"]) if c and c.get("municipis_catalunya") else None,
                "population_year": c.get("any_poblacio") if c else None,
                "members_definition": self.definition("membres-per-tipus", lang),
                "coverage_definition": self.definition("cobertura", lang)}

    # ---------- pages ----------

    def index(self, lang: str) -> str:
        ctx = self.common(lang, "", "", i18n.t("site_name", lang), i18n.t("about", lang))
        # The catalogue is another site writer's output: linked always, never measured, so that
        # the page does not depend on the order the writers run in.
        downloads = [
            {"label": i18n.t("catalog_rdf", lang), "href": "catalog.rdf", "size": None},
            {"label": i18n.t("catalog_jsonld", lang), "href": "catalog.jsonld", "size": None},
        ]
        db = self.out / "localret.duckdb"
        if db.exists():
            downloads.insert(0, {"label": i18n.t("duckdb", lang), "href": db.name, "size": db.stat().st_size})
        ctx.update({
            "datasets": [self.dataset_card(d, lang, "") for d in self.datasets],
            "headline": self.headline(lang),
            "charts": self.chart_context(PAGE_CHARTS["index"], lang, ""),
            "site_downloads": downloads,
            "jsonld": json_for_script(self.catalog_jsonld(lang)),
        })
        return self.env.get_template("index.html").render(ctx)

    def organization(self, lang: str) -> dict:
        return {"@type": "Organization", "name": self.publisher.name(lang), "url": self.publisher.url}

    def catalog_jsonld(self, lang: str) -> dict:
        return {
            "@context": "https://schema.org", "@type": "DataCatalog", "@id": jsonld_id(self.base, "", lang, "catalog"),
            "name": i18n.t("site_name", lang), "description": i18n.t("about", lang), "url": page_url(self.base, "", lang),
            "inLanguage": lang, "license": published.LICENSE_URL, **translations(self.base, "", lang, "catalog"),
            "publisher": self.organization(lang),
            "dataset": [{"@type": "Dataset", "@id": jsonld_id(self.base, d.name, lang, "dataset"), "name": d.title(lang),
                         "url": page_url(self.base, d.name, lang)} for d in self.datasets],
        }

    def dataset_jsonld(self, ds: Dataset, lang: str) -> dict:
        description = ds.description(lang)
        if ds.illustrative:
            description = f"{ILLUSTRATIVE_MARK[lang]}: {i18n.t('illustrative', lang)} {description}"
        if len(description) < 50:
            description = f"{description} {i18n.t('about_data', lang)}"
        description = description[:5000]
        start, end = ds.temporal_coverage()
        variables, seen = [], set()
        for res in ds.resources:
            for f in res.get("schema", {}).get("fields", []):
                if f["name"] in seen:
                    continue
                seen.add(f["name"])
                variables.append({"@type": "PropertyValue", "name": f["name"],
                                  "description": " ".join(f"{f.get('title', '')}. {f.get('description', '')}".split())})
        org = self.organization(lang)
        title = ds.title(lang) + (f" ({ILLUSTRATIVE_MARK[lang]})" if ds.illustrative else "")
        return {
            "@context": "https://schema.org",
            "@type": "Dataset",
            "@id": jsonld_id(self.base, ds.name, lang, "dataset"),
            **translations(self.base, ds.name, lang, "dataset"),
            "name": title,
            "description": description,
            "url": page_url(self.base, ds.name, lang),
            "identifier": f"{self.base}{ds.name}/",
            "inLanguage": lang,
            "version": ds.version,
            "datePublished": ds.issued,
            "dateModified": ds.modified,
            "keywords": ds.keywords(lang),
            "license": published.LICENSE_URL,
            "isAccessibleForFree": True,
            "creator": org,
            "publisher": org,
            "creditText": published.citation(ds.title(lang), ds.version, ds.released, f"{self.base}{ds.name}/", lang),
            "spatialCoverage": {"@type": "Place", "name": "Catalunya",
                                "sameAs": "http://datos.gob.es/recurso/sector-publico/territorio/Autonomia/Cataluna"},
            "temporalCoverage": f"{start}/{end}" if start != end else end,
            "variableMeasured": variables,
            "includedInDataCatalog": {"@type": "DataCatalog", "@id": jsonld_id(self.base, "", lang, "catalog"),
                                      "name": i18n.t("site_name", lang),
                                      "url": page_url(self.base, "", lang)},
            "distribution": [{"@type": "DataDownload", "name": f.path, "contentUrl": f"{self.base}{ds.name}/latest/{f.path}",
                              "encodingFormat": f.mediatype, "contentSize": f"{f.bytes} B"} for f in ds.files],
        }

    def dataset_page(self, ds: Dataset, lang: str) -> str:
        root = "../"
        ctx = self.common(lang, ds.name, root, f"{ds.title(lang)} · {i18n.t('site_name', lang)}", ds.description(lang))
        resources_by_name = {r["name"]: r for r in ds.resources}
        files = []
        for f in ds.files:
            res = resources_by_name.get(f.resource or "")
            files.append({"path": f.path, "href": f"latest/{f.path}", "label": f.label, "bytes": f.bytes, "sha256": f.sha256,
                          "contents": (res.get("title") if res else None) or f.resource or "", "resource": f.resource})
        dictionary, previews = [], []
        for res in ds.resources:
            schema = res.get("schema", {})
            pk = schema.get("primaryKey", [])
            pk = [pk] if isinstance(pk, str) else pk
            fields = [{"name": f["name"], "title": f.get("title", ""), "type": type_label(f),
                       "description": f.get("description", ""), "example": published.example_text(f),
                       "constraints": published.constraints_text(f, lang, f["name"] in pk)} for f in schema.get("fields", [])]
            dictionary.append({"name": res["name"], "title": res.get("title", res["name"]), "description": res.get("description", ""),
                               "definition": (res.get("localret:definition") or {}).get(lang, ""),
                               "fields": fields, "rows": res.get("localret:rows", 0)})
            rows = ds.read_rows(res["name"], PREVIEW_ROWS)
            previews.append({"name": res["name"], "title": res.get("title", res["name"]), "columns": [f["name"] for f in fields],
                             "rows": [[r.get(f["name"]) or "" for f in fields] for r in rows], "total": res.get("localret:rows", len(rows)),
                             "links": [link for fn in in_order(TABLE_LINKS) for link in fn(self, ds.name, res["name"], lang, root)]})
        versions = []
        for v in reversed(ds.versions):
            versions.append({"version": v.version, "date": v.date, "bump": i18n.S["bump"].get(v.bump, {}).get(lang, v.bump),
                             "summary": v.summary.get(lang) or v.summary.get("ca", ""), "sentences": v.sentences(lang),
                             "files": [{"path": f.path, "href": f"{v.version}/{f.path}", "bytes": f.bytes} for f in v.files]})
        cite = published.citation(ds.title(lang), ds.version, ds.released, f"{self.base}{ds.name}/", lang)
        ctx.update({
            "ds": ds, "title": ds.title(lang), "description": ds.description(lang), "keywords": ds.keywords(lang),
            "files": files, "dictionary": dictionary, "previews": previews, "versions": versions,
            "changelog": versions[:CHANGELOG_VERSIONS], "citation": cite,
            "charts": self.chart_context(PAGE_CHARTS.get(ds.name, []), lang, root),
            "search": self.member_search(lang) if ds.name == "ens" else None,
            "dataset_feed": FEED, "jsonld": json_for_script(self.dataset_jsonld(ds, lang)),
            "dictionary_lang": "ca" if lang != "ca" else None,
        })
        ctx["how_to_open"] = opening.page_context(opening.how_to(
            ds.name, [(r["name"], r["path"], r.get("schema", {}).get("fields", [])) for r in ds.resources],
            f"{self.base}{ds.name}/latest/", self.base), lang)
        if ctx["search"]:
            ctx["scripts"] = [f"{root}{ASSETS}/site.js"]
        return self.env.get_template("dataset.html").render(ctx)

    def member_search(self, lang: str) -> dict | None:
        ens = self.by_name.get("ens")
        if ens is None:
            return None
        found = self._search_rows()
        if found is None:
            return None
        bodies, total, has_member = found
        rows = []
        for b in bodies:
            rows.append({"name": b["nom"] or "", "type": b["tipus_ens"] or "",
                         "type_label": i18n.type_singular(b["tipus_ens"], lang),
                         "comarca": b["comarca_nom"] or "", "province": b["provincia_nom"] or "",
                         "code": b["codi_ens"] or b["ens_id"] or "",
                         "member": bool(b["member"]) if has_member else None})
        types = sorted({r["type"] for r in rows if r["type"]}, key=lambda c: (c not in MEMBER_TYPES, i18n.type_singular(c, lang)))
        comarques = sorted({r["comarca"] for r in rows if r["comarca"]}, key=published_sort_key)
        csv_path = next((r["path"] for r in ens.resources if r["name"] == "ens"), "ens.csv")
        capped = (i18n.t("search_capped", lang, n=i18n.number(len(rows), lang), total=i18n.number(total, lang), file=csv_path)
                  if total > len(rows) else None)
        return {"rows": rows, "types": [{"code": c, "label": i18n.type_singular(c, lang)} for c in types],
                "comarques": comarques, "total": len(rows), "has_member": has_member,
                "reference_date": ens.reference_date, "capped": capped, "csv_href": f"latest/{csv_path}"}

    def _search_rows(self) -> tuple[list[dict], int, bool] | None:
        """The bodies the search lists (at most SEARCH_ROWS, alphabetically), how many there are,
        and whether membership is known; read by DuckDB from the published CSVs, so that the
        time and memory spent grow with the rows listed, not with the table."""
        if self._search is not None:
            return self._search
        ens = self.by_name["ens"]
        ens_csv = ens.table_path("ens")
        if ens_csv is None:
            return None
        membres = self.by_name.get("membres")
        membres_csv = membres.table_path("membres") if membres is not None else None
        ens_table = published_csv(ens_csv)
        con = scratch()
        try:
            columns = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {ens_table}").fetchall()}
            wanted = ["ens_id", "nom", "tipus_ens", "comarca_nom", "provincia_nom", "codi_ens"]
            select = ", ".join(f"NULLIF(\"{c}\", '') AS \"{c}\"" if c in columns else f"NULL AS \"{c}\"" for c in wanted)
            member = "NULL"
            if membres_csv is not None:
                day = _sql_string(membres.reference_date)
                member = (f"ens_id IN (SELECT ens_id FROM {published_csv(membres_csv)} WHERE NULLIF(data_alta, '') <= {day} "
                          f"AND (NULLIF(data_baixa, '') IS NULL OR data_baixa > {day}))")
            # An approximation of published_sort_key chooses the rows; Python then orders them exactly.
            key = "replace(replace(lower(strip_accents(coalesce(nom, ''))), '·', ''), chr(39), ' ')"
            cursor = con.execute(f"SELECT *, {member} AS member FROM (SELECT {select} FROM {ens_table}) "
                                 f"ORDER BY {key}, nom, ens_id LIMIT {SEARCH_ROWS}")
            names = [d[0] for d in cursor.description]
            bodies = [dict(zip(names, row)) for row in cursor.fetchall()]
            total = con.execute(f"SELECT count(*) FROM {ens_table}").fetchone()[0]
        finally:
            con.close()
        bodies.sort(key=lambda r: (published_sort_key(r["nom"] or ""), r["ens_id"] or ""))
        self._search = (bodies, total, membres_csv is not None)
        return self._search

    # ---------- files ----------

    def write(self, relative: str, data: bytes | str) -> None:
        path = self.out / relative
        write_if_changed(path, data.encode("utf-8") if isinstance(data, str) else data)
        self.written.append(path)

    def write_assets(self) -> None:
        static = resources.files("localret.site") / "static"
        for name in ("site.css", "site.js", "favicon.svg"):
            self.write(f"{ASSETS}/{name}", (static / name).read_bytes())
        chart_dir = self.out / ASSETS / "charts"
        keep = set()
        for chart in self.charts.values():
            self.write(f"{ASSETS}/charts/{chart.filename}", chart.svg)
            keep.add(chart.filename)
        if chart_dir.is_dir():
            for old in chart_dir.iterdir():  # charts of tables no longer published
                if old.name not in keep:
                    old.unlink() if old.is_file() else shutil.rmtree(old)

    def sitemap(self) -> str:
        lines = ['<?xml version="1.0" encoding="UTF-8"?>',
                 '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
        newest = max((d.released for d in self.datasets), default=None)
        pages = [("", "index", newest)]
        pages += [(d.name, "index", d.released) for d in self.datasets]
        pages += [(p.folder, p.stem, newest) for p in self.nav]
        for folder, stem, lastmod in pages:
            for lang in LANGS:
                lines.append("  <url>")
                lines.append(f"    <loc>{xml_escape(page_url(self.base, folder, lang, stem))}</loc>")
                if lastmod:
                    lines.append(f"    <lastmod>{lastmod}</lastmod>")
                for alt in LANGS:
                    lines.append(f'    <xhtml:link rel="alternate" hreflang="{alt}" href="{xml_escape(page_url(self.base, folder, alt, stem))}"/>')
                lines.append(f'    <xhtml:link rel="alternate" hreflang="x-default" href="{xml_escape(page_url(self.base, folder, "ca", stem))}"/>')
                lines.append("  </url>")
        lines.append("</urlset>")
        return "\n".join(lines) + "\n"

    def robots(self) -> str:
        return f"User-agent: *\nAllow: /\n\nSitemap: {self.base}sitemap.xml\n"

    def build(self) -> list[Path]:
        self.write_assets()
        for lang in LANGS:
            self.write(page_name(lang), self.index(lang))
            for ds in self.datasets:
                self.write(f"{ds.name}/{page_name(lang)}", self.dataset_page(ds, lang))
        for fn in in_order(SECTIONS):
            fn(self)
        self.write("sitemap.xml", self.sitemap())
        self.write("robots.txt", self.robots())
        return self.written


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def published_sort_key(text: str) -> tuple:
    """Alphabetical order as a Catalan reader expects it: accents and case do not count first."""
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).casefold()
    return (plain.replace("·", "").replace("'", " "), text)


@site_writer
def write_site(out: Path, base_url: str) -> list[Path]:
    return Site(out, base_url).build()

