"""The stages as plain functions, in the order data flows through them: ingest -> validate
-> build -> release -> publish. pipeline.py decides which run and holds the output's lock;
the Prefect flow (flow.py) runs each one as a task; tests and benchmarks call them directly."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from localret import build, extras, ingest, progress, provenance, release, schema, validate
from localret.errors import PublishError, could_not_write
from localret.fault import writer_points
from localret.fsutil import atomic_write_bytes
from localret.outdir import staging_root

if TYPE_CHECKING:
    from localret.pipeline import Options, Outcome


# DuckDB spills to disk past this, so that a huge or hostile export cannot take the memory
# of a small server (rows carry their own numbers: insertion order is not needed).
DUCKDB_SETTINGS = {"memory_limit": "512MB", "preserve_insertion_order": False}
# localret.duckdb's storage format: DuckDB 1.4 (the long-term-support release) and later read it.
DATABASE_STORAGE_VERSION = "v1.4.0"


def read_sources(folder: Path) -> ingest.Sources:
    con = _connect()
    files = len(schema.SOURCE_NAMES)
    read = {"files": 0, "rows": 0}

    def done(name: str, rows: int) -> None:  # rows read so far; how many in all is known only at the end
        read["files"] += 1
        read["rows"] += rows
        progress.update(read["rows"], None, "rows", f"{read['files']}/{files} fitxers / files ({name})")

    progress.update(0, None, "rows")
    return ingest.ingest(folder, con, progress=done)


def _connect() -> duckdb.DuckDBPyConnection:
    """DuckDB spills into a private folder (0700) of this connection, removed with it (or at
    exit): the raw tables hold private fields, never for DuckDB's default `.tmp` in the
    working directory, and a long-lived worker must not collect one folder per run."""
    import tempfile
    import weakref

    folder = tempfile.mkdtemp(prefix="localret-spill-")
    con = duckdb.connect(config={**DUCKDB_SETTINGS, "temp_directory": folder})
    weakref.finalize(con, shutil.rmtree, folder, ignore_errors=True)  # also runs at exit
    return con


def check(sources: ingest.Sources) -> validate.Report:
    total = sum(f.rows for f in sources.files.values())
    progress.update(0, total, "rows")
    return validate.validate(sources, progress=lambda name, rows: progress.update(
        advance=rows, detail=sources.file_label(name)))


def build_datasets(sources: ingest.Sources, opts: Options) -> list[build.BuiltDataset]:
    return build.build(sources.con, opts.as_of, sources.register_meta, only=opts.only, project=opts.project,
                       progress=progress.update)


@contextmanager
def staged(opts: Options):
    """A fresh staging folder for a run's releases (whatever a crashed run left is discarded,
    never reused half-written), the output repaired first; write errors become exit 3."""
    stage = staging_root(opts.out)
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    opts.out.mkdir(parents=True, exist_ok=True)
    release.repair(opts.out)
    try:
        yield stage
    except OSError as exc:
        raise could_not_write(exc, opts.out) from None
    except duckdb.IOException as exc:  # DuckDB's own writer (COPY TO): a full disk, say
        raise PublishError(f"{opts.out}: no s'ha pogut escriure / could not write: {str(exc).splitlines()[0][:300]}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def release_all(sources: ingest.Sources, datasets: list[build.BuiltDataset], opts: Options,
                inputs: list[dict]) -> list[release.ReleaseResult]:
    extras.load_defaults()
    results = []
    # Rows count as done once they are in every format; the spreadsheet writer, the slow one,
    # reports its rows as it writes them (xlsx.py), the rest is settled per dataset.
    total = sum(r.rows for d in datasets for r in d.resources)
    done = 0
    progress.update(0, total, "rows")
    with staged(opts) as stage:
        for dataset in datasets:
            progress.update(detail=f"{dataset.name}: CSV, Parquet")
            results.append(release.release_dataset(
                sources.con, dataset, opts.out, stage, inputs=inputs, illustrative=sources.illustrative,
                register_meta=sources.register_meta, extra_writers=extras.RELEASE_WRITERS,
                base_url=opts.base_url))
            done += sum(r.rows for r in dataset.resources)
            progress.update(done, detail=f"{dataset.name}: {results[-1].version}")
        for result in results:  # all prepared: now into place (in the run's shadow of <out>)
            release.commit(result)
    return results


def prepare_dataset(opts: Options, name: str, inputs: list[dict]) -> release.ReleaseResult:
    """One dataset's whole work, self-contained (it reads the validated sources itself and
    returns only plain data), so that it can run on another worker: build, write and
    stage. Making it visible stays with the run that holds the lock (release.commit)."""
    sources = read_sources(opts.sources)
    validate.typed_tables(sources)
    built = build.build(sources.con, opts.as_of, sources.register_meta, only=[name], project=opts.project)
    extras.load_defaults()
    return release.release_dataset(
        sources.con, built[0], opts.out, staging_root(opts.out), inputs=inputs, illustrative=sources.illustrative,
        register_meta=sources.register_meta, extra_writers=extras.RELEASE_WRITERS,
        base_url=opts.base_url)


def release_spread(opts: Options, names: list[str], inputs: list[dict], submit) -> list[release.ReleaseResult]:
    """Prepare every dataset through `submit` (e.g. Dask workers), then commit them here."""
    with staged(opts):
        results = [f.result() for f in [submit(prepare_dataset, opts, name, inputs) for name in names]]
        for result in results:
            release.commit(result)
    return results


def write_database(out: Path, specs: list[build.DatasetSpec]) -> Path:
    return writer_points("database", _write_database)(out, specs)


def _write_database(out: Path, specs: list[build.DatasetSpec]) -> Path:
    """<out>/localret.duckdb: every table and summary of the latest releases, for querying."""
    target = out / "localret.duckdb"
    tmp = out.parent / f".{out.name}.staging-db-{target.name}"
    tmp.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        # Written in the storage format of DuckDB's long-term-support release, so that it and
        # every later version open it (a file in 2.0's own format is unreadable before 2.0).
        con.execute(f"ATTACH {_sql_text(str(tmp))} AS db (STORAGE_VERSION '{DATABASE_STORAGE_VERSION}')")
        con.execute("USE db")
    except duckdb.IOException as exc:
        con.close()
        raise PublishError(f"{tmp}: no s'ha pogut escriure / could not write: {str(exc).splitlines()[0][:300]}") from None
    tables = sum(len(ds.resources) for ds in specs)
    progress.update(0, tables, "tables")
    try:
        # one transaction: each statement on its own commits to the file (a third of the time)
        con.execute("BEGIN TRANSACTION")
        for ds in specs:
            for res in ds.resources:
                progress.update(advance=1, detail=f"{res.table[4:]}")
                pq = out / ds.name / "latest" / f"{res.name}.parquet"
                if not pq.exists():
                    continue
                con.execute(f'CREATE TABLE "{res.table[4:]}" AS SELECT * FROM read_parquet(\'{pq}\')')
                _describe_table(con, ds.name, res)
        con.execute("COMMIT")
        con.execute("USE memory")
        con.execute("DETACH db")
    except duckdb.IOException as exc:
        raise PublishError(f"{tmp}: no s'ha pogut escriure / could not write: {str(exc).splitlines()[0][:300]}") from None
    finally:
        con.close()
    atomic_write_bytes(target, tmp.read_bytes())
    tmp.unlink()
    return target


def _describe_table(con: duckdb.DuckDBPyConnection, dataset: str, res: build.ResourceSpec) -> None:
    """The schema's words as comments (duckdb_tables(), duckdb_columns(), a client's column
    list): the table's title and description and where it comes from (dataset/table), each
    column's description (its title if it has none)."""
    table = res.table[4:]
    d = res.schema.descriptor
    about = ". ".join(" ".join(str(d[k]).split()).rstrip(".") for k in ("title", "description") if d.get(k))
    con.execute(f'COMMENT ON TABLE "{table}" IS {_sql_text(f"{about}. ({dataset}/{res.name})" if about else f"{dataset}/{res.name}")}')
    present = {row[0] for row in con.execute(f'DESCRIBE "{table}"').fetchall()}
    for f in res.schema.fields:
        text = " ".join(str(f.descriptor.get("description") or f.descriptor.get("title") or "").split())
        if f.name in present and text:
            con.execute(f'COMMENT ON COLUMN "{table}"."{f.name}" IS {_sql_text(text)}')


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def publish_site(out: Path, base_url: str) -> None:
    """Feeds, catalogue and pages over everything published under <out>."""
    extras.load_defaults()
    try:
        for i, writer in enumerate(extras.SITE_WRITERS):
            progress.update(i, len(extras.SITE_WRITERS), "steps", detail=writer.__module__.removeprefix("localret."))
            writer_points("site", writer)(out, base_url)
        progress.update(len(extras.SITE_WRITERS))
    except OSError as exc:
        raise could_not_write(exc, out) from None


def needs_site(out: Path, outcome: "Outcome") -> bool:
    """After a release, or when the site (or the manifest over it) is missing."""
    return bool(outcome.published) or not (out / "index.html").exists() or not (out / "manifest.json").exists()


def archive(sources: ingest.Sources, state: Path) -> list[dict]:
    return provenance.archive_inputs(sources, state)
