"""The run: which stages, in which order, under the output's lock. Stages themselves are in
stages.py (sources -> ingest -> validate -> build -> release -> publish); the Prefect flow
(flow.py) passes a `call` that runs each one as a task.

This module imports no pandas or DuckDB: a run whose inputs, declarations, code and output
are those of the last successful run (freshness.py) ends here before loading them."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from localret import freshness, incremental, options, paths, progress, provenance, remote
from localret.errors import InvalidSources
from localret.outdir import exclusive, pending_marker
from localret.validate.report import Report
from localret.versions import ReleaseResult, unchanged


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
    report: Report
    results: list[ReleaseResult] = field(default_factory=list)
    inputs: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # up to date: not even built
    up_to_date: str | None = None  # the run id whose work is still current: nothing ran

    @property
    def published(self) -> list[ReleaseResult]:
        return [r for r in self.results if r.released]


def make_options(sources, out: str, state, as_of: str | None, base_url: str, wait: float = 0) -> Options:
    """Options from plain values (the CLI's and a deployment's); `out` may be a URL."""
    from localret import options

    state, sources = Path(state).resolve(), Path(sources).resolve()
    when = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    if remote.is_remote(out):
        options.folders(sources, None, state)
        return Options(sources, remote.mirror_for(out, state), state, when, base_url, wait=wait, remote=out)
    out = Path(out).resolve()
    options.folders(sources, out, state)
    return Options(sources, out, state, when, base_url, wait=wait)


def plain_call(stage: str, fn, *args):
    return fn(*args)


def publish(opts: Options, call=plain_call, submit=None) -> Outcome:
    """Every stage in order, holding the output's lock. `call(stage, fn, *args)` runs one
    stage: directly here, as a Prefect task in flow.py; the order stays in this one place.
    With `submit(fn, *args) -> future`, each dataset's work is spread (flow.py: Dask).
    Each stage is timed (for the run record) and announced to whoever listens (progress.py)."""
    durations: dict[str, float] = {}
    call = _timed(call, durations)
    with exclusive(opts.out, opts.wait):
        clock = time.perf_counter()  # the run's own time: not the wait for another run's lock
        options.published_reference_date(opts.out, opts.as_of)
        key = call("freshness", freshness.run_key, opts)
        record = freshness.up_to_date(opts, key)
        if record is not None:
            return _nothing_to_do(opts, record, durations, clock)
        return _publish(opts, call, key, submit, durations, clock)


def _timed(call, durations: dict[str, float]):
    def timed(stage: str, fn, *args):
        with progress.stage(stage, durations):
            return call(stage, fn, *args)
    return timed


def _nothing_to_do(opts: Options, record: dict, durations: dict[str, float], clock: float) -> Outcome:
    started = dt.datetime.now(dt.timezone.utc)
    outcome = Outcome(provenance.new_run_id(started), Report(), inputs=record["inputs"], skipped=list(record["datasets"]),
                      up_to_date=record["run_id"])
    outcome.results = [unchanged(opts.out, name, "sense canvis des de l'última execució / unchanged since the last run")
                       for name in record["datasets"]]
    _record(opts, outcome, started, "up-to-date", durations, time.perf_counter() - clock)
    return outcome


def _publish(opts: Options, call, key: str, submit, durations: dict[str, float], clock: float) -> Outcome:
    # Imported here: a run with nothing to do (above) never pays for pandas and DuckDB.
    from localret import build, privacy, publication, stages
    from localret.publisher import load as load_publisher, require_code

    started = dt.datetime.now(dt.timezone.utc)
    outcome = Outcome(provenance.new_run_id(started), Report())
    status = "failed"
    try:
        if opts.remote:
            call("pull", remote.pull, opts.remote, opts.out)
        publication.recover(opts.out)  # a commit a killed run left is completed first
        publisher = load_publisher(opts.project)  # a broken publisher.yaml stops the run before any work
        sources = call("ingest", stages.read_sources, opts.sources)
        outcome.inputs = call("archive-inputs", stages.archive, sources, opts.state)
        outcome.report = call("validate", stages.check, sources)
        if not outcome.report.ok:
            status = "invalid"
            raise InvalidSources(outcome.report)
        # Real data only under the real DIR3 code (after validation: a broken manifest.json, which
        # says whether the data are illustrative, is an invalid source first).
        require_code(publisher, sources.illustrative)
        specs = [s for s in build.load_specs(opts.project) if opts.only is None or s.name in opts.only]
        skip, keys = incremental.plan(specs, outcome.inputs, opts.out, opts.state, opts.project, paths.REGISTER)
        outcome.skipped = skip
        # Every writer works in a shadow of <out>; nothing is visible until the commit.
        with publication.transaction(opts.out) as shadow:
            staged = replace(opts, out=shadow)
            todo = replace(staged, only=[s.name for s in specs if s.name not in skip])
            if submit is None:
                datasets = call("build", stages.build_datasets, sources, todo)
                outcome.results = call("release", stages.release_all, sources, datasets, staged, outcome.inputs)
            else:
                with progress.stage("release", durations):  # build and release, per dataset on the cluster
                    outcome.results = stages.release_spread(staged, todo.only, outcome.inputs, submit)
            outcome.results += [unchanged(shadow, name) for name in skip]
            order = [s.name for s in specs]
            outcome.results.sort(key=lambda r: order.index(r.dataset))
            if stages.needs_site(shadow, outcome):
                call("database", stages.write_database, shadow, specs)
                call("site", stages.publish_site, shadow, opts.base_url)
            guard = privacy.Guard(sources.con, list(sources.files))
            call("commit", publication.commit, opts.out, shadow, guard)
        for result in outcome.results:
            if result.folder is not None:
                result.folder = opts.out / result.dataset / result.folder.name
        pending_marker(opts.out).unlink(missing_ok=True)  # left by runs of earlier versions
        if opts.remote:
            call("push", remote.push, opts.out, opts.remote)
        status = "published" if outcome.published else "unchanged"
        incremental.remember(opts.state, opts.out, keys)
        freshness.remember(opts, key, outcome.run_id, order, outcome.inputs)
        return outcome
    finally:
        _record(opts, outcome, started, status, durations, time.perf_counter() - clock)


def _record(opts: Options, outcome: Outcome, started: dt.datetime, status: str, durations: dict[str, float],
            seconds: float) -> None:
    """The run record. `stage_seconds` says where the time went, stage by stage in the order
    they ran (a failed run: up to and including the stage that failed); `seconds` is the
    whole run once it held the lock: the stages' time plus what lies between them."""
    provenance.write_run_record(opts.state, {
        "run_id": outcome.run_id, "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "code": provenance.code_version(), "sources": str(opts.sources), "out": str(opts.out),
        "as_of": opts.as_of.isoformat(), "inputs": outcome.inputs, "outcome": status,
        "up_to_date_with": outcome.up_to_date,
        "errors": outcome.report.error_count, "warnings": outcome.report.warning_count,
        "releases": [{"dataset": r.dataset, "version": r.version, "new": r.released} for r in outcome.results],
        "seconds": round(seconds, 3), "stage_seconds": dict(durations),
    })
