"""What is published under <out>, read back for the outputs built over it (catalogue, pages).

Site writers read only <out>: each dataset's versions.json, the datapackage.json and
changes.json of every release, and the latest tables. The few facts a release does not carry
yet (Spanish and English keywords, the theme) come from the dataset's declaration in
datasets/<name>/dataset.yaml, only when the datapackage lacks them.

Also the publisher's facts shared by the README, the XLSX, the catalogue and the pages.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from localret import publisher as publisher_config
from localret.duck import published_csv, scratch
from localret.fsutil import sha256_file
from localret.publisher import Publisher

LANGS = ("ca", "es", "en")
PUBLISHER = "Consorci Localret"
PUBLISHER_URL = "https://www.localret.cat/"
# Configuration: Localret's general contact page; a generic institutional address, never a person.
CONTACT_URL = "https://www.localret.cat/"
DEFAULT_BASE_URL = "https://dades.localret.cat/"
LICENSE_ID = "CC-BY-4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENSE_TITLE = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
FOUNDED = 1997

# How package.py marks the Catalan title and description of an illustrative sample; the pages
# show the mark as a banner instead, in the page's language.
ILLUSTRATIVE_TITLE_SUFFIX = " (MOSTRA IL·LUSTRATIVA)"
ILLUSTRATIVE_DESCRIPTION_PREFIX = "DADES D'EXEMPLE IL·LUSTRATIVES, generades; no són registres reals del Consorci. "
ILLUSTRATIVE_MARK = {"ca": "MOSTRA IL·LUSTRATIVA", "es": "MUESTRA ILUSTRATIVA", "en": "ILLUSTRATIVE SAMPLE"}

# The order datasets are shown in; any other dataset follows, alphabetically.
PREFERRED_ORDER = ("membres", "ens", "contractacio-agregada", "convenis", "resums")


def base(url: str | None) -> str:
    url = url or DEFAULT_BASE_URL
    return url if url.endswith("/") else url + "/"


def citation(title: str, version: str, date: str, url: str, lang: str = "ca") -> str:
    """How to cite one version: `url` is the dataset's address; the citation gives the
    version's own folder under it, which never changes (`latest/` and the page move on)."""
    word = {"ca": "versió", "es": "versión", "en": "version"}[lang]
    source = {"ca": "Font", "es": "Fuente", "en": "Source"}[lang]
    return f"{source}: {PUBLISHER}. {title}, {word} {version} ({date}). {version_url(url, version)}"


def version_url(dataset_url: str, version: str) -> str:
    return f"{base(dataset_url)}{version}/"


def spec_meta(name: str) -> dict:
    """The dataset's declaration (dataset.yaml), or {} when it is not declared here."""
    try:
        from localret.build import load_specs

        for spec in load_specs():
            if spec.name == name:
                return spec.meta
    except Exception:  # a site rebuilt from a copied <out>, without the declarations
        pass
    return {}


class SpecMetas:
    """The declarations read once for all the datasets of a load() (each reading parses every
    dataset.yaml), and only if a page asks for one."""

    def __init__(self):
        self._metas: dict[str, dict] | None = None

    def get(self, name: str) -> dict:
        if self._metas is None:
            self._metas = {}
            try:
                from localret.build import load_specs

                self._metas = {spec.name: spec.meta for spec in load_specs()}
            except Exception:  # a site rebuilt from a copied <out>, without the declarations
                pass
        return self._metas.get(name, {})


@dataclass
class FileInfo:
    path: str  # relative to the release folder
    format: str
    mediatype: str
    bytes: int
    sha256: str
    resource: str | None = None  # the table it holds, if any

    @property
    def label(self) -> str:
        return self.format.upper() if self.format != "md" else "Markdown"


@dataclass
class Version:
    version: str
    date: str
    bump: str
    summary: dict[str, str]
    rows: dict[str, int]
    tables: dict[str, str]
    folder: Path
    data_changed: bool = True

    @cached_property
    def package(self) -> dict:
        path = self.folder / "datapackage.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    @cached_property
    def changes(self) -> dict:
        path = self.folder / "changes.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def sentences(self, lang: str) -> list[str]:
        said = [s.get(lang) or s.get("ca", "") for s in self.changes.get("sentences", [])]
        return said or [self.summary.get(lang) or self.summary.get("ca", "")]

    @cached_property
    def files(self) -> list[FileInfo]:
        return package_files(self.package, self.folder)


def package_files(package: dict, folder: Path) -> list[FileInfo]:
    """Every file of a release: the tables (resources), the other files the datapackage lists
    (Parquet, XLSX, README...), and the datapackage.json itself."""
    out = []
    for r in package.get("resources", []):
        out.append(FileInfo(r["path"], r.get("format", r["path"].rsplit(".", 1)[-1]), r.get("mediatype", "text/csv"),
                            int(r.get("bytes", 0)), str(r.get("hash", "")).removeprefix("sha256:"), r.get("name")))
    for f in package.get("localret:files", []):
        out.append(FileInfo(f["path"], f.get("format", f["path"].rsplit(".", 1)[-1]),
                            f.get("mediatype", "application/octet-stream"), int(f.get("bytes", 0)),
                            str(f.get("hash", "")).removeprefix("sha256:"), f.get("resource")))
    dp = folder / "datapackage.json"
    if dp.exists():
        out.append(FileInfo("datapackage.json", "json", "application/json", dp.stat().st_size, sha256_file(dp)))
    return out


@dataclass
class Dataset:
    name: str
    home: Path  # <out>/<name>
    versions: list[Version] = field(default_factory=list)
    metas: SpecMetas | None = field(default=None, repr=False, compare=False)

    @property
    def latest(self) -> Version:
        return self.versions[-1]

    @property
    def latest_dir(self) -> Path:
        return self.home / "latest"

    @cached_property
    def package(self) -> dict:
        path = self.latest_dir / "datapackage.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else self.latest.package

    @cached_property
    def meta(self) -> dict:
        if self.metas is not None:
            return self.metas.get(self.name)
        return spec_meta(self.name)

    @property
    def illustrative(self) -> bool:
        return bool(self.package.get("localret:illustrative"))

    @property
    def publisher(self) -> Publisher:
        """The publisher its newest release records (datasets/publisher.yaml when it was built)."""
        recorded = self.package.get("localret:publisher")
        return Publisher.from_dict(recorded) if recorded else publisher_config.load()

    @property
    def version(self) -> str:
        return self.package.get("version") or self.latest.version

    @property
    def issued(self) -> str:
        """The date of the first release."""
        return self.versions[0].date

    @property
    def released(self) -> str:
        """The date of the newest release (data or metadata)."""
        return self.latest.date

    @property
    def modified(self) -> str:
        """The date the DATA last changed: the newest release whose tables differ from the
        release before it (a release of descriptive metadata only is not a data change)."""
        return next(v.date for v in reversed(self.versions) if v.data_changed)

    @property
    def reference_date(self) -> str:
        return self.package.get("localret:data_referencia") or self.latest.date

    def title(self, lang: str = "ca") -> str:
        if lang == "ca":
            return str(self.package.get("title", self.name)).removesuffix(ILLUSTRATIVE_TITLE_SUFFIX)
        tr = self.package.get("localret:translations", {}).get(lang, {})
        return str(tr.get("title") or self.title("ca"))

    def description(self, lang: str = "ca") -> str:
        if lang == "ca":
            return str(self.package.get("description", "")).removeprefix(ILLUSTRATIVE_DESCRIPTION_PREFIX)
        tr = self.package.get("localret:translations", {}).get(lang, {})
        return str(tr.get("description") or self.description("ca"))

    def keywords(self, lang: str = "ca") -> list[str]:
        tr = self.package.get("localret:translations", {}).get(lang, {})
        if tr.get("keywords"):
            return [str(k) for k in tr["keywords"]]
        declared = self.meta.get("keywords", {})
        if isinstance(declared, dict) and declared.get(lang):
            return [str(k) for k in declared[lang]]
        return [str(k) for k in self.package.get("keywords", [])]

    @property
    def theme(self) -> str:
        return str(self.package.get("localret:theme") or self.meta.get("theme") or "sector-publico")

    @property
    def resources(self) -> list[dict]:
        return self.package.get("resources", [])

    @cached_property
    def files(self) -> list[FileInfo]:
        return package_files(self.package, self.latest_dir)

    @property
    def total_bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    @property
    def rows(self) -> int:
        return sum(int(r.get("localret:rows", 0)) for r in self.resources)

    def file(self, path: str) -> FileInfo | None:
        return next((f for f in self.files if f.path == path), None)

    def table_path(self, resource: str) -> Path | None:
        """The latest CSV of a table, if published."""
        res = next((r for r in self.resources if r["name"] == resource), None)
        path = self.latest_dir / res["path"] if res else None
        return path if path is not None and path.exists() else None

    def read_rows(self, resource: str, limit: int | None = None) -> list[dict]:
        """Rows of a latest table as strings (None for an empty cell), in published order."""
        res = next((r for r in self.resources if r["name"] == resource), None)
        if res is None:
            return []
        path = self.latest_dir / res["path"]
        if not path.exists():
            return []
        out = []
        with path.open(encoding="utf-8", newline="") as fh:
            for i, row in enumerate(csv.DictReader(fh)):
                if limit is not None and i >= limit:
                    break
                out.append({k: (v if v != "" else None) for k, v in row.items()})
        return out

    def temporal_coverage(self) -> tuple[str, str]:
        """(start, end) of the period the data covers: the earliest date (or year) in its
        tables to the reference date. Reference dates themselves are not coverage."""
        return self._temporal

    @cached_property
    def _temporal(self) -> tuple[str, str]:
        # One aggregate per table in DuckDB: the tables are not read into Python.
        reference = self.reference_date
        candidates = []
        con = None
        try:
            for res in self.resources:
                fields = [f for f in res.get("schema", {}).get("fields", [])
                          if (f.get("type") == "date" and "referencia" not in f["name"])
                          or (f.get("type") in ("integer", "year") and f["name"] in YEAR_FIELDS)]
                path = self.table_path(res["name"])
                if not fields or path is None:
                    continue
                con = con or scratch()
                parts = []
                for f in fields:
                    v = f"NULLIF(\"{f['name']}\", '')"
                    if f.get("type") != "date":
                        v = f"printf('%04d-01-01', CAST({v} AS BIGINT))"
                    parts.append(f"min(CASE WHEN {v} <= ? THEN {v} END)")
                row = con.execute(f"SELECT {', '.join(parts)} FROM {published_csv(path)}", [reference] * len(parts)).fetchone()
                candidates += [v for v in row if v]
        finally:
            if con is not None:
                con.close()
        return (min(candidates, default=reference), reference)


# Integer columns that hold a calendar year of the data (not of a reference figure).
YEAR_FIELDS = {"any", "any_signatura"}


def load(out: Path) -> list[Dataset]:
    """Every dataset published under <out> (a folder with versions.json), in display order."""
    found = []
    for versions_path in sorted(out.glob("*/versions.json")):
        doc = json.loads(versions_path.read_text(encoding="utf-8"))
        home = versions_path.parent
        ds = Dataset(doc.get("dataset", home.name), home)
        previous = None
        for v in doc.get("versions", []):
            folder = home / v["version"]
            if not folder.is_dir():
                continue
            tables = v.get("tables", {})
            ds.versions.append(Version(v["version"], v["date"], v.get("bump", ""), v.get("summary_i18n") or {"ca": v.get("summary", "")},
                                       v.get("rows", {}), tables, folder, data_changed=previous is None or tables != previous))
            previous = tables
        if ds.versions and ds.latest_dir.is_dir():
            found.append(ds)
    metas = SpecMetas()
    for ds in found:
        ds.metas = metas
    rank = {name: i for i, name in enumerate(PREFERRED_ORDER)}
    return sorted(found, key=lambda d: (rank.get(d.name, len(rank)), d.name))


def site_publisher(datasets: list[Dataset]) -> Publisher:
    """The publisher of the whole site and catalogue: the one the newest release records (all
    releases of a run record the same), else the project's configuration."""
    if datasets:
        return max(datasets, key=lambda d: (d.released, d.name)).publisher
    return publisher_config.load()


def parse_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value[:10])


_CONSTRAINT_WORDS = {
    "ca": {"pk": "clau primària", "required": "obligatori", "unique": "únic", "pattern": "patró", "enum": "valors",
           "minimum": "mínim", "maximum": "màxim", "minLength": "longitud mínima", "maxLength": "longitud màxima"},
    "es": {"pk": "clave primaria", "required": "obligatorio", "unique": "único", "pattern": "patrón", "enum": "valores",
           "minimum": "mínimo", "maximum": "máximo", "minLength": "longitud mínima", "maxLength": "longitud máxima"},
    "en": {"pk": "primary key", "required": "required", "unique": "unique", "pattern": "pattern", "enum": "values",
           "minimum": "minimum", "maximum": "maximum", "minLength": "minimum length", "maxLength": "maximum length"},
}


def constraints_text(field: dict, lang: str = "ca", primary_key: bool = False) -> str:
    """A Table Schema field's constraints in words: "obligatori; patró [0-9]{10}"."""
    words = _CONSTRAINT_WORDS[lang]
    parts = [words["pk"]] if primary_key else []
    for key, value in (field.get("constraints") or {}).items():
        if value is True and key in ("required", "unique"):
            parts.append(words[key])
        elif key == "enum":
            parts.append(f"{words['enum']}: " + ", ".join(str(v) for v in value))
        elif key in words:
            parts.append(f"{words[key]} {value}")
        else:
            parts.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return "; ".join(parts)


def example_text(field: dict) -> str:
    if "example" not in field:
        return ""
    ex = field["example"]
    return ex if isinstance(ex, str) else json.dumps(ex, ensure_ascii=False)
