"""The stages as plain functions, in the order data flows through them:
sources -> ingest -> validate -> build -> release -> publish. The Prefect flow (flow.py) wraps
each one as a task; tests and benchmarks call them directly."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from localret import build, ingest, provenance, release, validate
from localret.errors import InvalidSources, PublishError
from localret.fsutil import atomic_write_bytes


@dataclass
class Options:
    sources: Path
    out: Path
    state: Path
    as_of: dt.date
    base_url: str = "https://dades.localret.cat/"


@dataclass
class Outcome:
    run_id: str
    report: validate.Report
    results: list[release.ReleaseResult] = field(default_factory=list)
    inputs: list[dict] = field(default_factory=list)

    @property
    def published(self) -> list[release.ReleaseResult]:
        return [r for r in self.results if r.released]


def staging_root(out: Path) -> Path:
    """Beside <out>, on the same filesystem (renames are atomic), never inside what is served."""
    return out.parent / f".{out.name}.staging"


def read_sources(folder: Path, progress=None) -> ingest.Sources:
    return ingest.ingest(folder, duckdb.connect(), progress=progress)


def check(sources: ingest.Sources) -> validate.Report:
    return validate.validate(sources)


def build_datasets(sources: ingest.Sources, as_of: dt.date, only: list[str] | None = None) -> list[build.BuiltDataset]:
    return build.build(sources.con, as_of, sources.register_meta, only=only)


def release_all(sources: ingest.Sources, datasets: list[build.BuiltDataset], opts: Options, inputs: list[dict],
                progress=None) -> list[release.ReleaseResult]:
    stage = staging_root(opts.out)
    if stage.exists():
        shutil.rmtree(stage)  # what a crashed run left: never served, never reused half-written
    stage.mkdir(parents=True)
    opts.out.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for dataset in datasets:
            used = [i for i in inputs if i["name"] in dataset.spec.sources]
            results.append(release.release_dataset(
                sources.con, dataset, opts.out, stage, inputs=used, illustrative=sources.illustrative,
                register_meta=sources.register_meta))
            if progress:
                progress(dataset.name)
    except OSError as exc:
        raise PublishError(f"{exc.filename or opts.out}: no s'ha pogut escriure / could not write: {exc.strerror}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return results


def write_database(out: Path, datasets: list[build.BuiltDataset]) -> Path:
    """<out>/localret.duckdb: every table and summary of the latest releases, for querying."""
    target = out / "localret.duckdb"
    tmp = out.parent / f".{out.name}.staging-db-{target.name}"
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        for ds in datasets:
            for res in ds.resources:
                pq = out / ds.name / "latest" / f"{res.spec.name}.parquet"
                con.execute(f'CREATE TABLE "{res.spec.table[4:]}" AS SELECT * FROM read_parquet(\'{pq}\')')
                con.execute(f"COMMENT ON TABLE \"{res.spec.table[4:]}\" IS '{ds.name}/{res.spec.name}'")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    atomic_write_bytes(target, tmp.read_bytes())
    tmp.unlink()
    return target


def publish(opts: Options, progress=None) -> Outcome:
    """Everything, without Prefect: the baseline the orchestrated run is measured against."""
    run_id = provenance.new_run_id()
    sources = read_sources(opts.sources)
    report = check(sources)
    outcome = Outcome(run_id, report)
    if not report.ok:
        raise InvalidSources(report)
    outcome.inputs = provenance.archive_inputs(sources, opts.state)
    datasets = build_datasets(sources, opts.as_of)
    outcome.results = release_all(sources, datasets, opts, outcome.inputs, progress=progress)
    if outcome.published or not (opts.out / "localret.duckdb").exists():
        write_database(opts.out, datasets)
    return outcome
