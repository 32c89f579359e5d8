"""A private value in a public field stops the publication, naming file, field and row and never
the value: validation stops it first (the personal-data policy applies to every published text
field); the privacy guard, the second line, is tested on its own in test_privacy_scan.py and
test_privacy_properties.py."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from localret import paths, pipeline
from localret.errors import InvalidSources
from localret.reader import read_table


def test_a_private_value_in_a_public_field_stops_everything(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(paths.SAMPLE_SOURCES, src)
    frame = read_table(src / "adhesions.csv").frame
    contact = next(v for v in frame["persona_contacte"] if v and len(v) >= 8)
    # A hostile or mistaken export: a contact person's name typed as a body's name.
    raw = (src / "adhesions.csv").read_bytes().decode("cp1252")
    first_name = frame["nom_ens"].iloc[0]
    raw = raw.replace(first_name, contact, 1)
    (src / "adhesions.csv").write_bytes(raw.encode("cp1252"))
    out = tmp_path / "public"
    with pytest.raises(InvalidSources) as caught:
        pipeline.publish(pipeline.Options(src, out, tmp_path / "state", dt.date(2026, 11, 27)))
    message = caught.value.report.to_text(limit=None)
    assert "adhesions.csv, fila 2" in message and "nom_ens" in message and "dades-personals" in message
    assert contact not in message
    assert not any(p.name[:1].isdigit() for p in out.glob("*/*"))  # no release became visible


def test_a_leak_in_one_dataset_publishes_no_dataset(tmp_path):
    """All of a run's releases are prepared and guarded before any becomes visible."""
    src = tmp_path / "src"
    shutil.copytree(paths.SAMPLE_SOURCES, src)
    parts = read_table(src / "convenis_parts.csv").frame
    signatory = next(v for v in parts["nom_signant"] if v and len(v) >= 8)
    text = (src / "convenis_parts.csv").read_text(encoding="utf-8")
    office = next(v for v in parts["carrec_signant"] if v)
    (src / "convenis_parts.csv").write_text(text.replace(office, signatory, 1), encoding="utf-8")
    out = tmp_path / "public"
    with pytest.raises(InvalidSources) as caught:
        pipeline.publish(pipeline.Options(src, out, tmp_path / "state", dt.date(2026, 11, 27)))
    message = caught.value.report.to_text(limit=None)
    assert "carrec_signant" in message and signatory not in message
    assert not list(out.glob("*/versions.json"))
