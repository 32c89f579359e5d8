"""Stage 2: check the raw tables against the input contract and the domain rules, and build
the typed tables (src_<name>, public fields only) that the build stage reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from localret import schema
from localret.validate import field_rules, table_rules  # noqa: F401  (they register the rules)
from localret.validate.report import DETAIL_LIMIT, Finding, Report, clip
from localret.validate.rules import FIELD_RULES, TABLE_RULES, Context
from localret.validate.sqltypes import quote, typed

# Below this many rows a costly predicate is cheaper than grouping the column first.
PER_VALUE_FROM = 50_000

if TYPE_CHECKING:
    from localret.ingest import Sources


def validate(sources: Sources) -> Report:
    report = Report(files=[f.describe() for f in sources.files.values()], notes=list(sources.notes))
    for problem in sources.problems:
        ca, _, en = problem.reason.partition(" / ")
        report.add(Finding(problem.file, problem.row, problem.field, None, "fitxer-illegible", "error", ca, en))
    loaded = frozenset(sources.files)
    contexts = {}
    for name in schema.SOURCE_NAMES:
        if name not in loaded:
            continue
        ctx = Context(name, schema.source_schema(name), sources.files[name].decimal_comma, loaded)
        contexts[name] = ctx
        build_typed_table(sources.con, ctx)
    for name, ctx in contexts.items():
        _run_field_rules(sources, ctx, report)
    _run_table_rules(sources, contexts, report)
    return report


def _run_table_rules(sources: Sources, contexts: dict[str, Context], report: Report) -> None:
    """Every table rule that applies, as one query: most are tiny, and a query each would
    cost more in planning than in work."""
    active = [r for r in TABLE_RULES if all(t in contexts for t in r.needs) and r.applies(contexts[r.table])]
    if not active:
        return
    sql = " UNION ALL ".join(f"SELECT _row, '{i}' AS k, CAST(value AS VARCHAR) AS value FROM ({r.sql(contexts[r.table])})"
                             for i, r in enumerate(active))
    _collect(sources, report, sql, lambda k: (sources.file_label(active[int(k)].table), active[int(k)].code,
                                              active[int(k)].severity, active[int(k)].message, active[int(k)].field))


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


def _run_field_rules(sources: Sources, ctx: Context, report: Report) -> None:
    """Every field rule of a table in one pass over its rows: the predicates are OR-ed in a
    single filter, and only the rows it keeps are told apart by rule."""
    con, raw = sources.con, f"raw_{ctx.table}"
    checks: list[tuple[str, str, str]] = []  # (key, condition, value shown)
    rules = {}
    grouped: set[str] = set()
    for field in ctx.schema.fields:
        column = f'"{field.name}"'
        for rule in FIELD_RULES:
            if not rule.applies(field):
                continue
            key = f"{rule.code}:{field.name}"
            rules[key] = (rule, field)
            condition = rule.predicate(field, ctx)
            if rule.per_value and sources.files[ctx.table].rows >= PER_VALUE_FROM:
                values = f"_values_{ctx.table}_{field.name}"
                if values not in grouped:  # once per column, whatever the number of its rules
                    con.execute(f'CREATE OR REPLACE TEMP TABLE "{values}" AS SELECT DISTINCT {column} FROM {raw}')
                    grouped.add(values)
                bad = f"_bad_{ctx.table}_{len(checks)}"
                con.execute(f'CREATE OR REPLACE TEMP TABLE {bad} AS SELECT {column} FROM "{values}" WHERE {condition}')
                condition = f"{column} IN (SELECT {column} FROM {bad})"
            value = "NULL" if field.private or rule.hide_value else f"CAST({column} AS VARCHAR)"
            checks.append((key, condition, value))
    if not checks:
        return
    # Each predicate written (and planned) once: flags first, then the rows with any flag.
    flags = ", ".join(f"({c}) AS _f{i}, {v} AS _v{i}" for i, (_, c, v) in enumerate(checks))
    any_hit = " OR ".join(f"_f{i}" for i in range(len(checks)))
    picks = " UNION ALL ".join(f"SELECT _row, {quote(k)} AS k, _v{i} AS value FROM flagged WHERE _f{i}"
                               for i, (k, _, _) in enumerate(checks))
    sql = f"WITH flagged AS MATERIALIZED (SELECT * FROM (SELECT _row, {flags} FROM {raw}) WHERE {any_hit}) {picks}"
    file = sources.file_label(ctx.table)
    _collect(sources, report, sql, lambda k: (file, rules[k][0].code, rules[k][0].severity, rules[k][0].message(rules[k][1]), rules[k][1].name))


def _collect(sources: Sources, report: Report, sql: str, describe) -> None:
    """`sql` yields (_row, k, value); describe(k) says (file, code, severity, message, field).
    Up to DETAIL_LIMIT rows per k are listed, with the total."""
    rows = sources.con.execute(f"""
        WITH hits AS ({sql})
        SELECT _row, k, value, count(*) OVER (PARTITION BY k) AS n FROM hits
        QUALIFY row_number() OVER (PARTITION BY k ORDER BY _row) <= {DETAIL_LIMIT}
        ORDER BY _row, k""").fetchall()
    for row, k, value, n in rows:
        file, code, severity, (ca, en), field = describe(k)
        report.add(Finding(file, row, field, clip(value), code, severity, ca, en), total=n)
