"""The DCAT-AP-ES catalogue (<out>/catalog.rdf and catalog.jsonld): it conforms to the official
shapes, names every file of every release with a correct SHA-1, dates follow the data, and
the bytes do not depend on the run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib import namespace as ns

from localret import catalog
from site_helpers import (BASE_URL, SHAPES_DIR, TEST_CONTACT_EMAIL, TEST_DIR3, copy_out, datasets, package, release_files, sha1,
                          versions, published_sample)

DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SH = Namespace("http://www.w3.org/ns/shacl#")


@pytest.fixture(scope="session")
def out(tmp_path_factory):
    return published_sample(tmp_path_factory)


@pytest.fixture(scope="module")
def rdf(out) -> Graph:
    return Graph().parse(out / "catalog.rdf", format="xml")


@pytest.fixture(scope="module")
def jsonld(out) -> Graph:
    return Graph().parse(out / "catalog.jsonld", format="json-ld")


def offline_shape_files() -> list:
    """Every shape file of the standard except the two *_imports.ttl, which only owl:import the
    EU vocabularies over the network; the vocabularies shape itself works offline."""
    files = sorted(p for p in SHAPES_DIR.glob("*.ttl") if not p.name.endswith("_imports.ttl"))
    assert {"shacl_common_shapes.ttl", "shacl_catalog_shape.ttl", "shacl_dataset_shape.ttl",
            "shacl_distribution_shape.ttl", "shacl_mdr-vocabularies.shape.ttl"} <= {p.name for p in files}
    return files


def shacl_results(graph: Graph) -> dict[str, list[str]]:
    """pyshacl's findings over the whole offline set, by severity (Violation, Warning, Info)."""
    from pyshacl import validate

    shapes = Graph()
    for path in offline_shape_files():
        shapes.parse(path, format="turtle")
    _, report, _ = validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=True)
    found: dict[str, list[str]] = {}
    for result in report.subjects(ns.RDF.type, SH.ValidationResult):
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        found.setdefault(severity, []).append(f"{report.value(result, SH.focusNode)} {report.value(result, SH.resultPath)}: "
                                              f"{report.value(result, SH.resultMessage)}")
    return found


def test_conforms_to_every_offline_dcat_ap_es_shape(rdf):
    if not SHAPES_DIR.is_dir():
        pytest.skip(f"{SHAPES_DIR} does not exist (../shared is optional)")
    found = shacl_results(rdf)
    assert found.get("Violation", []) == []
    # What is left are recommendations the profile words as warnings: applicable legislation
    # of each distribution, and a telephone on the contact point (a phone number is stopped by
    # the privacy guard wherever it is published).
    left = {w.split(": ", 1)[0].split(" ", 1)[1] for w in found.get("Warning", [])}
    assert left <= {"http://data.europa.eu/r5r/applicableLegislation", "http://www.w3.org/2006/vcard/ns#hasTelephone",
                    "http://www.w3.org/ns/dcat#contactPoint"}, left
    assert not any("at least one dcat:contactPoint" in w for w in found.get("Warning", []))


def test_publisher_and_contact_point_come_from_the_configuration(out, rdf):
    """datasets/publisher.yaml (the tests' configured copy): the DIR3 code names the publisher
    of the catalogue and of every dataset and release; the catalogue and every dataset point to
    the organisation's contact (a vcard:Organization), never to a person."""
    publisher = URIRef(f"http://datos.gob.es/recurso/sector-publico/org/Organismo/{TEST_DIR3}")
    cat = URIRef(f"{BASE_URL}#catalog")
    assert list(rdf.objects(cat, ns.DCTERMS.publisher)) == [publisher]
    contact = URIRef(f"{BASE_URL}#contact")
    assert list(rdf.objects(cat, DCAT.contactPoint)) == [contact]
    datasets_and_releases = set(rdf.subjects(ns.RDF.type, DCAT.Dataset))
    assert len(datasets_and_releases) > len(datasets(out))
    for node in datasets_and_releases:
        assert list(rdf.objects(node, ns.DCTERMS.publisher)) == [publisher], node
        assert list(rdf.objects(node, DCAT.contactPoint)) == [contact], node
    assert set(rdf.objects(contact, ns.RDF.type)) == {VCARD.Organization}
    assert {(v.language, str(v)) for v in rdf.objects(contact, VCARD.fn)} == {
        ("ca", "Consorci Localret"), ("es", "Consorci Localret"), ("en", "Consorci Localret")}
    assert list(rdf.objects(contact, VCARD.hasURL)) == [URIRef("https://www.localret.cat/")]
    assert list(rdf.objects(contact, VCARD.hasEmail)) == [URIRef(f"mailto:{TEST_CONTACT_EMAIL}")]
    # the same publisher in every release's datapackage.json, as the catalogue read it
    for name in datasets(out):
        recorded = package(out, name)["localret:publisher"]
        assert recorded["dir3"] == TEST_DIR3 and recorded["contact"]["email"] == TEST_CONTACT_EMAIL
        assert package(out, name)["contributors"] == [{"title": "Consorci Localret", "role": "publisher",
                                                      "path": "https://www.localret.cat/", "email": TEST_CONTACT_EMAIL}]


def test_rdfxml_and_jsonld_say_the_same(rdf, jsonld):
    assert len(rdf) > 0
    assert isomorphic(rdf, jsonld)


def test_jsonld_names_every_distribution_of_every_dataset(out, jsonld):
    cat = URIRef(f"{BASE_URL}#catalog")
    assert (cat, ns.RDF.type, DCAT.Catalog) in jsonld
    listed = set(jsonld.objects(cat, DCAT.dataset))
    assert listed == {URIRef(f"{BASE_URL}{name}/#dataset") for name in datasets(out)}
    for name in datasets(out):
        ds = URIRef(f"{BASE_URL}{name}/#dataset")
        urls = {str(u) for d in jsonld.objects(ds, DCAT.distribution) for u in jsonld.objects(d, DCAT.downloadURL)}
        assert urls == {f"{BASE_URL}{name}/latest/{p}" for p in release_files(out, name)}, name
        # and every release as a version, with its own files
        for v in versions(out, name):
            node = URIRef(f"{BASE_URL}{name}/#v{v['version']}")
            assert (ds, DCAT.hasVersion, node) in jsonld
            assert (node, DCAT.isVersionOf, ds) in jsonld
            assert (node, DCAT.version, Literal(v["version"])) in jsonld
            notes = {n.language: str(n) for n in jsonld.objects(node, ADMS.versionNotes)}
            assert notes["es"] == v["summary_i18n"]["es"] and notes["ca"] == v["summary_i18n"]["ca"]
            vurls = {str(u) for d in jsonld.objects(node, DCAT.distribution) for u in jsonld.objects(d, DCAT.downloadURL)}
            assert vurls == {f"{BASE_URL}{name}/{v['version']}/{p}" for p in release_files(out, name, v["version"])}
        for d in jsonld.objects(ds, DCAT.distribution):
            assert str(next(jsonld.objects(d, DCAT.accessURL))).startswith(BASE_URL)
            assert str(next(jsonld.objects(d, ns.DCTERMS.format))).startswith("http://publications.europa.eu/resource/authority/file-type/")
            assert str(next(jsonld.objects(d, DCAT.mediaType))).startswith("http://www.iana.org/assignments/media-types/")


def test_sha1_and_sizes_are_those_of_the_files(out, rdf):
    checked = 0
    for dist in rdf.subjects(ns.RDF.type, DCAT.Distribution):
        url = str(next(rdf.objects(dist, DCAT.downloadURL)))
        path = out / url.removeprefix(BASE_URL)
        assert path.is_file(), url
        checksum = next(rdf.objects(dist, SPDX.checksum))
        assert next(rdf.objects(checksum, SPDX.algorithm)) == SPDX.checksumAlgorithm_sha1
        value = next(rdf.objects(checksum, SPDX.checksumValue))
        assert value.datatype == ns.XSD.hexBinary
        assert str(value).lower() == sha1(path), url
        assert int(next(rdf.objects(dist, DCAT.byteSize))) == path.stat().st_size
        checked += 1
    assert checked >= sum(len(release_files(out, n)) for n in datasets(out))


def test_multilingual_texts_themes_spatial_publisher(out, rdf):
    for name in datasets(out):
        ds = URIRef(f"{BASE_URL}{name}/#dataset")
        for prop in (ns.DCTERMS.title, ns.DCTERMS.description):
            assert {v.language for v in rdf.objects(ds, prop)} == {"es", "ca", "en"}, (name, prop)
        assert {v.language for v in rdf.objects(ds, DCAT.keyword)} == {"es", "ca", "en"}
        assert list(rdf.objects(ds, DCAT.theme)) == [URIRef("http://datos.gob.es/kos/sector-publico/sector/sector-publico")]
        assert list(rdf.objects(ds, ns.DCTERMS.spatial)) == [catalog.CATALONIA]
        titles = {v.language: str(v) for v in rdf.objects(ds, ns.DCTERMS.title)}
        assert titles["ca"].endswith("(MOSTRA IL·LUSTRATIVA)")  # the sample is marked as such
        hist = versions(out, name)
        assert str(next(rdf.objects(ds, ns.DCTERMS.issued))) == hist[0]["date"]
        assert str(next(rdf.objects(ds, ns.DCTERMS.modified))) == hist[-1]["date"]


def test_modified_is_the_last_data_change(out, tmp_path):
    """A release that changes only descriptive metadata does not move dct:modified."""
    work = copy_out(out, tmp_path / "out")
    name = "membres"
    shutil.copytree(work / name / "1.0.0", work / name / "1.0.1")
    doc = json.loads((work / name / "versions.json").read_text(encoding="utf-8"))
    meta_only = dict(doc["versions"][-1], version="1.0.1", date="2026-12-15", bump="patch",
                     summary="Només han canviat les metadades descriptives",
                     summary_i18n={"ca": "Només han canviat les metadades descriptives",
                                   "es": "Solo han cambiado los metadatos descriptivos", "en": "Only descriptive metadata changed"})
    doc["versions"].append(meta_only)
    (work / name / "versions.json").write_text(json.dumps(doc), encoding="utf-8")
    g = catalog.build_graph(work, BASE_URL)
    ds = URIRef(f"{BASE_URL}{name}/#dataset")
    assert str(next(g.objects(ds, ns.DCTERMS.modified))) == "2026-11-27"
    assert str(next(g.objects(ds, ns.DCTERMS.issued))) == "2026-11-27"
    assert len(list(g.objects(ds, DCAT.hasVersion))) == 2
    assert (URIRef(f"{BASE_URL}{name}/#v1.0.1"), DCAT.previousVersion, URIRef(f"{BASE_URL}{name}/#v1.0.0")) in g
    # a data change does move it
    doc["versions"][-1]["tables"] = {k: "0" * 64 for k in doc["versions"][-1]["tables"]}
    (work / name / "versions.json").write_text(json.dumps(doc), encoding="utf-8")
    g = catalog.build_graph(work, BASE_URL)
    assert str(next(g.objects(ds, ns.DCTERMS.modified))) == "2026-12-15"


def test_same_bytes_whatever_the_hash_seed(out, tmp_path):
    work = copy_out(out, tmp_path / "out")
    before = {n: (work / n).read_bytes() for n in ("catalog.rdf", "catalog.jsonld")}
    for seed in ("1", "4242"):
        for n in before:
            (work / n).unlink()
        code = "import sys; from pathlib import Path; from localret.catalog import write_catalog; " \
               "write_catalog(Path(sys.argv[1]), sys.argv[2])"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-c", code, str(work), BASE_URL], check=True, env=env)
        assert {n: (work / n).read_bytes() for n in before} == before, seed


def test_catalogue_metadata(out, rdf):
    cat = URIRef(f"{BASE_URL}#catalog")
    assert (cat, DCAT.themeTaxonomy, catalog.SECTOR_TAXONOMY) in rdf
    assert (cat, ns.DCTERMS.license, catalog.EU_LICENCE) in rdf
    assert URIRef("http://publications.europa.eu/resource/authority/language/SPA") in set(rdf.objects(cat, ns.DCTERMS.language))
    assert (cat, URIRef("http://xmlns.com/foaf/0.1/homepage"), URIRef(BASE_URL)) in rdf
    assert str(next(rdf.objects(cat, ns.DCTERMS.modified))) == max(versions(out, n)[-1]["date"] for n in datasets(out))
    assert package(out, "ens")["version"] == str(next(rdf.objects(URIRef(f"{BASE_URL}ens/#dataset"), DCAT.version)))
