"""benchmarks.explore's pieces on a small table, so that a broken harness is caught here and not
after an hour of benchmark: the synthetic table has the published adhesions' columns and the
pipeline's layout, the layout figures add up, and in headless Chromium over the range server the
contract's hooks are found (row-count, sql-result, the map's data-codi-ine) and a big table is
read partially. No timing is asserted: the machine is shared."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from benchmarks import explore
from localret.rangeserver import RangeServer
from site_helpers import published_sample

ROWS = 250_000  # above the explorer's whole-read threshold (200,000 rows): read partially
GROUP = 100_000  # 3 row groups

pytestmark = pytest.mark.skipif(not explore.CHROMIUM.exists(), reason=f"{explore.CHROMIUM} is not installed")


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A copy of the published sample whose adhesions.parquet is the synthetic table."""
    published = published_sample(tmp_path_factory)
    root = tmp_path_factory.mktemp("bench-explore")
    metadata = explore.footer_metadata(published / explore.TABLE)
    table = explore.synth_table(ROWS, root / "adhesions.parquet", metadata, GROUP)
    out = explore.big_out(published, table, root / "out")
    return {"published": published, "out": out, "table": table, "metadata": metadata, "root": root}


@pytest.fixture(scope="module")
def browser():
    pytest.importorskip("playwright.sync_api")
    with explore.Browser() as b:
        yield b
    assert b.outside == [], b.outside  # no request left 127.0.0.1
    assert b.errors == [], b.errors  # no console or page error


def test_synthetic_table_has_the_published_columns_and_layout(big):
    import pyarrow.parquet as pq

    published = pq.read_schema(big["published"] / explore.TABLE)
    ours = pq.ParquetFile(big["table"])
    assert ours.schema_arrow.names == published.names
    assert [str(t) for t in ours.schema_arrow.types] == [str(t) for t in published.types]
    assert ours.metadata.num_rows == ROWS and ours.metadata.num_row_groups == 3
    assert explore.footer_metadata(big["table"]) == big["metadata"]  # the published footer's title and schemas
    stats = ours.metadata.row_group(1).column(ours.schema_arrow.names.index("operador")).statistics
    assert stats is not None and stats.has_min_max
    con = duckdb.connect()
    q = f"FROM read_parquet('{big['table']}')"
    assert con.execute(f"SELECT count(DISTINCT (codi_ens, procediment_id, lot_numero)) {q}").fetchone()[0] == ROWS
    keys = con.execute(f"SELECT codi_ens, procediment_id, lot_numero {q}").fetchall()
    assert keys == sorted(keys)  # key order, as published
    assert con.execute(f"SELECT count(*) {q} WHERE NOT regexp_full_match(codi_ens, '[0-9]{{10}}')").fetchone()[0] == 0
    assert con.execute(f"SELECT count(DISTINCT operador), count(DISTINCT estat), min(data_adhesio) >= DATE '2005-01-01' {q}").fetchone() == (5, 4, True)


def test_synthetic_table_is_reproducible(big, tmp_path):
    again = explore.synth_table(ROWS, tmp_path / "again.parquet", big["metadata"], GROUP)
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(big["table"].read_bytes()).digest()


def test_layout_adds_up(big):
    lay = explore.layout(big["table"])
    assert lay.rows == ROWS and lay.row_groups == 3 and lay.file == big["table"].stat().st_size
    assert 8 < lay.footer < lay.first_page < lay.file
    assert lay.footer < lay.column["operador"] < lay.file
    assert lay.footer < lay.key_lookup < lay.file


def test_page_weight_counts_what_the_page_loads(big, browser):
    out = big["published"]
    with RangeServer(out) as server:
        weight, paths = explore.page_weight(browser, server, out, "index.html")
    assert "/index.html" in paths and any(p.endswith(".css") for p in paths)
    assert explore.gz((out / "index.html").read_bytes()) < weight
    assert explore.landing_pages(out)[0] == "index.html" and "membres/index.html" in explore.landing_pages(out)


def test_map_svg_is_found(big):
    size, where = explore.map_svg(big["published"])
    assert 1000 < size and where.startswith("mapa/")


def _members_on(out: Path, day: str) -> set[int]:
    """Ajuntaments that are members on `day`, with the period's end taken as inclusive and as
    exclusive (the benchmark asserts the hook, not the explorer's rule at the boundary)."""
    con = duckdb.connect()
    q = f"SELECT count(*) FROM read_parquet('{out / 'membres/latest/membres.parquet'}') WHERE tipus_ens = 'AJUNTAMENT' AND data_alta <= DATE '{day}'"
    return {con.execute(q + f" AND (data_baixa IS NULL OR data_baixa {op} DATE '{day}')").fetchone()[0] for op in (">=", ">")}


def test_members_explorer_hooks(big, browser):
    out = big["published"]
    with RangeServer(out) as server:
        run = explore.members(browser, server)
    assert run.first_count in _members_on(out, explore.MEMBERS_DATES[0])
    assert run.change_count in _members_on(out, explore.MEMBERS_DATES[1])
    assert run.first > 0 and run.change > 0


def test_explorer_reads_a_big_table_partially(big, browser):
    with RangeServer(big["out"]) as server:
        run = explore.explorer_big(browser, server)
    size = big["table"].stat().st_size
    assert 0 < run.sent < size
    n = duckdb.execute(f"SELECT count(*) FROM read_parquet('{big['table']}') WHERE operador = '{explore.OPERATOR}'").fetchone()[0]
    assert run.value == f"{n:,} rows"


@pytest.mark.parametrize("name", list(explore.SQL_QUERIES))
def test_sql_page_reads_a_big_table_partially(big, browser, name):
    with RangeServer(big["out"]) as server:
        run = explore.sql_big(browser, server, explore.SQL_QUERIES[name])
    size = big["table"].stat().st_size
    assert 0 < run.sent < size
    rows = duckdb.execute(explore.SQL_QUERIES[name].replace("FROM adhesions", f"FROM read_parquet('{big['table']}')")).fetchall()
    shown = run.value.replace(".", "").replace(",", "").replace("\u202f", "").replace("\u00a0", "")
    for row in rows:
        assert str(row[-1]) in shown, (row, run.value)
