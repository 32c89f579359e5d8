"""The official register of Catalan municipalities (Idescat), read with the project's own
reader and kept as a small normalised snapshot in datasets/register/ ("Font: Idescat")."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd

from localret import codes, paths
from localret.errors import SourceError
from localret.reader import read_table

CODE_LIST_FILE = "idescat-codis-comarques-municipis.csv"
POPULATION_FILE = "idescat-t15903-altitud-superficie-poblacio-2023.csv"
POPULATION_YEAR = 2023
# The articles Idescat puts after the noun: Catalan (el, la, els, les, l') and Aranese (Es Bòrdes;
# eth, era, eras for completeness). Case-insensitive: Idescat writes "Bòrdes, Es" but "Bruc, el".
_ARTICLE = re.compile(r"^(?P<rest>.+), (?P<art>els|el|les|la|l['’]|eth|es|eras|era)$", re.IGNORECASE)

SNAPSHOT_COLUMNS = [
    "codi_idescat", "codi_ine", "nom", "nom_idescat", "provincia_codi", "provincia_nom",
    "comarca_codi", "comarca_nom", "poblacio", "any_poblacio",
]


def display_name(idescat_name: str) -> str:
    """The name as it is displayed on its own (in a list, a heading, a cell): Idescat sorts by the
    noun ("Hospitalet de Llobregat, l'", "Seu d'Urgell, la", "Bòrdes, Es"); the display form puts
    the article in front, capitalised, with no space after an apostrophe ("L'Hospitalet de
    Llobregat", "La Seu d'Urgell", "Es Bòrdes"). Inside a phrase the Catalan article is written in
    lower case ("Ajuntament de l'Hospitalet"): see localret.sample.de. Names with a comma that is
    not an article's ("Castell d'Aro, Platja d'Aro i s'Agaró") are left as they are."""
    m = _ARTICLE.match(idescat_name)
    if not m:
        return idescat_name
    art = m["art"].lower().replace("’", "'")
    art = art[0].upper() + art[1:]
    return f"{art}{m['rest']}" if art.endswith("'") else f"{art} {m['rest']}"


def read_idescat(reference_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Municipalities (with comarca from the code list and population from table 15903)
    and comarques, from Idescat's raw exports."""
    code_list = read_table(reference_dir / CODE_LIST_FILE, title_lines_until="Nivell;").frame
    comarques, municipis, current = [], [], None
    for row in code_list.itertuples(index=False):
        if row.Nivell == "Municipi":
            if not codes.valid_idescat(row.Codi):
                raise SourceError(CODE_LIST_FILE, row._0, "Codi", f"dígit de control incorrecte / wrong control digit: {row.Codi}")
            municipis.append((row.Codi, row.Nom, current))
        else:  # "Comarca" or, for Aran, "Ent. terr. sing."
            current = row.Codi
            comarques.append((row.Codi, row.Nom))
    mun = pd.DataFrame(municipis, columns=["codi_idescat", "nom_idescat", "comarca_codi"])
    com = pd.DataFrame(comarques, columns=["comarca_codi", "comarca_nom"])
    pop = read_table(reference_dir / POPULATION_FILE, title_lines_until="Municipi;").frame
    pop = pop.rename(columns={"Codi": "codi_idescat", "Població": "poblacio"})[["codi_idescat", "poblacio"]]
    out = mun.merge(com, on="comarca_codi", how="left").merge(pop, on="codi_idescat", how="left", indicator=True)
    missing = out[out["_merge"] != "both"]
    if len(missing):
        raise SourceError(POPULATION_FILE, None, "Codi", f"municipis sense població / municipalities without population: {', '.join(missing.codi_idescat[:5])}")
    out["codi_ine"] = out.codi_idescat.str[:5]
    out["nom"] = out.nom_idescat.map(display_name)  # nom_idescat keeps Idescat's form
    out["provincia_codi"] = out.codi_idescat.str[:2]
    out["provincia_nom"] = out.provincia_codi.map(codes.PROVINCES)
    out["poblacio"] = out.poblacio.astype(int)
    out["any_poblacio"] = POPULATION_YEAR
    return out[SNAPSHOT_COLUMNS].sort_values("codi_idescat").reset_index(drop=True), com


def write_snapshot(reference_dir: Path, dest: Path = paths.REGISTER, today: dt.date | None = None) -> pd.DataFrame:
    municipis, comarques = read_idescat(reference_dir)
    dest.mkdir(parents=True, exist_ok=True)
    municipis.to_csv(dest / "municipis.csv", index=False, lineterminator="\n")
    comarques.to_csv(dest / "comarques.csv", index=False, lineterminator="\n")
    meta = {
        "font": "Font: Idescat",
        "fitxers": [CODE_LIST_FILE, POPULATION_FILE],
        "any_poblacio": POPULATION_YEAR,
        # The code list is Idescat's current one; this is the day it was taken from there.
        "comarca_data_referencia": (today or dt.date.today()).isoformat(),
        "municipis": len(municipis),
        "comarques": len(comarques),
    }
    (dest / "register.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return municipis


def load_register(src: Path = paths.REGISTER) -> tuple[pd.DataFrame, dict]:
    """The bundled snapshot: municipalities as text columns, plus its metadata."""
    frame = pd.read_csv(src / "municipis.csv", dtype=str, keep_default_na=False)
    frame["poblacio"] = frame["poblacio"].astype("int64")
    frame["any_poblacio"] = frame["any_poblacio"].astype("int64")
    comarques = pd.read_csv(src / "comarques.csv", dtype=str, keep_default_na=False)
    meta = json.loads((src / "register.json").read_text(encoding="utf-8"))
    meta["comarques_taula"] = comarques
    return frame, meta
