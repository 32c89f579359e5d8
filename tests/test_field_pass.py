"""The field rules' single pass (localret/validate/field_pass.py): every judged column's
distinct values in one table, one expression per distinct predicate text, each value judged
once per expression, and only wrong values joined back to their rows."""

from __future__ import annotations

import pytest

from localret import schema
from localret.validate import field_pass
from localret.validate.rules import ERROR, FIELD_RULES, Context, FieldRule, fixed


def contexts() -> dict[str, Context]:
    names = frozenset(schema.SOURCE_NAMES)
    return {n: Context(n, schema.source_schema(n), False, names) for n in schema.SOURCE_NAMES}


def test_checks_that_say_the_same_share_one_expression():
    """The same rule on fields alike (personal data on every published text field, the date
    rules on every date) compiles once: far fewer expressions than checks, and every check
    sits in exactly one expression, under its own column."""
    plan = field_pass.plan(contexts())
    checks = [(c, check.key) for by_column in plan.expressions.values() for c, cs in by_column.items() for check in cs]
    assert len(checks) == len(set(checks))
    judged = {(col.id, f"{rule.code}:{col.field.name}:{i}") for col in plan.columns
              for i, rule in enumerate(FIELD_RULES) if rule.applies(col.field)}
    assert set(checks) == judged
    assert len(plan.expressions) * 4 < len(checks), (len(plan.expressions), len(checks))
    # a private field is judged (its sanity), but no check of it may repeat its value
    private = [check for by_column in plan.expressions.values() for cs in by_column.values() for check in cs
               if check.column.field.private]
    assert private and not any(check.shows_value for check in private)


@pytest.fixture
def many_rules(monkeypatch):
    """More distinct predicates than one mask word holds: each fires on one value of
    adhesions.operador only."""
    extra = [FieldRule(code=f"prova-{i}", severity=ERROR, message=fixed(f"prova {i}", f"test {i}"),
                       applies=lambda f: f.name == "operador",
                       predicate=(lambda i: lambda f, ctx: f""""{f.name}" = 'Operador {i}'""")(i))
             for i in range(2 * field_pass.MASK_BITS + 5)]
    monkeypatch.setattr("localret.validate.rules.FIELD_RULES", FIELD_RULES + extra)
    monkeypatch.setattr(field_pass, "FIELD_RULES", FIELD_RULES + extra)
    return extra


@pytest.mark.parametrize(("own_query_values", "optimized_values"), [(10**9, 10**9), (0, 10**9), (0, 0)],
                         ids=["shared-query", "own-queries", "own-queries-optimized"])
def test_each_expression_finds_its_own_rows_past_one_mask_word(sources, many_rules, own_query_values, optimized_values,
                                                               monkeypatch):
    """With more expressions than MASK_BITS, each still tests its own bit: a value wrong for
    rule n is reported by rule n alone, at its row, in its file and field; the same value in
    another column (membres.nom) is not judged by rules that do not apply there."""
    monkeypatch.setattr(field_pass, "OWN_QUERY_VALUES", own_query_values)
    monkeypatch.setattr(field_pass, "OPTIMIZED_VALUES", optimized_values)
    picks = [0, field_pass.MASK_BITS - 1, field_pass.MASK_BITS, 2 * field_pass.MASK_BITS + 4]
    adhesions = sources.table("adhesions")
    rows = {}
    for n, row in zip(picks, (2, 3, 5, 8)):
        adhesions.set(row, "operador", f"Operador {n}")
        rows[n] = row
    adhesions.save()
    membres = sources.table("membres")
    membres.set(2, "nom", f"Operador {picks[0]}")
    membres.save()
    report, _ = sources.validate()
    found = sorted((f.code, f.file, f.row, f.field, f.value) for f in report.findings if f.code.startswith("prova-"))
    assert found == sorted((f"prova-{n}", "adhesions.csv", row, "operador", f"Operador {n}") for n, row in rows.items())


def test_the_pass_leaves_no_table_behind(sources):
    """lr_values and lr_bad are the pass's own: gone once validation is over, found or not."""
    sources.set("adhesions", 2, "data_adhesio", "31/02/2020")
    report, src = sources.validate()
    assert any(f.code == "tipus-incorrecte" for f in report.findings)
    left = {r[0] for r in src.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert not left & {field_pass.VALUES, "lr_bad"}, left


def test_late_rules_wait_for_the_private_values_and_still_find_them(sources, monkeypatch):
    """The private-value rule is late (FieldRule.late): its texts are searched only once the
    run's private values are found (while a second connection judges every other rule), and
    a contact's name typed into a public field is still reported, beside an early rule's
    finding from the same run."""
    from localret import personal

    events = []
    found = personal.private_values_of
    search = personal.PrivateValues.find_many
    monkeypatch.setattr(personal, "private_values_of", lambda *a, **k: (events.append("private values"), found(*a, **k))[1])
    monkeypatch.setattr(personal.PrivateValues, "find_many",
                        lambda self, texts: (events.append("search"), search(self, texts))[1])
    contact = sources.table("adhesions").get(2, "persona_contacte")
    sources.set("adhesions", 3, "operador", f"Atenció: {contact}")
    sources.set("membres", 2, "data_alta", "31/02/2020")
    report, _ = sources.validate()
    assert events and events[0] == "private values" and "search" in events, events
    assert events.count("private values") == 1
    private_hits = [(f.file, f.row, f.field, f.value) for f in report.findings if f.code == "dades-personals"]
    assert ("adhesions.csv", 3, "operador", None) in private_hits, private_hits
    assert any(f.code == "tipus-incorrecte" and f.file == "membres.csv" and f.row == 2 for f in report.findings)


def test_a_failure_while_finding_the_private_values_waits_for_the_other_connection(sources, monkeypatch):
    """If finding the private values fails, the error is the caller's (not swallowed by the
    second connection's work), after that work has ended, and the pass's table is gone."""
    from localret import personal, stages

    def broken(*a, **k):
        raise RuntimeError("no private values")
    monkeypatch.setattr(personal, "private_values_of", broken)
    src = stages.read_sources(sources.folder)
    with pytest.raises(RuntimeError, match="no private values"):
        stages.check(src)
    left = {r[0] for r in src.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert field_pass.VALUES not in left, left
    assert src.con.execute("SELECT 42").fetchone() == (42,)  # the connection is usable, nothing left running


@pytest.mark.parametrize("optimized_values", [10**9, 0], ids=["unoptimized", "optimized"])
def test_rules_that_share_a_gate_have_it_computed_once_per_value(sources, optimized_values, monkeypatch):
    """Three rules declaring one gate (FieldRule.gate) on a column judged alone: the gate runs
    once per distinct value, not once per rule, and each predicate still finds its own rows,
    but only where the gate holds; planned by DuckDB's optimizer (a column with many values)
    or not."""
    import duckdb

    from localret import personal

    calls = []

    def gate(v):
        calls.append(v)
        return v != "Operador 2"  # the gate lets every value by but this one

    real_install = personal.install

    def install(con, private=None):
        real_install(con, private)
        con.create_function("lr_test_gate", gate, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("BOOLEAN"), side_effects=True)
    monkeypatch.setattr(personal, "install", install)
    extra = [FieldRule(code=f"prova-porta-{i}", severity=ERROR, message=fixed(f"prova {i}", f"test {i}"),
                       applies=lambda f: f.name == "operador", gate=lambda f, ctx: 'lr_test_gate("_v")',
                       predicate=(lambda i: lambda f, ctx: f""""{f.name}" = 'Operador {i}'""")(i))
             for i in range(3)]
    monkeypatch.setattr("localret.validate.rules.FIELD_RULES", FIELD_RULES + extra)
    monkeypatch.setattr(field_pass, "FIELD_RULES", FIELD_RULES + extra)
    monkeypatch.setattr(field_pass, "OWN_QUERY_VALUES", 0)
    monkeypatch.setattr(field_pass, "OPTIMIZED_VALUES", optimized_values)
    adhesions = sources.table("adhesions")
    for row, n in ((2, 0), (3, 1), (5, 2)):
        adhesions.set(row, "operador", f"Operador {n}")
    adhesions.save()
    report, src = sources.validate()
    found = sorted((f.code, f.row) for f in report.findings if f.code.startswith("prova-porta-"))
    assert found == [("prova-porta-0", 2), ("prova-porta-1", 3)]  # Operador 2: its gate said no
    distinct = src.con.execute("SELECT count(DISTINCT operador) FROM raw_adhesions").fetchone()[0]
    assert sorted(calls) == sorted(set(calls)) and len(calls) == distinct, (len(calls), distinct)


def test_a_query_takes_exactly_the_values_of_its_columns():
    """one_of(ids): the columns a query over lr_values reads, however many and wherever they
    fall (the first, the last, one alone, gaps between)."""
    import random

    import duckdb

    con = duckdb.connect()
    rng = random.Random(11)
    cases = [{0}, {5}, {0, 1}, {3, 70}, set(range(64))] + [set(rng.sample(range(80), rng.randint(2, 40))) for _ in range(30)]
    for ids in cases:
        taken = [c for (c,) in con.execute(f"SELECT c FROM range(0, 90) AS t(c) WHERE {field_pass.one_of(ids)} ORDER BY c").fetchall()]
        assert taken == sorted(ids), ids


@pytest.mark.parametrize("own_query_values", [0, 10**9], ids=["every-column-alone-gated", "shared-ungated"])
def test_the_published_text_gate_lets_every_control_character_and_personal_datum_by(sources, own_query_values, monkeypatch):
    """The control rule shares the personal-data rules' gate over published text
    (field_rules.published_text_gate), per column: on a column judged alone every one of them
    is evaluated only where the gate holds. What the gate lets by must be all they could find:
    the same findings as without gates, in a strict field, a free-text one, a field that is not
    published text (its control rule ungated) and a personal datum."""
    monkeypatch.setattr(field_pass, "OWN_QUERY_VALUES", own_query_values)
    cases = [("convenis", "titol", "Conveni\u2028marc", "caracter-control"),  # strict: a line separator
             ("convenis", "objecte", "Objecte\x07 del conveni", "caracter-control"),  # free text: a bell
             ("convenis", "titol", "Conveni\u200fmarc", "caracter-control"),  # a bidirectional mark
             ("contractes", "data_adjudicacio", "2006-11-20\x1b", "caracter-control"),  # a date: not published text
             ("convenis_parts", "carrec_signant", "Alcalde (tel934022920)", "dades-personals")]
    for table, field, value, _ in cases:
        t = sources.table(table)
        t.set(next(r["_row"] for r in t.rows() if r[field]), field, value).save()
    report, _ = sources.validate()
    found = {(f.field, f.code) for f in report.findings}
    for _, field, _, code in cases:
        assert (field, code) in found, (field, code, sorted(found))
    # a free-text field keeps its line breaks
    assert not any(f.field == "objecte" and f.code == "caracter-control" and f.value and "\n" in f.value for f in report.findings)
