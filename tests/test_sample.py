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
import pytest

from localret import codes, paths
from localret.register import load_register
from localret.sample import generate

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
    assert 840 <= len(by_type["AJUNTAMENT"]) <= 860
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
