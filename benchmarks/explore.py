"""Exploring in the browser (issue 13): page weight, the members explorer, and a 10M-row table
read partially by the explorer and the SQL page, in headless Chromium over a local range server.

  weight  : gzipped bytes of the landing page and every dataset's index page with everything
            they load (HTML, CSS, JS, images; the lazily loaded SQL engine excluded), against
            the same pages published by the commit before issue 13 (BASE, checked out into a
            temporary `git worktree` and run with its own code); and the map's SVG, gzipped.
  members : the members explorer (membres/membres, ajuntaments at a date: about 900 rows):
            time from navigation to the first `row-count`, then a date change's re-render.
  10M     : a synthetic adhesions table of 10M rows (1M with --quick), written with the
            pipeline's own Parquet writer (localret.package.write_parquet), served in a copy of
            the published sample as contractacio-agregada/latest/adhesions.parquet. The explorer's
            first page and a one-column count (a filter on `operador`), and the SQL page's
            `count(*)` and `GROUP BY operador`: seconds and bytes of the file sent (the server's
            log), against the same queries in DuckDB's Python API on the file (the baseline).
  layout  : the same table with row groups of 122,880, 491,520 (package.ROW_GROUP_SIZE) and
            1,000,000 rows: what a partial reader needs of each (its footer, the column chunks
            it must fetch), and the bytes, requests and seconds of the explorer and of the SQL
            page's GROUP BY on each (the figures behind package.ROW_GROUP_SIZE).

Timings on a shared machine are noisy: each line also gives bytes, requests and the page's
main-thread busy time (CPU), which move much less.

Every request stays on 127.0.0.1 (others are aborted and reported). The page hooks are the
issue's contract: `data-testid="row-count"`, `data-testid="sql-result"`, the map's
`data-codi-ine`, and the explorer's URL form.

    python -m benchmarks.explore [--quick] [--rows N] [--only weight,members,big,layout]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from benchmarks.common import AS_OF, PYTHON, ROOT, WORK, Target

BASE = "3085334"  # the last commit before issue 13's site work
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TABLE = "contractacio-agregada/latest/adhesions.parquet"
FILE = "/adhesions.parquet"  # the server log's paths of that file (latest/ or its release folder)
MEASURES = ("weight", "members", "big", "layout")

# Targets of issue 13.
WEIGHT_GROWTH = 100_000  # bytes gzipped, per page
MAP_SVG = 300_000  # bytes gzipped
MEMBERS_FIRST = 1.0  # s
DATE_CHANGE = 0.2  # s
BIG_SECONDS = 5.0
BIG_SHARE = 0.20
TARGET_ROWS = 10_000_000  # the table those two are set for

# The members view: every ajuntament that was a member on a date (about 900 on AS_OF).
MEMBERS_VIEW = "explora/?taula=membres/membres&tipus_ens=AJUNTAMENT&data={date}"
MEMBERS_DATES = (AS_OF, "2014-06-30")
OPERATOR = "Vodafone España, S.A.U."
SQL_QUERIES = {"count": "SELECT count(*) AS n FROM adhesions",
               "group by": "SELECT operador, count(*) AS n FROM adhesions GROUP BY operador ORDER BY operador"}
# A text of a row count: digits with optional thousands separators (".", ",", thin spaces).
COUNT = re.compile(r"\d[\d.,\u202f\u00a0 ]*")

# Records every value `row-count` takes, and every data-state of `sql-result` (the SQL page's
# loading, running, done), with performance.now() (ms since navigation start): no polling delay
# in the figures.
WATCH_JS = """
(() => {
  window.__rowCounts = [];
  window.__sqlStates = [];
  let last = null, lastState = null;
  const look = () => {
    const el = document.querySelector('[data-testid="row-count"]');
    if (el) {
      const value = (el.getAttribute('data-value') ?? el.textContent).trim();
      if (value !== last && /\\d/.test(value)) { last = value; window.__rowCounts.push([performance.now(), value]); }
    }
    const sql = document.querySelector('[data-testid="sql-result"]');
    const state = sql && sql.getAttribute('data-state');
    if (state && state !== lastState) { lastState = state; window.__sqlStates.push([performance.now(), state]); }
  };
  new MutationObserver(look).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
})();
"""


# ------------------------------------------------------------------------------ publishing
def publish(tree: Path, out: Path, state: Path) -> None:
    """`localret publish --no-prefect` of the bundled sample with `tree`'s own code (the
    compare benchmark's prelude: `localret` comes from that tree alone)."""
    from benchmarks.compare import PUBLISH_CHILD, Side

    for d in (out, state):
        shutil.rmtree(d, ignore_errors=True)
    side = Side("tree", tree, "")
    r = subprocess.run([PYTHON, "-P", "-c", PUBLISH_CHILD, str(tree), "publish", "--sources", str(tree / "datasets" / "sample"),
                        "--out", str(out), "--state", str(state), "--as-of", AS_OF, "--no-prefect"],
                       cwd=tree, env=side.env(ROOT), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"publish with {tree} failed ({r.returncode}): {r.stderr[-2000:] or r.stdout[-2000:]}")


def publish_base(work: Path) -> Path:
    """The sample published by BASE's code (cached under `work`, keyed by the commit)."""
    from benchmarks.compare import add_worktree, git, remove_worktree

    sha = git("rev-parse", BASE)
    out = work / f"base-{sha[:10]}" / "out"
    if (out / "index.html").exists():
        return out
    tree = add_worktree(sha, work)
    try:
        publish(tree, out, out.parent / "state")
    finally:
        remove_worktree(tree)
    return out


# ------------------------------------------------------------------------------ the synthetic table
def synth_table(rows: int, path: Path, metadata: dict[str, str], row_group_size: int | None = None) -> Path:
    """`rows` synthetic adhesions with the published columns, in key order, written by
    package.write_parquet. Bodies are real register municipalities' ajuntaments and invented
    dependent bodies (localret.synth's codes and names), 21 rows each (7 procedures x 3 lots);
    procedures of 2006-2024 with their own lots, services and operators; dates and states
    consistent with the procedure's year. DuckDB's hash() of the row number stands for
    randomness, so that the same `rows` gives the same table (and the columns compress about
    as badly as real ones)."""
    import duckdb
    import pandas as pd

    from localret import package, synth

    munis = [m for ms in synth.municipalities().values() for m in ms]
    n_bodies = math.ceil(rows / 21)
    bodies = []
    for b in range(n_bodies):
        m, suffix = munis[b % len(munis)], b // len(munis)
        name, tipus = synth.body_name(m, suffix)
        bodies.append((b, synth.body_code(m, suffix), name, tipus))
    procs = 400  # 19 years; a body's 7 procedures are 57 apart (distinct modulo 400)
    lots = []
    for p in range(procs):
        year = 2006 + p % 19
        ambit = ["bcn", "gir", "lle", "tar", "lle-bcn", "bcn-gir", "cat"][p % 7]
        pid = f"{ambit}-{year}-{p:03d}"
        first = "FIX_VEU_DADES" if year >= 2015 else "VEU_FIXA"
        for lot, servei in enumerate([first, "MOBIL", "CONNECTIVITAT_DADES"], start=1):
            # Vodafone most often, as in the sample; every operator somewhere.
            operador = synth.sample.OPERATORS[[3, 3, 2, 0, 3, 1, 4, 2, 3][(p * 3 + lot) % 9]]
            lots.append((p, lot, pid, servei, operador, year, f"{year}-{1 + p % 12:02d}-15"))
    con = duckdb.connect(config={"memory_limit": "2GB"})  # sorting 10M rows spills to disk
    con.execute("SET enable_progress_bar = false")
    con.register("b_df", pd.DataFrame(bodies, columns=["b", "codi_ens", "nom_ens", "tipus_ens"]))
    con.register("l_df", pd.DataFrame(lots, columns=["p", "lot_numero", "procediment_id", "servei", "operador", "year", "adj"]))
    con.execute("CREATE TABLE bodies AS SELECT * FROM b_df")
    con.execute("CREATE TABLE lots AS SELECT p, lot_numero, procediment_id, servei, operador, year, CAST(adj AS DATE) AS adj FROM l_df")
    con.execute(f"""
        CREATE TABLE synth AS
        WITH r AS (SELECT i, i // 21 AS b, (CAST(hash(i // 21) % {procs} AS BIGINT) + (i % 21) // 3 * 57) % {procs} AS p, i % 3 + 1 AS lot,
                          CAST(hash(i) % 1000 AS BIGINT) AS h FROM range({rows}) t(i)),
        d AS (SELECT b.codi_ens, b.nom_ens, b.tipus_ens, l.procediment_id, l.lot_numero, l.servei, l.operador, l.year,
                     l.adj + CAST(r.h % 400 - 100 AS INTEGER) AS data_adhesio, r.h
              FROM r JOIN bodies b USING (b) JOIN lots l ON l.p = r.p AND l.lot_numero = r.lot),
        s AS (SELECT *, CASE WHEN h < 20 THEN 'RENUNCIADA'
                             WHEN year < 2021 THEN 'FINALITZADA'
                             WHEN h < 250 THEN 'SOL·LICITADA' ELSE 'VIGENT' END AS estat FROM d)
        SELECT codi_ens, nom_ens, tipus_ens, procediment_id, CAST(lot_numero AS BIGINT) AS lot_numero, servei, data_adhesio,
               CASE WHEN estat IN ('VIGENT', 'FINALITZADA') THEN data_adhesio + 30 END AS data_formalitzacio,
               CASE WHEN estat = 'RENUNCIADA' THEN data_adhesio + 60 END AS data_renuncia,
               CASE WHEN estat = 'FINALITZADA' AND h % 8 = 0 THEN make_date(year + 4, 12, 31) END AS data_fi,
               operador, estat
        FROM s""")
    path.parent.mkdir(parents=True, exist_ok=True)
    package.write_parquet(con, "SELECT * FROM synth ORDER BY codi_ens, procediment_id, lot_numero", path, metadata,
                          row_group_size or package.ROW_GROUP_SIZE)
    con.close()
    return path


def big_out(published: Path, table: Path, dest: Path) -> Path:
    """A copy of `published` whose latest adhesions.parquet is `table`: every copy of that file
    (latest/ and the release folder it comes from; pages may link either) becomes `table`
    (hard links when the file system allows, copies otherwise)."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(published, dest, symlinks=True)
    latest = (published / TABLE).read_bytes()
    name = Path(TABLE).name
    for f in sorted((dest / Path(TABLE).parts[0]).glob(f"*/{name}")):
        if f.read_bytes() == latest:
            f.unlink()
            try:
                os.link(table, f)
            except OSError:
                shutil.copy2(table, f)
    return dest


def cached_table(work: Path, rows: int, metadata: dict[str, str], row_group_size: int) -> Path:
    """synth_table's file, written once per (rows, row group size, the generator's and the
    writer's code, DuckDB version, footer metadata) and reused: writing it is not measured."""
    import inspect

    import duckdb

    from localret import package

    key = hashlib.sha256("\0".join([inspect.getsource(synth_table), inspect.getsource(package.write_parquet), duckdb.__version__,
                                     json.dumps(metadata, sort_keys=True)]).encode()).hexdigest()[:10]
    path = work / "synth" / f"adhesions-{rows}-rg{row_group_size}-{key}.parquet"
    if not path.exists():
        for old in path.parent.glob(f"adhesions-{rows}-rg{row_group_size}-*.parquet"):
            old.unlink()
        t0 = time.perf_counter()
        part = path.with_suffix(".part")
        synth_table(rows, part, metadata, row_group_size)
        part.rename(path)
        print(f"  {rows:,} synthetic adhesions ({row_group_size:,} per row group) written in {time.perf_counter() - t0:.0f} s: "
              f"{mb(path.stat().st_size)}", flush=True)
    return path


def footer_metadata(path: Path) -> dict[str, str]:
    """The key-value metadata of a published Parquet footer (title, Table Schema, Arrow schema)."""
    import pyarrow.parquet as pq

    return {k.decode(): v.decode() for k, v in (pq.read_metadata(path).metadata or {}).items()}


# ------------------------------------------------------------------------------ layout
@dataclass
class Layout:
    rows: int
    row_groups: int
    file: int  # bytes
    footer: int  # the footer and its length (what every partial reader fetches first)
    first_page: int  # footer + every column chunk of the first row group (a first page of 50 rows)
    column: dict[str, int]  # footer + every chunk of one column (a facet over it)
    key_lookup: int  # footer + the chunks of the row groups whose key statistics may hold one body


def layout(path: Path, columns: tuple[str, ...] = ("operador", "estat")) -> Layout:
    """Bytes a range reader needs, from the footer: column chunks are fetched whole."""
    import pyarrow.parquet as pq

    md = pq.read_metadata(path)
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(size - 8)
        footer = int.from_bytes(fh.read(4), "little") + 8

    def chunk(rg: int, col: int) -> int:
        return md.row_group(rg).column(col).total_compressed_size

    names = [md.schema.column(i).name for i in range(md.num_columns)]
    first = footer + sum(chunk(0, c) for c in range(md.num_columns))
    per_column = {name: footer + sum(chunk(rg, names.index(name)) for rg in range(md.num_row_groups)) for name in columns}
    # One body's rows: the row groups whose codi_ens min/max may hold the middle row's code.
    key = names.index("codi_ens")
    stats = [md.row_group(rg).column(key).statistics for rg in range(md.num_row_groups)]
    mid = stats[len(stats) // 2].min
    hit = [rg for rg, s in enumerate(stats) if s is None or not s.has_min_max or s.min <= mid <= s.max]
    lookup = footer + sum(chunk(rg, c) for rg in hit for c in range(md.num_columns))
    return Layout(md.num_rows, md.num_row_groups, size, footer, first, per_column, lookup)


# ------------------------------------------------------------------------------ browser
class Watch:
    """Console errors, page errors and any request that leaves 127.0.0.1 (aborted), as in
    tests/test_browser.py."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.cdp = None  # a Chrome DevTools session (Browser.page)
        self.ranges: list[tuple[float, float]] = []  # (start, end) ms of each finished request of the big table
        page.on("requestfinished", self._finished)
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.route("**/*", self._route)

    def _finished(self, request) -> None:
        if urlsplit(request.url).path.endswith(FILE):
            t = request.timing
            self.ranges.append((t["startTime"], t["startTime"] + max(t["responseEnd"], 0)))

    def in_flight(self) -> int:
        """The most requests of the big table that were open at the same time (1: one after another)."""
        events = sorted([(a, 1) for a, _ in self.ranges] + [(b, -1) for _, b in self.ranges])
        most = now = 0
        for _, step in events:
            now += step
            most = max(most, now)
        return most

    def _route(self, route):
        url = route.request.url
        if url.startswith("data:") or url.startswith("blob:") or urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


class Browser:
    """Headless Chromium (Playwright); each page in a fresh context (nothing cached)."""

    def __enter__(self) -> "Browser":
        from playwright.sync_api import sync_playwright

        if not CHROMIUM.exists():
            raise RuntimeError(f"{CHROMIUM} is not installed (apt-get install chromium)")
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        self.outside: list[str] = []
        self.errors: list[str] = []
        return self

    def __exit__(self, *exc) -> None:
        self.browser.close()
        self._pw.stop()

    def page(self):
        context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="ca-ES", service_workers="block")
        page = context.new_page()
        watch = Watch(page)
        # The renderer's main-thread busy time (Chrome's Performance.getMetrics TaskDuration):
        # CPU seconds of the page's own work, less noisy than wall time on a shared machine.
        watch.cdp = context.new_cdp_session(page)
        watch.cdp.send("Performance.enable")
        page.add_init_script(WATCH_JS)
        return context, page, watch

    def done(self, context, watch: Watch, where: str) -> None:
        self.outside += watch.outside
        self.errors += [f"{where}: {e}" for e in watch.errors]
        context.close()


def busy(watch: Watch) -> float:
    """Seconds the page's main thread has been busy so far (all its tasks: parsing, script,
    layout; a worker's work is not in it)."""
    metrics = {m["name"]: m["value"] for m in watch.cdp.send("Performance.getMetrics")["metrics"]}
    return float(metrics.get("TaskDuration", 0.0))


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def served_paths(server, skip: str = "duckdb") -> list[str]:
    """Every distinct path the server answered (200/206), but the SQL engine's files."""
    seen = []
    for e in server.log.requests():
        path = e.path.split("?")[0].split("#")[0]
        if e.status in (200, 206, 304) and skip not in path and path not in seen:
            seen.append(path)
    return seen


def page_weight(browser: Browser, server, out: Path, rel: str) -> tuple[int, list[str]]:
    """Gzipped bytes of a page and of every file it loads (each file gzipped on its own, as a
    server with gzip on would send it; a file read by ranges counts the bytes sent), in a fresh
    context; the paths it loaded."""
    context, page, watch = browser.page()
    server.log.clear()
    page.goto(server.url + rel, wait_until="load")
    page.wait_for_load_state("networkidle")
    paths = served_paths(server)
    ranged = {e.path.split("?")[0]: 0 for e in server.log.requests() if e.status == 206}
    for e in server.log.requests():
        if e.path.split("?")[0] in ranged:
            ranged[e.path.split("?")[0]] += e.sent
    total = 0
    for p in paths:
        f = out / p.lstrip("/")
        if f.is_dir():
            f = f / "index.html"
        total += ranged[p] if p in ranged else gz(f.read_bytes()) if f.is_file() else 0
    browser.done(context, watch, rel)
    return total, paths


def landing_pages(out: Path) -> list[str]:
    """The landing page and every dataset's index page (Catalan: the pages people land on)."""
    return ["index.html"] + [f"{p.parent.name}/index.html" for p in sorted(out.glob("*/versions.json"))]


def map_svg(out: Path) -> tuple[int, str]:
    """Gzipped bytes of the map's SVG: an .svg file under mapa/ holding the municipalities, or
    the inline <svg> of mapa/index.html that holds them."""
    for f in sorted((out / "mapa").glob("**/*.svg")):
        data = f.read_bytes()
        if b"data-codi-ine" in data:
            return gz(data), f.relative_to(out).as_posix()
    page = (out / "mapa" / "index.html").read_text(encoding="utf-8")
    for m in re.finditer(r"<svg\b.*?</svg>", page, re.S):
        if "data-codi-ine" in m.group(0):
            return gz(m.group(0).encode()), "mapa/index.html (inline <svg>)"
    raise RuntimeError("no SVG with data-codi-ine under mapa/")


def row_counts(page) -> list[tuple[float, str]]:
    return [(t / 1000, v) for t, v in page.evaluate("window.__rowCounts || []")]


def count_value(text: str) -> int:
    m = COUNT.search(text)
    if not m:
        raise ValueError(f"no number in row-count {text!r}")
    return int(re.sub(r"\D", "", m.group(0)))


def wait_count(page, after: int = 0, timeout: float = 60) -> tuple[float, int]:
    """The (seconds since navigation, value) of the first row-count recorded after the
    `after`-th one."""
    page.wait_for_function(f"(window.__rowCounts || []).length > {after}", timeout=timeout * 1000)
    t, v = row_counts(page)[after]
    return t, count_value(v)


@dataclass
class Members:
    first: float  # s from navigation to the first row-count
    first_count: int
    change: float  # s from setting the date to the new row-count
    change_count: int
    first_cpu: float = 0.0  # main-thread busy seconds until the first view
    change_cpu: float = 0.0  # main-thread busy seconds of the date change


def members(browser: Browser, server) -> Members:
    context, page, watch = browser.page()
    try:
        page.goto(server.url + MEMBERS_VIEW.format(date=MEMBERS_DATES[0]), wait_until="commit")
        first, n = wait_count(page)
        first_cpu = busy(watch)
        page.wait_for_load_state("load")
        date = page.locator('input[type="date"]').first
        date.wait_for(state="visible")
        page.wait_for_load_state("networkidle")
        seen = len(row_counts(page))
        cpu = busy(watch)
        # performance.now() when the value is set and `input`/`change` are dispatched: the
        # re-render time is measured in the page, with no round trip to Python in it.
        started = page.evaluate("""([sel, value]) => {
            const el = document.querySelector(sel);
            const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
            const t = performance.now();
            set.call(el, value);
            el.dispatchEvent(new Event('input', {bubbles: true}));
            el.dispatchEvent(new Event('change', {bubbles: true}));
            return t;
        }""", ['input[type="date"]', MEMBERS_DATES[1]]) / 1000
        t, m = wait_count(page, after=seen, timeout=30)
        return Members(first, n, t - started, m, first_cpu, busy(watch) - cpu)
    finally:
        browser.done(context, watch, "members")


@dataclass
class Big:
    seconds: float
    sent: int  # bytes of the Parquet file sent
    requests: int
    value: str
    cpu: float = 0.0  # the page's main-thread busy seconds
    total: int = 0  # bytes of everything the page loaded (the SQL engine included)
    engine: float | None = None  # SQL page: s from navigation until the query starts (data-state "running")
    in_flight: int = 0  # the most requests of the file open at once


def explorer_big(browser: Browser, server) -> Big:
    """The explorer on the big table filtered by one operator: the first page and the count of
    the rows matching (a count over one column, what a facet shows) both on screen."""
    context, page, watch = browser.page()
    server.log.clear()
    try:
        url = f"explora/?taula=contractacio-agregada/adhesions&operador={quote(OPERATOR)}"
        page.goto(server.url + url, wait_until="commit")
        t, n = wait_count(page, timeout=120)
        # The first page (a data row on screen) and the facet of the filtered column with its
        # counts (the explorer's facet boxes: data-testid="facet-<field>", values with data-count).
        page.wait_for_function("""() => document.querySelector('table tbody tr') &&
                                  document.querySelector('[data-testid="facet-operador"] [data-count]')""", timeout=120_000)
        t = max(t, page.evaluate("performance.now()") / 1000)
        return Big(t, server.log.bytes_sent(FILE), len(server.log.requests(FILE)), f"{n:,} rows", busy(watch),
                   server.log.bytes_sent(), None, watch.in_flight())
    finally:
        browser.done(context, watch, "explorer 10M")


def sql_big(browser: Browser, server, sql: str) -> Big:
    context, page, watch = browser.page()
    server.log.clear()
    try:
        page.goto(server.url + "explora/sql.html?q=" + quote(sql), wait_until="commit")
        # Done: the page's own data-state says so, or (a page without it) a number is shown.
        page.wait_for_function("""() => { const el = document.querySelector('[data-testid="sql-result"]');
                                          if (!el) return false;
                                          const state = el.dataset.state;
                                          return state ? state === 'done' || state === 'error' : /\\d/.test(el.textContent); }""",
                               timeout=180_000)
        t = page.evaluate("performance.now()") / 1000
        result = page.locator('[data-testid="sql-result"]')
        text = " ".join(result.inner_text().split())
        if result.get_attribute("data-state") == "error":
            raise RuntimeError(f"the SQL page failed on {sql!r}: {text[:300]}")
        running = [ms for ms, state in page.evaluate("window.__sqlStates || []") if state == "running"]
        return Big(t, server.log.bytes_sent(FILE), len(server.log.requests(FILE)), text, busy(watch), server.log.bytes_sent(),
                   running[0] / 1000 if running else None, watch.in_flight())
    finally:
        browser.done(context, watch, "sql 10M")


def duckdb_seconds(path: Path, sql: str, repeat: int = 3) -> tuple[float, float]:
    """The baseline: the same query in DuckDB's Python API on the file (a fresh connection per
    run; the file in the OS cache, as the browser's server has it): the medians of `repeat`
    runs' wall and CPU seconds (every thread of this process)."""
    import duckdb

    walls, cpus = [], []
    for _ in range(repeat):
        con = duckdb.connect()
        con.execute(f"CREATE VIEW adhesions AS SELECT * FROM read_parquet('{path}')")
        t0, c0 = time.perf_counter(), time.process_time()
        con.execute(sql).fetchall()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        con.close()
    return statistics.median(walls), statistics.median(cpus)


# ------------------------------------------------------------------------------ main
def kb(n: int) -> str:
    return f"{n / 1000:,.1f} kB"


def mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def main(argv: list[str] | None = None) -> list[Target]:
    from localret import package
    from localret.rangeserver import RangeServer

    parser = argparse.ArgumentParser(prog="python -m benchmarks.explore", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a synthetic table of 1M rows instead of 10M")
    parser.add_argument("--rows", type=int, default=None, help="rows of the synthetic table")
    parser.add_argument("--only", default=",".join(MEASURES), help=f"comma-separated subset of {','.join(MEASURES)}")
    args = parser.parse_args(argv)
    only = [m for m in args.only.split(",") if m]
    rows = args.rows or (1_000_000 if args.quick else 10_000_000)
    label = f"{rows / 1e6:g}M" if rows >= 1e6 else f"{rows:,}"
    work = WORK / "explore"
    work.mkdir(parents=True, exist_ok=True)
    targets: list[Target] = []

    print(f"explore: publishing the sample with {ROOT} ...", flush=True)
    new = work / "new" / "out"
    publish(ROOT, new, work / "new" / "state")

    if "layout" in only or "big" in only:
        metadata = footer_metadata(new / TABLE)
        table = cached_table(work, rows, metadata, package.ROW_GROUP_SIZE)

    with contextlib.ExitStack() as stack:
        browser = stack.enter_context(Browser()) if {"weight", "members", "big", "layout"} & set(only) else None
        if "layout" in only:
            targets += layout_targets(browser, work, new, rows, metadata, label)
        if "weight" in only:
            targets += weight_targets(browser, new, publish_base(work))
        if "members" in only:
            with RangeServer(new) as server:
                runs = [members(browser, server) for _ in range(3)]
            first = statistics.median(r.first for r in runs)
            change = statistics.median(r.change for r in runs)
            print(f"  members explorer: first view {[round(r.first, 3) for r in runs]} s ({runs[0].first_count} rows; "
                  f"main thread busy {[round(r.first_cpu, 3) for r in runs]} s), date change {[round(r.change, 3) for r in runs]} s "
                  f"({runs[0].change_count} rows; busy {[round(r.change_cpu, 3) for r in runs]} s)")
            targets.append(Target("explore: members explorer, first filtered view", f"<= {MEMBERS_FIRST:g} s",
                                  f"{first:.2f} s ({runs[0].first_count} rows; median of {len(runs)})", first <= MEMBERS_FIRST))
            targets.append(Target("explore: members explorer, date change", f"<= {DATE_CHANGE * 1000:.0f} ms",
                                  f"{change * 1000:.0f} ms ({runs[0].first_count} -> {runs[0].change_count} rows)", change <= DATE_CHANGE))
        if "big" in only:
            targets += big_targets(browser, work, new, table, rows, label)
        if browser and browser.outside:
            targets.append(Target("explore: requests leaving 127.0.0.1", "none", f"{len(browser.outside)}: {browser.outside[:3]}", False))
        if browser and browser.errors:
            print("  page errors:", *browser.errors[:10], sep="\n    ")
            targets.append(Target("explore: console and page errors", "none", f"{len(browser.errors)}: {browser.errors[0][:120]}", False))
    return targets


LAYOUTS = (122_880, 491_520, 1_000_000)  # rows per row group compared (package.ROW_GROUP_SIZE among them)


def layout_targets(browser: Browser, work: Path, new: Path, rows: int, metadata: dict[str, str], label: str) -> list[Target]:
    """The same table written with each of LAYOUTS: what a range reader needs (from the footer),
    and what the explorer and the SQL page's GROUP BY move and take in the browser."""
    from localret import package
    from localret.rangeserver import RangeServer

    sizes = sorted({*LAYOUTS, package.ROW_GROUP_SIZE})
    lays, runs = {}, {}
    for size in sizes:
        table = cached_table(work, rows, metadata, size)
        lays[size] = layout(table)
        with RangeServer(big_out(new, table, work / "layout" / "out")) as server:
            runs[size] = (explorer_big(browser, server), sql_big(browser, server, SQL_QUERIES["group by"]))
    shutil.rmtree(work / "layout", ignore_errors=True)
    print(f"\n  Parquet layout of {rows:,} rows: bytes a range reader needs (from the footer), and in the browser")
    print("  | rows per group | groups | file | footer | first 50 rows | column operador | one body (codi_ens stats) "
          "| explorer: bytes, requests, s (busy) | SQL GROUP BY: bytes, requests, query s |")
    print("  |---|---|---|---|---|---|---|---|---|")
    for size in sizes:
        lay, (ex, sql) = lays[size], runs[size]
        query = f"{sql.seconds - sql.engine:.2f}" if sql.engine is not None else "?"
        print(f"  | {size:,}{' (package)' if size == package.ROW_GROUP_SIZE else ''} | {lay.row_groups} | {mb(lay.file)} "
              f"| {kb(lay.footer)} | {mb(lay.first_page)} ({lay.first_page / lay.file:.1%}) "
              f"| {mb(lay.column['operador'])} ({lay.column['operador'] / lay.file:.1%}) | {mb(lay.key_lookup)} ({lay.key_lookup / lay.file:.1%}) "
              f"| {mb(ex.sent)} ({ex.sent / lay.file:.1%}), {ex.requests}, {ex.seconds:.2f} ({ex.cpu:.2f}) "
              f"| {mb(sql.sent)} ({sql.sent / lay.file:.1%}), {sql.requests}, {query} |")
    ours = lays[package.ROW_GROUP_SIZE]
    return [Target(f"explore layout: first 50 rows of {label} (groups of {package.ROW_GROUP_SIZE:,})", "< 20% of the file",
                   f"{mb(ours.first_page)} of {mb(ours.file)} ({ours.first_page / ours.file:.1%}){scope(rows)}",
                   judged(rows, ours.first_page < BIG_SHARE * ours.file))]


def weight_targets(browser: Browser, new: Path, base: Path) -> list[Target]:
    from localret.rangeserver import RangeServer

    weights: dict[str, dict[str, int]] = {"base": {}, "new": {}}
    for side, out in (("base", base), ("new", new)):
        with RangeServer(out) as server:
            for rel in landing_pages(out):
                weights[side][rel], paths = page_weight(browser, server, out, rel)
                if side == "new":
                    print(f"  {rel}: {kb(weights[side][rel])} gzipped, {len(paths)} files")
    growth = {rel: w - weights["base"].get(rel, 0) for rel, w in weights["new"].items()}
    worst = max(growth, key=growth.get)
    print("  | page | before issue 13 | now | growth |\n  |---|---|---|---|")
    for rel in weights["new"]:
        print(f"  | {rel} | {kb(weights['base'].get(rel, 0))} | {kb(weights['new'][rel])} | {growth[rel] / 1000:+,.1f} kB |")
    out = [Target("explore: landing + index pages, growth (gzipped, SQL engine excluded)", f"<= {WEIGHT_GROWTH // 1000} kB per page",
                  f"worst {worst}: {growth[worst] / 1000:+,.1f} kB ({kb(weights['base'].get(worst, 0))} -> {kb(weights['new'][worst])})",
                  growth[worst] <= WEIGHT_GROWTH)]
    with RangeServer(new) as server:
        for rel in ("mapa/index.html", "explora/index.html", "explora/sql.html"):
            if (new / rel).exists():
                w, paths = page_weight(browser, server, new, rel)
                print(f"  (for information) {rel}: {kb(w)} gzipped, {len(paths)} files, the SQL engine excluded")
    try:
        svg, where = map_svg(new)
        out.append(Target("explore: map SVG (gzipped)", f"< {MAP_SVG // 1000} kB", f"{kb(svg)} ({where})", svg < MAP_SVG))
    except (RuntimeError, FileNotFoundError) as exc:
        out.append(Target("explore: map SVG (gzipped)", f"< {MAP_SVG // 1000} kB", f"not measured: {exc}", None))
    return out


def big_targets(browser: Browser, work: Path, new: Path, table: Path, rows: int, label: str) -> list[Target]:
    from localret.rangeserver import RangeServer

    out = big_out(new, table, work / "big" / "out")
    size = table.stat().st_size
    targets = []
    with RangeServer(out) as server:
        runs = [("explorer: first page + count over operador", explorer_big(browser, server),
                 "SELECT * FROM adhesions LIMIT 50; SELECT count(*) FROM adhesions WHERE operador = ?")]
        runs += [(f"SQL page: {name}", sql_big(browser, server, sql), sql) for name, sql in SQL_QUERIES.items()]
    for name, big, sql in runs:
        if name.startswith("explorer"):
            parts = [duckdb_seconds(table, "SELECT * FROM adhesions LIMIT 50"),
                     duckdb_seconds(table, f"SELECT count(*) FROM adhesions WHERE operador = '{OPERATOR}'")]
            base, base_cpu = sum(p[0] for p in parts), sum(p[1] for p in parts)
        else:
            base, base_cpu = duckdb_seconds(table, sql)
        share = big.sent / size
        engine = f" = engine ready {big.engine:.2f} s + query {big.seconds - big.engine:.2f} s" if big.engine is not None else ""
        print(f"  {name}: {big.seconds:.2f} s{engine} (main thread busy {big.cpu:.2f} s), {mb(big.sent)} of {mb(size)} ({share:.1%}) "
              f"in {big.requests} requests (at most {big.in_flight} at once); DuckDB (Python) {base * 1000:.0f} ms ({base_cpu * 1000:.0f} ms CPU); "
              f"page total {mb(big.total)} (uncompressed); shown: {big.value[:100]}")
        targets.append(Target(f"explore {label}: {name}, time", f"<= {BIG_SECONDS:g} s",
                              f"{big.seconds:.2f} s ({big.seconds / base:,.0f}x DuckDB Python's {base * 1000:.0f} ms){scope(rows)}",
                              judged(rows, big.seconds <= BIG_SECONDS)))
        targets.append(Target(f"explore {label}: {name}, bytes", f"< {BIG_SHARE:.0%} of the file",
                              f"{mb(big.sent)} of {mb(size)} ({share:.1%}, {big.requests} requests){scope(rows)}",
                              judged(rows, share < BIG_SHARE)))
    return targets


def judged(rows: int, met: bool) -> bool | None:
    """The 10M-row targets judge a table of 10M rows or more; a smaller one (--quick) is shown,
    not judged: with a few row groups, any partial read is a large share of the file."""
    return met if rows >= TARGET_ROWS else None


def scope(rows: int) -> str:
    return "" if rows >= TARGET_ROWS else f" (the target is for {TARGET_ROWS / 1e6:g}M rows: not judged)"


if __name__ == "__main__":
    from benchmarks.common import table as _table

    print(_table(main()))
