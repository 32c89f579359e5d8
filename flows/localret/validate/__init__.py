"""Stage 2: check the raw tables against the input contract and the domain rules, and build
the typed tables (src_<name>, public fields only) that the build stage reads."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from localret import personal, schema
from localret.duck import callers_share_cores
from localret.validate import field_pass, field_rules, sanity_rules, table_rules  # noqa: F401  (they register the rules)
from localret.validate.hits import collect, optimizer
from localret.validate.report import Finding, Report
from localret.validate.rules import FIELD_RULES, TABLE_RULES, Context  # noqa: F401  (FIELD_RULES: the registry, for callers)
from localret.validate.sqltypes import typed

# A table of this many rows is big: its table rules are planned by DuckDB's optimizer, which
# earns its planning time there (over smaller ones it costs more than the work), and its typed
# table is a view (build_typed_table).
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
    contexts = typed_tables(sources)
    active = [r for r in TABLE_RULES if all(t in contexts for t in r.needs) and r.applies(contexts[r.table])]
    small = [r for r in active if all(sources.files[t].rows < BIG_TABLE_ROWS for t in r.needs)]
    big = [r for r in active if r not in small]
    # The table rules run on a second connection from the start, while this one collects and
    # judges the fields: each side has long stretches that use one core only (planning, the
    # Python parts of the policy). Two queries at once, so DuckDB keeps a worker fewer.
    cursor = sources.con.cursor()
    try:
        with callers_share_cores(sources.con, callers=2), ThreadPoolExecutor(max_workers=1) as pool:
            table_hits = pool.submit(lambda: _table_rule_hits(cursor, sources, contexts, small, optimize=False)
                                     + _table_rule_hits(cursor, sources, contexts, big, optimize=True))
            # Every judged column's distinct values, once (validate/field_pass.py): the field
            # rules judge them, and the private fields' values among them are the run's private
            # values, which the personal-data rules look for (localret/personal.py).
            plan = field_pass.plan(contexts)
            known: list[personal.PrivateValues] = []

            def find_private_values():  # the field pass calls it before its late rules
                known.append(personal.private_values_of(sources.con, loaded,
                                                        values=field_pass.values_of(plan, lambda c: c.field.private)))
            # the policy's functions first (registering them imports pyarrow, about 40 ms of
            # Python): here the table rules use the cores meanwhile, after the collection
            # nothing would (they find the private values when first called)
            personal.install(sources.con, lambda: known[0])
            try:
                field_pass.collect_values(sources.con, plan)
                field_hits = field_pass.field_rule_hits(sources, plan, prepare_late=find_private_values)
            finally:
                field_pass.drop_values(sources.con)
            private = known[0]
            for ctx in contexts.values():
                _add(report, field_hits.get(ctx.table, []), private)
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
    in work. Rules over small tables only skip the optimizer (see `hits.optimizer`)."""
    if not rules:
        return []
    sql = " UNION ALL ".join(f"SELECT _row, '{i}' AS k, CAST(value AS VARCHAR) AS value FROM ({r.sql(contexts[r.table])})"
                             for i, r in enumerate(rules))
    with optimizer(con, on=optimize):
        return collect(con, sql, lambda k: (sources.file_label(rules[int(k)].table), rules[int(k)].code,
                                             rules[int(k)].severity, rules[int(k)].message, rules[int(k)].field))


def typed_tables(sources: Sources) -> dict[str, Context]:
    """The typed table of every loaded source, and its rules' context (alone: for a worker that
    builds from sources already validated)."""
    loaded = frozenset(sources.files)
    contexts = {}
    for name in schema.SOURCE_NAMES:
        if name in loaded:
            contexts[name] = Context(name, schema.source_schema(name), sources.files[name].decimal_comma, loaded)
            build_typed_table(sources.con, contexts[name], sources.files[name].rows)
    return contexts


def _reads_plainly(con, ctx: Context, field) -> bool:
    """Whether a big table's integer column can be read by the plain cast: none of its distinct
    values reads differently (the usual case, checked over the few distinct values), so the
    view need not recompute the strict form's regular expression over every row for each rule
    that reads the column (the key, the foreign key and the joins on lot_numero)."""
    if field.type != "integer":
        return False
    name = f'"{field.name}"'
    # an aggregate's FILTER, not a WHERE: the optimizer would push a WHERE below DISTINCT,
    # computing both readings on every row instead of on each distinct value (4x the time)
    return con.execute(
        f"SELECT count(*) FILTER (WHERE ({typed(field, field.name, ctx.decimal_comma)}) IS DISTINCT FROM "
        f"({typed(field, field.name, ctx.decimal_comma, plain=True)})) "
        f"FROM (SELECT DISTINCT {name} FROM raw_{ctx.table})").fetchone()[0] == 0


def build_typed_table(con, ctx: Context, rows: int) -> None:
    """src_<name>: the row number and every public field in its schema type. Private fields
    stop here: no later stage can read them, so none can publish them. A big table's is a view:
    copying every text column once more would cost more than the few casts each reader
    recomputes. A small one's is a table: the casts are nothing, but a view makes every query
    that reads it bind and plan them all again (the small tables' rules run unoptimized, so
    without projection pushdown)."""
    big = rows >= BIG_TABLE_ROWS
    cols = ["_row"] + [f'{typed(f, f.name, ctx.decimal_comma, plain=big and _reads_plainly(con, ctx, f))} AS "{f.name}"'
                       for f in ctx.schema.public_fields]
    import duckdb  # here: the light path imports this package (for the report) without DuckDB

    kind, other = ("VIEW", "TABLE") if big else ("TABLE", "VIEW")
    create = f"CREATE OR REPLACE {kind} src_{ctx.table} AS SELECT {', '.join(cols)} FROM raw_{ctx.table}"
    try:
        con.execute(create)
    except duckdb.CatalogException:  # built before as the other kind (validated again, another threshold)
        con.execute(f"DROP {other} src_{ctx.table}")
        con.execute(create)
