"""Stage 2: check the raw tables against the input contract and the domain rules, and build
the typed tables (src_<name>, public fields only) that the build stage reads."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING

from localret import personal, schema
from localret.validate import field_rules, sanity_rules, table_rules  # noqa: F401  (they register the rules)
from localret.schema import Field
from localret.validate.report import DETAIL_LIMIT, Finding, Report, clip
from localret.validate.rules import FIELD_RULES, TABLE_RULES, Context, FieldRule
from localret.validate.sqltypes import quote, typed

# A table of this many rows is big: grouping a column's values first costs less than judging
# every row, and DuckDB's optimizer earns its planning time. Smaller ones skip both.
BIG_TABLE_ROWS = 50_000

if TYPE_CHECKING:
    from localret.ingest import Sources


def validate(sources: Sources, progress=None) -> Report:
    """`progress(table, rows)`, if given, is told each table whose fields are judged."""
    report = Report(files=[f.describe() for f in sources.files.values()], notes=list(sources.notes))
    for problem in sources.problems:
        ca, _, en = problem.reason.partition(" / ")
        report.add(Finding(problem.file, problem.row, problem.field, None, "fitxer-illegible", "error", ca, en))
    loaded = frozenset(sources.files)
    # the personal-data rules' functions, with this run's private values (localret/personal.py)
    private = personal.private_values_of(sources.con, loaded)
    personal.install(sources.con, private)
    contexts = {}
    for name in schema.SOURCE_NAMES:
        if name not in loaded:
            continue
        ctx = Context(name, schema.source_schema(name), sources.files[name].decimal_comma, loaded)
        contexts[name] = ctx
        build_typed_table(sources.con, ctx)
    active = [r for r in TABLE_RULES if all(t in contexts for t in r.needs) and r.applies(contexts[r.table])]
    small = [r for r in active if all(sources.files[t].rows < BIG_TABLE_ROWS for t in r.needs)]
    big = [r for r in active if r not in small]
    # The table rules run on a second connection while this one judges the fields: each side
    # has long stretches that use one core only (planning, small tables, single-group work).
    cursor = sources.con.cursor()
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            table_hits = pool.submit(lambda: _table_rule_hits(cursor, sources, contexts, small, optimize=False)
                                     + _table_rule_hits(cursor, sources, contexts, big, optimize=True))
            for ctx in contexts.values():
                _add(report, _field_rule_hits(sources, ctx), private)
                if progress:
                    progress(ctx.table, sources.files[ctx.table].rows)
            _add(report, table_hits.result(), private)
    finally:
        cursor.close()
    return report


def _add(report: Report, hits: list[tuple[Finding, int]], private: personal.PrivateValues | None = None) -> None:
    """Findings into the report. A value that any rule shows is hidden when it holds personal
    data (a phone typed into a code breaks its format: that rule must not repeat it)."""
    for finding, total in hits:
        if finding.value is not None and _personal(finding.value, private):
            finding = dataclasses.replace(finding, value=None)
        report.add(finding, total=total)


def _personal(value: str, private: personal.PrivateValues | None) -> bool:
    norm = personal.normalise(value)
    return bool(personal.detect(norm, normalised=True)) or (private is not None and private.find(norm, normalised=True))


def _table_rule_hits(con, sources: Sources, contexts: dict[str, Context], rules: list, optimize: bool) -> list:
    """The rules as one query: most are tiny, and a query each would cost more in planning than
    in work. Rules over small tables only skip the optimizer (see `unoptimized`)."""
    if not rules:
        return []
    sql = " UNION ALL ".join(f"SELECT _row, '{i}' AS k, CAST(value AS VARCHAR) AS value FROM ({r.sql(contexts[r.table])})"
                             for i, r in enumerate(rules))
    with nullcontext() if optimize else unoptimized(con):
        return _collect(con, sql, lambda k: (sources.file_label(rules[int(k)].table), rules[int(k)].code,
                                             rules[int(k)].severity, rules[int(k)].message, rules[int(k)].field))


def typed_tables(sources: Sources) -> None:
    """Only the typed tables, for a worker that builds from sources already validated."""
    loaded = frozenset(sources.files)
    for name in schema.SOURCE_NAMES:
        if name in loaded:
            build_typed_table(sources.con, Context(name, schema.source_schema(name), sources.files[name].decimal_comma, loaded))


def build_typed_table(con, ctx: Context) -> None:
    """src_<name>: the row number and every public field in its schema type. Private fields
    stop here: no later stage can read them, so none can publish them. A view: copying every
    text column once more would cost more than the few casts each reader recomputes."""
    cols = ["_row"] + [f'{typed(f, f.name, ctx.decimal_comma)} AS "{f.name}"' for f in ctx.schema.public_fields]
    con.execute(f"CREATE OR REPLACE VIEW src_{ctx.table} AS SELECT {', '.join(cols)} FROM raw_{ctx.table}")


def _field_rule_hits(sources: Sources, ctx: Context) -> list[tuple[Finding, int]]:
    """Every field rule of a table, its predicates planned once. A field rule judges a value
    alone, so a big table is judged once per distinct value of each column; its rows are
    visited again only for the values found wrong."""
    # the rule's place in the registry keeps apart rules that share a code (dades-personals)
    checks = [Check(f"{rule.code}:{field.name}:{i}", rule, field, rule.predicate(field, ctx),
                    "NULL" if field.private or rule.hide_value else f'CAST("{field.name}" AS VARCHAR)')
              for field in ctx.schema.fields for i, rule in enumerate(FIELD_RULES) if rule.applies(field)]
    if not checks:
        return []
    by_key = {c.key: c for c in checks}
    file = sources.file_label(ctx.table)

    def describe(k):
        return file, by_key[k].rule.code, by_key[k].rule.severity, by_key[k].rule.message(by_key[k].field), by_key[k].field.name

    if sources.files[ctx.table].rows >= BIG_TABLE_ROWS:
        sql = _hits_per_value(sources.con, ctx.table, checks)
        return [] if sql is None else _collect(sources.con, sql, describe)
    with unoptimized(sources.con):
        return _collect(sources.con, _hits_per_row(ctx.table, checks), describe)


@contextmanager
def unoptimized(con):
    """For queries over a few thousand rows (or distinct values), where DuckDB's optimizer costs
    more than the work: its filter pushdown alone copies every predicate and plans it twice."""
    con.execute("PRAGMA disable_optimizer")
    try:
        yield
    finally:
        con.execute("PRAGMA enable_optimizer")


@dataclass(frozen=True)
class Check:
    key: str  # "<rule code>:<field>:<rule index>"
    rule: FieldRule
    field: Field
    condition: str  # the rule's predicate for this field
    shown: str  # the value a finding repeats (NULL where it must not)


def _flags(checks: list[Check]) -> tuple[str, str]:
    """Each predicate as a flag column, and the filter that keeps rows with any flag."""
    return (", ".join(f"({c.condition}) AS _f{i}" for i, c in enumerate(checks)),
            " OR ".join(f"_f{i}" for i in range(len(checks))))


def _hits_per_row(table: str, checks: list[Check]) -> str:
    flags, any_hit = _flags(checks)
    shown = ", ".join(f"{c.shown} AS _v{i}" for i, c in enumerate(checks))
    picks = " UNION ALL ".join(f"SELECT _row, {quote(c.key)} AS k, _v{i} AS value FROM flagged WHERE _f{i}"
                               for i, c in enumerate(checks))
    return f"WITH flagged AS MATERIALIZED (SELECT * FROM (SELECT _row, {flags}, {shown} FROM raw_{table}) WHERE {any_hit}) {picks}"


def _hits_per_value(con, table: str, checks: list[Check]) -> str | None:
    """One query per column finds its wrong values among its distinct ones (NULL included);
    the rows holding them are joined back only if there are any."""
    ctes, picks = [], []
    by_column: dict[str, list[Check]] = {}
    for c in checks:
        by_column.setdefault(c.field.name, []).append(c)
    scanned = [c for mine in by_column.values() if all(x.rule.cheap for x in mine) for c in mine]
    if scanned:  # columns that only cheap rules check: one pass over the rows, no grouping
        flags, any_hit = _flags(scanned)
        shown = ", ".join(f"{c.shown} AS _v{i}" for i, c in enumerate(scanned))
        ctes.append(f"_scanned AS MATERIALIZED (SELECT * FROM (SELECT _row, {flags}, {shown} FROM raw_{table}) WHERE {any_hit})")
        picks += [f"SELECT _row, {quote(c.key)} AS k, _v{i} AS value FROM _scanned WHERE _f{i}" for i, c in enumerate(scanned)]
    for name, mine in by_column.items():
        if all(x.rule.cheap for x in mine):
            continue
        flags, any_hit = _flags(mine)
        bad = f'"_bad_{table}_{name}"'
        # Two statements: in one, DuckDB would push the predicates below the DISTINCT (even a
        # materialized one), back onto every row.
        values = f'"_values_{table}_{name}"'
        con.execute(f'CREATE OR REPLACE TEMP TABLE {values} AS SELECT DISTINCT "{name}" FROM raw_{table}')
        with unoptimized(con):
            found = con.execute(f'CREATE OR REPLACE TEMP TABLE {bad} AS SELECT * FROM (SELECT "{name}", {flags} FROM {values}) '
                                f'WHERE {any_hit}').fetchall()[0][0]
        con.execute(f"DROP TABLE {values}")
        if not found:
            continue
        rows = f"_rows_{len(ctes)}"
        ctes.append(f'{rows} AS MATERIALIZED (SELECT r._row, b.* FROM raw_{table} r JOIN {bad} b '
                    f'ON r."{name}" IS NOT DISTINCT FROM b."{name}")')
        picks += [f"SELECT _row, {quote(c.key)} AS k, {c.shown} AS value FROM {rows} WHERE _f{i}" for i, c in enumerate(mine)]
    if not picks:
        return None
    return f"WITH {', '.join(ctes)} {' UNION ALL '.join(picks)}"


def _collect(con, sql: str, describe) -> list[tuple[Finding, int]]:
    """`sql` yields (_row, k, value); describe(k) says (file, code, severity, message, field).
    Up to DETAIL_LIMIT rows per k are listed, each with the total of its k."""
    rows = con.execute(f"""
        WITH hits AS ({sql})
        SELECT _row, k, value, count(*) OVER (PARTITION BY k) AS n FROM hits
        QUALIFY row_number() OVER (PARTITION BY k ORDER BY _row) <= {DETAIL_LIMIT}
        ORDER BY _row, k""").fetchall()
    hits = []
    for row, k, value, n in rows:
        file, code, severity, (ca, en), field = describe(k)
        hits.append((Finding(file, row, field, clip(value), code, severity, ca, en), n))
    return hits
