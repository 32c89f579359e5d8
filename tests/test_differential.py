"""Differential test: frictionless-py and our validation, on the same synthetic adhesions file
with a few hundred planted errors of every kind frictionless detects, report the same set of
(row, field, code).

The frictionless side is a Data Package with two resources (adhesions and contractes) whose
Table Schemas are schemas/sources/*.json without the project's own properties (`checks`,
`private`), so the foreign key to the lots is checked too. Frictionless's error types are
mapped to our codes:

    type-error                         -> tipus-incorrecte
    constraint-error (required)        -> valor-obligatori
    constraint-error (enum)            -> valor-no-admes
    constraint-error (pattern)         -> format-incorrecte
    constraint-error (minimum)         -> valor-massa-petit
    constraint-error (maxLength)       -> massa-llarg
    primary-key                        -> clau-duplicada   (field: the key's fields joined by ",")
    foreign-key                        -> referencia-inexistent (field: fieldNames joined by ",")

Differences in semantics, normalised here (and only these):

1. Keys with a missing or untypable part. Frictionless casts a bad cell to None and still
   checks the keys of that row: a row with lot_numero "dos" or an empty procediment_id gets a
   foreign-key error too ("values 'a, None' not found"), and two such rows can be reported as
   duplicate primary keys. We follow SQL (MATCH SIMPLE): a key with a NULL part is neither a
   duplicate nor a dangling reference; that row's real problem is reported once, by the type
   or required rule. So primary-key and foreign-key errors that frictionless reports on a row
   where it also reported a type or required error on one of that key's fields are dropped.
2. Duplicates are reported on the second (and later) occurrence by both ("the same as in the
   row at position N"): no normalisation needed; rows are numbered alike (header = row 1).
3. Our validation has rules frictionless does not (control digits, register, PER_ENS/PER_LOT
   operator rules, formulas, personal data): the synthetic file is clean for all of them, so
   none fires; the comparison is over every error our report gives for adhesions.csv.
4. Whitespace: we trim cells at ingest, frictionless does not. No planted value has leading or
   trailing blanks, so this does not arise here.

frictionless stops at 1000 errors by default (limit_errors is raised), and matches columns by
position unless the schema says "fieldsMatch": "equal" (ours do).
"""

from __future__ import annotations

import pytest

from localret import schema, stages, synth

frictionless = pytest.importorskip("frictionless")

# The very package the validation benchmark times: what is compared is what is measured.
from benchmarks.validation import frictionless_package  # noqa: E402

CONSTRAINT_CODES = {"required": "valor-obligatori", "enum": "valor-no-admes", "pattern": "format-incorrecte",
                    "minimum": "valor-massa-petit", "maxLength": "massa-llarg"}


def constraint_code(note: str) -> str:
    # note: 'constraint "enum" is "[...]"'
    return CONSTRAINT_CODES[note.split('"')[1]]


def frictionless_errors(folder, limit: int = 100_000) -> tuple[set[tuple[int, str, str]], set[tuple[int, str, str]], dict]:
    """(mapped errors, the key errors dropped by normalisation 1, counts by raw type) for adhesions."""
    report = frictionless_package(folder).validate(limit_errors=limit)
    task = next(t for t in report.tasks if t.name == "adhesions")
    assert not any("limit" in w for w in task.warnings), f"frictionless stopped early: {task.warnings}"
    contractes = next(t for t in report.tasks if t.name == "contractes")
    assert contractes.valid, [e.message for e in contractes.errors[:5]]
    pk = ",".join(schema.source_schema("adhesions").primary_key)
    cells: dict[int, set[str]] = {}  # row -> fields with a type or required error
    keys = []
    mapped = set()
    raw: dict[str, int] = {}
    for error in task.errors:
        d = error.to_descriptor()
        raw[d["type"]] = raw.get(d["type"], 0) + 1
        row = d["rowNumber"]
        if d["type"] == "type-error":
            mapped.add((row, d["fieldName"], "tipus-incorrecte"))
            cells.setdefault(row, set()).add(d["fieldName"])
        elif d["type"] == "constraint-error":
            code = constraint_code(d["note"])
            mapped.add((row, d["fieldName"], code))
            if code == "valor-obligatori":
                cells.setdefault(row, set()).add(d["fieldName"])
        elif d["type"] == "primary-key":
            keys.append((row, pk, "clau-duplicada"))
        elif d["type"] == "foreign-key":
            keys.append((row, ",".join(d["fieldNames"]), "referencia-inexistent"))
        else:
            raise AssertionError(f"unexpected frictionless error {d['type']} at row {row}: {d.get('message')}")
    dropped = set()
    for row, fields, code in keys:
        if cells.get(row, set()) & set(fields.split(",")):
            dropped.add((row, fields, code))  # normalisation 1
        else:
            mapped.add((row, fields, code))
    return mapped, dropped, raw


def our_errors(folder) -> set[tuple[int, str, str]]:
    report = stages.check(stages.read_sources(folder))
    assert not report.truncated
    return {(f.row, f.field, f.code) for f in report.findings if f.file == "adhesions.csv" and f.severity == "error"}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("diff")
    result = synth.generate(folder, scale=12, seed=2024, errors=400)  # 10,176 rows, 40 errors of each kind
    return folder, result.planted


def test_frictionless_and_ours_report_the_same_errors(planted):
    folder, expected = planted
    theirs, dropped, raw = frictionless_errors(folder)
    ours = our_errors(folder)
    assert ours == expected
    assert theirs == ours, {"only frictionless": sorted(theirs - ours)[:10], "only ours": sorted(ours - theirs)[:10]}
    # every kind was exercised, and normalisation 1 did happen (and only on key fields)
    assert {c for _, _, c in ours} == {code for _, code in synth.KINDS.values()}
    assert dropped and {c for _, _, c in dropped} <= {"clau-duplicada", "referencia-inexistent"}
    assert raw["type-error"] and raw["constraint-error"] and raw["primary-key"] and raw["foreign-key"]


def test_clean_file_is_valid_for_both(tmp_path):
    synth.generate(tmp_path, scale=3, seed=9)
    theirs, dropped, _ = frictionless_errors(tmp_path)
    assert theirs == set() == dropped == our_errors(tmp_path)
