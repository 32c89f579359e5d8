"""The privacy guard and code: a published file whose bytes equal a file of the pinned
JavaScript libraries (as npm installed them) or a bundle of the site's own modules is code made
from code alone, and the guard leaves it alone; the same file with one byte changed, or with the
libraries missing, is read like any other text (and the digit runs of minified code are then
found). Code is published in its published form: the mailboxes that licence notices give for
their authors are left out (jsbundle.published_form)."""

from __future__ import annotations

import duckdb
import pytest

from localret.privacy import Guard
from localret.site import jsbundle

WORKER = "@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js"


@pytest.fixture(scope="module")
def modules():
    try:
        return jsbundle.node_modules()
    except jsbundle.SiteToolsMissing as exc:
        pytest.skip(str(exc))


@pytest.fixture
def guard() -> Guard:
    con = duckdb.connect()
    con.execute("CREATE TABLE raw_membres (persona_contacte VARCHAR, email_contacte VARCHAR)")
    con.execute("INSERT INTO raw_membres VALUES ('Montserrat Puigdollers i Vilaseca', 'mpuig@example.org')")
    return Guard(con, ["membres"])


def kinds(hits) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for h in hits:
        found.setdefault(h.file, set()).add(h.kind)
    return found


def test_library_files_and_bundles_are_code_and_not_read(guard, modules, tmp_path):
    worker = jsbundle.library_file(WORKER)
    licence = jsbundle.library_file("apache-arrow/LICENSE.txt")
    bundle = jsbundle.bundle("sql.js")
    installed = (modules / WORKER).read_bytes()
    assert b"@gmail.com" in installed  # a licence notice in the worker names its author's mailbox...
    assert b"@gmail.com" not in worker and jsbundle.ADDRESS_OMITTED in worker  # ...which is not published
    assert b"sourceMappingURL" in installed and b"sourceMappingURL" not in worker
    assert len(worker) > 0.99 * len(installed)
    site = tmp_path / "site"
    (site / "duckdb").mkdir(parents=True)
    (site / "duckdb" / "worker.js").write_bytes(worker)
    (site / "duckdb" / "LICENSE.txt").write_bytes(licence)
    (site / "sql.js").write_bytes(bundle)
    assert jsbundle.pinned_code(site / "duckdb" / "worker.js") == WORKER
    assert jsbundle.pinned_code(site / "sql.js") == "bundle of sql.js"
    assert guard.scan(site) == []

    # one byte more and it is not the pinned code any longer: read, and the detectors fire
    (site / "duckdb" / "worker.js").write_bytes(installed)  # as npm installed it: not the published form
    (site / "sql.js").write_bytes(bundle.replace(b"DuckDB", b"DuckDb", 1))
    (site / "duckdb" / "LICENSE.txt").write_bytes(licence + b"mpuig@example.org\n")
    assert jsbundle.pinned_code(site / "sql.js") is None
    found = kinds(guard.scan(site))
    assert "correu electrònic / e-mail" in found["duckdb/worker.js"]
    assert "telèfon / phone" in found["sql.js"]
    assert "duckdb/LICENSE.txt" in found


def test_a_data_file_equal_in_size_to_a_library_file_is_read(guard, modules, tmp_path):
    licence = jsbundle.library_file("apache-arrow/NOTICE.txt")
    fake = b"Contacte: mpuig@example.org\n"
    fake += b"x" * (len(licence) - len(fake))
    assert len(fake) == len(licence)
    (tmp_path / "notes.txt").write_bytes(fake)
    assert jsbundle.pinned_code(tmp_path / "notes.txt") is None
    assert guard.scan(tmp_path) != []


def test_without_the_libraries_nothing_is_taken_for_code(guard, modules, tmp_path, monkeypatch):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "worker.js").write_bytes((modules / WORKER).read_bytes())
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("LOCALRET_NODE_MODULES", str(empty))
    assert jsbundle.pinned_code(tmp_path / "site" / "worker.js") is None
    assert "correu electrònic / e-mail" in kinds(guard.scan(tmp_path / "site"))["worker.js"]
