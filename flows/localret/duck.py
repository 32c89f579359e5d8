"""Small helpers for the DuckDB connections the stages share."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def file_order(con):
    """Rows keep the order they are read in while inside (row numbers come from it): the
    pipeline's connections run without it otherwise, which lets DuckDB work in parallel."""
    kept = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    if not kept:
        con.execute("SET preserve_insertion_order = true")
    try:
        yield
    finally:
        if not kept:
            con.execute("SET preserve_insertion_order = false")
