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
from site_helpers import BASE_URL, SHAPES_DIR, copy_out, datasets, package, release_files, sha1, versions, published_sample

DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
ADMS = Namespace("http://www.w3.org/ns/adms#")


@pytest.fixture(scope="session")
def out(tmp_path_factory):
    return published_sample(tmp_path_factory)


@pytest.fixture(scope="module")
def rdf(out) -> Graph:
    return Graph().parse(out / "catalog.rdf", format="xml")


@pytest.fixture(scope="module")
def jsonld(out) -> Graph:
    return Graph().parse(out / "catalog.jsonld", format="json-ld")


def shacl_validate(graph: Graph):
    from pyshacl import validate

    shapes = Graph()
    for name in ["shacl_common_shapes.ttl", "shacl_catalog_shape.ttl",
                 "shacl_dataset_shape.ttl", "shacl_distribution_shape.ttl"]:
        shapes.parse(SHAPES_DIR / name, format="turtle")
    return validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=True)


def test_conforms_to_dcat_ap_es_shapes(rdf):
    if not SHAPES_DIR.is_dir():
        pytest.skip(f"{SHAPES_DIR} does not exist (../shared is optional)")
    conforms, _, text = shacl_validate(rdf)
    assert conforms, text


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
        assert list(rdf.objects(ds, ns.DCTERMS.publisher)) == [URIRef(catalog.PUBLISHER_URI)]
        titles = {v.language: str(v) for v in rdf.objects(ds, ns.DCTERMS.title)}
        assert titles["ca"].endswith("(MOSTRA IL·LUSTRATIVA)")  # the sample is marked as such
        hist = versions(out, name)
        assert str(next(rdf.objects(ds, ns.DCTERMS.issued))) == hist[0]["date"]
        assert str(next(rdf.objects(ds, ns.DCTERMS.modified))) == hist[-1]["date"]
    assert catalog.PUBLISHER_DIR3 == "L0PLACEHOLDER"  # to be set: see the constant's comment


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
