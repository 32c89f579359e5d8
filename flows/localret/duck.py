"""Small helpers for the DuckDB connections the stages share."""

from __future__ import annotations

import threading
from contextlib import contextmanager


def _setting(con, name: str):
    """A setting's value, its result read whole: a result left unfinished on the connection
    makes DuckDB refuse some calls after it (create_function)."""
    return con.execute(f"SELECT current_setting('{name}')").fetchall()[0][0]


@contextmanager
def file_order(con):
    """Rows keep the order they are read in while inside (row numbers come from it): the
    pipeline's connections run without it otherwise, which lets DuckDB work in parallel."""
    kept = _setting(con, "preserve_insertion_order")
    if not kept:
        con.execute("SET preserve_insertion_order = true")
    try:
        yield
    finally:
        if not kept:
            con.execute("SET preserve_insertion_order = false")


@contextmanager
def callers_share_cores(con, callers: int):
    """While `callers` threads each run a query on the database at once: a query's own thread
    works on its tasks beside DuckDB's threads - 1 workers, so each caller past the first
    takes a worker's place, and no core runs two threads. With the default (as many threads as
    cores), validation's two connections on 2 cores ran three threads: 9 % more CPU and time
    over 1M rows (thread switches, and per-thread hash tables merged for every DISTINCT)."""
    threads = _setting(con, "threads")
    fewer = max(1, threads - (callers - 1))
    if fewer != threads:
        con.execute(f"SET threads = {fewer}")
    try:
        yield
    finally:
        if fewer != threads:
            con.execute(f"SET threads = {threads}")


def published_csv(path) -> str:
    """SQL reading a CSV this pipeline published, every column as text. The dialect is the one
    package.py writes (comma, double quotes), so DuckDB is told it instead of sniffing it: the
    sniffer samples the file and cost 5-55 ms a table, ten times the read of a published table.
    Its columns are those of its own header line. A file that header does not describe plainly
    (none, or a name twice) is left to the sniffer."""
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader([fh.readline()]), [])
    if not header or len(set(header)) != len(header):
        return sniffed_csv(path)
    columns = ", ".join(f"{_text(name)}: 'VARCHAR'" for name in header)
    return (f"read_csv({_text(str(path))}, columns={{{columns}}}, auto_detect=false, header=true, delim=',', "
            f"quote='\"', escape='\"')")


def sniffed_csv(path) -> str:
    """SQL reading any CSV, every column as text, in the dialect DuckDB's sniffer finds."""
    return f"read_csv({_text(str(path))}, all_varchar=true, header=true)"


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_SCRATCH: list = []  # the process's scratch database, opened on first use
_SCRATCH_LOCK = threading.Lock()


def scratch():
    """A new cursor (close it) on the process's scratch database: in memory, holding nothing of
    any run, for reading files already published (the site's pages and coverage). Opening a
    DuckDB database costs 20-30 ms, more than each of those reads, and a run makes a dozen."""
    import duckdb

    with _SCRATCH_LOCK:
        if not _SCRATCH:
            _SCRATCH.append(duckdb.connect())
        return _SCRATCH[0].cursor()
