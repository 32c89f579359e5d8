"""Every summary table of `resums`, recomputed by an independent pandas implementation from the
RAW sample sources (membres.xlsx, contractes.csv, adhesions.csv, convenis.csv and the register
files, read with pandas, never through the pipeline's reader, SQL or published tables) and
compared cell for cell with the published CSVs, at 2013-12-31, 2014-12-31, 2020-06-30 and the
sample's reference date. The recomputation follows the definitions each table publishes (schemas/*.json
"definition"): that is what a journalist quoting a figure relies on.

Plus the figures' own promises: provinces add up to the headline total; no adhesion to a
procedure awarded in 2019 exists in 2013; every definition reaches the README and the pages."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from conftest import AS_OF, ROOT

SAMPLE = ROOT / "datasets" / "sample"
REGISTER = ROOT / "datasets" / "register"
# The three dates, and one inside the Diputació de Barcelona's extension (2018-10-03 to
# 2022-10-02) and the first four years of an agreement without an end date (from 2018-11-25).
DATES = [dt.date(2013, 12, 31), dt.date(2014, 12, 31), dt.date(2020, 6, 30), AS_OF]
MEMBER_TYPES = ["AJUNTAMENT", "DIPUTACIO", "CONSELL_COMARCAL", "AREA_METROPOLITANA", "ENTITAT_MUNICIPALISTA"]


# --- one publication per date ------------------------------------------------------------------
@pytest.fixture(scope="module", params=DATES, ids=[d.isoformat() for d in DATES])
def at_date(request, tmp_path_factory):
    day = request.param
    return day, publish(SAMPLE, day, tmp_path_factory.mktemp(f"figures-{day.isoformat()}"))


def publish(sources: Path, day: dt.date, base: Path) -> Path:
    out, state = base / "out", base / "state"
    code = "import sys; from localret.cli import main; sys.argv[0] = 'localret'; main()"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "flows")}  # this tree's code, whatever the cwd
    r = subprocess.run([sys.executable, "-c", code, "publish", "--sources", str(sources), "--out", str(out), "--state", str(state),
                        "--as-of", day.isoformat(), "--no-prefect"], capture_output=True, text=True, cwd=base, timeout=900, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def table(out: Path, name: str, dataset: str = "resums") -> pd.DataFrame:
    return pd.read_csv(out / dataset / "latest" / f"{name}.csv", dtype=str, keep_default_na=False)


# --- the raw sources, read with pandas alone ---------------------------------------------------
def _date(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    return dt.datetime.strptime(text, "%d/%m/%Y").date() if "/" in text else dt.date.fromisoformat(text[:10])


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


@pytest.fixture(scope="module")
def raw():
    return read_raw(SAMPLE)


def read_raw(folder: Path) -> dict:
    if (folder / "membres.xlsx").exists():
        membres = pd.read_excel(folder / "membres.xlsx", dtype=object, engine="openpyxl")
    else:
        membres = pd.read_csv(folder / "membres.csv", dtype=str, keep_default_na=False)
    members = []
    for r in membres.to_dict("records"):
        codi = _text(r["codi_ens"])
        codi = codi.split(".")[0].zfill(10) if codi else None  # a code typed as a number lost its zeros
        members.append({"id": codi or _text(r["nif"]), "codi": codi, "tipus": r["tipus_ens"],
                        "alta": _date(r["data_alta"]), "baixa": _date(r["data_baixa"])})
    adh = pd.read_csv(folder / "adhesions.csv", sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    adhesions = [{"codi": r["codi_ens"].zfill(10), "proc": r["procediment_id"], "lot": int(r["lot_numero"]),
                  "sollicitud": _date(r["data_adhesio"]), "formalitzacio": _date(r["data_formalitzacio"]),
                  "renuncia": _date(r["data_renuncia"]), "fi": _date(r["data_fi"]), "operador": r["operador"] or None,
                  "consum": Decimal(r["consum_anual_sense_iva"].replace(".", "").replace(",", ".") or "0")}
                 for r in adh.to_dict("records")]
    con = pd.read_csv(folder / "contractes.csv", dtype=str, keep_default_na=False)
    lots = [{"proc": r["procediment_id"], "lot": int(r["lot_numero"]), "servei": r["servei"], "adjudicatari": r["adjudicatari"] or None,
             "adjudicacio": _date(r["data_adjudicacio"]), "formalitzacio": _date(r["data_formalitzacio"]),
             "durada": int(r["durada_mesos"]), "prorroga": int(r["prorroga_mesos"] or 0)} for r in con.to_dict("records")]
    conv = pd.read_csv(folder / "convenis.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    agreements = [{"id": r["conveni_id"], "tipus": r["tipus"], "signatura": _date(r["data_signatura"]),
                   "inici": _date(r["data_inici_vigencia"]), "fi": _date(r["data_fi_vigencia"]), "origen": r["conveni_origen_id"] or None}
                  for r in conv.to_dict("records")]
    munis = pd.read_csv(REGISTER / "municipis.csv", dtype=str, keep_default_na=False)
    comarques = pd.read_csv(REGISTER / "comarques.csv", dtype=str, keep_default_na=False)
    meta = json.loads((REGISTER / "register.json").read_text(encoding="utf-8"))
    return {"members": members, "adhesions": adhesions, "lots": lots, "agreements": agreements, "munis": munis,
            "comarques": dict(zip(comarques["comarca_codi"], comarques["comarca_nom"])), "meta": meta}


# --- the independent recomputation ---------------------------------------------------------------
def active(members, day: dt.date) -> dict[str, str]:
    """{body id: type} of the members on `day`: joined on or before it, not left on or before it."""
    return {m["id"]: m["tipus"] for m in members if m["alta"] <= day and (m["baixa"] is None or m["baixa"] > day)}


def member_towns(raw, day) -> set[str]:
    return {i[:5] for i, t in active(raw["members"], day).items() if t == "AJUNTAMENT"}


def per_type(raw, day):
    counts = Counter(active(raw["members"], day).values())
    return [{"tipus_ens": t, "membres_actius": counts[t]} for t in MEMBER_TYPES]


def per_province(raw, day):
    munis = raw["munis"]
    province_of_town = dict(zip(munis["codi_ine"], munis["provincia_codi"]))
    by_comarca = munis.groupby(["comarca_codi", "provincia_codi"]).size().reset_index(name="n")
    comarca_province = {c: g.sort_values(["n", "provincia_codi"], ascending=[False, True])["provincia_codi"].iloc[0]
                        for c, g in by_comarca.groupby("comarca_codi")}
    where = Counter()
    towns = Counter()
    for body, kind in active(raw["members"], day).items():
        province = {"AJUNTAMENT": lambda: province_of_town[body[:5]], "DIPUTACIO": lambda: body[:2],
                    "CONSELL_COMARCAL": lambda: comarca_province[body[3:5]], "AREA_METROPOLITANA": lambda: "08",
                    "ENTITAT_MUNICIPALISTA": lambda: "CAT"}[kind]()
        where[province] += 1
        towns[province] += kind == "AJUNTAMENT"
    names = dict(zip(munis["provincia_codi"], munis["provincia_nom"]))
    rows = [{"provincia_codi": p, "provincia_nom": names[p], "membres_actius": where[p], "ajuntaments_membres": towns[p],
             "municipis": int((munis["provincia_codi"] == p).sum())} for p in sorted(names)]
    return rows + [{"provincia_codi": "CAT", "provincia_nom": "Tot Catalunya", "membres_actius": where["CAT"],
                    "ajuntaments_membres": 0, "municipis": None}]


def per_comarca(raw, day):
    munis, towns = raw["munis"], member_towns(raw, day)
    councils = {i[3:5] for i, t in active(raw["members"], day).items() if t == "CONSELL_COMARCAL"}
    rows = []
    for code, g in munis.groupby("comarca_codi"):
        member = g["codi_ine"].isin(towns)
        pop = g["poblacio"].astype(int)
        rows.append({"comarca_codi": code, "comarca_nom": raw["comarques"][code],
                     "comarca_data_referencia": raw["meta"]["comarca_data_referencia"], "municipis": len(g),
                     "ajuntaments_membres": int(member.sum()), "percentatge_municipis": half_up(100 * member.sum() / len(g), 1),
                     "poblacio": int(pop.sum()), "poblacio_coberta": int(pop[member].sum()), "consell_comarcal_membre": code in councils})
    return rows


BANDS = [(1, "menys de 1.000", 0, 1000), (2, "1.000 a 4.999", 1000, 5000), (3, "5.000 a 19.999", 5000, 20000),
         (4, "20.000 a 49.999", 20000, 50000), (5, "50.000 o més", 50000, 10**9)]


def per_band(raw, day):
    munis, towns = raw["munis"], member_towns(raw, day)
    pop = munis["poblacio"].astype(int)
    rows = []
    for code, label, lo, hi in BANDS:
        inside = (pop >= lo) & (pop < hi)
        member = inside & munis["codi_ine"].isin(towns)
        rows.append({"tram_codi": code, "tram_poblacio": label, "municipis": int(inside.sum()), "ajuntaments_membres": int(member.sum()),
                     "poblacio": int(pop[inside].sum()), "poblacio_coberta": int(pop[member].sum())})
    return rows


def coverage(raw, day):
    munis, towns = raw["munis"], member_towns(raw, day)
    pop = munis["poblacio"].astype(int)
    member = munis["codi_ine"].isin(towns)
    return [{"municipis_catalunya": len(munis), "municipis_membres": int(member.sum()),
             "percentatge_municipis": half_up(100 * member.sum() / len(munis), 2), "poblacio_catalunya": int(pop.sum()),
             "poblacio_coberta": int(pop[member].sum()), "percentatge_poblacio": half_up(100 * pop[member].sum() / pop.sum(), 2),
             "any_poblacio": int(munis["any_poblacio"].astype(int).max())}]


def per_year(raw, day):
    rows = []
    for year in range(1997, day.year):
        counts = Counter(active(raw["members"], dt.date(year, 12, 31)).values())
        rows += [{"any": year, "tipus_ens": t, "membres_actius": counts[t]} for t in MEMBER_TYPES]
    return rows


def joins_and_leavings(raw, day):
    joins, leavings = Counter(), Counter()
    for m in raw["members"]:
        if m["alta"] <= day:
            joins[m["alta"].year, m["tipus"]] += 1
        if m["baixa"] is not None and m["baixa"] <= day:
            leavings[m["baixa"].year, m["tipus"]] += 1
    return [{"any": y, "tipus_ens": t, "altes": joins[y, t], "baixes": leavings[y, t]}
            for y in range(1997, day.year + 1) for t in MEMBER_TYPES]


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    last = [31, 29 if (day.year + y) % 4 == 0 and ((day.year + y) % 100 or (day.year + y) % 400 == 0) else 28,
            31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m]
    return dt.date(day.year + y, m + 1, min(day.day, last))


def adhesion_states(raw, day):
    """(adhesion, lot, state, operator known on `day`) for every adhesion requested by `day`."""
    lots = {(lot["proc"], lot["lot"]): lot for lot in raw["lots"]}
    out = []
    for a in raw["adhesions"]:
        if a["sollicitud"] > day:
            continue
        lot = lots[a["proc"], a["lot"]]
        end = add_months(lot["formalitzacio"] or lot["adjudicacio"], lot["durada"] + lot["prorroga"])
        if a["renuncia"] and a["renuncia"] <= day:
            state = "RENUNCIADA"
        elif (a["fi"] and a["fi"] <= day) or end <= day:
            state = "FINALITZADA"
        elif a["formalitzacio"] and a["formalitzacio"] <= day:
            state = "VIGENT"
        else:
            state = "SOL·LICITADA"
        operator = (a["operador"] or lot["adjudicatari"]) if lot["adjudicacio"] <= day else None
        out.append((a, lot, state, operator))
    return out


STATES = {"VIGENT": "adhesions_vigents", "SOL·LICITADA": "adhesions_sollicitades", "FINALITZADA": "adhesions_finalitzades",
          "RENUNCIADA": "adhesions_renunciades"}


def per_lot(raw, day):
    found = adhesion_states(raw, day)
    rows = []
    for lot in raw["lots"]:
        mine = [(a, s) for a, l, s, _ in found if l is lot]
        if lot["adjudicacio"] > day and not mine:
            continue
        formalised = [a for a, _ in mine if a["formalitzacio"] and a["formalitzacio"] <= day]
        states = Counter(s for _, s in mine)
        rows.append({"procediment_id": lot["proc"], "lot_numero": lot["lot"], "servei": lot["servei"], "adhesions": len(mine),
                     **{col: states[s] for s, col in STATES.items()}, "adhesions_formalitzades": len(formalised),
                     "consum_anual_declarat_sense_iva": sum((a["consum"] for a in formalised), Decimal(0))})
    return rows


def per_operator(raw, day):
    groups: dict[tuple, list] = {}
    for a, lot, state, operator in adhesion_states(raw, day):
        groups.setdefault((lot["proc"], operator), []).append((a, state))
    rows = []
    for (proc, operator), items in groups.items():
        states = Counter(s for _, s in items)
        rows.append({"procediment_id": proc, "operador": operator, "adhesions": len(items),
                     **{col: states[s] for s, col in STATES.items()}, "ens_diferents": len({a["codi"] for a, _ in items})})
    return rows


def agreements_per_year(raw, day):
    counts = Counter((a["signatura"].year, a["tipus"]) for a in raw["agreements"] if a["signatura"] <= day)
    return [{"any_signatura": y, "tipus": t, "convenis": n} for (y, t), n in counts.items()]


def agreements_in_force(raw, day):
    signed = {a["id"]: a for a in raw["agreements"] if a["signatura"] <= day}

    def root(a):
        while a["tipus"] in ("ADDENDA", "PRORROGA") and a["origen"] in signed:
            a = signed[a["origen"]]
        return a

    rows: dict[str, Counter] = {}
    for a in signed.values():
        r = root(a)
        c = rows.setdefault(r["tipus"], Counter())
        if r is not a:
            c["addendes_i_prorrogues"] += 1
            continue
        ends = [a["fi"]] + [x["fi"] for x in signed.values() if x is not a and x["tipus"] == "PRORROGA" and root(x) is a]
        ends = [e for e in ends if e]
        start = a["inici"] or a["signatura"]
        c["convenis"] += 1
        if start <= day and ends and max(ends) >= day:
            c["vigents"] += 1
        if start <= day and not ends:
            c["sense_data_fi"] += 1
            four_years = start.replace(year=start.year + 4) if (start.month, start.day) != (2, 29) else dt.date(start.year + 4, 3, 1)
            c["sense_data_fi_menys_4_anys"] += four_years > day
    return [{"tipus": t, "convenis": c["convenis"], "vigents": c["vigents"], "sense_data_fi": c["sense_data_fi"],
             "sense_data_fi_menys_4_anys": c["sense_data_fi_menys_4_anys"], "addendes_i_prorrogues": c["addendes_i_prorrogues"]}
            for t, c in rows.items()]


def half_up(value, places: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


RECOMPUTED = {
    "membres-per-tipus": per_type, "membres-per-provincia": per_province, "membres-per-comarca": per_comarca,
    "membres-per-tram-poblacio": per_band, "cobertura": coverage, "membres-per-any": per_year,
    "membres-altes-baixes": joins_and_leavings, "adhesions-per-lot": per_lot, "adhesions-per-operador": per_operator,
    "convenis-per-any": agreements_per_year, "convenis-vigents": agreements_in_force,
}


def cell(value) -> str:
    """A value as the canonical CSV writes it, for a comparison that tolerates no difference."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Decimal, float)):
        return format(Decimal(str(value)).normalize(), "f")
    return str(value)


def canonical(frame_rows: list[dict], columns: list[str]) -> list[tuple]:
    return sorted(tuple(cell(r[c]) for c in columns) for r in frame_rows)


def published_rows(out: Path, name: str) -> tuple[list[str], list[tuple]]:
    t = table(out, name)
    numeric = lambda v: format(Decimal(v).normalize(), "f") if v and v.replace(".", "").replace("-", "").isdigit() and "." in v else v  # noqa: E731
    return list(t.columns), sorted(tuple(numeric(v) for v in row) for row in t.itertuples(index=False))


# --- every summary, cell for cell ---------------------------------------------------------------
def test_every_resums_table_is_recomputed(at_date):
    _, out = at_date
    names = {r["name"] for r in json.loads((out / "resums" / "latest" / "datapackage.json").read_text())["resources"]}
    assert names == set(RECOMPUTED)


@pytest.mark.parametrize("name", sorted(RECOMPUTED))
def test_table_equals_independent_recomputation(at_date, raw, name):
    day, out = at_date
    columns, got = published_rows(out, name)
    expected = canonical(RECOMPUTED[name](raw, day), columns)
    assert got == expected, f"{name} at {day}: published != recomputed\n" + "\n".join(
        f"  only published: {r}" for r in sorted(set(got) - set(expected))[:10]) + "\n" + "\n".join(
        f"  only recomputed: {r}" for r in sorted(set(expected) - set(got))[:10])


# --- the promises of the definitions --------------------------------------------------------------
def test_provinces_add_up_to_the_headline_total(at_date):
    day, out = at_date
    total = table(out, "membres-per-tipus")["membres_actius"].astype(int).sum()
    provinces = table(out, "membres-per-provincia")
    assert provinces["membres_actius"].astype(int).sum() == total > 0
    assert list(provinces["provincia_codi"]) == ["08", "17", "25", "43", "CAT"]


def test_no_adhesion_before_its_procedure_exists(at_date, raw):
    day, out = at_date
    lots, operators = table(out, "adhesions-per-lot"), table(out, "adhesions-per-operador")
    if day.year == 2013:
        for t in (lots, operators):
            assert not t["procediment_id"].isin(["bcn-2018", "lle-bcn-2020", "tar-2017", "gir-2017"]).any(), t
        assert set(lots["procediment_id"]) == {"bergueda-2006", "garrotxa-2008", "segarra-2010"}
    awarded = {lot["proc"]: lot["adjudicacio"] for lot in raw["lots"]}
    requested = {a["proc"] for a in raw["adhesions"] if a["sollicitud"] <= day}
    assert set(lots["procediment_id"]) == {p for p, d in awarded.items() if d <= day} | requested


def test_state_columns_split_the_total(at_date):
    _, out = at_date
    for name in ("adhesions-per-lot", "adhesions-per-operador"):
        t = table(out, name)
        parts = sum(t[c].astype(int) for c in STATES.values())
        assert (parts == t["adhesions"].astype(int)).all(), name
    lots, operators = table(out, "adhesions-per-lot"), table(out, "adhesions-per-operador")
    assert lots["adhesions"].astype(int).sum() == operators["adhesions"].astype(int).sum()


def test_figures_move_with_the_reference_date(at_date):
    """The same sources tell different stories at different dates (the figures are not copied)."""
    day, out = at_date
    lots = table(out, "adhesions-per-lot").set_index(["procediment_id", "lot_numero"])
    segarra = lots.loc[("segarra-2010", "1")]
    # segarra-2010: formalised 2010-04-06, 36 months + 12 agreed: in force until 2014-04-06
    if day == dt.date(2013, 12, 31):  # in force, but for the bodies that left it early (their own data_fi)
        assert 0 < int(segarra["adhesions_vigents"]) < int(segarra["adhesions"])
    else:  # the term ran out: every adhesion is finished
        assert int(segarra["adhesions_vigents"]) == 0
        assert int(segarra["adhesions_finalitzades"]) == int(segarra["adhesions"]) > 0
    joins = table(out, "membres-altes-baixes")
    diputacions_2014 = joins[(joins["any"] == "2014") & (joins["tipus_ens"] == "DIPUTACIO")]["altes"]
    assert list(diputacions_2014) == ([] if day.year == 2013 else ["1"])  # the Diputació de Barcelona, 2014-10-03


def test_definitions_are_published_with_the_figures(at_date):
    day, out = at_date
    package = json.loads((out / "resums" / "latest" / "datapackage.json").read_text())
    readme = (out / "resums" / "latest" / "README.md").read_text(encoding="utf-8")
    for res in package["resources"]:
        definition = res["localret:definition"]
        assert set(definition) == {"ca", "es", "en"}
        assert day.isoformat() in definition["ca"] or res["name"] == "membres-per-any" and day.isoformat() in definition["ca"]
        for lang, text in definition.items():
            assert "{" not in text and text in readme.replace("\\", ""), (res["name"], lang)
        assert "definition" not in res["schema"]  # the Table Schema stays standard
    boundary = "qui es dona de baixa el mateix dia ja no es compta"
    assert boundary in package["resources"][0]["localret:definition"]["ca"]
    assert "padró de 2023" in next(r for r in package["resources"] if r["name"] == "cobertura")["localret:definition"]["ca"]
    for lang, page in (("ca", "index.html"), ("es", "index.es.html"), ("en", "index.en.html")):
        html = (out / "resums" / page).read_text(encoding="utf-8")
        for res in package["resources"]:
            assert _html(res["localret:definition"][lang]) in html, (res["name"], lang)
        home = (out / page).read_text(encoding="utf-8")
        assert _html(package["resources"][0]["localret:definition"][lang]) in home  # beside the headline total


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;").replace('"', "&#34;")


def test_a_member_leaving_on_the_reference_date_is_not_counted(sources, raw, tmp_path):
    """The boundary: a member whose leaving date is the reference date is no longer counted,
    and its leaving is (the sample has none on that day: one is made)."""
    t = sources.table("membres")
    f = t.frame
    unique = f["codi_ens"].map(f["codi_ens"].value_counts()) == 1
    row = int(f.loc[unique & (f["tipus_ens"] == "AJUNTAMENT") & f["data_baixa"].isna(), "_row"].iloc[0])
    t.set(row, "data_baixa", AS_OF.isoformat()).set(row, "motiu_baixa", "Acord de baixa del Ple")
    t.save()
    edited = read_raw(sources.folder)
    out = publish(sources.folder, AS_OF, tmp_path)
    for name in ("membres-per-tipus", "membres-per-provincia", "membres-altes-baixes", "cobertura", "membres-per-comarca"):
        columns, got = published_rows(out, name)
        assert got == canonical(RECOMPUTED[name](edited, AS_OF), columns), name
    before = {r["tipus_ens"]: r["membres_actius"] for r in per_type(raw, AS_OF)}
    after = table(out, "membres-per-tipus").set_index("tipus_ens")["membres_actius"].astype(int)
    assert after["AJUNTAMENT"] == before["AJUNTAMENT"] - 1
    moves = table(out, "membres-altes-baixes").set_index(["any", "tipus_ens"])["baixes"].astype(int)
    assert moves[(str(AS_OF.year), "AJUNTAMENT")] == 1 + sum(
        1 for m in raw["members"] if m["baixa"] and m["baixa"].year == AS_OF.year and m["tipus"] == "AJUNTAMENT")


def test_amendments_follow_their_agreement(at_date, raw):
    """Addenda and extensions are no rows of their own; an extension keeps its agreement in force;
    an agreement without an end date is counted apart, and within four years of its start apart
    again (Law 40/2015, art. 49.h)."""
    day, out = at_date
    t = table(out, "convenis-vigents").set_index("tipus")
    assert set(t.index) <= {"CONVENI", "PROTOCOL", "ENCARREC_GESTIO", "ACORD_MARC"}
    signed = [a for a in raw["agreements"] if a["signatura"] <= day]
    assert t["convenis"].astype(int).sum() + t["addendes_i_prorrogues"].astype(int).sum() == len(signed)
    diba = next(a for a in raw["agreements"] if a["id"] == "C-2014-001")  # the Diputació de Barcelona's accession
    if day == dt.date(2020, 6, 30):
        assert diba["fi"] < day  # ended on its own dates ...
        own = sum(1 for a in signed if a["tipus"] == "CONVENI" and (a["inici"] or a["signatura"]) <= day and a["fi"] and a["fi"] >= day)
        assert int(t.loc["CONVENI", "vigents"]) == own + 1  # ... but in force through its extension (C-2018-002)
        assert int(t.loc["CONVENI", "sense_data_fi_menys_4_anys"]) == 1  # C-2018-003, from 2018-11-25
    if day == AS_OF:
        assert int(t.loc["CONVENI", "sense_data_fi"]) == 1 and int(t.loc["CONVENI", "sense_data_fi_menys_4_anys"]) == 0
