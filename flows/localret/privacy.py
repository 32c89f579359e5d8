"""The privacy guard: before a release becomes visible, every file in it is scanned for the
private values of the current run (schemas mark private fields) and for e-mail, phone and
DNI/NIE patterns. A hit aborts the publication, naming file, field and row, never the value.

Private fields never reach the typed tables the build reads (validate.build_typed_table),
so a hit here means a bug or a hostile input; this is the second, independent line.

Memory stays flat whatever the size of a file: tables are scanned by DuckDB as streams, and
text and XLSX parts are read in blocks (XLSX parts cut after a tag, so that no cell's text is
split; plain text with an overlap longer than anything searched for)."""

from __future__ import annotations

import codecs
import html
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import ahocorasick
import duckdb

from localret import schema
from localret.duck import file_order
from localret.errors import LocalretError
from localret.validate.field_rules import DNI_RE, EMAIL_RE

MIN_CHARS = 5  # shorter private values ("Sí", "Pep") would match ordinary words
# A phone as people write it (with separators or +34): bare 9-digit numbers are amounts here.
PHONE_RE = r"(^|[^0-9])(\+34[ .-]?)?[6789][0-9]{2}([ .-][0-9]{2,3}){2,3}([^0-9]|$)"
PATTERNS = {"correu electrònic / e-mail": EMAIL_RE, "telèfon / phone": PHONE_RE, "DNI/NIE": DNI_RE}
PRIVATE_VALUE = "valor d'un camp privat / value of a private field"
CONTAINS_PRIVATE = "conté un valor d'un camp privat / contains a private value"
# Institutional mailboxes are not personal data (DOMAIN.md §7).
ALLOWED_EMAILS = re.compile(r"[A-Za-z0-9._%+-]+@localret\.cat")
TEXT_SUFFIXES = {".json", ".md", ".html", ".atom", ".xml", ".rdf", ".jsonld", ".txt", ".svg", ".js", ".css"}
BLOCK = 4 << 20  # bytes read at a time from a text file or an XLSX part
OVERLAP = 512  # characters a text block shares with the next; at least the longest match searched
HEAD_MAX = 1 << 20  # bytes of a sheet kept to name its columns
CONTEXT = 4096  # bytes of the previous block kept to find the cell of a hit
LONG_TEXT = 40  # a cell longer than this is free text, where a name could hide inside
_TEXT_NODE = re.compile(rb">([^<]+)<")
_ROW_TAG = re.compile(rb'<row r="(\d+)"')
_CELL_REF = re.compile(rb'<c r="([A-Z]+)(\d+)"')
_HEADER_CELL = re.compile(rb'<c r="([A-Z]+)1"[^>]*>(.*?)</c>', re.S)
_INLINE_TEXT = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")


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
        parts = []
        for name in loaded:
            for f in schema.source_schema(name).private_fields:
                parts.append(f"SELECT DISTINCT \"{f.name}\" AS value, '{name}.{f.name}' AS origin FROM raw_{name} "
                             f"WHERE length(\"{f.name}\") >= {MIN_CHARS}")
        sql = " UNION ALL ".join(parts) if parts else "SELECT NULL::VARCHAR AS value, NULL::VARCHAR AS origin WHERE false"
        # Private e-mail addresses are left to the e-mail pattern, which stops every one of them
        # anywhere (those of the allowed domain apart, which stay): they are most of the values,
        # about a million at 10 million adhesions, gigabytes as an automaton.
        con.execute(f"CREATE OR REPLACE TEMP TABLE guard_private AS SELECT * FROM ({sql}) "
                    f"WHERE NOT regexp_full_match(value, {_sql_string(EMAIL_RE)}) "
                    f"OR regexp_full_match(value, {_sql_string(ALLOWED_EMAILS.pattern)})")
        # One pass over any text finds every private value in it (Aho-Corasick automaton).
        self._automaton = None
        self._longest = 0
        values = [v for (v,) in con.execute("SELECT DISTINCT value FROM guard_private").fetchall()]
        if values:
            self._automaton = ahocorasick.Automaton()
            for v in values:
                self._automaton.add_word(v, v)
            self._automaton.make_automaton()
            self._longest = max(len(v) for v in values)
        # RE2 in DuckDB tells whether a block holds a pattern ten times faster than Python's re;
        # Python's re then finds where, only in a block that has one.
        self._any_pattern = "SELECT " + ", ".join(f"regexp_matches($1, {_sql_string(p)})" for p in PATTERNS.values())
        self._python_patterns = {kind: re.compile(p) for kind, p in PATTERNS.items()}

    def scan(self, folder: Path, only=None) -> list[Hit]:
        """Every file under folder, or only those listed (paths relative to folder)."""
        hits: list[Hit] = []
        paths = sorted(p for p in folder.rglob("*") if p.is_file()) if only is None else [folder / rel for rel in sorted(only)]
        for path in paths:
            rel = str(path.relative_to(folder))
            if path.suffix == ".csv":
                hits += self._table(rel, f"read_csv({_sql_string(str(path))}, all_varchar=true, header=true)")
            elif path.suffix == ".parquet":
                hits += self._table(rel, f"read_parquet({_sql_string(str(path))})")
            elif path.suffix == ".xlsx":
                hits += self._xlsx(rel, path)
            elif path.suffix in TEXT_SUFFIXES:
                with path.open("rb") as fh:
                    hits += self._text_stream(rel, fh)
        return hits

    # ---------- tables ----------

    def _table(self, rel: str, source: str) -> list[Hit]:
        """One pass of DuckDB over the file says whether anything is there: the exact private
        values column by column, and the patterns in each row's cells joined by newlines (a
        pattern never spans a newline: one regular expression per row, not per cell). It needs
        no row order, so it runs in parallel and streams under the connection's memory limit.
        Only what it finds is then located (row and column), in file order; free-text columns
        get a pass of their own for private values inside them."""
        columns = [r[0] for r in self.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        if not columns:
            return []
        values = {col: f'CAST("{col.replace(chr(34), chr(34) * 2)}" AS VARCHAR)' for col in columns}
        joined = f"concat_ws(chr(10), {', '.join(values.values())})"
        checks = [f"bool_or(regexp_matches({joined}, {_sql_string(p)}))" for p in PATTERNS.values()]
        for v in values.values():
            checks.append(f"bool_or({v} IN (SELECT value FROM guard_private))")
            checks.append(f"max(length({v}))")
        result = self.con.execute(f"SELECT {', '.join(checks)} FROM {source}").fetchone()
        found = [kind for kind, hit in zip(PATTERNS, result) if hit]
        exact = [col for col, hit in zip(columns, result[len(PATTERNS)::2]) if hit]
        long_columns = [col for col, n in zip(columns, result[len(PATTERNS) + 1::2]) if n and n > LONG_TEXT]
        wanted = [(col, PRIVATE_VALUE, f"{values[col]} IN (SELECT value FROM guard_private)") for col in exact]
        for col, v in values.items():
            for kind in found:
                allowed = (f" AND NOT regexp_full_match({v}, {_sql_string(ALLOWED_EMAILS.pattern)})"
                           if kind.startswith("correu") else "")
                wanted.append((col, kind, f"regexp_matches({v}, {_sql_string(PATTERNS[kind])}){allowed}"))
        hits = self._first_rows(rel, source, wanted)
        if self._automaton:
            for col in long_columns:
                value = self._private_inside(source, values[col])
                if value is not None:
                    hits += self._first_rows(rel, source, [(col, CONTAINS_PRIVATE,
                                                            f"contains({values[col]}, {_sql_string(value)})")])
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
        # a pattern found in a row may be an allowed mailbox once the row is split into cells
        return [Hit(rel, int(row), col, kind) for (col, kind, _), row in zip(wanted, rows) if row is not None]

    def _private_inside(self, source: str, v: str) -> str | None:
        """A private value found inside some cell of this column, if any."""
        cursor = self.con.execute(f"SELECT {v} FROM {source} WHERE length({v}) > {LONG_TEXT}")
        while batch := cursor.fetchmany(50_000):
            # one automaton pass per batch of cells
            for _, value in self._automaton.iter("\n".join(text for (text,) in batch)):
                return value
        return None

    # ---------- text ----------

    def _found(self, text: str, skip: set[str], start: int = 0) -> dict[str, int]:
        """{kind: position of its first occurrence at or after start} in text, for the kinds not
        in skip. Patterns are matched from start; a private value counts wherever it ends after it."""
        found: dict[str, int] = {}
        if self._automaton and PRIVATE_VALUE not in skip:
            for end, value in self._automaton.iter(text):
                if end >= start:
                    found[PRIVATE_VALUE] = end - len(value) + 1
                    break
        wanted = [kind for kind in PATTERNS if kind not in skip]
        if wanted and any(self.con.execute(self._any_pattern, [text[start:] if start else text]).fetchone()):
            for kind in wanted:
                for m in self._python_patterns[kind].finditer(text, start):
                    if kind.startswith("correu") and ALLOWED_EMAILS.fullmatch(m.group(0)):
                        continue
                    found[kind] = m.start()
                    break
        return found

    def _text_stream(self, rel: str, fh: IO[bytes]) -> list[Hit]:
        """A text file in blocks that overlap by more than the longest value searched for, so
        that whatever a block boundary cuts is found whole in the next block."""
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
                for kind, pos in self._found(window, set(hits), 1 if tail else 0).items():
                    hits[kind] = Hit(rel, lines_before + window.count("\n", 0, pos) + 1, None, kind)
                keep = min(len(window), overlap)
                lines_before += window.count("\n", 0, len(window) - keep)
                tail = window[len(window) - keep:]
            if not data or len(hits) == len(PATTERNS) + 1:
                break
        return list(hits.values())

    # ---------- XLSX ----------

    def _xlsx(self, rel: str, path: Path) -> list[Hit]:
        hits = []
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.endswith(".xml"):
                    with zf.open(name) as fh:
                        hits += self._xml_stream(f"{rel}:{name}", fh)
        return hits

    def _xml_stream(self, rel: str, fh: IO[bytes]) -> list[Hit]:
        """The text of an XML part (a sheet: every cell's value), in blocks cut just after a '>',
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
                for kind in self._found(text, set(hits)):
                    hits[kind] = self._locate(rel, context, chunk, kind, row, head)
            rows = _ROW_TAG.findall(chunk)
            if rows:
                row = int(rows[-1])
            context = (context + chunk)[-CONTEXT:]
            if not data or len(hits) == len(PATTERNS) + 1:
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
        if kind == PRIVATE_VALUE:
            return self._automaton is not None and next(self._automaton.iter(text), None) is not None
        return any(not (kind.startswith("correu") and ALLOWED_EMAILS.fullmatch(m.group(0)))
                   for m in self._python_patterns[kind].finditer(text))


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


def check_folder(guard: Guard | None, folder: Path, only=None) -> None:
    if guard is None:
        return
    hits = guard.scan(folder, only)
    if hits:
        lines = "; ".join(h.describe() for h in hits[:10])
        raise PrivacyLeak(f"possibles dades personals a punt de publicar-se (s'ha aturat la publicació) / "
                          f"possible personal data about to be published (publication stopped): {lines}")
