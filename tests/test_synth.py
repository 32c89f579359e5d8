"""The synthetic-source generator: deterministic, valid at scale 1 and 10, and every planted
error is reported by our validation with its row, field and code."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from localret import codes, paths, sample, stages, synth
from localret.reader import read_table

NAMES = ("membres", "contractes", "adhesions", "convenis", "convenis_parts")


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def scale10(tmp_path_factory) -> synth.Result:
    return synth.generate(tmp_path_factory.mktemp("s10"), scale=10, seed=7)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a = synth.generate(tmp_path / "a", scale=3, seed=11)
    b = synth.generate(tmp_path / "b", scale=3, seed=11)
    c = synth.generate(tmp_path / "c", scale=3, seed=12)
    assert digest(a.folder) == digest(b.folder)
    assert digest(a.folder)["adhesions.csv"] != digest(c.folder)["adhesions.csv"]
    planted = [synth.generate(tmp_path / f"e{i}", scale=3, seed=11, errors=40).planted for i in range(2)]
    assert planted[0] == planted[1] and len(planted[0]) == 40


@pytest.mark.parametrize("scale", [1, 10])
def test_scale_1_and_10_validate_without_errors(tmp_path, scale):
    result = synth.generate(tmp_path, scale=scale, seed=1997)
    # scale 1 = the bundled sample's adhesion rows (the sample is generated with seed 1997)
    assert result.rows["adhesions"] == len(read_table(paths.SAMPLE_SOURCES / "adhesions.csv").frame) * scale
    report = stages.check(stages.read_sources(tmp_path))
    assert report.error_count == 0, report.to_text(30)
    assert report.warning_count == 0, report.to_text(30)


def test_scale_1_is_the_sample(tmp_path):
    """Scale 1 holds the bundled sample's records (written as UTF-8 CSV with ISO dates)."""
    synth.generate(tmp_path, scale=1, seed=1997)
    for name in ("contractes", "adhesions"):
        ours = read_table(tmp_path / f"{name}.csv").frame
        theirs = read_table(paths.SAMPLE_SOURCES / f"{name}.csv").frame
        assert len(ours) == len(theirs)
        assert list(ours["procediment_id"]) == list(theirs["procediment_id"])
    assert list(read_table(tmp_path / "adhesions.csv").frame["codi_ens"]) == \
        list(read_table(paths.SAMPLE_SOURCES / "adhesions.csv").frame["codi_ens"])


def test_shape_and_codes(scale10, tmp_path):
    frame = read_table(scale10.folder / "adhesions.csv").frame
    assert len(frame) == 10 * sample.generate(tmp_path / "seed7", seed=7)["adhesions"]  # 10 x the sample of the same seed
    assert not frame.duplicated(["codi_ens", "procediment_id", "lot_numero"]).any()
    dependents = frame[frame["codi_ens"].str[6:9] != "000"]
    assert set(dependents["tipus_ens"]) >= {"ORGANISME_AUTONOM", "SOCIETAT_MERCANTIL_LOCAL", "CONSORCI"}
    # Codes of dependent bodies are those make_codi_ens gives: both control digits consistent.
    for codi in dependents["codi_ens"].drop_duplicates().head(500):
        assert codi == codes.make_codi_ens(codi[:5], codi[6:9])
    lots = read_table(scale10.folder / "contractes.csv").frame
    assert len(lots) > 17  # synthetic procedures and lots were added
    assert set(zip(frame["procediment_id"], frame["lot_numero"])) <= set(zip(lots["procediment_id"], lots["lot_numero"]))


def test_generator_streams_and_counts_exactly(tmp_path):
    result = synth.generate(tmp_path, adhesions=12_345, seed=3)
    assert result.rows["adhesions"] == 12_345
    assert sum(1 for _ in (tmp_path / "adhesions.csv").open(encoding="utf-8")) == 12_346


def test_plant_errors_is_exact_and_covers_every_kind():
    plan = synth.plant_errors(100, 5, 5000)
    assert len(plan.expected) == 100 == len(plan.changes)
    assert {code for _, _, code in plan.expected} == {code for _, code in synth.KINDS.values()}
    assert all(source < row for row, (kind, _, source) in plan.changes.items() if kind == "primary-key")
    assert not plan.sources & set(plan.changes)
    with pytest.raises(ValueError):
        synth.plant_errors(100, 5, 150)


@pytest.mark.parametrize("scale,errors", [(1, 60), (10, 300)])
def test_planted_errors_are_all_found(tmp_path, scale, errors):
    result = synth.generate(tmp_path, scale=scale, seed=1997, errors=errors)
    report = stages.check(stages.read_sources(tmp_path))
    found = {(f.row, f.field, f.code) for f in report.findings if f.file == "adhesions.csv" and f.severity == "error"}
    assert found == result.planted
    others = [f for f in report.findings if f.file != "adhesions.csv"]
    assert not others, [f.line() for f in others[:5]]
    assert report.error_count == errors
