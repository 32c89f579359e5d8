"""The Idescat register: the bundled snapshot (datasets/register/) is exactly what the project's
reader makes of Idescat's raw exports in ../shared/reference."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil

import pandas as pd
import pytest

from localret import codes, paths, register
from localret.errors import SourceError


@pytest.fixture(scope="module")
def snapshot():
    municipis, meta = register.load_register()
    return municipis, meta


@pytest.fixture(scope="module")
def from_idescat():
    from conftest import REFERENCE, require_shared

    require_shared()
    return register.read_idescat(REFERENCE)


@pytest.mark.shared
def test_raw_idescat_files_give_exactly_the_snapshot(from_idescat):
    municipis, comarques = from_idescat
    # The same bytes the snapshot writer would produce...
    for frame, name in ((municipis, "municipis.csv"), (comarques, "comarques.csv")):
        buf = io.StringIO()
        frame.to_csv(buf, index=False, lineterminator="\n")
        assert buf.getvalue() == (paths.REGISTER / name).read_text(encoding="utf-8"), name
    # ...and the same values, column by column, read back as text.
    snap = pd.read_csv(paths.REGISTER / "municipis.csv", dtype=str, keep_default_na=False)
    assert list(municipis.columns) == list(snap.columns) == register.SNAPSHOT_COLUMNS
    pd.testing.assert_frame_equal(municipis.astype(str).reset_index(drop=True), snap)


@pytest.mark.shared
def test_write_snapshot_reproduces_the_bundled_one(tmp_path):
    from conftest import REFERENCE

    meta = json.loads((paths.REGISTER / "register.json").read_text(encoding="utf-8"))
    register.write_snapshot(REFERENCE, tmp_path, today=dt.date.fromisoformat(meta["comarca_data_referencia"]))
    for name in ("municipis.csv", "comarques.csv", "register.json"):
        assert (tmp_path / name).read_bytes() == (paths.REGISTER / name).read_bytes(), name


def test_counts(snapshot):
    municipis, meta = snapshot
    comarques = meta["comarques_taula"]
    assert len(municipis) == 947 == meta["municipis"]
    assert municipis["codi_idescat"].is_unique and municipis["codi_ine"].is_unique
    assert len(comarques) == 43 == meta["comarques"]
    assert list(comarques["comarca_codi"]) == [f"{i:02d}" for i in range(1, 44)]
    names = dict(zip(comarques["comarca_codi"], comarques["comarca_nom"]))
    assert names["42"] == "Moianès" and names["43"] == "Lluçanès" and names["13"] == "Barcelonès" and names["39"] == "Aran"
    assert set(municipis["comarca_codi"]) == set(comarques["comarca_codi"])  # every comarca has municipalities
    assert (municipis.groupby("comarca_codi").size() > 0).all()
    # Lluçanès (2023): 8 municipalities in Idescat's list (DOMAIN.md §5 says 9; the register is the source)
    assert municipis.groupby("comarca_codi").size()["43"] == 8
    assert set(municipis["provincia_codi"]) == set(codes.PROVINCES)
    assert (municipis["provincia_nom"] == municipis["provincia_codi"].map(codes.PROVINCES)).all()
    assert (municipis["any_poblacio"] == 2023).all() and meta["any_poblacio"] == 2023
    assert municipis["poblacio"].min() > 0


def test_codes_are_strings_with_their_zeros(snapshot):
    municipis, _ = snapshot
    assert municipis["codi_idescat"].str.fullmatch(r"[0-9]{6}").all()
    assert (municipis["codi_ine"] == municipis["codi_idescat"].str[:5]).all()
    assert (municipis["provincia_codi"] == municipis["codi_idescat"].str[:2]).all()
    barcelona = municipis.set_index("codi_idescat").loc["080193"]
    assert barcelona["nom"] == "Barcelona" and barcelona["codi_ine"] == "08019" and barcelona["comarca_codi"] == "13"
    assert all(codes.valid_idescat(c) for c in municipis["codi_idescat"])


@pytest.mark.parametrize("idescat, display", [
    ("Garidells, els", "Els Garidells"),
    ("Hospitalet de Llobregat, l'", "L'Hospitalet de Llobregat"),
    ("Hospitalet de Llobregat, l’", "L'Hospitalet de Llobregat"),  # a typographic apostrophe
    ("Seu d'Urgell, la", "La Seu d'Urgell"),
    ("Garriga, la", "La Garriga"),
    ("Franqueses del Vallès, les", "Les Franqueses del Vallès"),
    ("Bruc, el", "El Bruc"),
    ("Bòrdes, Es", "Es Bòrdes"),  # Aranese article, as Idescat writes it
    ("Vandellòs i l'Hospitalet de l'Infant", "Vandellòs i l'Hospitalet de l'Infant"),
    ("Castell d'Aro, Platja d'Aro i s'Agaró", "Castell d'Aro, Platja d'Aro i s'Agaró"),  # a comma, but no article
    ("Saus, Camallera i Llampaies", "Saus, Camallera i Llampaies"),
    ("Les", "Les"),  # a town of Aran: a name, not an article
    ("Barcelona", "Barcelona"),
])
def test_display_name(idescat, display):
    assert register.display_name(idescat) == display


ARTICLE_AFTER = r"(?i), (?:el|la|els|les|l['’]|es|eth|era|eras)$"  # "Bòrdes, Es": the form to display never has it


def test_snapshot_names_are_in_display_form(snapshot):
    municipis, _ = snapshot
    by_code = municipis.set_index("codi_idescat")
    assert by_code.loc[by_code["nom_idescat"] == "Garidells, els", "nom"].tolist() == ["Els Garidells"]
    assert by_code.loc[by_code["nom_idescat"] == "Hospitalet de Llobregat, l'", "nom"].tolist() == ["L'Hospitalet de Llobregat"]
    assert by_code.loc["250576", ["nom_idescat", "nom"]].tolist() == ["Bòrdes, Es", "Es Bòrdes"]
    assert not municipis["nom"].str.contains(ARTICLE_AFTER).any()
    # Idescat's form is kept beside it, and it is the one that has the article after the noun
    moved = municipis[municipis["nom"] != municipis["nom_idescat"]]
    assert len(moved) == municipis["nom_idescat"].str.contains(ARTICLE_AFTER).sum() > 100
    assert moved["nom"].str[0].str.isupper().all()  # the article in front is capitalised
    assert (municipis["nom"] == municipis["nom_idescat"].map(register.display_name)).all()


@pytest.mark.shared
def test_raw_files_are_idescats_export_format():
    """UTF-8 with BOM, semicolons, title lines above the header (README of ../shared/reference)."""
    from conftest import REFERENCE

    from localret.reader import read_table

    table = read_table(REFERENCE / register.CODE_LIST_FILE, title_lines_until="Nivell;")
    assert table.encoding == "utf-8-sig" and table.delimiter == ";"
    assert table.columns == ["Nivell", "Codi", "Nom"]
    first = table.frame.iloc[0]
    assert (first["_row"], first["Nivell"], first["Codi"], first["Nom"]) == (5, "Comarca", "01", "Alt Camp")
    assert (table.frame["Nivell"] == "Municipi").sum() == 947


@pytest.mark.shared
def test_a_wrong_control_digit_in_idescats_list_is_refused(tmp_path):
    from conftest import REFERENCE

    for name in (register.CODE_LIST_FILE, register.POPULATION_FILE):
        shutil.copy(REFERENCE / name, tmp_path / name)
    path = tmp_path / register.CODE_LIST_FILE
    text = path.read_text(encoding="utf-8-sig")
    assert "Municipi;430017;" in text
    path.write_text(text.replace("Municipi;430017;", "Municipi;430018;"), encoding="utf-8-sig")
    with pytest.raises(SourceError) as info:
        register.read_idescat(tmp_path)
    assert info.value.file == register.CODE_LIST_FILE and info.value.field == "Codi"
    lines = text.splitlines()
    assert lines[info.value.row - 1].startswith("Municipi;430017;")  # the row the user sees
