"""How source text is read as each type (localret/validate/sqltypes.py): the typed tables read
accepted integers and numbers with the plain cast, and that cast must give exactly what the
type rule's strict form gives on every value the rule accepts."""

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


def _read(values: list[str], field: Field, comma: bool) -> list[tuple]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    strict = sqltypes.typed(field, "v", comma)
    accepted = sqltypes.typed(field, "v", comma, accepted=True)
    return con.execute(f"SELECT v, {strict}, {accepted} FROM t ORDER BY i").fetchall()


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
