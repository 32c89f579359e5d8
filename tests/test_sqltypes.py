"""How source text is read as each type (localret/validate/sqltypes.py). The plain casts serve
where they cannot differ from the strict forms (the minimum rule's first test; a big table's
integer column none of whose values reads differently), so they must give exactly what the
strict form gives on every value it reads."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localret.schema import Field
from localret.validate import sqltypes

KINDS = {
    "integer": (Field("v", "integer", {"name": "v", "type": "integer"}), False, r"-?[0-9]{1,18}"),
    "number": (Field("v", "number", {"name": "v", "type": "number"}), False, r"-?[0-9]+([.][0-9]+)?"),
    "number-comma": (Field("v", "number", {"name": "v", "type": "number"}), True,
                     r"-?([0-9]{1,3}([.][0-9]{3})+|[0-9]+)(,[0-9]+)?"),
}


_CON = duckdb.connect()  # one for the module: a connection per example cost most of the test's time


def _read(values: list[str], field: Field, comma: bool) -> list[tuple]:
    strict = sqltypes.typed(field, "v", comma)
    plain = sqltypes.typed(field, "v", comma, plain=True)
    return _CON.execute(f"SELECT v, {strict}, {plain} FROM (SELECT unnest(?) AS v, generate_subscripts(?, 1) AS i) "
                        "ORDER BY i", [values, values]).fetchall()


@pytest.mark.parametrize("kind", list(KINDS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_plain_cast_agrees_with_the_strict_form_on_every_accepted_value(kind, data):
    field, comma, shape = KINDS[kind]
    accepted_text = st.from_regex(shape, fullmatch=True)
    other = st.text(alphabet="0123456789+-., _eExX\t", max_size=12)
    values = data.draw(st.lists(st.one_of(accepted_text, other), min_size=1, max_size=40))
    for value, strict, plain in _read(values, field, comma):
        if strict is not None:  # the type rule accepts it: the typed table must read the same
            assert plain == strict and type(plain) is type(strict), (kind, value, strict, plain)


def test_the_strict_form_still_refuses_what_the_plain_cast_would_read():
    """The type rule keeps the strict form: these are errors, never read by a published table."""
    field, comma, _ = KINDS["integer"]
    rows = _read(["+5", "1_000", "1e2", "0x10", " 5", "5.0"], field, comma)
    assert [strict for _, strict, _ in rows] == [None] * 6
    assert all(plain is not None for _, _, plain in rows)


@pytest.mark.parametrize("value, plainly", [("3", True), ("1.5", False), ("+2", False)])
def test_a_big_tables_integer_column_is_read_plainly_only_when_no_value_differs(value, plainly, monkeypatch, tmp_path):
    """validate.build_typed_table: a big table (a view) reads lot_numero by the plain cast only
    when none of its distinct values reads differently; one that does ("1.5" would be 2) keeps
    the strict form, so the table rules never judge a value the type rule refuses."""
    import localret.validate as V
    from localret import schema
    from localret.validate.rules import Context

    monkeypatch.setattr(V, "BIG_TABLE_ROWS", 1)
    con = duckdb.connect()
    contract = schema.source_schema("adhesions")
    cols = ", ".join(f"'x' AS \"{f.name}\"" if f.name != "lot_numero" else f"unnest(['1', '{value}']) AS lot_numero"
                     for f in contract.fields)
    con.execute(f"CREATE TABLE raw_adhesions AS SELECT * , 2 AS _row FROM (SELECT {cols})")
    ctx = Context("adhesions", contract, False, frozenset({"adhesions"}))
    V.build_typed_table(con, ctx, 2)
    view = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'src_adhesions'").fetchone()[0]
    assert ("TRY_CAST(lot_numero AS BIGINT)" in view.replace('"', "")) == plainly
    read = sorted(con.execute("SELECT lot_numero FROM src_adhesions").fetchall(), key=str)
    assert read == sorted([(1,), (int(value) if plainly else None,)], key=str)
