"""The privacy guard: before anything becomes visible, every file about to be published is
scanned with the personal-data policy (localret/personal.py, the same one validation applies):
the private values of the current run (schemas mark private fields), found inside any text
after normalisation, and e-mail, phone, DNI/NIE and IBAN detectors. A hit aborts the
publication, naming file, field and row, never the value.

Private fields never reach the typed tables the build reads (validate.build_typed_table),
so a hit here means a bug or a hostile input; this is the second, independent line.

What is scanned: CSV and Parquet tables and every table of a DuckDB file (text columns only:
a numeric field never holds personal data as text; a CSV's types come from the datapackage.json
beside it, else every column is text), the XML parts of an XLSX workbook (shared strings and
inline strings; numeric cell values apart), the string values of JSON and JSON-LD, and every
other file whole, as text (HTML, Atom, RDF, Markdown, XML, SVG...; entities decoded; a kind
of file nobody taught the guard is read the same way, never skipped). Not read: a script,
stylesheet, WebAssembly module or licence text whose bytes equal a file of the pinned
JavaScript libraries or a bundle of the site's own modules (code made from code alone;
jsbundle.pinned_code).

Memory stays flat whatever the size of a file: tables are judged by DuckDB once per distinct
value of each text column (streaming, spilling under the connection's memory limit; the small
tables of a run all in one batch, whose cost was planning, each big one alone), and text
and XLSX parts are read in blocks (XLSX parts cut after a tag, so that no cell's text is split;
plain text with an overlap longer than anything searched for)."""

from __future__ import annotations

import codecs
import html
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable

import duckdb

from localret import personal, progress
from localret.duck import file_order, published_csv, sniffed_csv
from localret.errors import LocalretError

PRIVATE_VALUE = personal.PRIVATE_VALUE
CONTAINS_PRIVATE = PRIVATE_VALUE  # one kind: a private value, alone in a cell or inside text
PATTERNS = {d.kind: d for d in personal.DETECTORS}
KINDS = [*PATTERNS, PRIVATE_VALUE]
# Institutional mailboxes are not personal data (DOMAIN.md §7); see personal.ALLOWED_EMAIL_DOMAINS.
ALLOWED_EMAILS = re.compile(r"[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)*(?:" +
                            "|".join(re.escape(d) for d in personal.ALLOWED_EMAIL_DOMAINS) + ")")
JSON_SUFFIXES = {".json", ".jsonld"}
# What may be a copy of code (a library's file, a bundle of our modules, a licence text): such a
# file is not read when its bytes equal that code's exactly (jsbundle.pinned_code says why).
CODE_SUFFIXES = {".js", ".mjs", ".css", ".txt", ".wasm"}
XML_SUFFIXES = {".rdf", ".atom", ".xml", ".svg"}
_NUMBER = re.compile(r"\s*[-+]?[0-9]+(?:\.[0-9]+)?\s*")
# A number that is an element's whole text, where it is a number by declaration: an RDF typed
# literal (rdf:datatype), an element named for a size or a count (dcat:byteSize), or any text of
# a chart (SVG: computed counts and axis labels). Elsewhere a number alone may be a phone typed
# into a title: it is read.
_NUMBER_NODE = re.compile(r"()>\s*[-+]?[0-9]+(?:\.[0-9]+)?\s*<")  # group 1, empty: what is kept (as below)
_TYPED_NUMBER_NODE = re.compile(r"""(<(?:[a-z0-9_.-]+:)?[a-z0-9_.-]*(?:size|count|bytes)(?=[\s>/])[^<>]*|"""
                                r"""<[^<>]*datatype=["'][^"'<>]*["'][^<>]*)>\s*[-+]?[0-9]+(?:\.[0-9]+)?\s*<""", re.IGNORECASE)
TEXT_TYPES = {"VARCHAR", "JSON"}
SMALL_TEXT = 256 << 10  # characters: below this, Python's regular expressions search directly
SMALL_TABLE_BYTES = 8 << 20  # a CSV or Parquet file this small is judged together with the others
SMALL_TABLE_ROWS = 100_000  # so is a DuckDB file's table of at most this many rows
BLOCK = 4 << 20  # bytes read at a time from a text file or an XLSX part
OVERLAP = 512  # characters a text block shares with the next; at least the longest match searched
HEAD_MAX = 1 << 20  # bytes of a sheet kept to name its columns
CONTEXT = 4096  # bytes of the previous block kept to find the cell of a hit
# Text nodes of XML, but not a worksheet's <v> values: numbers, or indices of shared strings
# (whose text is in sharedStrings.xml, scanned as its own part).
_TEXT_NODE = re.compile(rb"(?<!<v)>([^<]+)<")
_ROW_TAG = re.compile(rb'<row r="(\d+)"')
_CELL_REF = re.compile(rb'<c r="([A-Z]+)(\d+)"')
_HEADER_CELL = re.compile(rb'<c r="([A-Z]+)1"[^>]*>(.*?)</c>', re.S)
_INLINE_TEXT = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[^"]+|"', re.S)


class PrivacyLeak(LocalretError):
    exit_code = 7


@dataclass(frozen=True)
class Hit:
    file: str
    row: int | None
    field: str | None
    kind: str

    def describe(self) -> str:
        where = self.file + (f", fila {self.row}" if self.row else "") + (f", camp '{self.field}'" if self.field else "")
        return f"{where}: {self.kind}"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Guard:
    def __init__(self, con: duckdb.DuckDBPyConnection, loaded: list[str]):
        self.con = con
        # Private e-mail addresses and phones are left to the detectors, which stop every one of
        # them anywhere (personal.spellings): they are most of the private values, about a million at
        # 10 million adhesions, gigabytes as an automaton.
        self.private = personal.private_values_of(con, loaded)
        personal.install(con, self.private)
        self._pre = "SELECT " + ", ".join(f"regexp_matches($1, {_sql_string(d.prefilter_sql)})" for d in PATTERNS.values())
        self._longest = max((len(n) for n in self.private.needles), default=0) * 4

    def scan(self, folder: Path, only: Iterable[str | Path] | None = None) -> list[Hit]:
        """Every file under folder (or only those listed, relative to it), as published."""
        if only is None:
            paths = sorted(p for p in folder.rglob("*") if p.is_file())
        else:  # relative paths under folder; anything else (absent, outside it) is not ours to scan
            root = folder.resolve()
            paths = sorted({folder / p for p in only if not Path(p).is_absolute()})
            paths = [p for p in paths if p.is_file() and p.resolve().is_relative_to(root)]
        found: dict[int, list[Hit]] = {}  # by the file's place in `paths`: hits in file order
        small: list[tuple[int, str, str, set[str]]] = []  # small tables, judged together at the end
        for i, path in enumerate(paths):
            rel = path.relative_to(folder).as_posix()
            progress.update(i, len(paths), "files", detail=path.name)
            suffix = path.suffix.lower()
            if suffix in CODE_SUFFIXES and _pinned_code(path):
                continue  # bytes of the pinned libraries or of a bundle of our code: never data
            if suffix in (".csv", ".parquet"):
                if suffix == ".parquet":
                    source, skip = f"read_parquet({_sql_string(str(path))})", set()
                else:
                    source, skip = _csv_source(path)
                table = (i, rel, source, skip)
                if path.stat().st_size <= SMALL_TABLE_BYTES:
                    small.append(table)
                else:
                    found[i] = self._tables([table[1:]])[0]
            elif suffix == ".duckdb":
                found[i] = self._database(rel, path)
            elif suffix == ".xlsx":
                found[i] = self._xlsx(rel, path)
            elif suffix in JSON_SUFFIXES:
                with path.open("rb") as fh:
                    found[i] = self._json_stream(rel, fh)
            else:  # text, or a kind nobody taught the guard: its bytes read as text all the same
                with path.open("rb") as fh:
                    found[i] = self._text_stream(rel, fh, numbers=(_NUMBER_NODE if suffix == ".svg" else
                                                                   _TYPED_NUMBER_NODE if suffix in XML_SUFFIXES else None))
        progress.update(len(paths), len(paths), "files", detail="")
        for (i, *_), table_hits in zip(small, self._tables([t[1:] for t in small])):
            found[i] = table_hits
        return [hit for i in sorted(found) for hit in found[i]]

    # ---------- tables ----------

    def _tables(self, tables: list[tuple[str, str, set[str]]]) -> list[list[Hit]]:
        """The hits of each (rel, source, columns to skip). Each text column's distinct values
        are judged once by the policy (its RE2 prefilter in DuckDB, Python only for what that
        lets by), all the tables' at once: a few statements and one compiled set of predicates
        for many small tables, not one each (their cost was the planning). The first row holding
        a flagged value is then found, in file order, only for the columns that have one."""
        hits: list[list[Hit]] = [[] for _ in tables]
        columns: list[tuple[int, str]] = []  # (table, column) of every text column judged
        parts = []
        for t, (rel, source, skip) in enumerate(tables):
            described = self.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
            names = "\n".join(r[0] for r in described)
            for kind in self._found(personal.normalise(names, keep_newlines=True), set()):
                hits[t].append(Hit(rel, 1, None, kind))
            text = [r[0] for r in described if r[1] in TEXT_TYPES and r[0] not in skip]
            if not text:
                continue
            cells = ", ".join(f"{{'i': {len(columns) + k}, 'v': CAST({_ident(c)} AS VARCHAR)}}" for k, c in enumerate(text))
            parts.append(f"SELECT DISTINCT i, v FROM (SELECT UNNEST([{cells}], recursive := true) FROM {source}) "
                         f"WHERE v IS NOT NULL")
            columns += [(t, c) for c in text]
        if not parts:
            return hits
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE guard_values AS {' UNION ALL '.join(parts)}")
        flags = [personal.kind_predicate("v", d) for d in PATTERNS.values()] + [personal.private_predicate("v")]
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE guard_hits AS SELECT * FROM (SELECT i, v, "
                         f"{', '.join(f'{f} AS f{k}' for k, f in enumerate(flags))} FROM guard_values) "
                         f"WHERE {' OR '.join(f'f{k}' for k in range(len(flags)))}")
        flagged = self.con.execute("SELECT i, " + ", ".join(f"bool_or(f{k})" for k in range(len(flags)))
                                   + " FROM guard_hits GROUP BY i ORDER BY i").fetchall()
        self.con.execute("DROP TABLE guard_values")
        wanted: dict[int, list[tuple[str, str, str]]] = {}
        for i, *kinds in flagged:
            t, col = columns[i]
            for k, (kind, hit) in enumerate(zip(KINDS, kinds)):
                if hit:
                    wanted.setdefault(t, []).append(
                        (col, kind, f"CAST({_ident(col)} AS VARCHAR) IN (SELECT v FROM guard_hits WHERE i = {i} AND f{k})"))
        for t, checks in wanted.items():
            rel, source, _ = tables[t]
            hits[t] += self._first_rows(rel, source, checks)
        self.con.execute("DROP TABLE guard_hits")
        return hits

    def _first_rows(self, rel: str, source: str, wanted: list[tuple[str, str, str]]) -> list[Hit]:
        """For each (column, kind, SQL condition), the first row of the file where it holds,
        numbered as the file is (the header is row 1): a streaming window over the file in its
        own order, which the connection may otherwise not keep."""
        if not wanted:
            return []
        checks = ", ".join(f"min(__guard_row) FILTER (WHERE {condition})" for _, _, condition in wanted)
        numbered = f"(SELECT row_number() OVER () + 1 AS __guard_row, * FROM {source})"
        with file_order(self.con):
            rows = self.con.execute(f"SELECT {checks} FROM {numbered}").fetchone()
        return [Hit(rel, int(row), col, kind) for (col, kind, _), row in zip(wanted, rows) if row is not None]

    def _database(self, rel: str, path: Path) -> list[Hit]:
        """Every table of a DuckDB file (attached read-only), and the comments on its tables
        and columns."""
        alias = "guard_db"
        self.con.execute(f"ATTACH {_sql_string(str(path))} AS {alias} (READ_ONLY)")
        try:
            tables = self.con.execute("SELECT schema_name, table_name, estimated_size FROM duckdb_tables() "
                                      "WHERE database_name = ? ORDER BY ALL", [alias]).fetchall()
            # the small tables together, each big one alone (memory: one big table's values at a time)
            items = [(f"{rel}:{table}", f"{alias}.{_ident(schema_name)}.{_ident(table)}", set())
                     for schema_name, table, _ in tables]
            small = [n for n, (_, _, size) in enumerate(tables) if size is not None and size <= SMALL_TABLE_ROWS]
            batches = [small] + [[n] for n in range(len(tables)) if n not in small]
            found: dict[int, list[Hit]] = {}
            for batch in batches:
                found.update(zip(batch, self._tables([items[n] for n in batch])))
            hits = [hit for n in sorted(found) for hit in found[n]]
            comments = self.con.execute(
                "SELECT table_name, NULL, comment FROM duckdb_tables() WHERE database_name = $1 AND comment IS NOT NULL "
                "UNION ALL SELECT table_name, column_name, comment FROM duckdb_columns() WHERE database_name = $1 "
                "AND comment IS NOT NULL", [alias]).fetchall()
            for table, column, comment in comments:
                for kind in self._found(personal.normalise(str(comment), keep_newlines=True), set()):
                    hits.append(Hit(f"{rel}:{table}", None, column, kind))
            return hits
        finally:
            self.con.execute(f"DETACH {alias}")

    # ---------- text ----------

    def _found(self, norm: str, skip: set[str], start: int = 0) -> dict[str, int]:
        """{kind: position of its first occurrence at or after start} in normalised text, for
        the kinds not in skip. RE2 in DuckDB tells whether the text may hold a kind (ten times
        faster than Python's re); Python's policy then says where, only when it may."""
        found: dict[str, int] = {}
        if self.private and PRIVATE_VALUE not in skip:
            at = self.private.locate(norm[start:] if start else norm)
            if at is not None:
                found[PRIVATE_VALUE] = at + start
        wanted = [kind for kind in PATTERNS if kind not in skip]
        if not wanted:
            maybe = ()
        elif len(norm) - start < SMALL_TEXT:  # a query costs more than Python's own search
            maybe = [True] * len(PATTERNS)
        else:
            maybe = self.con.execute(self._pre, [norm[start:] if start else norm]).fetchone()
        for (kind, d), may in zip(PATTERNS.items(), maybe):
            if kind in skip or not may:
                continue
            for m in d.regex.finditer(norm, start):
                if d.confirm(m):
                    found[kind] = m.start()
                    break
        return found

    def _text_stream(self, rel: str, fh: IO[bytes], unescape: bool = True, numbers: re.Pattern | None = None) -> list[Hit]:
        """A text file in blocks that overlap by more than the longest value searched for, so
        that whatever a block boundary cuts is found whole in the next block. Markup's entities
        (&#64; &amp;) are decoded first: they hide nothing from a reader. numbers: the elements
        whose whole text is a number by declaration (_TYPED_NUMBER_NODE, _NUMBER_NODE), not
        read."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        overlap = max(OVERLAP, self._longest)
        hits: dict[str, Hit] = {}
        tail, lines_before = "", 0
        while True:
            data = fh.read(BLOCK)
            text = decoder.decode(data, final=not data)
            window = tail + text
            if window:
                # the tail was searched already: only what starts after its first character is new
                norm = _readable(window) if unescape else window
                if numbers is not None:
                    norm = numbers.sub(r"\1><", norm)
                norm = personal.normalise(norm, keep_newlines=True)
                skip_to = 0
                if tail:
                    skip_to = len(personal.normalise(_readable(tail[:1]) if unescape else tail[:1], keep_newlines=True))
                for kind, pos in self._found(norm, set(hits), skip_to).items():
                    hits[kind] = Hit(rel, lines_before + norm.count("\n", 0, pos) + 1, None, kind)
                keep = min(len(window), overlap)
                lines_before += window.count("\n", 0, len(window) - keep)
                tail = window[len(window) - keep:]
            if not data or len(hits) == len(KINDS):
                break
        return list(hits.values())

    def _json_stream(self, rel: str, fh: IO[bytes]) -> list[Hit]:
        """The strings of a JSON document (keys and values; numbers, booleans and structure
        apart), read in blocks; a hit names the line its string starts on."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        hits: dict[str, Hit] = {}
        carry, line, previous = "", 1, None
        while True:
            data = fh.read(BLOCK)
            window = carry + decoder.decode(data, final=not data)
            carry = ""
            strings: list[tuple[int, str]] = []
            for m in _JSON_TOKEN.finditer(window):
                token = m.group()
                if token.startswith('"'):
                    if len(token) < 2 or not token.endswith('"') or (m.end() == len(window) and data):
                        carry = window[m.start():]
                        break
                    try:
                        value = json.loads(token)
                    except ValueError:
                        value = token
                    # "@value": "157", a typed literal's number, is a number by declaration; a
                    # number alone elsewhere may be a phone typed into a name
                    if not (previous == "@value" and _NUMBER.fullmatch(value)):
                        strings.append((line, value))
                    previous = value
                line += token.count("\n")
            if carry and len(carry) > 64 * BLOCK:  # no JSON string is that long: read it as text
                carry = carry[-OVERLAP:]
            if strings:
                norm = personal.normalise("\n".join(s for _, s in strings), keep_newlines=True)
                found = self._found(norm, set(hits))
                for kind in found:
                    where = next((ln for ln, s in strings if self._holds(s, kind)), strings[0][0])
                    hits[kind] = Hit(rel, where, None, kind)
            if not data or len(hits) == len(KINDS):
                break
        return list(hits.values())

    # ---------- XLSX ----------

    def _xlsx(self, rel: str, path: Path) -> list[Hit]:
        hits = []
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.endswith(".xml") or name.endswith(".rels"):
                    with zf.open(name) as fh:
                        hits += self._xml_stream(f"{rel}:{name}", fh)
        return hits

    def _xml_stream(self, rel: str, fh: IO[bytes]) -> list[Hit]:
        """The text of an XML part (a sheet: every cell's text), in blocks cut just after a '>',
        so that every text node is whole in one block. A hit in a sheet names its row and its
        column (by the header's name when the header is inline text)."""
        hits: dict[str, Hit] = {}
        head = b""  # the part's beginning, up to the end of the first row: the header
        carry, context, row = b"", b"", None
        while True:
            data = fh.read(BLOCK)
            chunk = carry + data
            if data:
                cut = chunk.rfind(b">") + 1
                if not cut:
                    carry = chunk
                    continue
                chunk, carry = chunk[:cut], chunk[cut:]
            else:
                carry = b""
            if len(head) < HEAD_MAX and b"</row>" not in head:
                head += chunk[:HEAD_MAX]
            nodes = _TEXT_NODE.findall(b">" + chunk)
            if nodes:
                text = b"\n".join(nodes).decode("utf-8", errors="replace")
                if "&" in text:
                    text = html.unescape(text)
                for kind in self._found(personal.normalise(text, keep_newlines=True), set(hits)):
                    hits[kind] = self._locate(rel, context, chunk, kind, row, head)
            rows = _ROW_TAG.findall(chunk)
            if rows:
                row = int(rows[-1])
                progress.update(detail=f"{rel.split(':')[0].rsplit('/', 1)[-1]}, fila / row {progress.count(row)}")
            context = (context + chunk)[-CONTEXT:]
            if not data or len(hits) == len(KINDS):
                break
        return list(hits.values())

    def _locate(self, rel: str, context: bytes, chunk: bytes, kind: str, row: int | None, head: bytes) -> Hit:
        """Where the first text node of a block holding this kind of hit is: its row and column.
        The block's start may cut a cell's tags off its text: the end of the previous block is
        looked at too."""
        buf = context + chunk
        for m in _TEXT_NODE.finditer(b">" + chunk):
            text = m.group(1).decode("utf-8", errors="replace")
            if "&" in text:
                text = html.unescape(text)
            if not self._holds(text, kind):
                continue
            at = len(context) + m.start(1) - 1
            tag = buf.rfind(b'<row r="', 0, at)
            if tag >= 0:
                row = int(_ROW_TAG.match(buf, tag).group(1))
            cell = buf.rfind(b"<c ", 0, at)
            ref = _CELL_REF.match(buf, cell) if cell > tag else None
            letter = ref.group(1).decode() if ref else None
            header = _sheet_header(head) if letter else {}
            return Hit(rel, row, header.get(letter, letter) if letter else None, kind)
        return Hit(rel, row, None, kind)

    def _holds(self, text: str, kind: str) -> bool:
        norm = personal.normalise(text)
        if kind == PRIVATE_VALUE:
            return self.private.find(norm, normalised=True)
        return PATTERNS[kind].find(norm) is not None


def _pinned_code(path: Path) -> bool:
    from localret.site import jsbundle

    return jsbundle.pinned_code(path) is not None


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Attributes that only ever hold geometry or styling that the writers compute (charts' paths
# and coordinates), never data: their numbers are not read as phones.
_GEOMETRY = re.compile(r'\s(?:d|points|transform|viewBox|x|y|x1|x2|y1|y2|width|height|cx|cy|r|rx|ry|dx|dy|'
                       r'stroke-dasharray|stroke-width|font-size|clip-path|style)="[^"<>]*"')


def _readable(text: str) -> str:
    if 'd="' in text or 'x="' in text or 'style="' in text or 'transform="' in text:
        text = _GEOMETRY.sub(" ", text)
    return html.unescape(text) if "&" in text else text


def _csv_source(path: Path) -> tuple[str, set[str]]:
    """How to read a CSV under the output, and the columns not to scan. A table its
    datapackage.json (beside it) describes is one package.py wrote: read in that dialect, its
    numbers, booleans and dates (as typed there) never text, never scanned. Any other CSV (a
    writer's of its own) is read as DuckDB's sniffer finds it, every column text."""
    dp = path.with_name("datapackage.json")
    if dp.is_file():
        try:
            package = json.loads(dp.read_text(encoding="utf-8"))
            for res in package.get("resources", []):
                if res.get("path") == path.name:
                    return published_csv(path), {f["name"] for f in res.get("schema", {}).get("fields", [])
                                                 if f.get("type") in ("integer", "number", "boolean", "date", "datetime", "year")}
        except (ValueError, OSError, AttributeError, TypeError):
            pass
    return sniffed_csv(path), set()


def _sheet_header(chunk: bytes) -> dict[str, str]:
    """{column letter: name} from a sheet's first row of inline strings (what write_xlsx writes)."""
    start = chunk.find(b'<row r="1"')
    if start < 0:
        return {}
    end = chunk.find(b"</row>", start)
    header = {}
    for m in _HEADER_CELL.finditer(chunk, start, end if end >= 0 else len(chunk)):
        text = _INLINE_TEXT.search(m.group(2))
        if text:
            header[m.group(1).decode()] = html.unescape(text.group(1).decode("utf-8", errors="replace"))
    return header


def check_folder(guard: Guard | None, folder: Path, only: Iterable[str | Path] | None = None) -> None:
    if guard is None:
        return
    hits = guard.scan(folder, only)
    if hits:
        lines = "; ".join(h.describe() for h in hits[:10])
        raise PrivacyLeak(f"possibles dades personals a punt de publicar-se (s'ha aturat la publicació) / "
                          f"possible personal data about to be published (publication stopped): {lines}")
