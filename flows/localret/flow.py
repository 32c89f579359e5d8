"""The publish flow: each stage of pipeline.py as a Prefect task, with retries where I/O can
fail, and the validation report and publication summary left as artifacts."""

from __future__ import annotations

import os
import sys

# Offline and quiet (docs/PREFECT.md): set before Prefect is imported; an operator's own
# environment wins.
_OPERATOR_SET = {key for key in os.environ if key.startswith("PREFECT_")}
for _key, _value in {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_LOGGING_TO_API_ENABLED": "false",
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_UI_ENABLED": "false",
}.items():
    os.environ.setdefault(_key, _value)

import contextlib  # noqa: E402
import datetime as dt  # noqa: E402
import logging  # noqa: E402
import logging.handlers  # noqa: E402
from pathlib import Path  # noqa: E402

from prefect import flow, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings  # noqa: E402

from localret import options, pipeline  # noqa: E402

# Sources may sit on a network share, the output on object storage: retry those stages.
IO_STAGES = {"ingest", "archive-inputs", "database", "site", "pull", "push"}


def _as_task(stage: str, fn, *args):
    retries = dict(retries=2, retry_delay_seconds=2) if stage in IO_STAGES else {}
    result = task(fn, name=stage, cache_policy=NO_CACHE, **retries)(*args)
    if stage == "validate":
        create_markdown_artifact(key="validation-report", markdown=result.to_markdown(),
                                 description="Informe de validació / validation report")
    if stage == "release":
        create_table_artifact(
            key="publication-summary",
            table=[{"dataset": r.dataset, "version": r.version, "new": r.released, "bump": r.bump,
                    "rows": sum(r.rows.values()), "summary": r.summary} for r in result],
            description="Publicació / publication")
    return result


@flow(name="localret-publish", log_prints=False)
def publish_flow(sources: str, out: str, state: str, as_of: str | None = None,
                 base_url: str = "https://dades.localret.cat/", wait: float = 0) -> pipeline.Outcome:
    """Plain parameters, so that a scheduled deployment can carry them; as_of None = today.
    The options are checked here too (options.py): a deployment's parameters never went
    through the CLI."""
    opts = pipeline.make_options(sources, out, state, options.as_of(as_of).isoformat(), options.base_url(base_url), wait)
    return pipeline.publish(opts, call=_as_task)


def _submit(fn, *args):
    """Each dataset's work as its own task run, on whatever task runner the flow has."""
    return task(fn, name=f"dataset:{args[1]}", cache_policy=NO_CACHE).submit(*args)


@flow(name="localret-publish-spread", log_prints=False)
def publish_spread_flow(sources: str, out: str, state: str, as_of: str | None = None,
                        base_url: str = "https://dades.localret.cat/", wait: float = 0) -> pipeline.Outcome:
    """The same run with per-dataset work submitted to the task runner (Dask)."""
    opts = pipeline.make_options(sources, out, state, options.as_of(as_of).isoformat(), options.base_url(base_url), wait)
    return pipeline.publish(opts, call=_as_task, submit=_submit)


def run_publish_flow(opts: pipeline.Options, dask_address: str | None = None, dask_workers: int | None = None,
                     log_file: Path | list[Path] | None = None) -> pipeline.Outcome:
    """Run the flow; with a Dask scheduler address (or a worker count for a local cluster),
    each dataset is prepared on the Dask cluster through prefect-dask. With `log_file`,
    Prefect's own console logging goes there instead of the terminal (the CLI's case; a list:
    the first that can be written)."""
    args = (str(opts.sources), opts.remote or str(opts.out), str(opts.state), opts.as_of.isoformat(), opts.base_url, opts.wait)
    # The heartbeat thread costs ~1 s at the end of every run and only serves a live UI.
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}), prefect_log_to(log_file):
        if dask_address is None and dask_workers is None:
            return publish_flow(*args)
        from prefect_dask import DaskTaskRunner

        runner = (DaskTaskRunner(address=dask_address) if dask_address else
                  DaskTaskRunner(cluster_kwargs={"n_workers": dask_workers, "threads_per_worker": 1, "processes": True,
                                                 "dashboard_address": None}))
        return publish_spread_flow.with_options(task_runner=runner)(*args)


# Handlers that write to the terminal: Prefect's console handler and plain stream handlers.
def _is_console(handler: logging.Handler) -> bool:
    return (isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler)
            and getattr(handler, "stream", None) in (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__))


@contextlib.contextmanager
def prefect_log_to(path: Path | list[Path] | None):
    """While the CLI runs a flow, Prefect's console logging (flow and task states, the
    traceback of a failed run, retries, server messages) goes to `path` at INFO level, so that
    the terminal shows exactly what `--no-prefect` shows. The handlers are put back after."""
    if not path:
        yield
        return
    handler = None
    for candidate in ([path] if isinstance(path, Path) else path):  # the first folder that can be written
        try:
            candidate.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(candidate, maxBytes=5 * 2**20, backupCount=3, encoding="utf-8")
            break
        except OSError:
            continue
    if handler is None:
        handler = logging.NullHandler()  # still nothing on the terminal: our own messages say what failed
    handler.setFormatter(logging.Formatter("%(asctime)s | %(levelname)-7s | %(name)s - %(message)s"))
    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
                                       if name.split(".")[0] in ("prefect", "uvicorn", "fastapi", "httpx", "distributed")]
    swapped: list[tuple[logging.Logger, list[logging.Handler]]] = []
    levels: list[tuple[logging.Logger, int]] = []
    for logger in loggers:
        if isinstance(logger, logging.Logger) and any(_is_console(h) for h in logger.handlers):
            swapped.append((logger, list(logger.handlers)))
            logger.handlers = [h for h in logger.handlers if not _is_console(h)] + [handler]
    prefect_logger = logging.getLogger("prefect")
    if "PREFECT_LOGGING_LEVEL" not in _OPERATOR_SET and prefect_logger.getEffectiveLevel() > logging.INFO:
        levels.append((prefect_logger, prefect_logger.level))
        prefect_logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        for logger, handlers in swapped:
            logger.handlers = handlers
        for logger, level in levels:
            logger.setLevel(level)
        handler.close()


def serve_publish(*, name: str, cron: str, sources: Path, out: str, state: Path, base_url: str) -> None:
    # A scheduled run waits up to 30 minutes for a manual run that holds the output.
    parameters = {"sources": str(sources), "out": str(out), "state": str(state), "as_of": None,
                  "base_url": base_url, "wait": 1800}
    publish_flow.serve(name=name, cron=cron, parameters=parameters, pause_on_shutdown=False)
