"""<out>/catalog.rdf (RDF/XML, for federation with datos.gob.es) and <out>/catalog.jsonld: a
DCAT-AP-ES 1.0.0 catalogue of everything published under <out>.

- Every dataset, with one distribution per file of its latest release (stable download URLs
  under <dataset>/latest/), SHA-1 checksums (the only algorithm the profile accepts),
  EU file-type formats and IANA media types.
- Every release also as a dataset of its own (dcat:version, adms:versionNotes), linked from
  the dataset by dcat:hasVersion (DCAT 3 / DCAT-AP 3) and back by dcat:isVersionOf, and to
  the one before by dcat:previousVersion; its distributions name the files of that immutable
  release folder. Releases are not listed with dcat:dataset, so a harvester shows one entry
  per dataset.
- The publisher (dct:publisher, the datos.gob.es Organismo IRI of its DIR3 code) and the
  organisation's contact point (dcat:contactPoint, a vcard:Organization with its contact page
  and generic mailbox) come from datasets/publisher.yaml, as the releases record it.
- dct:modified is the date the DATA last changed (a release of descriptive metadata only
  does not move it); dct:issued is the date of the first release.

Every node is named by an IRI derived from the base URL, so the output is deterministic:
same <out>, same bytes.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape as xml_escape
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD

from localret.extras import site_writer
from localret.fsutil import file_hash, write_if_changed
from localret.site import published
from localret.publisher import Publisher
from localret.site.published import ILLUSTRATIVE_MARK, LANGS, Dataset, FileInfo

DCAT = Namespace("http://www.w3.org/ns/dcat#")  # open: DCAT 3 terms (hasVersion...) too
DCATAP = Namespace("http://data.europa.eu/r5r/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SECTOR_TAXONOMY = URIRef("http://datos.gob.es/kos/sector-publico/sector")
SECTOR = "http://datos.gob.es/kos/sector-publico/sector/"
CATALONIA = URIRef("http://datos.gob.es/recurso/sector-publico/territorio/Autonomia/Cataluna")
EU_LICENCE = URIRef("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
LANGUAGE_CODES = {"ca": "CAT", "es": "SPA", "en": "ENG"}
STABLE = URIRef("http://publications.europa.eu/resource/authority/planned-availability/STABLE")
FREQUENCY_IRREGULAR = URIRef("http://publications.europa.eu/resource/authority/frequency/IRREG")
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
FILE_TYPES = {  # our format -> EU file-type code (Markdown has none: it is plain text)
    "csv": "CSV", "parquet": "PARQUET", "xlsx": "XLSX", "json": "JSON", "md": "TXT", "duckdb": "BIN",
}
IANA = "http://www.iana.org/assignments/media-types/"

CATALOG_TEXT = {
    "title": {
        "es": "Catálogo de datos abiertos del Consorci Localret",
        "ca": "Catàleg de dades obertes del Consorci Localret",
        "en": "Consorci Localret open data catalogue",
    },
    "description": {
        "es": "Datos abiertos del Consorci Localret, el consorcio de los entes locales de Cataluña para las "
              "telecomunicaciones y las TIC: sus miembros, la contratación agregada de servicios de "
              "telecomunicaciones, los convenios y las cifras que se derivan.",
        "ca": "Dades obertes del Consorci Localret, el consorci dels ens locals de Catalunya per a les "
              "telecomunicacions i les TIC: els seus membres, la contractació agregada de serveis de "
              "telecomunicacions, els convenis i les xifres que se'n deriven.",
        "en": "Open data of Consorci Localret, the consortium of Catalan local governments for telecommunications "
              "and ICT: its members, the aggregated procurement of telecom services, its agreements and the "
              "figures derived from them.",
    },
}
VERSION_WORD = {"es": "versión", "ca": "versió", "en": "version"}
FILE_WORD = {"es": "Fichero", "ca": "Fitxer", "en": "File"}
DATASET_LANGS = ("es", "ca", "en")  # es first: the profile requires it, the others sit beside it


def _date(value: str) -> Literal:
    return Literal(value[:10], datatype=XSD.date)


def _texts(g: Graph, node: URIRef, prop: URIRef, texts: dict[str, str]) -> None:
    for lang in DATASET_LANGS:
        if texts.get(lang):
            g.add((node, prop, Literal(" ".join(texts[lang].split()), lang=lang)))


def dataset_uri(base: str, ds: Dataset) -> URIRef:
    return URIRef(f"{base}{ds.name}/#dataset")


def version_uri(base: str, ds: Dataset, version: str) -> URIRef:
    return URIRef(f"{base}{ds.name}/#v{version}")


def media_type(f: FileInfo) -> URIRef:
    mt = f.mediatype.split(";")[0].strip().lower()
    if "/" not in mt:
        mt = "application/octet-stream"
    return URIRef(IANA + mt)


def _titles(ds: Dataset, suffix: dict[str, str] | None = None) -> dict[str, str]:
    out = {}
    for lang in LANGS:
        t = ds.title(lang)
        if ds.illustrative:
            t = f"{t} ({ILLUSTRATIVE_MARK[lang]})"
        if suffix:
            t = f"{t}, {suffix[lang]}"
        out[lang] = t
    return out


def _descriptions(ds: Dataset) -> dict[str, str]:
    return {lang: (f"{ILLUSTRATIVE_MARK[lang]}. " if ds.illustrative else "") + ds.description(lang) for lang in LANGS}


def _distribution(g: Graph, node: URIRef, folder: Path, url_folder: str, f: FileInfo, date: str, sha1: dict) -> None:
    url = URIRef(url_folder + f.path)
    g.add((node, RDF.type, DCAT.Distribution))
    _texts(g, node, DCTERMS.title, {lang: f"{f.path} ({f.label})" for lang in LANGS})
    _texts(g, node, DCTERMS.description, {
        "es": f"{FILE_WORD['es']} {f.path}" + (f" (tabla {f.resource})" if f.resource else ""),
        "ca": f"{FILE_WORD['ca']} {f.path}" + (f" (taula {f.resource})" if f.resource else ""),
        "en": f"{FILE_WORD['en']} {f.path}" + (f" (table {f.resource})" if f.resource else ""),
    })
    g.add((node, DCAT.accessURL, url))
    g.add((node, DCAT.downloadURL, url))
    g.add((node, DCTERMS.format, URIRef(FILE_TYPE + FILE_TYPES.get(f.format, "BIN"))))
    g.add((node, DCAT.mediaType, media_type(f)))
    path = folder / f.path
    size = path.stat().st_size if path.exists() else f.bytes
    g.add((node, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
    g.add((node, DCTERMS.license, EU_LICENCE))
    g.add((node, DCATAP.availability, STABLE))
    g.add((node, DCTERMS.issued, _date(date)))
    if path.exists():
        key = str(path)
        if key not in sha1:
            sha1[key] = file_hash(path, "sha1")
        checksum = URIRef(f"{node}-sha1")
        g.add((node, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha1))
        g.add((checksum, SPDX.checksumValue, Literal(sha1[key], datatype=XSD.hexBinary)))


def contact_uri(base: str) -> URIRef:
    return URIRef(f"{base}#contact")


def _contact(g: Graph, node: URIRef, publisher: Publisher) -> None:
    """The organisation's contact point (vcard:Organization): its contact page and generic
    mailbox from datasets/publisher.yaml, never a person."""
    g.add((node, RDF.type, VCARD.Organization))
    for lang in DATASET_LANGS:
        g.add((node, VCARD.fn, Literal(publisher.name(lang), lang=lang)))
        g.add((node, VCARD["organization-name"], Literal(publisher.name(lang), lang=lang)))
    if publisher.code_is_set:  # its identifier: the DIR3 Organismo IRI (no telephone: see publisher.yaml)
        g.add((node, VCARD.hasUID, URIRef(publisher.uri)))
    if publisher.contact_url:
        g.add((node, VCARD.hasURL, URIRef(publisher.contact_url)))
    if publisher.contact_email:
        g.add((node, VCARD.hasEmail, URIRef(f"mailto:{publisher.contact_email}")))


def _common(g: Graph, node: URIRef, ds: Dataset, landing: str, contact: URIRef) -> None:
    g.add((node, RDF.type, DCAT.Dataset))
    g.add((node, DCTERMS.publisher, URIRef(ds.publisher.uri)))
    g.add((node, DCAT.contactPoint, contact))
    g.add((node, DCAT.theme, URIRef(SECTOR + ds.theme)))
    g.add((node, DCTERMS.spatial, CATALONIA))
    for code in ("CAT", "SPA", "ENG"):  # the data are in Catalan; their metadata in all three
        g.add((node, DCTERMS.language, URIRef(EU_LANGUAGE + code)))
    g.add((node, DCAT.landingPage, URIRef(landing)))
    g.add((node, DCTERMS.accrualPeriodicity, FREQUENCY_IRREGULAR))
    for lang in DATASET_LANGS:
        for kw in ds.keywords(lang):
            g.add((node, DCAT.keyword, Literal(kw, lang=lang)))


def _period(g: Graph, node: URIRef, period: URIRef, start: str, end: str) -> None:
    g.add((node, DCTERMS.temporal, period))
    g.add((period, RDF.type, DCTERMS.PeriodOfTime))
    g.add((period, DCAT.startDate, _date(start)))
    g.add((period, DCAT.endDate, _date(end)))


def build_graph(out: Path, base_url: str, datasets: list[Dataset] | None = None) -> Graph:
    base = published.base(base_url)
    datasets = published.load(out) if datasets is None else datasets
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("adms", ADMS), ("spdx", SPDX),
                       ("dcatap", DCATAP), ("vcard", VCARD), ("xsd", XSD)):
        g.bind(prefix, ns, override=True)
    catalog = URIRef(f"{base}#catalog")
    g.add((catalog, RDF.type, DCAT.Catalog))
    _texts(g, catalog, DCTERMS.title, CATALOG_TEXT["title"])
    _texts(g, catalog, DCTERMS.description, CATALOG_TEXT["description"])
    publisher = published.site_publisher(datasets)
    contact = contact_uri(base)
    g.add((catalog, DCTERMS.publisher, URIRef(publisher.uri)))
    g.add((catalog, DCAT.contactPoint, contact))
    _contact(g, contact, publisher)
    g.add((catalog, FOAF.homepage, URIRef(base)))
    g.add((catalog, DCAT.themeTaxonomy, SECTOR_TAXONOMY))
    for code in ("SPA", "CAT", "ENG"):
        g.add((catalog, DCTERMS.language, URIRef(EU_LANGUAGE + code)))
    g.add((catalog, DCTERMS.license, EU_LICENCE))
    g.add((catalog, DCTERMS.spatial, CATALONIA))
    if datasets:
        g.add((catalog, DCTERMS.issued, _date(min(d.issued for d in datasets))))
        g.add((catalog, DCTERMS.modified, _date(max(d.modified for d in datasets))))

    sha1: dict[str, str] = {}
    for ds in datasets:
        node = dataset_uri(base, ds)
        landing = f"{base}{ds.name}/"
        g.add((catalog, DCAT.dataset, node))
        _common(g, node, ds, landing, contact)
        g.add((node, DCTERMS.identifier, Literal(landing)))
        _texts(g, node, DCTERMS.title, _titles(ds))
        _texts(g, node, DCTERMS.description, _descriptions(ds))
        g.add((node, DCTERMS.issued, _date(ds.issued)))
        g.add((node, DCTERMS.modified, _date(ds.modified)))
        g.add((node, DCAT.version, Literal(ds.version)))
        _texts(g, node, ADMS.versionNotes, ds.latest.summary)
        start, end = ds.temporal_coverage()
        _period(g, node, URIRef(f"{base}{ds.name}/#temporal"), start, end)
        for f in ds.files:
            dist = URIRef(f"{base}{ds.name}/#latest-{f.path}")
            g.add((node, DCAT.distribution, dist))
            _distribution(g, dist, ds.latest_dir, f"{base}{ds.name}/latest/", f, ds.released, sha1)
        previous = None
        for v in ds.versions:
            vnode = version_uri(base, ds, v.version)
            g.add((node, DCAT.hasVersion, vnode))
            g.add((vnode, DCAT.isVersionOf, node))
            if v.version == ds.version:
                g.add((node, DCAT.hasCurrentVersion, vnode))
            _common(g, vnode, ds, f"{landing}#v{v.version}", contact)
            _texts(g, vnode, DCTERMS.title, _titles(ds, {lang: f"{VERSION_WORD[lang]} {v.version}" for lang in LANGS}))
            _texts(g, vnode, DCTERMS.description, _descriptions(ds))
            g.add((vnode, DCAT.version, Literal(v.version)))
            _texts(g, vnode, ADMS.versionNotes, v.summary)
            g.add((vnode, DCTERMS.issued, _date(v.date)))
            g.add((vnode, DCTERMS.modified, _date(v.date)))
            v_end = v.package.get("localret:data_referencia") or v.date
            _period(g, vnode, URIRef(f"{base}{ds.name}/#v{v.version}-temporal"), min(start, v_end), v_end)
            if previous is not None:
                g.add((vnode, DCAT.previousVersion, previous))
            previous = vnode
            for f in v.files:
                dist = URIRef(f"{base}{ds.name}/#v{v.version}-{f.path}")
                g.add((vnode, DCAT.distribution, dist))
                _distribution(g, dist, v.folder, f"{base}{ds.name}/{v.version}/", f, v.date, sha1)
    return g


def _canonical_jsonld(g: Graph) -> bytes:
    """JSON-LD with nodes sorted by @id and values sorted, so that the bytes do not depend on
    the order rdflib happens to iterate its store in."""
    context = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "adms": str(ADMS), "spdx": str(SPDX),
               "dcatap": str(DCATAP), "vcard": str(VCARD), "xsd": str(XSD)}
    doc = json.loads(g.serialize(format="json-ld", context=context, auto_compact=False))
    nodes = doc.get("@graph", [doc] if "@id" in doc else [])
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    nodes.sort(key=lambda n: n.get("@id", ""))
    result = {"@context": context, "@graph": nodes}
    return (json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


_TYPE_ORDER = [DCAT.Catalog, VCARD.Organization, DCAT.Dataset, DCTERMS.PeriodOfTime, DCAT.Distribution, SPDX.Checksum]


def _canonical_rdfxml(g: Graph) -> bytes:
    """Flat RDF/XML (one typed element per subject), subjects and their properties sorted:
    rdflib's own serialisers follow its store's set order, which varies between runs."""
    prefixes = {str(ns): prefix for prefix, ns in (("rdf", RDF), ("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF),
                                                   ("adms", ADMS), ("spdx", SPDX), ("dcatap", DCATAP),
                                                   ("vcard", VCARD))}

    def qname(uri: URIRef) -> str:
        for ns in sorted(prefixes, key=len, reverse=True):
            if str(uri).startswith(ns) and str(uri)[len(ns):].replace("_", "a").replace("-", "a").isalnum():
                return f"{prefixes[ns]}:{str(uri)[len(ns):]}"
        raise ValueError(f"no prefix for {uri}")

    def attr(value: str) -> str:
        return xml_escape(value, {'"': "&quot;"})

    def rank(subject) -> tuple:
        types = sorted(g.objects(subject, RDF.type))
        first = min((_TYPE_ORDER.index(t) for t in types if t in _TYPE_ORDER), default=len(_TYPE_ORDER))
        return (first, str(subject))

    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<rdf:RDF"]
    lines += [f'  xmlns:{prefix}="{ns}"' for ns, prefix in sorted(prefixes.items(), key=lambda kv: kv[1])]
    lines[-1] += ">"
    for subject in sorted(set(g.subjects()), key=rank):
        types = sorted(g.objects(subject, RDF.type))
        element = qname(types[0]) if types else "rdf:Description"
        lines.append(f'  <{element} rdf:about="{attr(str(subject))}">')
        props = sorted(((p, o) for p, o in g.predicate_objects(subject) if not (p == RDF.type and types and o == types[0])),
                       key=lambda po: (qname(po[0]), po[1].n3()))
        for p, o in props:
            name = qname(p)
            if isinstance(o, Literal):
                extra = f' xml:lang="{o.language}"' if o.language else (f' rdf:datatype="{attr(str(o.datatype))}"' if o.datatype else "")
                lines.append(f"    <{name}{extra}>{xml_escape(str(o))}</{name}>")
            else:
                lines.append(f'    <{name} rdf:resource="{attr(str(o))}"/>')
        lines.append(f"  </{element}>")
    lines.append("</rdf:RDF>")
    return ("\n".join(lines) + "\n").encode("utf-8")


@site_writer
def write_catalog(out: Path, base_url: str) -> None:
    g = build_graph(out, base_url)
    write_if_changed(out / "catalog.rdf", _canonical_rdfxml(g))
    write_if_changed(out / "catalog.jsonld", _canonical_jsonld(g))
