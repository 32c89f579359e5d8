"""What the field pass and the table rules share: turning the rows a rule's SQL finds into
findings, and running small queries without DuckDB's optimizer."""

from __future__ import annotations

from contextlib import contextmanager

from localret.validate.report import DETAIL_LIMIT, Finding, clip


def collect(con, sql: str, describe) -> list[tuple[Finding, int]]:
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


@contextmanager
def optimizer(con, on: bool):
    """DuckDB's optimizer on or off for the queries of the block. Off for queries whose work is
    small beside their planning (a few thousand rows, or distinct values): its filter pushdown
    alone copies every predicate and plans it twice."""
    if on:
        yield
        return
    con.execute("PRAGMA disable_optimizer")
    try:
        yield
    finally:
        con.execute("PRAGMA enable_optimizer")
