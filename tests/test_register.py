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


@pytest.mark.parametrize("idescat, usual", [
    ("Garidells, els", "els Garidells"),
    ("Hospitalet de Llobregat, l'", "l'Hospitalet de Llobregat"),
    ("Garriga, la", "la Garriga"),
    ("Franqueses del Vallès, les", "les Franqueses del Vallès"),
    ("Bruc, el", "el Bruc"),
    ("Vandellòs i l'Hospitalet de l'Infant", "Vandellòs i l'Hospitalet de l'Infant"),
    ("Barcelona", "Barcelona"),
])
def test_usual_name(idescat, usual):
    assert register.usual_name(idescat) == usual


def test_snapshot_names_use_the_usual_form(snapshot):
    municipis, _ = snapshot
    by_code = municipis.set_index("codi_idescat")
    assert by_code.loc[by_code["nom_idescat"] == "Garidells, els", "nom"].tolist() == ["els Garidells"]
    assert by_code.loc[by_code["nom_idescat"] == "Hospitalet de Llobregat, l'", "nom"].tolist() == ["l'Hospitalet de Llobregat"]
    assert not municipis["nom"].str.contains(r", (?:el|la|els|les|l')$").any()
    assert (municipis["nom"] == municipis["nom_idescat"].map(register.usual_name)).all()


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
