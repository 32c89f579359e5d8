"""The published tree of the bundled sample: layout, Data Packages, file formats, the DuckDB
file, the summaries (recomputed independently with pandas), and reproducibility."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from collections import defaultdict

import duckdb
import frictionless
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import AS_OF, listing, tree_hashes
from localret import paths, schema
from localret.reader import read_table

pytestmark = pytest.mark.timeout(300)
DATASETS = ["ens", "membres", "contractacio-agregada", "convenis", "resums"]
D = AS_OF.isoformat()
MEMBER_TYPES = ["AJUNTAMENT", "DIPUTACIO", "CONSELL_COMARCAL", "AREA_METROPOLITANA", "ENTITAT_MUNICIPALISTA"]


def package(out, ds, version="1.0.0") -> dict:
    return json.loads((out / ds / version / "datapackage.json").read_text(encoding="utf-8"))


def resources(out):
    for ds in DATASETS:
        for res in package(out, ds)["resources"]:
            yield ds, res


def read_csv(out, ds, name) -> pd.DataFrame:
    return pd.read_csv(out / ds / "latest" / f"{name}.csv", dtype=str, keep_default_na=False)


def ints(frame, *cols):
    frame = frame.copy()
    for c in cols:
        frame[c] = frame[c].astype("int64")
    return frame


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- layout -----------------------------------------------------------------------------------
def test_tree(published):
    assert (published / "localret.duckdb").is_file()
    for ds in DATASETS:
        home = published / ds
        assert (home / "1.0.0").is_dir() and (home / "latest").is_dir(), ds
        versions = json.loads((home / "versions.json").read_text(encoding="utf-8"))
        assert versions["dataset"] == ds
        assert [v["version"] for v in versions["versions"]] == ["1.0.0"]
        assert versions["versions"][0]["data_referencia"] == D
        # latest/ is a plain copy of the newest release
        assert tree_hashes(home / "latest") == tree_hashes(home / "1.0.0"), ds
    assert {p.name for p in published.iterdir() if p.is_dir()} >= set(DATASETS)
    # nothing half-written is left beside or inside the output
    assert not [p for p in published.parent.iterdir() if "staging" in p.name]
    assert not [p for p in published.rglob("*") if ".tmp" in p.name or ".old-" in p.name]


def test_one_csv_and_parquet_per_declared_resource(published):
    from localret.build import load_specs

    for spec in load_specs():
        for res in spec.resources:
            for ext in ("csv", "parquet"):
                assert (published / spec.name / "1.0.0" / f"{res.name}.{ext}").is_file(), (spec.name, res.name, ext)


# --- Data Packages ------------------------------------------------------------------------------
@pytest.mark.parametrize("ds", DATASETS)
def test_datapackage_is_valid_frictionless(published, ds):
    report = frictionless.validate(str(published / ds / "1.0.0" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])[:10]


@pytest.mark.parametrize("ds", DATASETS)
def test_datapackage_metadata(published, ds):
    dp = package(published, ds)
    for key in ("name", "title", "description", "version", "created", "licenses", "sources", "contributors"):
        assert dp.get(key), key
    assert dp["name"] == ds and dp["version"] == "1.0.0"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", dp["created"])
    assert [lic["name"] for lic in dp["licenses"]] == ["CC-BY-4.0"]
    assert any("Localret" in c.get("title", "") for c in dp["contributors"])
    assert all(s.get("title") for s in dp["sources"])
    inputs = [i for s in dp["sources"] for i in s.get("localret:inputs", [])]
    assert inputs and all(re.fullmatch(r"[0-9a-f]{64}", i["sha256"]) for i in inputs)
    if ds in ("ens", "resums"):  # enriched with, or summarised over, the official register
        assert any("Idescat" in s["title"] for s in dp["sources"])
    folder = published / ds / "1.0.0"
    listed = set()
    for res in dp["resources"]:
        for key in ("name", "path", "format", "mediatype", "encoding", "bytes", "hash", "schema"):
            assert key in res, (res.get("name"), key)
        path = folder / res["path"]
        assert path.is_file()
        assert res["bytes"] == path.stat().st_size
        assert res["hash"] == f"sha256:{sha256(path)}"
        assert (res["format"], res["mediatype"], res["encoding"]) == ("csv", "text/csv", "utf-8")
        assert res["schema"]["fields"], res["name"]
        for f in res["schema"]["fields"]:
            assert f.get("title") and f.get("description"), (res["name"], f["name"])
            assert "private" not in f and "checks" not in f
        listed.add(res["path"])
    for entry in dp.get("localret:files", []):
        path = folder / entry["path"]
        assert path.is_file(), entry["path"]
        assert entry["bytes"] == path.stat().st_size and entry["hash"] == f"sha256:{sha256(path)}"
        listed.add(entry["path"])
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"datapackage.json"}
    assert on_disk == listed, "every file of a release is described in its datapackage.json, and only those"


def test_published_schemas_are_the_ones_in_schemas(published):
    from localret.build import load_specs

    for spec in load_specs():
        dp = package(published, spec.name)
        by_name = {r["name"]: r for r in dp["resources"]}
        for res in spec.resources:
            assert [f["name"] for f in by_name[res.name]["schema"]["fields"]] == res.schema.field_names


# --- CSV --------------------------------------------------------------------------------------------
def csv_rows(path) -> tuple[list[str], list[list[str]]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path.name} starts with a BOM"
    assert b"\r\n" not in raw
    text = raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=","))
    return rows[0], rows[1:]


def test_csvs_are_canonical(published):
    code_patterns = {
        "codi_ens": r"[0-9]{10}", "codi_ine": r"[0-9]{5}", "codi_idescat": r"[0-9]{6}",
        "provincia_codi": r"(08|17|25|43)", "comarca_codi": r"[0-9]{2}", "dir3": r"L01[0-9]{6}",
    }
    seen_zero = defaultdict(bool)
    for ds, res in resources(published):
        header, rows = csv_rows(published / ds / "1.0.0" / res["path"])
        fields = res["schema"]["fields"]
        assert header == [f["name"] for f in fields], res["name"]
        assert rows, f"{res['name']} is empty"
        assert all(len(r) == len(header) for r in rows)
        for i, f in enumerate(fields):
            col = [r[i] for r in rows if r[i] != ""]
            if f["type"] == "date":
                assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in col), (res["name"], f["name"])
            elif f["type"] == "integer":
                assert all(re.fullmatch(r"-?\d+", v) for v in col), (res["name"], f["name"])
            elif f["type"] == "number":
                assert all(re.fullmatch(r"-?\d+(\.\d+)?", v) for v in col), (res["name"], f["name"])
            elif f["type"] == "boolean":
                assert set(col) <= {"true", "false"}, (res["name"], f["name"])
            if f["name"] in code_patterns:
                # the summary by province has a row for the bodies of all Catalonia (ACM, FMC)
                pattern = r"(08|17|25|43|CAT)" if res["name"] == "membres-per-provincia" else code_patterns[f["name"]]
                assert all(re.fullmatch(pattern, v) for v in col), (res["name"], f["name"], col[:3])
                seen_zero[f["name"]] |= any(v.startswith("0") for v in col)
    for name in ("codi_ens", "codi_ine", "codi_idescat", "provincia_codi", "comarca_codi"):
        assert seen_zero[name], f"no {name} with a leading zero anywhere: were the zeros lost?"


def test_barcelona_keeps_its_zeros(published):
    ens = read_csv(published, "ens", "ens").set_index("ens_id")
    bcn = ens.loc["0801930008"]
    assert (bcn["codi_ine"], bcn["codi_idescat"], bcn["dir3"], bcn["provincia_codi"], bcn["comarca_codi"]) == \
        ("08019", "080193", "L01080193", "08", "13")
    assert bcn["nom"] == "Ajuntament de Barcelona" and bcn["nif"] == "P0801900B"


def test_sample_text_is_decoded_right(published, sample_dir):
    """Windows-1252, typographic apostrophes and the middle dot arrive intact in UTF-8."""
    adhesions = (published / "contractacio-agregada" / "latest" / "adhesions.csv").read_text(encoding="utf-8")
    source = pd.read_csv(sample_dir / "adhesions.csv", sep=";", encoding="cp1252", dtype=str)
    typographic = set(source.loc[source["nom_ens"].str.contains("’"), "nom_ens"])
    assert len(typographic) >= 10 and all(name in adhesions for name in typographic)
    assert "SOL·LICITADA" in adhesions
    assert "\ufffd" not in adhesions and "Ã" not in adhesions



ARTICLE_AFTER = r"(?i), (?:el|la|els|les|l['’]|es|eth|era|eras)$"  # Idescat's sorting form ("Bòrdes, Es")


def test_published_names_are_in_display_form(published):
    """Every published name column: "Ajuntament d'Es Bòrdes", never "Ajuntament de Bòrdes, Es"."""
    checked = 0
    for path in sorted(published.glob("*/latest/*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for col in {"nom", "nom_ens"} & set(frame.columns):
            bad = frame.loc[frame[col].str.contains(ARTICLE_AFTER), col].tolist()
            assert not bad, (path.name, col, bad[:5])
            checked += len(frame)
    assert checked > 1000
    ens = read_csv(published, "ens", "ens")
    town = ens[ens["tipus_ens"] == "AJUNTAMENT"].set_index("codi_ine")["nom"]
    assert town["08101"] == "Ajuntament de l'Hospitalet de Llobregat" and town["25057"] == "Ajuntament d'Es Bòrdes"

# --- Parquet ------------------------------------------------------------------------------------------
ARROW_TYPES = {"date": pa.date32(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}


def as_csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def declared_resources():
    from localret.build import load_specs

    return [(spec.name, res.name) for spec in load_specs() for res in spec.resources]


@pytest.mark.parametrize("ds, name", declared_resources())
def test_parquet_has_real_types_and_the_csv_rows(published, ds, name):
    res = next(r for r in package(published, ds)["resources"] if r["name"] == name)
    table = pq.read_table(published / ds / "1.0.0" / f"{name}.parquet")
    fields = res["schema"]["fields"]
    header, rows = csv_rows(published / ds / "1.0.0" / res["path"])
    assert table.schema.names == header == [f["name"] for f in fields]
    parquet_rows = [[as_csv_text(v) for v in r.values()] for r in table.to_pylist()]
    assert parquet_rows == rows, "the Parquet file holds the CSV's rows, in the same order"
    for f in fields:
        got = table.schema.field(f["name"]).type
        want = ARROW_TYPES.get(f["type"])
        if f.get("localret:decimal"):  # money: exact (test_files.py checks it in every format)
            want = pa.decimal128(f["localret:decimal"]["precision"], f["localret:decimal"]["scale"])
        if want is None:  # strings, codes among them
            assert pa.types.is_string(got) or pa.types.is_large_string(got), (f["name"], got)
        else:
            assert got == want, (f["name"], got)


# --- DuckDB ----------------------------------------------------------------------------------------------
def test_duckdb_has_a_table_per_resource_with_the_same_rows(published):
    con = duckdb.connect(str(published / "localret.duckdb"), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        expected = set()
        for ds, res in resources(published):
            name = res["name"].replace("-", "_")
            expected.add(name)
            assert name in tables, name
            _, rows = csv_rows(published / ds / "latest" / res["path"])
            assert con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == len(rows) == res["localret:rows"], name
            cols = [r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall()]
            assert cols == [f["name"] for f in res["schema"]["fields"]]
        assert tables == expected
    finally:
        con.close()


# --- summaries, recomputed with pandas from the published CSVs and the register ----------------------
@pytest.fixture(scope="module")
def world(published):
    reg = pd.read_csv(paths.REGISTER / "municipis.csv", dtype=str, keep_default_na=False)
    reg["poblacio"] = reg["poblacio"].astype("int64")
    comarques = pd.read_csv(paths.REGISTER / "comarques.csv", dtype=str, keep_default_na=False)
    meta = json.loads((paths.REGISTER / "register.json").read_text(encoding="utf-8"))
    membres = read_csv(published, "membres", "membres")
    return reg, comarques, meta, membres


def active_on(membres: pd.DataFrame, day: str) -> pd.DataFrame:
    """Joined on or before the day and not yet left (ISO dates compare as text)."""
    ok = (membres["data_alta"] <= day) & ((membres["data_baixa"] == "") | (membres["data_baixa"] > day))
    return membres[ok].drop_duplicates("ens_id")


def member_municipalities(membres, reg, day=D) -> set[str]:
    a = active_on(membres, day)
    a = a[(a["tipus_ens"] == "AJUNTAMENT") & (a["codi_ens"].str[6:9] == "000")]
    return set(a["codi_ens"].str[:5]) & set(reg["codi_ine"])


def close(a, b, places) -> bool:
    return abs(float(a) - b) <= 0.5 * 10 ** -places + 1e-9


def test_membres_per_tipus(published, world):
    _, _, _, membres = world
    active = active_on(membres, D)
    got = ints(read_csv(published, "resums", "membres-per-tipus"), "membres_actius")
    assert sorted(got["tipus_ens"]) == sorted(MEMBER_TYPES)
    expected = active.groupby("tipus_ens").size().reindex(MEMBER_TYPES, fill_value=0)
    assert dict(zip(got["tipus_ens"], got["membres_actius"])) == expected.to_dict()
    assert expected["DIPUTACIO"] == 4 and expected["AREA_METROPOLITANA"] == 1 and expected["ENTITAT_MUNICIPALISTA"] == 2


def test_cobertura(published, world):
    reg, _, _, membres = world
    members = member_municipalities(membres, reg)
    covered = reg[reg["codi_ine"].isin(members)]
    got = read_csv(published, "resums", "cobertura")
    assert len(got) == 1
    row = got.iloc[0]
    assert int(row["municipis_catalunya"]) == len(reg) == 947
    assert int(row["municipis_membres"]) == len(members)
    assert close(row["percentatge_municipis"], 100 * len(members) / len(reg), 2)
    assert int(row["poblacio_catalunya"]) == reg["poblacio"].sum()
    assert int(row["poblacio_coberta"]) == covered["poblacio"].sum()
    assert close(row["percentatge_poblacio"], 100 * covered["poblacio"].sum() / reg["poblacio"].sum(), 2)
    assert int(row["any_poblacio"]) == 2023


def test_membres_per_provincia(published, world):
    """Every member in exactly one row: the rows add up to the headline total (test_figures.py
    recomputes the table from the raw sources at three dates)."""
    reg, _, _, membres = world
    active = active_on(membres, D)
    members = member_municipalities(membres, reg)
    municipality_province = dict(zip(reg["codi_ine"], reg["provincia_codi"]))
    comarca_province = reg.groupby("comarca_codi")["provincia_codi"].agg(lambda s: s.value_counts().idxmax()).to_dict()
    located = defaultdict(int)
    for r in active.itertuples():
        if r.tipus_ens == "AJUNTAMENT":
            located[municipality_province[r.codi_ens[:5]]] += 1
        elif r.tipus_ens == "DIPUTACIO":
            located[r.codi_ens[:2]] += 1
        elif r.tipus_ens == "CONSELL_COMARCAL":
            located[comarca_province[r.codi_ens[3:5]]] += 1
        elif r.tipus_ens == "AREA_METROPOLITANA":
            located["08"] += 1  # the AMB goes with Barcelona
        else:
            located["CAT"] += 1  # ACM and FMC: all of Catalonia
    got = read_csv(published, "resums", "membres-per-provincia")
    assert list(got["provincia_codi"]) == ["08", "17", "25", "43", "CAT"]
    assert list(got["provincia_nom"]) == ["Barcelona", "Girona", "Lleida", "Tarragona", "Tot Catalunya"]
    assert got["municipis"].iloc[-1] == ""  # not a province: no municipality count to add up
    got = ints(got, "membres_actius", "ajuntaments_membres")
    for r in got.itertuples():
        assert r.membres_actius == located[r.provincia_codi], r.provincia_codi
        assert r.ajuntaments_membres == sum(municipality_province[c] == r.provincia_codi for c in members)
    assert got["membres_actius"].sum() == len(active) == ints(read_csv(published, "resums", "membres-per-tipus"), "membres_actius")["membres_actius"].sum()


def test_membres_per_comarca(published, world):
    reg, comarques, meta, membres = world
    members = member_municipalities(membres, reg)
    active = active_on(membres, D)
    councils = set(active.loc[active["tipus_ens"] == "CONSELL_COMARCAL", "codi_ens"].str[3:5])
    got = read_csv(published, "resums", "membres-per-comarca")
    assert list(got["comarca_codi"]) == list(comarques["comarca_codi"])
    names = dict(zip(comarques["comarca_codi"], comarques["comarca_nom"]))
    for r in got.itertuples():
        mun = reg[reg["comarca_codi"] == r.comarca_codi]
        mine = mun[mun["codi_ine"].isin(members)]
        assert r.comarca_nom == names[r.comarca_codi]
        assert r.comarca_data_referencia == meta["comarca_data_referencia"]
        assert int(r.municipis) == len(mun)
        assert int(r.ajuntaments_membres) == len(mine)
        assert close(r.percentatge_municipis, 100 * len(mine) / len(mun), 1)
        assert int(r.poblacio) == mun["poblacio"].sum()
        assert int(r.poblacio_coberta) == mine["poblacio"].sum()
        assert r.consell_comarcal_membre == ("true" if r.comarca_codi in councils else "false"), r.comarca_codi
    barcelones = got.set_index("comarca_codi").loc["13"]
    assert barcelones["consell_comarcal_membre"] == "false"


def test_membres_per_tram_poblacio(published, world):
    reg, _, _, membres = world
    members = member_municipalities(membres, reg)
    bands = pd.cut(reg["poblacio"], [0, 999, 4999, 19999, 49999, float("inf")], labels=[1, 2, 3, 4, 5]).astype(int)
    got = ints(read_csv(published, "resums", "membres-per-tram-poblacio"),
               "tram_codi", "municipis", "ajuntaments_membres", "poblacio", "poblacio_coberta")
    assert list(got["tram_codi"]) == [1, 2, 3, 4, 5]
    for r in got.itertuples():
        band = reg[bands == r.tram_codi]
        mine = band[band["codi_ine"].isin(members)]
        assert (r.municipis, r.ajuntaments_membres, r.poblacio, r.poblacio_coberta) == \
            (len(band), len(mine), band["poblacio"].sum(), mine["poblacio"].sum()), r.tram_poblacio
    assert got["municipis"].sum() == 947


def test_membres_per_any(published, world):
    _, _, _, membres = world
    got = ints(read_csv(published, "resums", "membres-per-any"), "any", "membres_actius")
    years = sorted(set(got["any"]))
    assert years == list(range(1997, AS_OF.year))  # complete years only
    for year in years:
        active = active_on(membres, f"{year}-12-31")
        counts = active.groupby("tipus_ens").size()
        for r in got[got["any"] == year].itertuples():
            assert r.membres_actius == counts.get(r.tipus_ens, 0), (year, r.tipus_ens)
    table = got.set_index(["any", "tipus_ens"])["membres_actius"]
    assert table[(2014, "DIPUTACIO")] >= 1  # the Diputació de Barcelona joined on 2014-10-03
    assert table[(1997, "DIPUTACIO")] == 0


def test_adhesions_per_lot(published, sample_dir):
    """The summary agrees with the published adhesions (state derived at the reference date)."""
    adhesions = read_csv(published, "contractacio-agregada", "adhesions")
    lots = read_csv(published, "contractacio-agregada", "lots")
    got = ints(read_csv(published, "resums", "adhesions-per-lot"), "adhesions", "adhesions_vigents", "adhesions_sollicitades",
               "adhesions_finalitzades", "adhesions_renunciades", "adhesions_formalitzades")
    assert list(zip(got["procediment_id"], got["lot_numero"])) == list(zip(lots["procediment_id"], lots["lot_numero"]))
    # the declared consumption is not published per body: sum it from the source (decimal comma), formalised only
    source = read_table(sample_dir / "adhesions.csv").frame
    source["consum"] = source["consum_anual_sense_iva"].fillna("0").str.replace(".", "", regex=False).str.replace(",", ".", regex=False).astype(float)
    formalised = pd.to_datetime(source["data_formalitzacio"], format="%d/%m/%Y") <= pd.Timestamp(D)
    consum = source[formalised].groupby(["procediment_id", "lot_numero"])["consum"].sum()
    for r in got.itertuples():
        mine = adhesions[(adhesions["procediment_id"] == r.procediment_id) & (adhesions["lot_numero"] == r.lot_numero)]
        assert r.adhesions == len(mine)
        states = mine["estat"].value_counts()
        assert (r.adhesions_vigents, r.adhesions_sollicitades, r.adhesions_finalitzades, r.adhesions_renunciades) == \
            tuple(int(states.get(s, 0)) for s in ("VIGENT", "SOL·LICITADA", "FINALITZADA", "RENUNCIADA"))
        assert r.adhesions_formalitzades == ((mine["data_formalitzacio"] != "") & (mine["data_formalitzacio"] <= D)).sum()
        assert r.servei == lots[(lots["procediment_id"] == r.procediment_id) & (lots["lot_numero"] == r.lot_numero)]["servei"].item()
        assert close(r.consum_anual_declarat_sense_iva, consum.get((r.procediment_id, r.lot_numero), 0.0), 2)
    assert got["adhesions"].sum() == len(adhesions) == len(source)
    assert 0 < got["adhesions_vigents"].sum() < got["adhesions"].sum()


def test_adhesions_per_operador(published):
    adhesions = read_csv(published, "contractacio-agregada", "adhesions")
    got = ints(read_csv(published, "resums", "adhesions-per-operador"), "adhesions", "adhesions_vigents", "ens_diferents")
    expected = adhesions.groupby(["procediment_id", "operador"]).agg(
        adhesions=("codi_ens", "size"), adhesions_vigents=("estat", lambda s: int((s == "VIGENT").sum())), ens_diferents=("codi_ens", "nunique"))
    got = got.set_index(["procediment_id", "operador"])[["adhesions", "adhesions_vigents", "ens_diferents"]]
    assert got.sort_index().to_dict("index") == expected.sort_index().to_dict("index")


def test_convenis_per_any(published):
    convenis = read_csv(published, "convenis", "convenis")
    got = ints(read_csv(published, "resums", "convenis-per-any"), "any_signatura", "convenis")
    expected = convenis.assign(any=convenis["data_signatura"].str[:4].astype(int)).groupby(["any", "tipus"]).size()
    assert {(r.any_signatura, r.tipus): r.convenis for r in got.itertuples()} == expected.to_dict()
    assert got["convenis"].sum() == len(convenis)


def test_convenis_vigents(published):
    """Addenda and extensions follow the agreement they amend; no end date is counted apart
    (test_figures.py recomputes the table from the raw sources at three dates)."""
    convenis = read_csv(published, "convenis", "convenis")
    got = ints(read_csv(published, "resums", "convenis-vigents"), "convenis", "vigents", "sense_data_fi", "addendes_i_prorrogues")
    signed = convenis[convenis["data_signatura"] <= D]
    amendments = signed["tipus"].isin(["ADDENDA", "PRORROGA"])
    assert set(got["tipus"]) == set(signed.loc[~amendments, "tipus"])
    assert got["convenis"].sum() == (~amendments).sum() and got["addendes_i_prorrogues"].sum() == amendments.sum()
    # the sample has one agreement whose validity ends exactly on the reference date: still in force
    last_day = convenis[(convenis["data_fi_vigencia"] == D) & ~convenis["tipus"].isin(["ADDENDA", "PRORROGA"])]
    assert len(last_day) >= 1
    assert (got["vigents"] + got["sense_data_fi"] <= got["convenis"]).all()
    assert got.set_index("tipus").loc["CONVENI", "vigents"] >= 1


# --- reproducibility ---------------------------------------------------------------------------------------
@pytest.mark.timeout(300)
def test_rerun_publishes_nothing_and_changes_no_byte(published, sample_dir, tmp_path):
    from localret.pipeline import Options, publish

    out = tmp_path / "out"
    shutil.copytree(published, out)
    before = tree_hashes(out)
    files_before = listing(out)
    db_mtime = (out / "localret.duckdb").stat().st_mtime_ns
    outcome = publish(Options(sample_dir, out, tmp_path / "state", AS_OF))
    assert outcome.published == []
    assert {r.dataset: r.version for r in outcome.results} == {ds: "1.0.0" for ds in DATASETS}
    assert all(r.bump == "none" for r in outcome.results)
    assert listing(out) == files_before
    assert tree_hashes(out) == before
    # the database is not rewritten when nothing was published
    assert (out / "localret.duckdb").stat().st_mtime_ns == db_mtime
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name]


@pytest.mark.timeout(300)
def test_same_sources_into_a_fresh_out_give_identical_releases(published, sample_dir, tmp_path):
    from localret.pipeline import Options, publish

    out = tmp_path / "out"
    publish(Options(sample_dir, out, tmp_path / "state", AS_OF))
    assert listing(out) == listing(published)
    assert tree_hashes(out, exclude=("localret.duckdb", "manifest.json")) == tree_hashes(published, exclude=("localret.duckdb", "manifest.json"))
    # the manifest differs only by the database's line
    mine, theirs = ([f for f in json.loads((o / "manifest.json").read_text())["files"] if f["path"] != "localret.duckdb"]
                    for o in (out, published))
    assert mine == theirs
    # the DuckDB file holds the same tables and rows, even if its bytes may differ
    a = duckdb.connect(str(out / "localret.duckdb"), read_only=True)
    b = duckdb.connect(str(published / "localret.duckdb"), read_only=True)
    try:
        names = [r[0] for r in a.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        assert names == [r[0] for r in b.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        for name in names:
            q = f'SELECT * FROM "{name}" ORDER BY ALL'
            assert a.execute(q).fetchall() == b.execute(q).fetchall(), name
    finally:
        a.close()
        b.close()


def test_published_schemas_match_source_contract_for_shared_fields(published):
    """A published field named like a source field has the same type (codes stay strings)."""
    for ds, res in resources(published):
        for f in res["schema"]["fields"]:
            for name in schema.SOURCE_NAMES:
                src = {x.name: x for x in schema.source_schema(name).fields}
                if f["name"] in src and f["name"] in ("codi_ens", "nif", "procediment_id", "conveni_id"):
                    assert f["type"] == src[f["name"]].type == "string", (res["name"], f["name"])
