"""localret.duck: the published-CSV reader (dialect given, not sniffed), the scratch database, and the threads
of queries run side by side."""

from __future__ import annotations

import duckdb

from localret.duck import callers_share_cores, published_csv, scratch


def _written(tmp_path, rows):
    """A CSV written as package.py writes the published ones (DuckDB's COPY, same options)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (codi VARCHAR, nom VARCHAR, nota VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    path = tmp_path / "t.csv"
    con.execute(f"COPY t TO '{path}' (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NEW_LINE '\\n')")
    return path


def test_reads_what_package_writes_exactly(tmp_path):
    rows = [("0801930008", "Ajuntament d'Avià", None), ("0000000000", 'Dit "el Vell", S.A.', "dues\nlínies"),
            ("1", ";", "  espais  "), ("2", "", "àéï·ç ñ")]
    path = _written(tmp_path, rows)
    with scratch() as con:
        got = con.execute(f"SELECT * FROM {published_csv(path)}").fetchall()
        sniffed = con.execute(f"SELECT * FROM read_csv('{path}', all_varchar=true, header=true)").fetchall()
    assert got == sniffed
    assert [r[:2] for r in got] == [(c, n if n != "" else None) for c, n, _ in rows]


def test_a_header_that_does_not_name_each_column_once_is_sniffed(tmp_path):
    twice = tmp_path / "twice.csv"
    twice.write_text("a,a\n1,2\n", encoding="utf-8")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert "columns=" not in published_csv(twice) and "columns=" not in published_csv(empty)
    with scratch() as con:
        assert con.execute(f"SELECT * FROM {published_csv(twice)}").fetchall() == [("1", "2")]
    assert "columns=" in published_csv(_written(tmp_path, [("1", "x", None)]))


def test_each_scratch_cursor_is_its_own_session():
    one, two = scratch(), scratch()
    try:
        one.execute("CREATE TEMP TABLE only_here AS SELECT 1 AS x")
        assert two.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'only_here'").fetchone()[0] == 0
    finally:
        one.close()
        two.close()


def _threads(con) -> int:
    return con.execute("SELECT current_setting('threads')").fetchall()[0][0]


def test_callers_share_cores_keeps_one_thread_per_core_and_restores_the_setting():
    con = duckdb.connect(config={"threads": 4})
    with callers_share_cores(con, callers=2):
        # the setting is the database's: a second connection, the other caller, sees it too
        assert _threads(con) == 3 and _threads(con.cursor()) == 3
    assert _threads(con) == 4
    with callers_share_cores(con, callers=1):
        # first: a query after it would close a result the context left unfinished
        con.create_function("lr_thrice", lambda s: s * 3, [str], str)
        assert _threads(con) == 4
    one = duckdb.connect(config={"threads": 1})
    with callers_share_cores(one, callers=2):
        assert _threads(one) == 1  # never below one
    try:
        with callers_share_cores(con, callers=3):
            raise RuntimeError("a failing validation")
    except RuntimeError:
        pass
    assert _threads(con) == 4
