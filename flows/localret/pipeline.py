"""The stages as plain functions, in the order data flows through them:
sources -> ingest -> validate -> build -> release -> publish. The Prefect flow (flow.py) wraps
each one as a task; tests and benchmarks call them directly."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from localret import build, extras, incremental, ingest, paths, privacy, provenance, release, remote, validate
from filelock import FileLock, Timeout

from localret.errors import Busy, InvalidSources, PublishError
from localret.fsutil import atomic_write_bytes


@dataclass
class Options:
    sources: Path
    out: Path
    state: Path
    as_of: dt.date
    base_url: str = "https://dades.localret.cat/"
    project: Path = paths.ROOT  # where datasets/ and schemas/ are declared
    only: list[str] | None = None  # build and release only these datasets
    wait: float = 0  # seconds to wait for another run's lock before giving up
    remote: str | None = None  # an object-storage URL; then `out` is its local mirror


@dataclass
class Outcome:
    run_id: str
    report: validate.Report
    results: list[release.ReleaseResult] = field(default_factory=list)
    inputs: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # up to date: not even built

    @property
    def published(self) -> list[release.ReleaseResult]:
        return [r for r in self.results if r.released]


def make_options(sources, out: str, state, as_of: str | None, base_url: str, wait: float = 0) -> Options:
    """Options from plain values (the CLI's and a deployment's); `out` may be a URL."""
    state = Path(state).resolve()
    when = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    if remote.is_remote(out):
        return Options(Path(sources).resolve(), remote.mirror_for(out, state), state, when, base_url, wait=wait, remote=out)
    return Options(Path(sources).resolve(), Path(out).resolve(), state, when, base_url, wait=wait)


def staging_root(out: Path) -> Path:
    """Beside <out>, never inside what is served; but on <out>'s own filesystem, where
    renames are atomic: when <out> is a mount point, inside it as a hidden folder."""
    if out.exists() and os.stat(out).st_dev != os.stat(out.parent).st_dev:
        return out / ".staging"
    return out.parent / f".{out.name}.staging"


# DuckDB spills to disk past this, so that a huge or hostile export cannot take the memory
# of a small server (rows carry their own numbers: insertion order is not needed).
DUCKDB_SETTINGS = {"memory_limit": "512MB", "preserve_insertion_order": False}


def read_sources(folder: Path, progress=None) -> ingest.Sources:
    con = duckdb.connect(config=DUCKDB_SETTINGS)
    return ingest.ingest(folder, con, progress=progress)


def check(sources: ingest.Sources) -> validate.Report:
    return validate.validate(sources)


def build_datasets(sources: ingest.Sources, opts: Options) -> list[build.BuiltDataset]:
    return build.build(sources.con, opts.as_of, sources.register_meta, only=opts.only, project=opts.project)


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
        raise PublishError(f"{exc.filename or opts.out}: no s'ha pogut escriure / could not write: {exc.strerror}") from None
    except duckdb.IOException as exc:  # DuckDB's own writer (COPY TO): a full disk, say
        raise PublishError(f"{opts.out}: no s'ha pogut escriure / could not write: {str(exc).splitlines()[0][:300]}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def release_all(sources: ingest.Sources, datasets: list[build.BuiltDataset], opts: Options, inputs: list[dict],
                progress=None) -> list[release.ReleaseResult]:
    extras.load_defaults()
    results = []
    with staged(opts) as stage:
        guard = privacy.Guard(sources.con, list(sources.files))
        for dataset in datasets:
            results.append(release.release_dataset(
                sources.con, dataset, opts.out, stage, inputs=inputs, illustrative=sources.illustrative,
                register_meta=sources.register_meta, extra_writers=extras.RELEASE_WRITERS,
                guard=guard, base_url=opts.base_url))
            if progress:
                progress(dataset.name)
        for result in results:  # all prepared and guarded: now visible, one after another
            release.commit(result)
    return results


def prepare_dataset(opts: Options, name: str, inputs: list[dict]) -> release.ReleaseResult:
    """One dataset's whole work, self-contained (it reads the validated sources itself and
    returns only plain data), so that it can run on another worker: build, write, guard,
    stage. Making it visible stays with the run that holds the lock (release.commit)."""
    sources = read_sources(opts.sources)
    validate.typed_tables(sources)
    built = build.build(sources.con, opts.as_of, sources.register_meta, only=[name], project=opts.project)
    extras.load_defaults()
    return release.release_dataset(
        sources.con, built[0], opts.out, staging_root(opts.out), inputs=inputs, illustrative=sources.illustrative,
        register_meta=sources.register_meta, extra_writers=extras.RELEASE_WRITERS,
        guard=privacy.Guard(sources.con, list(sources.files)), base_url=opts.base_url)


def release_spread(opts: Options, names: list[str], inputs: list[dict], submit) -> list[release.ReleaseResult]:
    """Prepare every dataset through `submit` (e.g. Dask workers), then commit them here."""
    with staged(opts):
        results = [f.result() for f in [submit(prepare_dataset, opts, name, inputs) for name in names]]
        for result in results:
            release.commit(result)
    return results


def write_database(out: Path, specs: list[build.DatasetSpec]) -> Path:
    """<out>/localret.duckdb: every table and summary of the latest releases, for querying."""
    target = out / "localret.duckdb"
    tmp = out.parent / f".{out.name}.staging-db-{target.name}"
    tmp.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
    except duckdb.IOException as exc:
        raise PublishError(f"{tmp}: no s'ha pogut escriure / could not write: {str(exc).splitlines()[0][:300]}") from None
    try:
        for ds in specs:
            for res in ds.resources:
                pq = out / ds.name / "latest" / f"{res.name}.parquet"
                if not pq.exists():
                    continue
                con.execute(f'CREATE TABLE "{res.table[4:]}" AS SELECT * FROM read_parquet(\'{pq}\')')
                con.execute(f"COMMENT ON TABLE \"{res.table[4:]}\" IS '{ds.name}/{res.name}'")
        con.execute("CHECKPOINT")
    except duckdb.IOException as exc:
        raise PublishError(f"{tmp}: no s'ha pogut escriure / could not write: {str(exc).splitlines()[0][:300]}") from None
    finally:
        con.close()
    atomic_write_bytes(target, tmp.read_bytes())
    tmp.unlink()
    return target


def publish_site(out: Path, base_url: str) -> None:
    """Feeds, catalogue and pages over everything published under <out>."""
    extras.load_defaults()
    try:
        for writer in extras.SITE_WRITERS:
            writer(out, base_url)
    except OSError as exc:
        raise PublishError(f"{exc.filename or out}: no s'ha pogut escriure / could not write: {exc.strerror}") from None


def needs_site(out: Path, outcome: "Outcome") -> bool:
    """After a release, or when a crashed run released without rebuilding the site."""
    return bool(outcome.published) or release.pending_marker(out).exists() or not (out / "index.html").exists()


def archive(sources: ingest.Sources, state: Path) -> list[dict]:
    return provenance.archive_inputs(sources, state)


def plain_call(stage: str, fn, *args):
    return fn(*args)


def lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


@contextmanager
def exclusive(out: Path, wait: float):
    """One publisher per output folder. The lock is the kernel's (flock): a run that is
    killed releases it, so a stale lock can never block the next night."""
    lock = FileLock(str(lock_path(out)), timeout=wait)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        raise Busy(f"{out}: una altra execució està publicant (esperat {wait:g} s) / another run is publishing "
                   f"(waited {wait:g} s); torneu-ho a provar més tard / try again later") from None
    except OSError as exc:
        raise PublishError(f"{exc.filename or out}: no s'ha pogut escriure / could not write: {exc.strerror}") from None
    try:
        yield
    finally:
        lock.release()


def publish(opts: Options, call=plain_call, submit=None) -> Outcome:
    """Every stage in order, holding the output's lock. `call(stage, fn, *args)` runs one
    stage: directly here, as a Prefect task in flow.py; the order stays in this one place.
    With `submit(fn, *args) -> future`, each dataset's work is spread (flow.py: Dask)."""
    with exclusive(opts.out, opts.wait):
        return _publish(opts, call, submit)


def _publish(opts: Options, call, submit=None) -> Outcome:
    started = dt.datetime.now(dt.timezone.utc)
    outcome = Outcome(provenance.new_run_id(started), validate.Report())
    status = "failed"
    try:
        if opts.remote:
            call("pull", remote.pull, opts.remote, opts.out)
        sources = call("ingest", read_sources, opts.sources)
        outcome.inputs = call("archive-inputs", archive, sources, opts.state)
        outcome.report = call("validate", check, sources)
        if not outcome.report.ok:
            status = "invalid"
            raise InvalidSources(outcome.report)
        specs = [s for s in build.load_specs(opts.project) if opts.only is None or s.name in opts.only]
        skip, keys = incremental.plan(specs, outcome.inputs, opts.out, opts.state, opts.project, paths.REGISTER)
        outcome.skipped = skip
        todo = replace(opts, only=[s.name for s in specs if s.name not in skip])
        if submit is None:
            datasets = call("build", build_datasets, sources, todo)
            outcome.results = call("release", release_all, sources, datasets, opts, outcome.inputs)
        else:
            outcome.results = release_spread(opts, todo.only, outcome.inputs, submit)
        outcome.results += [release.unchanged(opts.out, name) for name in skip]
        order = [s.name for s in specs]
        outcome.results.sort(key=lambda r: order.index(r.dataset))
        if needs_site(opts.out, outcome):
            call("database", write_database, opts.out, specs)
            call("site", publish_site, opts.out, opts.base_url)
            release.pending_marker(opts.out).unlink(missing_ok=True)
        if opts.remote:
            call("push", remote.push, opts.out, opts.remote)
        status = "published" if outcome.published else "unchanged"
        incremental.remember(opts.state, opts.out, keys)
        return outcome
    finally:
        provenance.write_run_record(opts.state, {
            "run_id": outcome.run_id, "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "code": provenance.code_version(), "sources": str(opts.sources), "out": str(opts.out),
            "as_of": opts.as_of.isoformat(), "inputs": outcome.inputs, "outcome": status,
            "errors": outcome.report.error_count, "warnings": outcome.report.warning_count,
            "releases": [{"dataset": r.dataset, "version": r.version, "new": r.released} for r in outcome.results],
        })
