"""The illustrative sample sources: reproducible, in the real exports' formats, and valid
against the official codes and rules of DOMAIN.md §5."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

from conftest import AS_OF
from localret import codes, paths
from localret.register import load_register
from localret.sample import bare, de, generate

FILES = ["membres.xlsx", "contractes.csv", "adhesions.csv", "convenis.csv", "convenis_parts.csv", "manifest.json", "README.md"]
CSV_FORMAT = {  # name: (encoding, delimiter)
    "contractes": ("utf-8", ","), "adhesions": ("cp1252", ";"), "convenis": ("utf-8-sig", ","), "convenis_parts": ("utf-8", ","),
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    dest = tmp_path_factory.mktemp("sample")
    return dest, generate(dest, seed=1997)


def schema_fields(name: str) -> list[str]:
    return [f["name"] for f in json.loads((paths.SOURCE_SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))["fields"]]


def read_csv(dest, name: str) -> list[dict]:
    encoding, sep = CSV_FORMAT[name]
    text = (dest / f"{name}.csv").read_bytes().decode(encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header = next(reader)
    assert header == schema_fields(name)
    return [{k: (v or None) for k, v in zip(header, row)} for row in reader]


def as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    return dt.datetime.strptime(value, "%d/%m/%Y" if "/" in value else "%Y-%m-%d").date()


def read_membres(dest) -> tuple[list[dict], list]:
    book = openpyxl.load_workbook(dest / "membres.xlsx")
    assert book.sheetnames[0] == "membres"
    cells = list(book.worksheets[0].iter_rows(min_row=2))
    header = [c.value for c in next(book.worksheets[0].iter_rows(max_row=1))]
    assert header == schema_fields("membres")
    rows = [{h: c.value for h, c in zip(header, row)} for row in cells]
    return rows, cells


def test_same_seed_gives_identical_bytes(tmp_path):
    generate(tmp_path / "a", seed=1997)
    generate(tmp_path / "b", seed=1997)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    generate(tmp_path / "c", seed=7)
    assert (tmp_path / "c" / "adhesions.csv").read_bytes() != (tmp_path / "a" / "adhesions.csv").read_bytes()


def test_counts_in_expected_ranges(sample):
    dest, counts = sample
    membres, _ = read_membres(dest)
    assert 850 <= counts["membres"] == len(membres) <= 1000
    by_type = defaultdict(set)
    for r in membres:
        by_type[r["tipus_ens"]].add(str(r["codi_ens"] or r["nif"]))
    assert 870 <= len(by_type["AJUNTAMENT"]) <= 930  # most of the 947 municipalities; some stay out (the adhesions need outsiders)
    assert (len(by_type["DIPUTACIO"]), len(by_type["AREA_METROPOLITANA"]), len(by_type["ENTITAT_MUNICIPALISTA"])) == (4, 1, 2)
    assert len(by_type["CONSELL_COMARCAL"]) == 42  # every comarca but the Barcelonès
    assert {"Associació Catalana de Municipis", "Federació de Municipis de Catalunya"} <= {r["nom"] for r in membres}
    assert {"801930008", "0801930008"} & {str(r["codi_ens"]) for r in membres}  # Barcelona
    assert 300 <= counts["adhesions"] <= 1000 and 25 <= counts["convenis"] <= 35
    convenis = {r["conveni_id"]: r for r in read_csv(dest, "convenis")}
    assert convenis["C-2014-001"]["data_signatura"] == "2014-10-03"
    assert "Diputació de Barcelona" in convenis["C-2014-001"]["titol"]


def test_file_formats(sample):
    dest, _ = sample
    raw = (dest / "adhesions.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert text.splitlines()[0].count(";") == len(schema_fields("adhesions")) - 1
    assert raw.count(b"\r\n") == raw.count(b"\n")
    assert "SOL·LICITADA" in text and "’" in text and "·" in text
    assert all("," in r["consum_anual_sense_iva"] and "." not in r["consum_anual_sense_iva"] for r in read_csv(dest, "adhesions"))  # decimal comma
    assert (dest / "convenis.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for name in ("contractes", "convenis_parts"):
        data = (dest / f"{name}.csv").read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data
        data.decode("utf-8")
    assert json.loads((dest / "manifest.json").read_text(encoding="utf-8"))["illustrative"] is True


def test_membres_spreadsheet_habits(sample):
    rows, cells = read_membres(sample[0])
    code_cells = [row[0] for row in cells if row[0].value is not None]
    numeric = [c.value for c in code_cells if isinstance(c.value, (int, float))]
    assert 10 <= len(numeric) <= 30 and all(len(str(int(v))) == 9 and str(int(v)).startswith("8") for v in numeric)
    alta = [r["data_alta"] for r in rows]
    assert any(isinstance(v, dt.datetime) for v in alta) and any(isinstance(v, str) and "/" in v for v in alta)


def test_codes_and_nifs_are_valid(sample):
    dest, _ = sample
    membres, _ = read_membres(dest)
    register = set(load_register()[0]["codi_ine"])
    rows = [*membres, *read_csv(dest, "adhesions"), *read_csv(dest, "convenis_parts")]
    for r in rows:
        assert r["codi_ens"] or r.get("nif"), r
        if r["codi_ens"] is not None:
            codi = str(r["codi_ens"]).zfill(10)
            assert codes.codi_ens_prefix_ok(codi) and codes.codi_ens_suffix_ok(codi), codi
            if r.get("tipus_ens") == "AJUNTAMENT":
                assert codi[:5] in register
        if r.get("nif"):
            assert codes.valid_nif(r["nif"]), r["nif"]
    assert "P0801900B" in {r["nif"] for r in membres}


def test_operator_only_for_per_body_awards(sample):
    dest, _ = sample
    lots = {(r["procediment_id"], r["lot_numero"]): r for r in read_csv(dest, "contractes")}
    adhesions = read_csv(dest, "adhesions")
    keys = [(r["codi_ens"], r["procediment_id"], r["lot_numero"]) for r in adhesions]
    assert len(keys) == len(set(keys))
    for r in adhesions:
        model = lots[(r["procediment_id"], r["lot_numero"])]["model_adjudicacio"]
        assert (r["operador"] is not None) == (model == "PER_ENS"), r
    assert {r["procediment_id"] for r in adhesions} == {p for p, _ in lots}


def test_contracts_amounts(sample):
    lots = read_csv(sample[0], "contractes")
    assert sum(Decimal(r["pressupost_sense_iva"]) for r in lots if r["procediment_id"] == "bcn-2018") == Decimal("38803287.62")
    for r in lots:
        assert r["import_adjudicacio_sense_iva"] is None or Decimal(r["import_adjudicacio_sense_iva"]) <= Decimal(r["pressupost_sense_iva"])
        assert (r["adjudicatari"] is None) == (r["model_adjudicacio"] == "PER_ENS")


def test_member_episodes_do_not_overlap(sample):
    membres, _ = read_membres(sample[0])
    episodes = defaultdict(list)
    for r in membres:
        episodes[str(r["codi_ens"]).zfill(10) if r["codi_ens"] else r["nif"]].append((as_date(r["data_alta"]), as_date(r["data_baixa"]), r["motiu_baixa"]))
    assert sum(len(e) > 1 for e in episodes.values()) >= 3
    assert sum(1 for e in episodes.values() for _, baixa, _ in e if baixa) >= 10
    for body, eps in episodes.items():
        eps.sort()
        for (alta, baixa, motiu), nxt in zip(eps, eps[1:] + [None]):
            assert (baixa is None) == (motiu is None), body
            assert baixa is None or baixa > alta, body
            if nxt is not None:
                assert baixa is not None and nxt[0] > baixa, body


def test_convenis_dates_and_parts(sample):
    dest, _ = sample
    convenis = {r["conveni_id"]: r for r in read_csv(dest, "convenis")}
    for r in convenis.values():
        sign, start, end = (as_date(r[k]) for k in ("data_signatura", "data_inici_vigencia", "data_fi_vigencia"))
        assert 2000 <= sign.year <= 2026 and (start is None or start >= sign) and (end is None or end > start)
        assert (r["conveni_origen_id"] is not None) == (r["tipus"] in ("ADDENDA", "PRORROGA"))
        assert r["conveni_origen_id"] is None or convenis[r["conveni_origen_id"]]["data_signatura"] < r["data_signatura"]
        assert r["prorrogable"] in (None, "sí", "no") and "@" not in (r["objecte"] or "")
    parts = read_csv(dest, "convenis_parts")
    keys = [(p["conveni_id"], p["nom"], p["rol"]) for p in parts]
    assert len(keys) == len(set(keys)) and {p["conveni_id"] for p in parts} == set(convenis)
    per_conveni = defaultdict(int)
    for p in parts:
        per_conveni[p["conveni_id"]] += 1
    assert all(2 <= n <= 5 for n in per_conveni.values())


def test_bundled_sample_is_the_generators_output(sample):
    """datasets/sample is exactly `python -m localret.sample --seed 1997`: regenerate it after changing the generator."""
    dest, _ = sample
    for name in FILES:
        assert (paths.SAMPLE_SOURCES / name).read_bytes() == (dest / name).read_bytes(), name


# --- a realistic sample: it reads like the real consortium (DOMAIN.md §1), computed with pandas from the roster
ARTICLE_AFTER = r"(?i), (?:el|la|els|les|l['’]|es|eth|era|eras)$"  # "Bòrdes, Es": Idescat's sorting form, never displayed


def excel_date(value):
    """A cell of the roster: a date cell, text dd/mm/yyyy, or empty."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return pd.NaT
    return pd.Timestamp(value) if isinstance(value, dt.datetime) else pd.to_datetime(value, format="%d/%m/%Y")


@pytest.fixture(scope="module")
def roster() -> pd.DataFrame:
    """The bundled membres.xlsx read with pandas: one row per episode, a body id with its leading zeros, real dates."""
    frame = pd.read_excel(paths.SAMPLE_SOURCES / "membres.xlsx", sheet_name="membres", dtype=object, engine="openpyxl")
    codi = frame["codi_ens"].map(lambda v: None if pd.isna(v) else str(int(v) if isinstance(v, (int, float)) else v).zfill(10))
    frame["ens_id"] = codi.fillna(frame["nif"])
    frame["alta"], frame["baixa"] = frame["data_alta"].map(excel_date), frame["data_baixa"].map(excel_date)
    assert frame["ens_id"].notna().all() and frame["alta"].notna().all()
    return frame


def active(roster: pd.DataFrame, day: str) -> pd.DataFrame:
    """DOMAIN.md §2: joined <= D and (not left or left > D); a body counts once."""
    day = pd.Timestamp(day)
    on = roster[(roster["alta"] <= day) & (roster["baixa"].isna() | (roster["baixa"] > day))]
    return on.drop_duplicates("ens_id")


@pytest.mark.parametrize("day, more_than", [("2014-12-31", 800), ("2015-12-31", 800), ("2023-12-31", 900), (AS_OF.isoformat(), 900)])
def test_as_many_members_as_the_real_consortium(roster, day, more_than):
    """"More than 800 local bodies" in 2014-2015, "more than 900" at the 2023 General Assembly."""
    assert len(active(roster, day)) > more_than


def test_fewer_before_2014_and_a_wave_of_joins_in_2014(roster):
    """The Diputació de Barcelona's accession (3 October 2014) shows as the year with most joins since the founding years."""
    assert len(active(roster, "2013-12-31")) < 800
    joins = roster.groupby(roster["alta"].dt.year).size()
    later = joins[joins.index >= 2006].drop(2014)
    assert joins[2014] > 5 * later.max()
    diba = roster[roster["nom"] == "Diputació de Barcelona"]
    assert diba["alta"].tolist() == [pd.Timestamp("2014-10-03")]
    in_2014 = roster[(roster["alta"].dt.year == 2014) & (roster["tipus_ens"] == "AJUNTAMENT")]
    after = in_2014[(in_2014["alta"] >= pd.Timestamp("2014-10-03")) & in_2014["ens_id"].str.startswith("08")]
    assert len(after) > len(in_2014) / 2  # mostly towns of the Diputació's province, after its accession


def test_the_biggest_towns_are_members(roster):
    register, _ = load_register()
    biggest = register.nlargest(20, "poblacio")
    assert {"Barcelona", "L'Hospitalet de Llobregat", "Terrassa", "Badalona", "Sabadell", "Girona"} <= set(biggest["nom"])
    for day in ("2014-12-31", "2023-12-31", AS_OF.isoformat()):
        towns = active(roster, day)
        towns = set(towns.loc[towns["tipus_ens"] == "AJUNTAMENT", "ens_id"].str[:5])
        assert set(biggest.head(10)["codi_ine"]) <= towns, day
        assert set(biggest["codi_ine"]) <= towns, day


def test_names_are_in_display_form(roster):
    """No "Ajuntament de Bòrdes, Es": names are built from the register's display form, articles in place."""
    adhesions = pd.read_csv(paths.SAMPLE_SOURCES / "adhesions.csv", sep=";", encoding="cp1252", dtype=str)
    parts = pd.read_csv(paths.SAMPLE_SOURCES / "convenis_parts.csv", dtype=str)
    for names in (roster["nom"], adhesions["nom_ens"], parts["nom"]):
        assert not names.str.contains(ARTICLE_AFTER).any(), names[names.str.contains(ARTICLE_AFTER)].tolist()
    register = load_register()[0].set_index("codi_ine")["nom"]
    towns = roster[roster["tipus_ens"] == "AJUNTAMENT"]
    # every town's name is "Ajuntament" + the register's name, its article in lower case inside the phrase
    expected = towns["ens_id"].str[:5].map(register)
    got = towns["nom"].str.replace("’", "'")
    assert all(g.startswith("Ajuntament d") and g.lower().endswith(e.lower()) for g, e in zip(got, expected))
    assert {"Ajuntament de l'Hospitalet de Llobregat", "Ajuntament d'Es Bòrdes", "Ajuntament de la Seu d'Urgell"} <= set(got)


@pytest.mark.parametrize("name, of, without", [
    ("L'Hospitalet de Llobregat", "de l'Hospitalet de Llobregat", "Hospitalet de Llobregat"),
    ("La Seu d'Urgell", "de la Seu d'Urgell", "Seu d'Urgell"),
    ("Les Borges Blanques", "de les Borges Blanques", "Borges Blanques"),
    ("El Masnou", "del Masnou", "Masnou"),
    ("Els Garidells", "dels Garidells", "Garidells"),
    ("Es Bòrdes", "d'Es Bòrdes", "Es Bòrdes"),  # the Aranese article stays as it is
    ("Les", "de Les", "Les"),  # a town of Aran, not an article
    ("Olot", "d'Olot", "Olot"),
    ("Horta de Sant Joan", "d'Horta de Sant Joan", "Horta de Sant Joan"),
    ("Barcelona", "de Barcelona", "Barcelona"),
    ("el Berguedà", "del Berguedà", "Berguedà"),  # a comarca with its article, as the generator writes it
])
def test_de_contracts_the_article_of_a_display_name(name, of, without):
    assert de(name) == of and bare(name) == without


def test_still_labelled_illustrative():
    manifest = json.loads((paths.SAMPLE_SOURCES / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["illustrative"] is True and manifest["title"]["ca"] == "Dades d'exemple il·lustratives"
    readme = (paths.SAMPLE_SOURCES / "README.md").read_text(encoding="utf-8")
    assert all(w in readme for w in ("il·lustratives", "ilustrativos", "illustrative", "no són registres reals"))
