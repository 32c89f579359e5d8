"""The field rules of every source, judged in one pass over the run's distinct values.

A field rule judges a value alone (rules.FieldRule.predicate), so what it needs is each
column's distinct values, not its rows; and most rules say the same thing of every field they
apply to (no control characters, no personal data, a date that parses). So:

1. `lr_values(c, v)` holds the distinct values of every judged column of every source (c
   numbers the column), NULL included: one statement, built once.
2. Each rule's predicate is written over a stand-in column, `"_v"`. Checks whose predicate
   text comes out the same (the personal-data rules on every published text field, the date
   rules on every date...) share one expression, evaluated only on the values of their
   columns. A run compiles a few dozen expressions, not one per rule and column of every
   table (DuckDB spends about a millisecond binding each regular expression or macro, far more
   than judging a small table's values), and judges each distinct value once per expression.
3. Only the values found wrong are joined back to the rows that hold them.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from localret.schema import Field
from localret.validate.hits import collect, optimizer
from localret.validate.report import Finding
from localret.validate.rules import FIELD_RULES, Context, FieldRule

if TYPE_CHECKING:
    from localret.ingest import Sources

VALUES = "lr_values"  # (c INTEGER, v VARCHAR): the distinct values of each judged column
STAND_IN = "_v"  # the column a predicate is written over


@dataclass(frozen=True)
class Column:
    id: int
    table: str
    field: Field


@dataclass(frozen=True)
class Check:
    key: str  # "<rule code>:<field>:<rule index>": the rule's place keeps apart rules sharing a code
    rule: FieldRule
    column: Column
    shows_value: bool  # a finding may repeat the value (not for private fields or suspect values)


@dataclass
class Plan:
    """What one pass judges: the columns, and each distinct predicate text (an expression)
    with the checks it decides, by column."""

    columns: list[Column]
    expressions: dict[str, dict[int, list[Check]]]
    gates: dict[tuple[str, int], str | None]  # (expression, column id): its gate there (FieldRule.gate), if its checks share one

    def masks(self, column: Column) -> list[int]:
        """The expressions that apply to a column, as bits of MASK_BITS-bit words: each value
        carries its column's words, and an expression tests one bit (an IN list over the
        column numbers would cost dozens of comparisons per value and expression)."""
        words = [0] * self.words
        for n, by_column in enumerate(self.expressions.values()):
            if column.id in by_column:
                words[n // MASK_BITS] |= 1 << (n % MASK_BITS)
        return words

    @property
    def words(self) -> int:
        return max(1, -(-len(self.expressions) // MASK_BITS))


MASK_BITS = 62  # bits per BIGINT mask word, sign bit left alone


def plan(contexts: dict[str, Context]) -> Plan:
    columns, expressions, gates = [], {}, {}
    for ctx in contexts.values():
        for field in ctx.schema.fields:
            rules = [(i, rule) for i, rule in enumerate(FIELD_RULES) if rule.applies(field)]
            if not rules:
                continue
            col = Column(len(columns), ctx.table, field)
            columns.append(col)
            for i, rule in rules:
                check = Check(f"{rule.code}:{field.name}:{i}", rule, col, not (field.private or rule.hide_value))
                sql = rule.predicate(_stand_in(field), ctx)
                gate = rule.gate(_stand_in(field), ctx) if rule.gate else None
                key = (sql, col.id)
                gates[key] = gate if gates.get(key, gate) == gate else None  # two gates for one predicate on one column: none
                expressions.setdefault(sql, {}).setdefault(col.id, []).append(check)
    return Plan(columns, expressions, gates)


def collect_values(con, plan: Plan) -> None:
    """lr_values(c, m0.., v): every judged column's distinct values, as one table, each with its
    column's number and mask words."""
    parts = []
    for col in plan.columns:
        words = ", ".join(f"{w}::BIGINT AS m{i}" for i, w in enumerate(plan.masks(col)))
        # the column's number and masks are added after DISTINCT: grouping by them too (the
        # same constants on every row) cost a fifth more
        parts.append(f'SELECT {col.id} AS c, {words}, v FROM '
                     f'(SELECT DISTINCT CAST("{col.field.name}" AS VARCHAR) AS v FROM raw_{col.table})')
    if not parts:
        parts = ["SELECT 0 AS c, 0::BIGINT AS m0, NULL::VARCHAR AS v LIMIT 0"]
    # not TEMP: the pass judges it from a second connection as well (field_rule_hits)
    con.execute(f"CREATE OR REPLACE TABLE {VALUES} AS {' UNION ALL '.join(parts)}")


def values_of(plan: Plan, keep: Callable[[Column], bool]) -> str:
    """SQL: the distinct values (column v) of the columns kept."""
    ids = {c.id for c in plan.columns if keep(c)}
    return f"SELECT v FROM {VALUES} WHERE {one_of(ids)}" if ids else "SELECT NULL::VARCHAR AS v LIMIT 0"


def one_of(ids: set[int]) -> str:
    """SQL: whether a value's column c is one of `ids`. Many columns as a list indexed by c:
    the queries over lr_values run unoptimized, and there `c IN (...)` compares every value
    with each number in turn (a tenth of the shared query's time, over its 53 columns)."""
    if len(ids) == 1:
        return f"c = {next(iter(ids))}"
    return f"[{', '.join('true' if i in ids else 'false' for i in range(max(ids) + 1))}][c + 1]"


def drop_values(con) -> None:
    con.execute(f"DROP TABLE IF EXISTS {VALUES}")


def _stand_in(field: Field) -> Field:
    return Field(STAND_IN, field.type, {**field.descriptor, "name": STAND_IN})


# A column with this many distinct values is judged on its own, by its own expressions only;
# the others share one query in which every expression first tests its bit of the value's mask
# (about 17 ns a value: nothing beside a few thousand values, a second over a million).
OWN_QUERY_VALUES = 20_000
# A query over this many values is planned by DuckDB's optimizer: it computes a subexpression
# that several expressions share once, and the scan's zone maps skip the other columns' values
# (0.36 s less CPU over 1M rows). Over fewer values its planning costs more than it saves
# (about 20 ms a query).
OPTIMIZED_VALUES = 20_000


def field_rule_hits(sources: Sources, plan: Plan, prepare_late: Callable[[], None] = lambda: None
                    ) -> dict[str, list[tuple[Finding, int]]]:
    """Every field rule's findings, by table (each table's in row order), with the total of
    each finding's check. lr_values must hold the plan's values.

    The expressions of rules that read the run's private values (FieldRule.late) wait for
    `prepare_late()`, which finds those values on this connection while a second one starts
    on every other expression: the private values and their search are Python's work on one
    core, the other expressions DuckDB's, so each side fills the core the other leaves. The
    other expressions are queries of their own (one per big column, one for the small ones),
    taken from one queue, biggest first, by the second connection and, once the late ones
    are judged, by this one too."""
    con = sources.con
    if not plan.expressions:
        prepare_late()
        return {}
    sizes = dict(con.execute(f"SELECT c, count(*) FROM {VALUES} GROUP BY c").fetchall())
    groups = list(plan.expressions.values())
    late = sorted(n for n, by_column in enumerate(groups) if any(ch.rule.late for cs in by_column.values() for ch in cs))
    early = [n for n in range(len(groups)) if n not in late]
    queue = deque(_queries(plan, sizes, early))

    def drain(connection) -> list:
        bad = []
        while True:
            try:
                cols, optimized = queue.popleft()  # atomic: each query is taken once
            except IndexError:
                return bad
            bad += _bad_values(connection, plan, cols, early, optimized)

    cursor = con.cursor()
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            early_bad = pool.submit(drain, cursor)
            try:
                prepare_late()
                bad = [found for cols, optimized in _queries(plan, sizes, late)
                       for found in _bad_values(con, plan, cols, late, optimized)]
                bad += drain(con)
            finally:
                bad_there = early_bad.result()  # the cursor's query ends before the cursor closes
    finally:
        cursor.close()
    bad += bad_there
    if not bad:
        return {}
    found = [(c, value, check) for c, value, n in bad for check in groups[n].get(c, ())]
    return _rows_of(sources, plan.columns, found)


def _queries(plan: Plan, sizes: dict[int, int], which: list[int]) -> list[tuple[list[Column], bool]]:
    """The columns each query judges with the expressions `which` (and whether the query is
    optimized): a column with many values alone, the others together; the costliest first
    (values times expressions; the shared query, which binds every expression, counts as the
    biggest)."""
    groups = list(plan.expressions.values())
    columns = [c for c in plan.columns if any(c.id in groups[n] for n in which)]
    own = sorted((c for c in columns if sizes.get(c.id, 0) >= OWN_QUERY_VALUES),
                 key=lambda c: -sizes[c.id] * sum(c.id in groups[n] for n in which))
    shared = [c for c in columns if sizes.get(c.id, 0) < OWN_QUERY_VALUES]
    return ([(shared, False)] if shared else []) + [([c], sizes[c.id] >= OPTIMIZED_VALUES) for c in own]


def _bad_values(con, plan: Plan, cols: list[Column], which: list[int], optimized: bool
                ) -> list[tuple[int, str | None, int]]:
    """(column id, value, expression number) of every value of the columns `cols` that one of
    the expressions `which` finds wrong."""
    sqls = list(plan.expressions)
    groups = list(plan.expressions.values())
    ids = {c.id for c in cols}
    used = [n for n in which if ids & groups[n].keys()]
    # Gates only where a column is judged alone: over the few values of the small columns, the
    # gates cost more in binding than they save.
    gate_of = {n: plan.gates.get((sqls[n], cols[0].id)) if len(cols) == 1 else None for n in used}
    gates = list(dict.fromkeys(g for g in gate_of.values() if g))
    gate_columns = [f"({g}) AS _g{k}" for k, g in enumerate(gates)]
    flags = []
    for n in used:
        flag = f"CASE WHEN _g{gates.index(gate_of[n])} THEN ({sqls[n]}) END" if gate_of[n] else sqls[n]
        if len(cols) > 1:  # only where the value's column has this expression
            flag = f"CASE WHEN (m{n // MASK_BITS} & {1 << (n % MASK_BITS)}) <> 0 THEN ({flag}) END"
        flags.append(f"({flag}) AS _f{n}")
    # the gates in an inner projection: computed once per value, each read by its expressions
    values = (f'SELECT c, {", ".join(f"m{w}" for w in range(plan.words))}, v AS "{STAND_IN}"'
              f'{"".join(", " + g for g in gate_columns)} FROM {VALUES} WHERE {one_of(ids)}')
    with optimizer(con, on=optimized):
        rows = con.execute(f'SELECT * FROM (SELECT c, "{STAND_IN}", {", ".join(flags)} FROM ({values})) '
                           f'WHERE {" OR ".join(f"_f{n}" for n in used)}').fetchall()
    return [(c, value, n) for c, value, *hit in rows for n, flagged in zip(used, hit) if flagged]


def _rows_of(sources: Sources, columns: list[Column], found: list[tuple[int, str | None, Check]]) -> dict:
    """The rows holding the wrong values, at most DETAIL_LIMIT per check (with the check's total)."""
    con = sources.con
    # a check's key names its field, not its table: the column number keeps tables apart
    checks = {f"{check.key}@{c}": check for c, _, check in found}
    con.execute("CREATE OR REPLACE TEMP TABLE lr_bad (c INTEGER, v VARCHAR, k VARCHAR, shown BOOLEAN)")
    con.executemany("INSERT INTO lr_bad VALUES (?, ?, ?, ?)",
                    [(c, v, f"{check.key}@{c}", check.shows_value) for c, v, check in found])
    by_table: dict[str, list[Column]] = {}
    for c in sorted({c for c, _, _ in found}):
        by_table.setdefault(columns[c].table, []).append(columns[c])

    def describe(k):
        check = checks[k]
        return (sources.file_label(check.column.table), check.rule.code, check.rule.severity,
                check.rule.message(check.column.field), check.column.field.name)

    out = {}
    for table, cols in by_table.items():
        picks = " UNION ALL ".join(
            f'SELECT r._row, b.k, CASE WHEN b.shown THEN CAST(r."{col.field.name}" AS VARCHAR) END AS value '
            f'FROM raw_{table} r JOIN lr_bad b ON b.c = {col.id} AND r."{col.field.name}" IS NOT DISTINCT FROM b.v'
            for col in cols)
        out[table] = collect(con, picks, describe)
    con.execute("DROP TABLE lr_bad")
    return out
