"""Illustrative sample sources: seeded, deterministic look-alikes of Consorci Localret's internal
exports (membres.xlsx, contractes.csv, adhesions.csv, convenis.csv, convenis_parts.csv), each in
the format real exports come in. NOT Localret's records: municipalities and their codes come from
the real register; memberships, dates, amounts, contacts, signatories and notes are invented.

    python -m localret.sample --out datasets/sample --seed 1997
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
import unicodedata
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from localret import paths
from localret.codes import make_codi_ens, make_nif
from localret.register import load_register

D, DAY = dt.date, dt.timedelta(days=1)
CREATED = dt.datetime(2024, 1, 15, 9, 0, 0)  # fixed workbook date: reproducible bytes
LOCALRET = {"nom": "Consorci Localret", "nif": make_nif("P", "5800010"), "codi_ens": None, "office": ("President", "President", "del Consorci Localret")}
FIRST_M = "Jordi Joan Josep Marc Pere Xavier Albert Oriol Marcel·lí Pau Jaume Lluís Ramon Francesc Enric Arnau".split()
FIRST_F = "Montserrat Núria Anna Marta Laia Mireia Meritxell Rosa Carme Marcel·la Gemma Sílvia Àngels Eulàlia Roser Cristina".split()
SURNAMES = ("Puig Vila Soler Ferrer Serra Font Vidal Pujol Roca Casals Riera Sala Bosch Camps Costa Valls Prat Torrent Mas Coll Badia "
            "Rovira Canals Grau Comas Pons Martí Garcia Ribas Sellarès Vilaró Capdevila Bonet Gual Crespí Miralles").split()
OPERATORS = ["Orange Espagne, S.A.U.", "Parlem Telecom Companyia de Telecomunicacions, S.A.", "Telefónica de España, S.A.U.",
             "Vodafone España, S.A.U.", "XTA (Xarxa Oberta de Comunicació i Tecnologia de Catalunya, S.A.)"]
ORA, TEF, VOD = OPERATORS[0], OPERATORS[2], OPERATORS[3]
EMD_PLACES = {  # invented EMDs (codes and names are illustrative)
    "08": ["Bellaterra", "Valldoreix", "Cal Rosal", "la Beguda Alta", "Can Trias", "les Torres de Fals", "Sant Marcel·lí del Bosc",
           "la Creu de l'Aliança", "el Serrat d'Estela", "les Cases de la Riera", "el Molí d'en Ral", "la Vall·llosa",
           "Sant Pere de l'Ordal", "la Sagrera d'Olèrdola", "el Raval de l'Estació"],
    "25": ["Arties", "Garòs", "Gessa", "Bagergue", "Sant Martí de Maldà", "Bellmunt d'Urgell"]}
CONSORCIS = ["Consorci de les Instal·lacions Esportives del Maresme", "Consorci de Promoció Econòmica del Vallès Oriental",
             "Consorci de Serveis Sanitaris de l'Anoia", "Consorci per a la Gestió de Residus del Bages", "Consorci d’Aigües del Garraf",
             "Consorci del Patrimoni Industrial del Llobregat", "Consorci de Turisme del Baix Llobregat", "Consorci de Serveis Socials d'Osona",
             "Consorci de les Colònies Tèxtils del Berguedà", "Consorci de Biblioteques del Penedès"]
NOTES = ["Pendent d'actualitzar el contacte després de les eleccions municipals", "Envieu les factures a Intervenció, no al contacte TIC",
         "Ha demanat informació sobre la fibra als polígons", "Interlocutor tècnic: {person}, mòbil {mobile}", "Contacte alternatiu: {person} ({phone})",
         "Acord del Ple pendent de publicar al BOP", "Vol participar a la propera contractació agregada", "Canvi d’interlocutor: truqueu a {person}"]
LEAVING_REASONS = ["Acord de baixa del Ple", "Separació voluntària aprovada pel Ple", "Impagament reiterat de quotes", "Acord de baixa del Ple (reducció de despesa)"]
COMARCA_ARTICLES = {"": "24 39", "l'": "01 02 03 04 05 06 38", "la ": "15 16 19 23 30 32 34 37", "les ": "18"}  # the rest: "el "
STATES = {"bcn-2018": {"PRORROGADA": 70, "FORMALITZADA": 20, "FINALITZADA": 10}, "lle-bcn-2020": {"FORMALITZADA": 70, "ADHERIDA": 30},
          "tar-2017": {"FINALITZADA": 50, "PRORROGADA": 50}, "gir-2017": {"FINALITZADA": 40, "PRORROGADA": 60}}  # others: FINALITZADA
LOT_WEIGHT = {"FIX_VEU_DADES": 1.0, "VEU_FIXA": 0.8, "MOBIL": 0.6, "CONNECTIVITAT_DADES": 0.7}
OBJECTES = {  # institutional text only: no names, e-mails or phones
    "adhesio": "Establir les condicions de l'adhesió de la {} al Consorci Localret, la seva participació en els òrgans de govern i la seva aportació al finançament del Consorci.",
    "addenda": "Actualitzar l'aportació anual de la Diputació i incorporar el suport a la contractació agregada de serveis de telecomunicacions dels municipis de la demarcació.",
    "prorroga": "Prorrogar per quatre anys la vigència del conveni d'adhesió en els mateixos termes.",
    "agregada": "Regular l'adhesió dels ens locals al procediment de contractació agregada dels serveis de telecomunicacions, l'autorització al Consorci per consultar les dades dels operadors i la declaració del consum anual per lot.",
    "comarca": "Col·laborar en l'assessorament tècnic als municipis de la comarca sobre xarxes de telecomunicacions, banda ampla i serveis digitals, i coordinar la seva participació en la contractació agregada.",
    "comarca-add": "Ampliar les actuacions del conveni a l'assessorament sobre la instal·lació d'infraestructures de telecomunicacions en edificis municipals.",
    "marc": "Establir el marc de col·laboració entre les entitats municipalistes i el Consorci en l'impuls de les telecomunicacions i la societat de la informació als municipis de Catalunya.",
    "amb": "Coordinar criteris i actuacions per facilitar el desplegament ordenat de xarxes de telecomunicacions mòbils de cinquena generació als municipis metropolitans.",
    "manresa": "Encarregar al Consorci la gestió tècnica de la liquidació de les taxes per l'ocupació del domini públic municipal per part dels operadors de telecomunicacions.",
}


# ---------------------------------------------------------------- names, people, dates
def plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def slug(text: str) -> str:
    return "".join(c for c in plain(text).lower() if c.isalnum())


ARTICLES = ("els ", "el ", "les ", "la ", "l'")  # Catalan articles, as a name's display form may begin ("L'Hospitalet")


def article(name: str) -> tuple[str, str]:
    """(its leading Catalan article in lower case or "", the rest): "L'Hospitalet de Llobregat" -> ("l'", "Hospitalet de
    Llobregat"); "Les" (a town of Aran, no article) -> ("", "Les"); the Aranese "Es Bòrdes" keeps its article."""
    return next(((a, name[len(a):]) for a in ARTICLES if name[:len(a)].lower() == a), ("", name))


def de(name: str) -> str:
    """'de' before a name in display form, with the Catalan contractions and the article in lower case inside the phrase:
    del Masnou (El Masnou), dels Garidells, d'Olot, de l'Arboç (L'Arboç), de la Seu d'Urgell, d'Es Bòrdes."""
    art, rest = article(name)
    if art in ("el ", "els "):
        return "d" + art + rest  # del, dels
    if art:
        return "de " + art + rest
    first = plain(name[:2]).lower()
    return ("d'" if first[0] in "aeiou" or (first[0] == "h" and first[1:2] in tuple("aeiou")) else "de ") + name


def bare(name: str) -> str:
    """Without its leading article: 'L'Hospitalet de Llobregat' -> 'Hospitalet de Llobregat'."""
    return article(name)[1]


def person(rng: random.Random) -> tuple[str, str, bool]:
    """An invented (full name, e-mail local part, is_female)."""
    female = rng.random() < 0.5
    first, (s1, s2) = rng.choice(FIRST_F if female else FIRST_M), rng.sample(SURNAMES, 2)
    return f"{first} {s1} {s2}", f"{slug(first)}.{slug(s1)}", female


def phone(rng: random.Random, prov: str, mobile: bool = False) -> str:
    n = lambda k: "".join(str(rng.randint(0, 9)) for _ in range(k))  # noqa: E731
    prefix = {"17": "972", "25": "973", "43": "977"}.get(prov)
    if mobile:
        return f"6{n(2)} {n(3)} {n(3)}"
    return f"{prefix} {n(2)} {n(2)} {n(2)}" if prefix else f"93 {rng.randint(2, 8)}{n(2)} {n(2)} {n(2)}"


def typographic(rng: random.Random, name: str, p: float) -> str:
    """Some people type the typographic apostrophe: d’Olot."""
    return name.replace("'", "’") if rng.random() < p else name


def rand_date(rng: random.Random, a: dt.date, b: dt.date) -> dt.date:
    return a + dt.timedelta(days=rng.randint(0, (b - a).days))


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    return D(d.year + y, m + 1, min(d.day, 28))


def money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


# ---------------------------------------------------------------- the bodies
def body(codi, nom, tipus, prov, pop, domain, office, comarca=None, place=None) -> dict:
    return {"codi_ens": codi, "nom": nom, "tipus": tipus, "prov": prov, "pop": pop, "domain": domain, "office": office, "comarca": comarca, "place": place}


def bodies(rng: random.Random) -> dict:
    """Every body that appears: real municipalities and consells comarcals, the diputacions, AMB, ACM, FMC, invented EMDs and consorcis."""
    reg, meta = load_register()
    munis = reg.sort_values("codi_ine").to_dict("records")
    w = {"aj": {}, "cc": {}, "dip": {}}
    for m in munis:
        w["aj"][m["codi_ine"]] = body(make_codi_ens(m["codi_ine"]), "Ajuntament " + de(m["nom"]), "AJUNTAMENT", m["provincia_codi"], m["poblacio"],
                                      slug(bare(m["nom"])) + ".cat", ("Alcalde", "Alcaldessa", de(m["nom"])), m["comarca_codi"], m["nom"])
    for c in meta["comarques_taula"].sort_values("comarca_codi").itertuples():
        if c.comarca_codi == "13":
            continue  # the Barcelonès has no consell comarcal
        ms = [m for m in munis if m["comarca_codi"] == c.comarca_codi]
        prov = min({m["provincia_codi"] for m in ms}, key=lambda p: (-sum(m["provincia_codi"] == p for m in ms), p))
        art = next((a for a, cs in COMARCA_ARTICLES.items() if c.comarca_codi in cs.split()), "el ")
        name = "Conselh Generau d'Aran" if c.comarca_codi == "39" else "Consell Comarcal " + de(art + c.comarca_nom)
        office = ("Síndic", "Síndica", "d'Aran") if c.comarca_codi == "39" else ("President", "Presidenta", de("el " + name))
        w["cc"][c.comarca_codi] = body(make_codi_ens("810" + c.comarca_codi), name, "CONSELL_COMARCAL", prov, sum(m["poblacio"] for m in ms),
                                       "cc" + slug(c.comarca_nom) + ".cat", office, c.comarca_codi)
    for prov, city in (("08", "Barcelona"), ("17", "Girona"), ("25", "Lleida"), ("43", "Tarragona")):
        w["dip"][prov] = body(make_codi_ens(prov + "000"), f"Diputació de {city}", "DIPUTACIO", prov, 600000, f"dip{slug(city)}.cat",
                              ("President", "Presidenta", f"de la Diputació de {city}"))
    w["amb"] = body(make_codi_ens("82001"), "Àrea Metropolitana de Barcelona", "AREA_METROPOLITANA", "08", 300000, "amb.cat",
                    ("Vicepresident", "Vicepresidenta", "de l'Àrea Metropolitana de Barcelona"))
    for key, name, of in (("acm", "Associació Catalana de Municipis", "de l'"), ("fmc", "Federació de Municipis de Catalunya", "de la ")):
        w[key] = body(None, name, "ENTITAT_MUNICIPALISTA", "08", 0, f"{key}.cat", ("President", "Presidenta", of + name))
        w[key]["nif"] = make_nif("G", f"08{rng.randint(0, 99999):05d}")
    numbers = rng.sample(range(1, 999), sum(map(len, EMD_PLACES.values())) + len(CONSORCIS))
    w["emd"] = [body(make_codi_ens(f"70{numbers.pop():03d}"), "EMD " + de(place), "EMD", prov, rng.randint(300, 9000), slug(bare(place)) + ".cat",
                     ("President", "Presidenta", "de l'EMD " + de(place))) for prov, places in EMD_PLACES.items() for place in places]
    w["cons"] = [body(make_codi_ens(f"89{numbers.pop():03d}"), name, "CONSORCI", "08", rng.randint(2000, 20000), f"consorci{slug(name.split()[-1])}.cat",
                      ("President", "Presidenta", de("el " + name))) for name in CONSORCIS]
    return w


# ---------------------------------------------------------------- membres
def episode(rng: random.Random, b: dict, alta: dt.date, tipus_alta: str | None = "?", nif: str | None = None) -> dict:
    """One membership episode, with invented contact data and internal notes."""
    if tipus_alta == "?":
        tipus_alta = rng.choices(["APROVACIO_PLE", "PUBLICACIO", "DEFINITIVA", "NOTIFICACIO", None], [35, 15, 25, 10, 15])[0]
    name, local, _ = person(rng)
    row = {"codi_ens": b["codi_ens"], "nif": nif or b.get("nif"), "nom": typographic(rng, b["nom"], 0.05), "tipus_ens": b["tipus"],
           "data_alta": alta, "tipus_data_alta": tipus_alta, "data_baixa": None, "motiu_baixa": None, "persona_contacte": name,
           "email_contacte": f"{local}@{b['domain']}" if rng.random() < 0.95 else None,
           "telefon_contacte": phone(rng, b["prov"], rng.random() < 0.3) if rng.random() < 0.95 else None,
           "observacions": None, "_excel_dates": rng.random() < 0.6, "_numeric": False}
    if b["tipus"] == "AJUNTAMENT" and b["pop"] < 1000 and rng.random() < 0.3:
        row["observacions"] = "Quota exempta des de l’1/1/2021 (menys de 1.000 habitants)"
    elif rng.random() < 0.35:
        note = rng.choice(NOTES)
        row["observacions"] = note.format(person=person(rng)[0], mobile=phone(rng, b["prov"], True), phone=phone(rng, b["prov"]))
    return row


# How the membership grows (DOMAIN.md §1: "more than 800 local bodies" in 2014-2015, "more than 900" in 2023). Each
# cohort: (municipalities, first day, last day) of joining. The founders are Barcelona, Manresa and the biggest towns;
# the 2014 wave follows the Diputació de Barcelona's accession (3 October 2014): its towns join from that day on.
BIG_TOWNS = 20  # the most populous municipalities of the register: founders, and they never leave
ACCESSION_DIBA = D(2014, 10, 3)
COHORTS = [(12, D(1997, 7, 1), D(1997, 7, 1)), (255, D(1997, 7, 2), D(1998, 12, 31)), (285, D(1999, 1, 1), D(2005, 12, 31)),
           (95, D(2006, 1, 1), D(2013, 12, 31)), (58, D(2015, 1, 1), D(2023, 12, 31)), (8, D(2024, 1, 1), D(2025, 6, 30))]
WAVE_2014 = {"08": 125, "other": 30}  # municipalities joining in 2014: of the province of Barcelona, of the others


def biggest(w: dict, n: int = BIG_TOWNS) -> list[str]:
    """The INE codes of the n most populous municipalities of the register."""
    return sorted(w["aj"], key=lambda ine: (-w["aj"][ine]["pop"], ine))[:n]


def join_dates(rng: random.Random, w: dict) -> dict[str, dt.date]:
    """INE code -> date joined, for every municipality that is (or was) a member."""
    founders = dict.fromkeys(["08019", "08113", *biggest(w)])  # Barcelona, Manresa (its mayor presides), the big towns
    pool = rng.sample(sorted(set(w["aj"]) - set(founders)), sum(WAVE_2014.values()) + sum(n for n, _, _ in COHORTS))
    in_bcn = [ine for ine in pool if w["aj"][ine]["prov"] == "08"][:WAVE_2014["08"]]
    wave = set(in_bcn) | set([ine for ine in pool if w["aj"][ine]["prov"] != "08"][:WAVE_2014["other"]])
    dates = {ine: D(1997, 7, 1) for ine in founders}
    for ine in sorted(wave):
        dates[ine] = rand_date(rng, ACCESSION_DIBA if ine in in_bcn else D(2014, 1, 1), D(2014, 12, 31))
    rest = iter([ine for ine in pool if ine not in wave])
    for n, first, last in COHORTS:
        for ine in [next(rest) for _ in range(n)]:
            dates[ine] = rand_date(rng, first, last)
    return dates


def members(rng: random.Random, w: dict) -> list[dict]:
    dates = join_dates(rng, w)
    big = set(biggest(w))
    rows = []
    for ine in ["08019", "08113", *sorted(set(dates) - {"08019", "08113"})]:
        nif = make_nif("P", ine + ("00" if rng.random() < 0.9 else f"{rng.randint(1, 99):02d}")) if rng.random() < 0.33 else None
        rows.append(episode(rng, w["aj"][ine], dates[ine], nif="P0801900B" if ine == "08019" else nif) | {"_ine": ine})
    for i, r in enumerate(rng.sample([r for r in rows[2:] if r["data_alta"] < D(2012, 1, 1) and r["_ine"] not in big], 12)):
        r["data_baixa"] = rand_date(rng, add_months(r["data_alta"], 24), D(2021, 12, 31))
        r["motiu_baixa"] = rng.choice(LEAVING_REASONS)
        if i < 5:  # rejoins: a new episode after the previous one ended
            start = r["data_baixa"] + 180 * DAY
            rows.append(episode(rng, w["aj"][r["_ine"]], rand_date(rng, start, min(add_months(start, 60), D(2025, 6, 30))), nif=r["nif"]))
    rows.append(episode(rng, w["dip"]["08"], D(2014, 10, 3), "DEFINITIVA", nif="P0800000B"))
    for prov in ("17", "25", "43"):
        rows.append(episode(rng, w["dip"][prov], rand_date(rng, D(2015, 6, 1), D(2016, 12, 31)), nif=make_nif("P", prov + "00000")))
    for code, b in w["cc"].items():  # territorial bodies join after the 2015 statutes; Moianès (2015) and Lluçanès (2023) are new
        first, last = {"42": (D(2015, 9, 1), D(2019, 12, 31)), "43": (D(2024, 1, 15), D(2024, 12, 31))}.get(code, (D(2015, 6, 1), D(2019, 12, 31)))
        rows.append(episode(rng, b, rand_date(rng, first, last)))
    rows.append(episode(rng, w["amb"], rand_date(rng, D(2015, 6, 1), D(2016, 6, 30))))
    rows += [episode(rng, w[k], D(1997, 7, 1), "DEFINITIVA") for k in ("acm", "fmc")]
    for r in rng.sample([r for r in rows if r["tipus_ens"] == "AJUNTAMENT" and r["codi_ens"].startswith("08")], 20):
        r["_numeric"] = True  # typed as a number: the leading zero is lost
    return sorted(rows, key=lambda r: (plain(r["nom"]).lower(), r["data_alta"]))


def write_membres(path: Path, rows: list[dict]) -> None:
    cols = fields("membres")
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"title": "Membres del Consorci", "author": "Consorci Localret", "created": CREATED})
    ws = wb.add_worksheet("membres")
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_row(0, 0, cols)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row[c] for c in cols):
            if isinstance(v, dt.date) and row["_excel_dates"]:
                ws.write_datetime(i, j, dt.datetime.combine(v, dt.time()), date_fmt)
            elif isinstance(v, dt.date):
                ws.write_string(i, j, v.strftime("%d/%m/%Y"))
            elif j == 0 and v and row["_numeric"]:
                ws.write_number(i, j, int(v))
            elif v is not None:
                ws.write_string(i, j, v)
    wb.close()


# ---------------------------------------------------------------- contractes
# When each contract was formalised (its term counts from then) and the extension agreed, in months
# (illustrative; lle-bcn-2020 was formalised on its award date, DOMAIN.md §3).
FORMALISED = {"bergueda-2006": D(2007, 1, 8), "garrotxa-2008": D(2008, 7, 21), "segarra-2010": D(2010, 4, 6), "tar-2017": D(2018, 2, 1),
              "gir-2017": D(2017, 12, 1), "bcn-2018": D(2019, 6, 3), "lle-bcn-2020": D(2021, 12, 16)}
EXTENDED = {"bergueda-2006": 24, "garrotxa-2008": None, "segarra-2010": 12, "tar-2017": 24, "gir-2017": 12, "bcn-2018": 24, "lle-bcn-2020": 24}
def contractes() -> list[dict]:
    """The procedures of DOMAIN.md §3, one row per lot. Amounts in cents; the split of budgets among lots is illustrative."""
    agg = "Contractació agregada dels serveis de telecomunicacions per als ens locals "
    early = "Contractació agregada dels serveis de veu fixa, mobilitat i connectivitat de dades dels ens locals "
    procs = [
        ("bergueda-2006", early + "del Berguedà (2006)", "BCN", "PER_LOT", D(2006, 11, 20), 24, 24,
         [("VEU_FIXA", 41250000, 36987512, TEF), ("MOBIL", 26800000, 22514033, VOD), ("CONNECTIVITAT_DADES", 19500000, 17820000, TEF)]),
        ("garrotxa-2008", early + "de la Garrotxa (2008)", "GIR", "PER_LOT", D(2008, 6, 12), 24, 24,
         [("VEU_FIXA", 38900000, 34118075, TEF), ("MOBIL", 24500000, 19870050, ORA), ("CONNECTIVITAT_DADES", 21000000, 19950000, TEF)]),
        ("segarra-2010", early + "de la Segarra (2010)", "LLE", "PER_LOT", D(2010, 3, 2), 36, 12,
         [("VEU_FIXA", 29700000, 27105540, TEF), ("MOBIL", 18350000, 15598012, VOD), ("CONNECTIVITAT_DADES", 16000000, 14560000, ORA)]),
        ("tar-2017", agg + "de la demarcació de Tarragona (2017)", "TAR", "PER_LOT", D(2017, 12, 19), 48, 24,
         [("FIX_VEU_DADES", 612500000, 528874310, TEF), ("MOBIL", 348000000, 281227540, VOD)]),
        ("gir-2017", agg + "de la demarcació de Girona (2017)", "GIR", "PER_LOT", D(2017, 10, 26), 48, 24,
         [("FIX_VEU_DADES", 574000000, 503921880, TEF), ("MOBIL", 296500000, 247018915, ORA)]),
        ("bcn-2018", agg + "de la demarcació de Barcelona (2018-2019)", "BCN", "PER_LOT", D(2019, 4, 9), 48, 24,
         [("FIX_VEU_DADES", 2405803833, 2016121410, VOD), ("MOBIL", 1474524929, 1149852307, VOD)]),  # 38,803,287.62 in all
        ("lle-bcn-2020", agg + "de les demarcacions de Lleida i Barcelona (2020-2021)", "LLE;BCN", "PER_ENS", D(2021, 12, 16), 36, 24,
         [("FIX_VEU_DADES", 412000000, 365418522, None), ("MOBIL", 231500000, 196820014, None)]),
    ]
    return [{"procediment_id": pid, "titol": titol, "ambit": ambit, "model_adjudicacio": model, "data_adjudicacio": adj,
             "data_formalitzacio": FORMALISED.get(pid), "durada_mesos": months, "prorroga_max_mesos": extension,
             "prorroga_mesos": EXTENDED.get(pid), "lot_numero": n, "servei": servei, "pressupost_sense_iva": money(budget),
             "import_adjudicacio_sense_iva": money(award), "adjudicatari": who}
            for pid, titol, ambit, model, adj, months, extension, lots in procs for n, (servei, budget, award, who) in enumerate(lots, start=1)]


# ---------------------------------------------------------------- adhesions
def adhesion_plan(rng: random.Random, w: dict, membres: list[dict]) -> dict[str, list[dict]]:
    """Who adheres to each procedure: mostly members, but also EMDs, consorcis and a few non-members."""
    aj, cc = list(w["aj"].values()), list(w["cc"].values())
    active = lambda codi, day: any(r["codi_ens"] == codi and r["data_alta"] <= day and (r["data_baixa"] or D.max) > day for r in membres)  # noqa: E731
    members_at = lambda day, prov: [b for b in aj if b["prov"] == prov and active(b["codi_ens"], day)]  # noqa: E731
    outsiders = [b for b in aj if b["prov"] == "08" and not any(r["codi_ens"] == b["codi_ens"] for r in membres)]
    ccs = lambda prov, n: rng.sample([b for b in cc if b["prov"] == prov], n)  # noqa: E731
    emds = lambda prov: [e for e in w["emd"] if e["prov"] == prov]  # noqa: E731
    bcn = [w["aj"]["08113"], w["dip"]["08"], *rng.sample([b for b in members_at(D(2019, 1, 1), "08") if b["place"] != "Manresa"], 210),
           *rng.sample(outsiders, 5), *ccs("08", 6), *emds("08"), *w["cons"]]
    taken = {b["codi_ens"] for b in bcn}
    lle = [*rng.sample(members_at(D(2021, 6, 1), "25"), 61), *rng.sample([b for b in members_at(D(2021, 6, 1), "08") if b["codi_ens"] not in taken], 20),
           *ccs("25", 4), *emds("25")]
    comarca = lambda code: [w["cc"][code], *[b for b in aj if b["comarca"] == code][:14]]  # noqa: E731
    return {"bergueda-2006": comarca("14"), "garrotxa-2008": comarca("19"), "segarra-2010": comarca("32"),
            "tar-2017": [*rng.sample(members_at(D(2017, 6, 1), "43"), 42), *ccs("43", 3)],
            "gir-2017": [*rng.sample(members_at(D(2017, 6, 1), "17"), 27), *ccs("17", 3)], "bcn-2018": bcn, "lle-bcn-2020": lle}


def adhesions(rng: random.Random, w: dict, membres: list[dict], lots: list[dict]) -> list[dict]:
    plan, rows = adhesion_plan(rng, w, membres), []
    for pid in dict.fromkeys(lot["procediment_id"] for lot in lots):
        lots_ = [lot for lot in lots if lot["procediment_id"] == pid]
        adj, states = lots_[0]["data_adjudicacio"], STATES.get(pid, {"FINALITZADA": 1})
        for b in sorted(plan[pid], key=lambda b: b["codi_ens"]):
            chosen = [lot for lot in lots_ if rng.random() < (0.97 if pid == "bcn-2018" else 0.8)] or lots_[:1]
            day = rand_date(rng, adj - 150 * DAY, adj + (60 if pid == "lle-bcn-2020" else 400) * DAY)
            size, (name, local, _) = b["pop"] * rng.lognormvariate(0, 0.45), person(rng)
            nom, estat = typographic(rng, b["nom"], 0.25), rng.choices(list(states), list(states.values()))[0]
            for lot in chosen:
                rows.append({"codi_ens": b["codi_ens"], "nom_ens": nom, "tipus_ens": b["tipus"], "procediment_id": pid,
                             "lot_numero": lot["lot_numero"], "data_adhesio": day, "estat": estat,
                             "operador": rng.choice(OPERATORS) if lot["model_adjudicacio"] == "PER_ENS" else None,
                             "consum_anual_sense_iva": money(max(15000, int(180000 * LOT_WEIGHT[lot["servei"]] * (size / 1000) ** 0.75))),
                             "persona_contacte": name if rng.random() < 0.9 else None,
                             "email_contacte": f"{local}@{b['domain']}" if rng.random() < 0.85 else None})
    for state, pid, k in (("RENUNCIADA", "bcn-2018", 2), ("SOL·LICITADA", "lle-bcn-2020", 3), ("RENUNCIADA", "garrotxa-2008", 1)):
        for r in rng.sample([r for r in rows if r["procediment_id"] == pid], k):
            r["estat"] = state
    adhesion_dates(random.Random(rng.random()), rows, lots)
    return rows


def adhesion_dates(rng: random.Random, rows: list[dict], lots: list[dict]) -> None:
    """The formalisation, renunciation and end dates that make each row's declared state true
    (the state the published figures derive from these dates at any reference date)."""
    terms = {}
    for lot in lots:
        start = lot["data_formalitzacio"] or lot["data_adjudicacio"]
        terms[lot["procediment_id"]] = (start, add_months(start, lot["durada_mesos"] + (lot["prorroga_mesos"] or 0)))
    for r in rows:
        start, end = terms[r["procediment_id"]]
        formalised = max(r["data_adhesio"], start) + rng.randint(5, 90) * DAY
        r["data_formalitzacio"] = r["data_renuncia"] = r["data_fi"] = None
        if r["estat"] in ("FORMALITZADA", "PRORROGADA", "FINALITZADA"):
            r["data_formalitzacio"] = formalised
        if r["estat"] == "FINALITZADA" and rng.random() < 0.4:  # left the contract before its term
            r["data_fi"] = rand_date(rng, formalised + 180 * DAY, end - 30 * DAY)
        if r["estat"] == "RENUNCIADA":
            if rng.random() < 0.5:  # renounced after the service began
                r["data_formalitzacio"] = formalised
                r["data_renuncia"] = rand_date(rng, formalised + 30 * DAY, end - 30 * DAY)
            else:
                r["data_renuncia"] = r["data_adhesio"] + rng.randint(20, 120) * DAY


# ---------------------------------------------------------------- convenis and their parts
def party(rng: random.Random, b: dict, rol: str, signs: bool = True) -> dict:
    """A party: its codes, its role and the OFFICE of who signs (the invented name is private)."""
    name, _, female = person(rng)
    masc, fem, of = b["office"]
    return {"codi_ens": b["codi_ens"], "nif": None if b["codi_ens"] else b["nif"], "nom": b["nom"], "rol": rol,
            "carrec_signant": f"{fem if female else masc} {of}" if signs else None, "nom_signant": name if signs else None}


def conveni_specs(rng: random.Random, w: dict, lots: list[dict], adh: list[dict]) -> list[dict]:
    specs = []

    def conv(key, tipus, titol, objecte, sign, parts, years=4, prorrogable=True, origen=None, amount=None, start=None):
        start = start or sign + rng.choice([0, 0, 1, 15, 30]) * DAY
        end = add_months(start, 12 * years) - DAY if years and rng.random() < 0.9 else None
        specs.append({"key": key, "tipus": tipus, "titol": titol, "objecte": objecte, "data_signatura": sign, "data_inici_vigencia": start,
                      "data_fi_vigencia": end, "prorrogable": prorrogable, "origen": origen, "import_total_previst": amount, "parts": parts})

    signants = lambda b: [party(rng, LOCALRET, "SIGNANT"), party(rng, b, "SIGNANT")]  # noqa: E731
    dip = w["dip"]["08"] | {"office": ("Diputat delegat", "Diputada delegada", "d'Hisenda i TIC")}
    title = "Conveni d'adhesió de la Diputació de {} al Consorci Localret"
    conv("diba", "CONVENI", title.format("Barcelona"), OBJECTES["adhesio"].format("Diputació de Barcelona com a membre de ple dret"),
         D(2014, 10, 3), signants(dip), start=D(2014, 10, 3), amount=money(45000000))
    conv("diba-add", "ADDENDA", "Addenda al c" + title.format("Barcelona")[1:], OBJECTES["addenda"], D(2016, 3, 14), signants(dip), years=None,
         prorrogable=None, origen="diba", amount=money(12000000))
    conv("diba-pro", "PRORROGA", "Pròrroga del c" + title.format("Barcelona")[1:], OBJECTES["prorroga"], D(2018, 9, 20), signants(dip),
         prorrogable=False, origen="diba", start=D(2018, 10, 3))
    for prov, city in (("17", "Girona"), ("25", "Lleida"), ("43", "Tarragona")):
        conv(f"dip{prov}", "CONVENI", title.format(city), OBJECTES["adhesio"].format(f"Diputació de {city}"), rand_date(rng, D(2015, 6, 1), D(2016, 10, 31)),
             signants(w["dip"][prov]), amount=money(rng.randint(80, 250) * 100000) if rng.random() < 0.7 else None)
    for pid, lot in {lot["procediment_id"]: lot for lot in lots}.items():
        parts = [party(rng, LOCALRET, "SIGNANT")]
        if pid in ("bcn-2018", "lle-bcn-2020"):
            parts.append(party(rng, w["dip"]["08" if pid == "bcn-2018" else "25"], "IMPULSOR", signs=False))
        adhered = sorted({r["codi_ens"][:5] for r in adh if r["procediment_id"] == pid and r["tipus_ens"] == "AJUNTAMENT"})
        parts += [party(rng, w["aj"][ine], "ADHERIT") for ine in rng.sample(adhered, rng.randint(1, 3))]
        conv(f"adh-{pid}", "CONVENI", "Conveni d'adhesió a la c" + lot["titol"][1:], OBJECTES["agregada"], lot["data_adjudicacio"] - rng.randint(60, 240) * DAY,
             parts, years=(lot["durada_mesos"] + lot["prorroga_max_mesos"]) // 12 + 1, prorrogable=False)
    for i, code in enumerate(rng.sample([c for c in sorted(w["cc"]) if c not in ("42", "43")], 12)):
        cc = w["cc"][code]
        sign = rand_date(rng, D(2000 + 2 * i, 1, 15), D(2003 + 2 * i, 6, 30))
        towns = rng.sample([b for b in w["aj"].values() if b["comarca"] == code], rng.randint(0, 2))
        conv(f"cc{code}", "CONVENI", f"Conveni de col·laboració entre el Consorci Localret i el {cc['nom']} en matèria de telecomunicacions i TIC",
             OBJECTES["comarca"], sign, signants(cc) + [party(rng, b, "ADHERIT") for b in towns], years=rng.choice([2, 4]),
             amount=money(rng.randint(20, 150) * 100000) if rng.random() < 0.6 else None)
        if i in (1, 6):
            conv(f"cc{code}-add", "ADDENDA", f"Addenda al conveni de col·laboració amb el {cc['nom']}", OBJECTES["comarca-add"],
                 add_months(sign, rng.randint(8, 20)), signants(cc), years=None, prorrogable=None, origen=f"cc{code}")
    conv("marc", "ACORD_MARC", "Acord marc de col·laboració entre el Consorci Localret, l'Associació Catalana de Municipis i la Federació de Municipis de Catalunya",
         OBJECTES["marc"], D(2003, 5, 22), [party(rng, b, "SIGNANT") for b in (LOCALRET, w["acm"], w["fmc"])], years=None)
    conv("amb", "PROTOCOL", "Protocol general d’actuació entre l’Àrea Metropolitana de Barcelona i el Consorci Localret per al desplegament de xarxes 5G",
         OBJECTES["amb"], D(2020, 7, 8), signants(w["amb"]))
    conv("manresa", "ENCARREC_GESTIO", "Encàrrec de gestió de l'Ajuntament de Manresa al Consorci Localret per a la tramitació de les taxes d'ocupació del domini públic",
         OBJECTES["manresa"], D(2012, 2, 27), signants(w["aj"]["08113"]), years=3, amount=money(1850000))
    return specs


def convenis(rng: random.Random, w: dict, lots: list[dict], adh: list[dict]) -> tuple[list[dict], list[dict]]:
    """Number the agreements C-<year>-<nnn> by signature (the Diputació de Barcelona's is C-2014-001) and give most a register number."""
    specs = sorted(conveni_specs(rng, w, lots, adh), key=lambda s: (s["data_signatura"].year, s["key"] != "diba", s["data_signatura"], s["titol"]))
    ids, per_year, used = {}, {}, {"2014/8/0012"}
    for s in specs:
        per_year[s["data_signatura"].year] = n = per_year.get(s["data_signatura"].year, 0) + 1
        ids[s["key"]] = f"C-{s['data_signatura'].year}-{n:03d}"
    rows, parts = [], []
    for s in specs:
        reg = "2014/8/0012" if s["key"] == "diba" else None
        while s["key"] != "diba" and rng.random() < 0.7 and (reg is None or reg in used):
            reg = f"{s['data_signatura'].year}/8/{rng.randint(1, 400):04d}"
        used.add(reg)
        rows.append({**s, "conveni_id": ids[s["key"]], "numero_registre": reg, "conveni_origen_id": ids.get(s["origen"])})
        parts += [{**p, "conveni_id": ids[s["key"]]} for p in s["parts"]]
    return rows, parts


# ---------------------------------------------------------------- writing
def fields(name: str) -> list[str]:
    """Column order = the order of the fields in the source schema."""
    return [f["name"] for f in json.loads((paths.SOURCE_SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))["fields"]]


def cell(v, catalan: bool = False) -> str:
    """ISO dates and decimal point, or (catalan) dd/mm/yyyy and decimal comma without thousands separator."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "sí" if v else "no"
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y") if catalan else v.isoformat()
    return str(v).replace(".", ",") if catalan and isinstance(v, Decimal) else str(v)


def write_csv(path: Path, name: str, rows: list[dict], encoding="utf-8", sep=",", eol="\n", catalan=False) -> None:
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=sep, lineterminator=eol)
    out.writerow(fields(name))
    out.writerows([cell(r[c], catalan) for c in fields(name)] for r in rows)
    path.write_bytes(buf.getvalue().encode(encoding))  # strict: a character cp1252 lacks fails loudly


README = """# Dades d'exemple il·lustratives

**Català.** Aquests fitxers són dades d'exemple il·lustratives, generades automàticament (`{cmd}`); no són registres reals del Consorci Localret. Els municipis i els seus codis provenen del registre oficial (Font: Idescat), però les pertinences, dates, imports, adhesions i convenis són inventats, igual que els codis i noms d'EMD i consorcis. Només l'ordre de magnitud imita el Consorci real (més de 800 membres a finals del 2014, després de l'adhesió de la Diputació de Barcelona, i més de 900 el 2023); cap pertinença concreta no és real. Les columnes de dades personals (persones de contacte, correus, telèfons, signants, observacions) contenen valors inventats. Els formats imiten les exportacions reals (Excel, CSV en Windows-1252 amb punt i coma, UTF-8 amb BOM).

**Español.** Estos ficheros son datos de ejemplo ilustrativos, generados automáticamente (`{cmd}`); no son registros reales del Consorci Localret. Los municipios y sus códigos provienen del registro oficial (Fuente: Idescat), pero las pertenencias, fechas, importes, adhesiones y convenios son inventados, igual que los códigos y nombres de EMD y consorcios. Solo el orden de magnitud imita el Consorci real (más de 800 miembros a finales de 2014, tras la adhesión de la Diputació de Barcelona, y más de 900 en 2023); ninguna pertenencia concreta es real. Las columnas de datos personales (personas de contacto, correos, teléfonos, firmantes, observaciones) contienen valores inventados. Los formatos imitan las exportaciones reales.

**English.** These files are illustrative sample data, generated automatically (`{cmd}`); they are not Consorci Localret's real records. Municipalities and their codes come from the official register (Source: Idescat), but memberships, dates, amounts, adhesions and agreements are invented, as are the codes and names of EMDs and consortia. Only the order of magnitude imitates the real Consortium (more than 800 members at the end of 2014, after the Diputació de Barcelona joined, and more than 900 in 2023); no individual membership is real. The personal-data columns (contact persons, e-mails, phones, signatories, notes) hold invented values. The formats imitate the real exports.
"""


def generate(dest: Path, seed: int = 1997) -> dict:
    """Write the five sample sources, manifest.json and README.md into `dest`; return the row counts."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    w = bodies(random.Random(f"{seed}-bodies"))  # one generator per file: changing one leaves the others alone
    membres = members(random.Random(f"{seed}-membres"), w)
    lots = contractes()
    adh = adhesions(random.Random(f"{seed}-adhesions"), w, membres, lots)
    conv, parts = convenis(random.Random(f"{seed}-convenis"), w, lots, adh)
    write_membres(dest / "membres.xlsx", membres)
    write_csv(dest / "contractes.csv", "contractes", lots)
    write_csv(dest / "adhesions.csv", "adhesions", adh, encoding="cp1252", sep=";", eol="\r\n", catalan=True)
    write_csv(dest / "convenis.csv", "convenis", conv, encoding="utf-8-sig")
    write_csv(dest / "convenis_parts.csv", "convenis_parts", parts)
    cmd = f"python -m localret.sample --seed {seed}"
    title = {"ca": "Dades d'exemple il·lustratives", "es": "Datos de ejemplo ilustrativos", "en": "Illustrative sample data"}
    (dest / "manifest.json").write_text(json.dumps({"illustrative": True, "title": title, "generator": cmd}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (dest / "README.md").write_text(README.format(cmd=cmd), encoding="utf-8")
    return {"membres": len(membres), "contractes": len(lots), "adhesions": len(adh), "convenis": len(conv), "convenis_parts": len(parts)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m localret.sample", description="Dades d'exemple il·lustratives / illustrative sample sources")
    parser.add_argument("--out", type=Path, default=paths.SAMPLE_SOURCES, help="carpeta de sortida / output folder")
    parser.add_argument("--seed", type=int, default=1997, help="llavor / seed")
    args = parser.parse_args(argv)
    for name, n in generate(args.out, args.seed).items():
        print(f"{name}: {n}")


if __name__ == "__main__":
    main()
