"""The `localret` command. Exit codes: 0 done, 1 invalid sources (nothing published),
2 usage error, 3 could not write the output, 4 a dataset declaration is broken,
5 another run holds the output, 6 verification found a mismatch, 7 the privacy guard
stopped the publication, 70 unexpected failure."""

from __future__ import annotations

import atexit
import datetime as dt
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from localret import paths
from localret.errors import InvalidSources, LocalretError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Pipeline de dades obertes del Consorci Localret / Consorci Localret's open-data pipeline.")


class _Console(Console):
    """A closed stdout (`localret publish | head -1`, or `>&-`) is not an outcome: the rest of
    the output is dropped and the run ends with its own exit code (rich would exit 1, which
    reads as "invalid sources")."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        stream = sys.stderr if self.stderr else sys.stdout
        try:  # later flushes (ours, Prefect's) then write nowhere instead of failing again
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass


console = _Console(stderr=False, highlight=False, soft_wrap=True)
err = _Console(stderr=True, highlight=False, soft_wrap=True)
DEFAULT_STATE = Path("var/localret")
# The folders the running command was given, for the error log (never in --out or the cwd).
_given: dict[str, object] = {}

SourcesOpt = Annotated[Path, typer.Option("--sources", show_default=False, help="Carpeta de fonts (per defecte, la mostra) / sources folder (default: the bundled sample)")]
OutOpt = Annotated[str, typer.Option("--out", help="Carpeta publicada o URL d'emmagatzematge (s3://bucket/prefix) / published folder or object-storage URL")]
StateOpt = Annotated[Path, typer.Option("--state", help="Arxiu privat d'entrades i registres d'execució / private archive of inputs and run records (never inside --out)")]


@app.command(short_help="Valida i publica / validate and publish")
def publish(
    sources: SourcesOpt = paths.SAMPLE_SOURCES,
    out: OutOpt = str(paths.DEFAULT_OUT),
    state: StateOpt = DEFAULT_STATE,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Data de referència AAAA-MM-DD, de 1997-01-01 a avui / reference date YYYY-MM-DD, 1997-01-01 to today (default: today)")] = None,
    base_url: Annotated[str, typer.Option("--base-url", help="URL base http(s) absoluta del lloc publicat / absolute http(s) base URL of the published site")] = "https://dades.localret.cat/",
    prefect: Annotated[bool, typer.Option("--prefect/--no-prefect", help="Executa com a flux de Prefect / run as a Prefect flow")] = True,
    wait: Annotated[float, typer.Option("--wait", help="Segons d'espera si una altra execució publica / seconds to wait for another run")] = 0,
    dask: Annotated[Optional[str], typer.Option("--dask", help="Adreça d'un planificador Dask (tcp://host:8786) o 'local:N' / Dask scheduler address or 'local:N' workers")] = None,
):
    """Valida les fonts i publica les dades / validate the sources and publish the datasets."""
    from localret import options
    from localret.pipeline import make_options

    from localret.display import showing

    _given.update(state=state, out=out, publishing=True)
    # Checked before any work, the same way the flow checks a deployment's parameters.
    when, base_url = options.as_of(as_of), options.base_url(base_url)
    opts = make_options(sources, out, state, when.isoformat(), base_url, wait)  # and the folders (options.folders)
    with showing():  # each stage's progress, on a terminal only
        if prefect:
            from localret.flow import run_publish_flow

            log = [logs_dir() / "prefect.log", _user_logs() / "prefect.log"]
            if dask and dask.startswith("local:"):
                outcome = run_publish_flow(opts, dask_workers=int(dask.split(":", 1)[1] or 2), log_file=log)
            else:
                outcome = run_publish_flow(opts, dask_address=dask, log_file=log)
        else:
            from localret.pipeline import publish as run

            outcome = run(opts)
    _print_summary(opts, outcome)


@app.command("validate", short_help="Només comprova les fonts / check the sources only")
def validate_cmd(
    sources: SourcesOpt = paths.SAMPLE_SOURCES,
    report: Annotated[Optional[Path], typer.Option("--report", help="Desa l'informe complet en JSON / save the full report as JSON")] = None,
):
    """Només comprova les fonts; no publica res / check the sources only; publishes nothing."""
    from localret import progress
    from localret.display import showing
    from localret.stages import check, read_sources

    if not sources.is_dir():
        raise typer.BadParameter(f"{sources} no és una carpeta / is not a folder", param_hint="--sources")
    with showing():
        with progress.stage("ingest"):
            src = read_sources(sources)
        with progress.stage("validate"):
            result = check(src)
    if report:
        report.write_text(result.to_json(), encoding="utf-8")
    console.print(result.to_text(), markup=False)
    for f in src.files.values():
        console.print(f"  {f.path.name}: {f.rows} files/rows, {f.format}"
                      + (f", {f.encoding}, '{f.delimiter}'" if f.format == "csv" else ""), markup=False)
    raise typer.Exit(0 if result.ok else 1)


@app.command(short_help="Publicació programada / scheduled publishing (Prefect)")
def serve(
    cron: Annotated[str, typer.Option("--cron", help="Horari cron / cron schedule, e.g. '0 3 * * *'")] = "0 3 * * *",
    name: Annotated[str, typer.Option("--name", help="Nom del desplegament / deployment name")] = "nightly",
    sources: SourcesOpt = paths.SAMPLE_SOURCES,
    out: OutOpt = str(paths.DEFAULT_OUT),
    state: StateOpt = DEFAULT_STATE,
    base_url: Annotated[str, typer.Option("--base-url", help="URL base http(s) absoluta del lloc publicat / absolute http(s) base URL of the published site")] = "https://dades.localret.cat/",
):
    """Serveix el flux de publicació com a desplegament de Prefect amb horari /
    serve the publish flow as a scheduled Prefect deployment (needs PREFECT_API_URL)."""
    from localret import options

    _given.update(state=state, out=out)
    base_url = options.base_url(base_url)
    from localret.flow import serve_publish

    try:
        from cronsim import CronSim

        CronSim(cron, dt.datetime.now())
    except Exception:
        raise typer.BadParameter(f"expressió cron no vàlida / invalid cron expression: {cron!r}", param_hint="--cron") from None
    serve_publish(name=name, cron=cron, sources=sources.resolve(), out=out if "://" in out else str(Path(out).resolve()),
                  state=state.resolve(), base_url=base_url)


@app.command("diff", short_help="Canvis entre dues versions / changes between two versions")
def diff_cmd(
    dataset: Annotated[str, typer.Argument(help="Dataset, e.g. membres")],
    v1: Annotated[str, typer.Argument(help="Versió anterior / older version")],
    v2: Annotated[str, typer.Argument(help="Versió posterior / newer version")],
    out: OutOpt = str(paths.DEFAULT_OUT),
    lang: Annotated[str, typer.Option("--lang", help="ca, es o en")] = "ca",
    as_json: Annotated[bool, typer.Option("--json", help="Diferències completes en JSON / full diff as JSON")] = False,
):
    """Què ha canviat entre dues versions publicades / what changed between two published versions."""
    import json

    _given.update(out=out)
    from localret.rebuild import diff_versions

    _check_name(dataset, v1, v2)
    result = diff_versions(Path(out), dataset, v1, v2)
    if as_json:
        console.print(json.dumps(result, ensure_ascii=False, indent=2), markup=False)
        return
    console.print(f"{dataset} {v1} → {v2} ({result['bump']})", markup=False)
    for sentence in result["sentences"]:
        console.print(f"  - {sentence[lang]}", markup=False)
    for t in result["tables"]:
        c = t["counts"]
        console.print(f"  {t['resource']}: +{c['added']} -{c['removed']} ~{c['changed']}"
                      + (f", columnes +{t['columns_added']} -{t['columns_removed']}" if t["columns_added"] or t["columns_removed"] else ""),
                      markup=False)


@app.command(short_help="Comprova el que s'ha publicat / check what is published")
def verify(out: OutOpt = paths.DEFAULT_OUT):
    """Comprova bytes i sha256 de cada versió publicada / check every published release."""
    import tempfile

    from localret import remote
    from localret.verify import verify as run

    _given.update(out=out)
    if remote.is_remote(out):
        with tempfile.TemporaryDirectory(prefix="localret-verify-") as tmp:
            problems, checked, notices = run(remote.fresh_copy(out, Path(tmp) / "public"))
    else:
        if not Path(out).is_dir():
            raise typer.BadParameter(f"{out} no és una carpeta / is not a folder", param_hint="--out")
        problems, checked, notices = run(Path(out))
    for p in problems:
        console.print(f"  ERROR {p}", markup=False)
    for n in notices:
        console.print(f"  AVÍS / NOTICE {n}", markup=False)
    console.print(f"{checked} versions comprovades / releases checked, {len(problems)} problemes / problems", markup=False)
    raise typer.Exit(6 if problems else 0)


@app.command(short_help="Reconstrueix una versió / rebuild a release")
def rebuild(
    dataset: Annotated[str, typer.Argument(help="Dataset, e.g. membres")],
    version: Annotated[str, typer.Argument(help="Versió / version, e.g. 1.2.0")],
    out: OutOpt = str(paths.DEFAULT_OUT),
    state: StateOpt = DEFAULT_STATE,
):
    """Reconstrueix una versió des de les entrades arxivades i comprova que és idèntica /
    rebuild a release from its archived inputs and show it is byte-identical."""
    from localret.rebuild import rebuild as run

    _given.update(state=state, out=out)
    _check_name(dataset, version)
    with console.status("Reconstruint / rebuilding..."):
        problems = run(Path(out), state, dataset, version)
    for p in problems:
        console.print(f"  DIFERENT {p}", markup=False)
    if problems:
        console.print(f"{dataset} {version}: la reconstrucció NO és idèntica / the rebuild is NOT identical", markup=False)
        raise typer.Exit(6)
    console.print(f"{dataset} {version}: idèntica byte a byte / byte-identical", markup=False)


@app.command(short_help="Execucions recents i on ha anat el temps / recent runs and where the time went")
def runs(
    state: StateOpt = DEFAULT_STATE,
    last: Annotated[int, typer.Option("--last", min=1, help="Quantes execucions, les més recents / how many runs, newest first")] = 10,
):
    """Les execucions recents des dels registres de --state, amb el temps de cada etapa /
    the recent runs from the records in --state, with each stage's time."""
    import json

    _given.update(state=state)
    folder = state / "runs"
    records = sorted(folder.glob("*.json"), reverse=True)[:last] if folder.is_dir() else []
    if not records:
        console.print(f"Cap execució registrada a {folder} / no run recorded there", markup=False)
        return
    for path in records:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            console.print(f"{path.name}: il·legible / unreadable ({type(exc).__name__})", markup=False)
            continue
        console.print(run_line(record), markup=False)


@app.command(short_help="Serveix la carpeta publicada per HTTP / serve the published folder over HTTP")
def preview(
    out: Annotated[Path, typer.Option("--out", help="Carpeta publicada / published folder")] = paths.DEFAULT_OUT,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port a 127.0.0.1 (0: qualsevol de lliure) / port on 127.0.0.1 (0: any free one)")] = 8000,
):
    """Serveix <out> a http://127.0.0.1:PORT/ fins a Ctrl+C, amb peticions de rangs: l'explorador hi llegeix
    les taules Parquet, cosa que no pot fer des de file:// / serves <out> on 127.0.0.1 until Ctrl+C, with HTTP
    range requests: the explorer reads the Parquet tables that way, which it cannot do over file://."""
    from localret.rangeserver import RangeServer

    if not (out / "index.html").is_file():
        err.print(f"ERROR: {out}: no hi ha cap lloc publicat (falta index.html); publiqueu-lo primer amb `localret publish --out {out}` / "
                  f"no published site there (index.html is missing); publish it first", markup=False)
        raise typer.Exit(2)
    try:
        server = RangeServer(out, port)
    except OSError as exc:
        err.print(f"ERROR: --port {port}: no s'hi pot escoltar / cannot listen there ({exc.strerror or exc})", markup=False)
        raise typer.Exit(2)
    console.print(f"Servint / serving {out} a / at {server.url}", markup=False)
    console.print(f"Explorador / explorer: {server.url}explora/  ·  Ctrl+C per aturar / to stop", markup=False)
    _flush(sys.stdout)
    import signal

    def stop(signum, frame):  # SIGTERM (a service manager, kill) ends it as Ctrl+C does: cleanly, exit 0
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        console.print("Aturat / stopped.", markup=False)
    finally:
        server.httpd.server_close()


def run_line(record: dict) -> str:
    """A run in two lines: id, outcome and time; then each stage's seconds and share."""
    total = record.get("seconds")
    stages = record.get("stage_seconds")
    head = f"{record.get('run_id', '?')}  {record.get('outcome', '?')}  as-of {record.get('as_of', '?')}"
    head += f"  {total:.1f} s" if isinstance(total, (int, float)) else ""
    if not stages:
        return head + "\n    (sense temps per etapa: registre antic / no stage times: an older record)"
    whole = total or sum(stages.values()) or 1
    parts = [f"{name} {seconds:.1f} s ({100 * seconds / whole:.0f}%)" for name, seconds in stages.items()]
    if total:  # loading the code, planning, the guard's setup: the run's time outside any stage
        other = max(total - sum(stages.values()), 0)
        parts.append(f"altres / other {other:.1f} s ({100 * other / whole:.0f}%)")
    return head + "\n    " + ", ".join(parts)


register_app = typer.Typer(help="Registre oficial de municipis (Idescat) / official register of municipalities", no_args_is_help=True)
app.add_typer(register_app, name="register", short_help="Registre de municipis / register of municipalities")


@register_app.command("import", short_help="Renova el registre des de l'Idescat / renew it from Idescat")
def register_import(
    source: Annotated[Path, typer.Option("--from", help="Carpeta amb les exportacions de l'Idescat / folder with Idescat's exports")],
):
    """Llegeix les exportacions de l'Idescat i renova la instantània de datasets/register /
    read Idescat's exports and renew the snapshot in datasets/register."""
    from localret.register import write_snapshot

    if not source.is_dir():
        raise typer.BadParameter(f"{source} no és una carpeta / is not a folder", param_hint="--from")
    municipis = write_snapshot(source)
    console.print(f"{len(municipis)} municipis → {paths.REGISTER} (Font: Idescat)", markup=False)


NAME_OK = __import__("re").compile(r"[a-z0-9][a-z0-9.-]{0,63}")


def _check_name(*names: str) -> None:
    """Dataset and version names become paths: nothing but plain names (no '../')."""
    for name in names:
        if not NAME_OK.fullmatch(name) or ".." in name:
            raise typer.BadParameter(f"nom no vàlid / invalid name: {name!r}")


def _print_summary(opts, outcome) -> None:
    if outcome.up_to_date:
        console.print(f"Res a fer: fonts, declaracions, codi i sortida idèntics als de l'execució {outcome.up_to_date} / "
                      "nothing to do: sources, declarations, code and output as left by that run", markup=False)
    else:
        console.print(outcome.report.summary_line(), markup=False)
    for note in outcome.report.notes:
        console.print(f"  NOTA / NOTE: {note}", markup=False)
    for r in outcome.results:
        if r.released:
            console.print(f"  PUBLICAT / PUBLISHED {r.dataset} {r.version} ({r.bump}): {r.summary}", markup=False)
        elif r.dataset in outcome.skipped:
            console.print(f"  omès, entrades sense canvis / skipped, inputs unchanged: {r.dataset} {r.version}", markup=False)
        else:
            console.print(f"  sense canvis / unchanged {r.dataset} {r.version}", markup=False)
    rows, datasets, new = sum(sum(r.rows.values()) for r in outcome.results), len(outcome.results), len(outcome.published)
    console.print(f"Llegit / read: {', '.join(i['file'] for i in outcome.inputs)}", markup=False)
    # One whole sentence per language: "files" is Catalan for rows and must not start the English one.
    console.print(f"{rows} files publicades en {datasets} conjunts de dades, {new} versions noves / "
                  f"{rows} rows published in {datasets} datasets, {new} new releases.", markup=False)
    where = opts.remote or opts.out
    console.print(f"On mirar / where to look: {where}/index.html  ·  {where}/<dataset>/latest/", markup=False)


def logs_dir() -> Path:
    """Where this command's logs go: `<state>/logs` (its --state, else the default state
    folder), unless that falls inside --out: then the user's own state folder. Never --out,
    never the working directory itself."""
    logs = Path(_given.get("state") or DEFAULT_STATE).resolve() / "logs"
    out = str(_given.get("out") or "")
    outside = [Path(out).resolve()] if out and "://" not in out else []
    cwd = Path.cwd()
    if "state" not in _given and ((cwd / "catalog.rdf").exists() or any(cwd.glob("*/versions.json"))):
        outside.append(cwd)  # the default state would fall inside a published folder
    if any(logs == o or logs.is_relative_to(o) for o in outside) or logs == Path.cwd():
        return _user_logs()
    return logs


def _user_logs() -> Path:
    home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(home) / "localret" / "logs"


def _write_error_log(text: str) -> Path | None:
    name = f"error-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}-{os.getpid()}.log"
    for folder in (logs_dir, _user_logs):
        try:
            path = folder() / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None


def _standard_streams() -> None:
    """A closed stdin/stdout/stderr (`localret publish >&-`) would let the next file opened
    take its number, and stray writes would land in it: point it at /dev/null instead."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)


def _flush(stream) -> None:
    try:
        if stream is not None:
            stream.flush()
    except (OSError, ValueError):  # a reader that went away: nothing left to tell it
        pass


def main() -> None:
    # DuckDB's bindings report harmless "leaks" when the interpreter tears down objects that
    # Prefect still holds; leave at once, after flushing, so operators see only our output.
    _standard_streams()
    try:
        _main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    else:
        code = 0
    atexit._run_exitfuncs()  # stops Prefect's ephemeral server, flushes its logs
    _flush(sys.stdout)
    _flush(sys.stderr)
    os._exit(code)


def _main() -> None:
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except InvalidSources as exc:
        console.print(exc.report.to_text(), markup=False)
        err.print("No s'ha publicat res / nothing was published.", markup=False)
        sys.exit(1)
    except LocalretError as exc:
        err.print(f"ERROR: {exc}", markup=False)
        if _given.get("publishing"):  # diff, verify, rebuild never publish: nothing to reassure about
            err.print("No s'ha publicat res de nou; les versions anteriors són intactes / nothing new was published; earlier releases are intact.", markup=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("Interromput / interrupted.", markup=False)
        sys.exit(130)
    except Exception as exc:  # usage errors and anything unforeseen
        from typer._click.exceptions import ClickException

        if isinstance(exc, ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        log = _write_error_log(traceback.format_exc())
        where = f"detall / details: {log}" if log else "no s'ha pogut desar el detall / the details could not be saved"
        err.print(f"ERROR inesperat / unexpected error: {type(exc).__name__}: {str(exc)[:300]} ({where})", markup=False)
        sys.exit(70)
