"""Versioned releases: the data decides the version, no change makes no release, every
release carries its diff, feeds list releases, verify catches tampering, rebuild reproduces."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from localret import paths, pipeline, register
from localret.codes import make_codi_ens
from localret.reader import read_table
from localret.rebuild import diff_versions, rebuild
from localret.versions import read_versions
from localret.verify import verify

AS_OF = dt.date(2026, 11, 27)
ATOM = "{http://www.w3.org/2005/Atom}"


def read_membres(src: Path) -> pd.DataFrame:
    path = next(src.glob("membres.*"))
    return read_table(path).frame.drop(columns="_row")


def write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("membres")
    sheet.write_row(0, 0, list(frame.columns))
    for r, row in enumerate(frame.itertuples(index=False), start=1):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write_string(r, c, str(value))
    book.close()


def write_cp1252_csv(frame: pd.DataFrame, path: Path) -> None:
    """The same records as a Catalan-locale export: Windows-1252, ';', dd/mm/yyyy."""
    out = frame.copy()
    for col in ("data_alta", "data_baixa"):
        out[col] = out[col].map(lambda v: v if v is None or "/" in v else dt.date.fromisoformat(v).strftime("%d/%m/%Y"))
    out.to_csv(path, sep=";", index=False, encoding="cp1252", lineterminator="\r\n")


def save(frame: pd.DataFrame, src: Path) -> None:
    for old in src.glob("membres.*"):
        old.unlink()
    write_xlsx(frame, src / "membres.xlsx")


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Run the issue's sequence of edits once; each step's outcome is kept for the tests."""
    root = tmp_path_factory.mktemp("releases")
    src, out, state, project = root / "src", root / "public", root / "state", root / "project"
    shutil.copytree(paths.SAMPLE_SOURCES, src)
    shutil.copytree(paths.ROOT / "datasets", project / "datasets", ignore=shutil.ignore_patterns("sample"))
    shutil.copytree(paths.ROOT / "schemas", project / "schemas")

    def publish(as_of=AS_OF):
        return pipeline.publish(pipeline.Options(src, out, state, as_of, project=project))

    steps = {}
    base = read_membres(src)
    save(base, src)  # the same data, all as text cells: an .xlsx of our own, still 1.0.0
    steps["initial"] = publish()
    # A new day changes no member. Probed on a copy: the history goes on at AS_OF, and an
    # --as-of before what an output already publishes is refused (localret.options).
    probe = root / "next-day"
    shutil.copytree(out, probe / "public")
    shutil.copytree(state, probe / "state")
    steps["next-day"] = pipeline.publish(pipeline.Options(src, probe / "public", probe / "state",
                                                          AS_OF + dt.timedelta(days=1), project=project))

    municipis, _ = register.load_register()
    members = set(base.codi_ens.dropna().str.zfill(10))
    newcomers = [m for m in municipis.itertuples() if make_codi_ens(m.codi_ine) not in members][:2]
    added = pd.DataFrame([{c: None for c in base.columns} | {
        "codi_ens": make_codi_ens(m.codi_ine), "nom": f"Ajuntament de {m.nom}", "tipus_ens": "AJUNTAMENT",
        "data_alta": "2026-10-15", "tipus_data_alta": "APROVACIO_PLE", "persona_contacte": "Persona Inventada",
    } for m in newcomers])
    frame = pd.concat([base, added], ignore_index=True)
    save(frame, src)
    steps["add"] = publish()

    active = frame.index[frame.data_baixa.isna() & (frame.tipus_ens == "AJUNTAMENT")][5]
    frame.loc[active, ["data_baixa", "motiu_baixa"]] = ["2026-10-01", "Acord de baixa del Ple"]
    save(frame, src)
    steps["leave"] = publish()

    renamed = frame.index[frame.tipus_ens == "AJUNTAMENT"][10]
    frame.loc[renamed, "nom"] = frame.loc[renamed, "nom"] + " (nom corregit)"
    save(frame, src)
    steps["correct"] = publish()

    schema_path = project / "schemas" / "membres.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["fields"].append({"name": "any_alta", "type": "integer", "title": "Any d'alta",
                             "description": "Any de la data d'alta."})
    schema_path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    sql = project / "datasets" / "membres" / "membres.sql"
    query = sql.read_text(encoding="utf-8")
    assert "\nFROM v_episodis" in query
    sql.write_text(query.replace("\nFROM v_episodis", ", CAST(year(data_alta) AS INTEGER) AS any_alta\nFROM v_episodis"), encoding="utf-8")
    steps["column"] = publish()

    for old in src.glob("membres.*"):
        old.unlink()
    write_cp1252_csv(frame, src / "membres.csv")
    steps["reexport"] = publish()

    frame = frame.drop(index=frame.index[frame.tipus_ens == "AJUNTAMENT"][20])
    write_cp1252_csv(frame, src / "membres.csv")
    steps["delete"] = publish()
    return {"steps": steps, "out": out, "state": state, "project": project, "newcomers": newcomers,
            "left": frame_name(frame, active), "renamed": frame.loc[renamed, "nom"]}


def frame_name(frame, index):
    return frame.loc[index, "nom"]


def result(outcome, dataset):
    return next(r for r in outcome.results if r.dataset == dataset)


def test_the_data_decides_each_version(history):
    expected = [("initial", "1.0.0", True), ("next-day", "1.0.0", False), ("add", "1.1.0", True),
                ("leave", "1.2.0", True), ("correct", "1.2.1", True), ("column", "2.0.0", True),
                ("reexport", "2.0.0", False), ("delete", "3.0.0", True)]
    got = [(step, result(history["steps"][step], "membres").version, result(history["steps"][step], "membres").released)
           for step, _, _ in expected]
    assert got == expected
    versions = [v["version"] for v in read_versions(history["out"], "membres")]
    assert versions == ["1.0.0", "1.1.0", "1.2.0", "1.2.1", "2.0.0", "3.0.0"]


def test_datasets_are_versioned_on_their_own(history):
    # Member edits never bump the agreements or the procurement dataset.
    for dataset in ("convenis", "contractacio-agregada"):
        assert [v["version"] for v in read_versions(history["out"], dataset)] == ["1.0.0"]


def test_no_change_touches_no_file(history, tmp_path):
    out = history["out"]
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    outcome = pipeline.publish(pipeline.Options(_sources_of(history), out, history["state"], AS_OF,
                                                project=history["project"]))
    assert not outcome.published
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert after == before


def _sources_of(history) -> Path:
    return history["out"].parent / "src"


def test_changes_say_what_happened(history):
    out = history["out"]
    added = json.loads((out / "membres" / "1.1.0" / "changes.json").read_text(encoding="utf-8"))
    sentences = [s["ca"] for s in added["sentences"]]
    for m in history["newcomers"]:
        assert f"Alta: Ajuntament de {m.nom} (2026-10-15)" in sentences
    assert added["tables"][0]["counts"]["added"] == 2
    left = json.loads((out / "membres" / "1.2.0" / "changes.json").read_text(encoding="utf-8"))
    assert [s["ca"] for s in left["sentences"]] == [f"Baixa: {history['left']} (2026-10-01)"]
    assert left["tables"][0]["changed"][0]["field"] == "data_baixa"
    corrected = json.loads((out / "membres" / "1.2.1" / "changes.json").read_text(encoding="utf-8"))
    assert corrected["bump"] == "patch"
    assert any(history["renamed"] in s["ca"] for s in corrected["sentences"])
    column = json.loads((out / "membres" / "2.0.0" / "changes.json").read_text(encoding="utf-8"))
    assert column["tables"][0]["columns_added"] == ["any_alta"]
    deleted = json.loads((out / "membres" / "3.0.0" / "changes.json").read_text(encoding="utf-8"))
    assert deleted["tables"][0]["counts"]["removed"] == 1
    md = (out / "membres" / "1.2.0" / "CHANGES.md").read_text(encoding="utf-8")
    assert "## Canvis (ca)" in md and "## Cambios (es)" in md and "## Changes (en)" in md
    assert "Left: " in md


def test_diff_command_matches_release_changes(history):
    d = diff_versions(history["out"], "membres", "1.1.0", "1.2.0")
    assert d["bump"] == "minor"
    assert [s["en"] for s in d["sentences"]] == [f"Left: {history['left']} (2026-10-01)"]
    wide = diff_versions(history["out"], "membres", "1.0.0", "3.0.0")
    assert wide["bump"] == "major" and wide["tables"][0]["columns_added"] == ["any_alta"]


def test_release_metadata(history):
    out = history["out"]
    dp = json.loads((out / "membres" / "1.2.1" / "datapackage.json").read_text(encoding="utf-8"))
    assert dp["version"] == "1.2.1" and dp["created"] == "2026-11-27T00:00:00Z"
    inputs = dp["sources"][0]["localret:inputs"]
    assert {i["name"] for i in inputs} == {"membres", "manifest"}
    assert all(len(i["sha256"]) == 64 for i in inputs)
    versions = json.loads((out / "membres" / "versions.json").read_text(encoding="utf-8"))["versions"]
    assert {"version", "date", "rows", "hash", "summary"} <= set(versions[0])
    latest = sorted(p.name for p in (out / "membres" / "latest").iterdir())
    assert latest == sorted(p.name for p in (out / "membres" / "3.0.0").iterdir())


def test_feeds_have_one_entry_per_release_with_stable_ids(history):
    out = history["out"]
    feed = ET.parse(out / "membres" / "feed.atom").getroot()
    ids = [e.find(f"{ATOM}id").text for e in feed.findall(f"{ATOM}entry")]
    assert ids == [f"tag:localret.cat,2026:membres/{v}" for v in ["3.0.0", "2.0.0", "1.2.1", "1.2.0", "1.1.0", "1.0.0"]]
    top = ET.parse(out / "feed.atom").getroot()
    total = sum(len(read_versions(out, d)) for d in ("ens", "membres", "contractacio-agregada", "convenis", "resums"))
    assert len(top.findall(f"{ATOM}entry")) == total > 6
    # every release of the history is dated AS_OF: the later runs' releases still come first
    runs = {f"tag:localret.cat,2026:{d}/{v['version']}": v["sequence"]
            for d in ("ens", "membres", "contractacio-agregada", "convenis", "resums") for v in read_versions(out, d)}
    order = [e.find(f"{ATOM}id").text for e in top.findall(f"{ATOM}entry")]
    assert [runs[i] for i in order] == sorted(runs.values(), reverse=True) and len(set(runs.values())) >= 6
    assert {e.find(f"{ATOM}updated").text for e in top.findall(f"{ATOM}entry")} == {"2026-11-27T00:00:00+00:00"}
    content = feed.findall(f"{ATOM}entry")[3].find(f"{ATOM}content").text
    assert "Baixa: " in content


def test_state_archive_and_run_records(history):
    state = history["state"]
    runs = [json.loads(p.read_text(encoding="utf-8")) for p in (state / "runs").glob("*.json")]
    assert len(runs) >= 7  # every publication of the history into this state (the next day is probed on a copy)
    assert {r["outcome"] for r in runs} >= {"published", "unchanged"}
    archived = list((state / "archive").rglob("*"))
    # six distinct membres files (xlsx x4, csv x2) + four unchanged sources + manifest, each stored once
    files = [p for p in archived if p.is_file()]
    assert len(files) == len({p.name for p in files})
    assert all(r["code"]["package"] for r in runs)


def test_verify_passes_then_catches_any_flipped_byte(history, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(history["out"], out)
    problems, checked, _ = verify(out)
    assert problems == [] and checked == len(list(out.glob("*/[0-9]*.*.*")))
    targets = [p for p in out.glob("*/*/*") if p.is_file() and p.parent.name[:1].isdigit()]
    assert len(targets) > 40
    for target in targets:
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0x01
        original = target.read_bytes()
        target.write_bytes(bytes(data))
        problems, _, _ = verify(out)
        assert problems, f"a flipped byte in {target.relative_to(out)} went unnoticed"
        target.write_bytes(original)
    assert verify(out)[0] == []


def test_verify_catches_a_stale_latest_and_a_missing_version(history, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(history["out"], out)
    shutil.rmtree(out / "membres" / "1.2.0")
    (out / "membres" / "latest" / "membres.csv").write_text("x\n", encoding="utf-8")
    problems, _, _ = verify(out)
    assert any("membres/1.2.0" in p for p in problems)
    assert any("latest/membres.csv" in p for p in problems)


def test_verify_reports_a_hidden_file_and_a_renamed_release_without_crashing(history, tmp_path):
    """A web server serves hidden files too (a `.htaccess`): any hidden file under <out> that is
    not a run's working file is a problem; a run's working file is a notice. A release folder
    renamed (its newest entry then has no folder) is a problem, not a crash."""
    out = tmp_path / "copy"
    shutil.copytree(history["out"], out)
    (out / ".htaccess").write_text("Redirect / https://example.org/\n", encoding="utf-8")
    (out / "membres" / ".notes").mkdir()
    (out / "membres" / ".notes" / "x.txt").write_text("x", encoding="utf-8")
    (out / "membres" / ".membres.csv.tmp-4242").write_text("x", encoding="utf-8")
    problems, _, notices = verify(out)
    assert sorted(p.split(":")[0] for p in problems) == [".htaccess", "membres/.notes"]
    assert [n.split(":")[0] for n in notices] == ["membres/.membres.csv.tmp-4242"]
    for hidden in (out / ".htaccess", out / "membres" / ".membres.csv.tmp-4242"):
        hidden.unlink()
    shutil.rmtree(out / "membres" / ".notes")
    newest = json.loads((out / "membres" / "versions.json").read_text(encoding="utf-8"))["versions"][-1]["version"]
    (out / "membres" / newest).rename(out / "membres" / "9.9.9")
    problems, _, _ = verify(out)
    assert any(f"membres/{newest}" in p for p in problems) and any("membres/9.9.9" in p for p in problems)


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0", "1.2.0", "1.2.1", "2.0.0", "3.0.0"])
def test_rebuild_is_byte_identical(history, version):
    # Same inputs and same code: releases before 2.0.0 were built by the original
    # declarations, later ones by the declarations with the new column.
    project = history["project"] if version >= "2" else paths.ROOT
    assert rebuild(history["out"], history["state"], "membres", version, project=project) == []


def test_rebuild_with_other_code_is_not_identical(history):
    problems = rebuild(history["out"], history["state"], "membres", "1.2.0", project=history["project"])
    assert problems  # the new column makes it another version altogether


def test_the_parquet_layout_does_not_decide_a_release(tmp_path, monkeypatch):
    """Rows per Parquet row group (package.ROW_GROUP_SIZE) change the file's bytes, not the data:
    the same sources republished with another layout make no new release and leave the release
    published before as it was."""
    import pyarrow.parquet as pq

    from localret import freshness, package, synth

    # DuckDB cuts row groups at whole vectors (2,048 rows): 5,000 adhesions make 3 groups of 2,048.
    src, out, state = tmp_path / "src", tmp_path / "public", tmp_path / "state"
    synth.generate(src, scale=5000 / 848, adhesions=5000)
    adhesions = out / "contractacio-agregada" / "latest" / "adhesions.parquet"

    def publish(row_group_size: int):
        monkeypatch.setattr(package, "ROW_GROUP_SIZE", row_group_size)
        (state / freshness.RECORD).unlink(missing_ok=True)  # a whole run, not "nothing changed since"
        return pipeline.publish(pipeline.Options(src, out, state, AS_OF, only=["contractacio-agregada"]))

    first = publish(1_000_000)
    assert [r.dataset for r in first.published] == ["contractacio-agregada"]
    before = adhesions.read_bytes()
    assert pq.read_metadata(adhesions).num_row_groups == 1
    again = publish(2048)
    assert again.published == []
    assert adhesions.read_bytes() == before
    # The other layout is really written: the same data into a fresh output has 3 row groups.
    fresh = pipeline.publish(pipeline.Options(src, tmp_path / "fresh", tmp_path / "fresh-state", AS_OF, only=["contractacio-agregada"]))
    assert fresh.published and pq.read_metadata(tmp_path / "fresh" / "contractacio-agregada" / "latest" / "adhesions.parquet").num_row_groups == 3
