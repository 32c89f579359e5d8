"""The privacy guard: before a release becomes visible, every file in it is scanned for the
private values of the current run (schemas mark private fields) and for e-mail, phone and
DNI/NIE patterns. A hit aborts the publication, naming file, field and row, never the value.

Private fields never reach the typed tables the build reads (validate.build_typed_table),
so a hit here means a bug or a hostile input; this is the second, independent line."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import ahocorasick
import duckdb

from localret import schema
from localret.errors import LocalretError
from localret.validate.field_rules import DNI_RE, EMAIL_RE

MIN_CHARS = 5  # shorter private values ("Sí", "Pep") would match ordinary words
# A phone as people write it (with separators or +34): bare 9-digit numbers are amounts here.
PHONE_RE = r"(^|[^0-9])(\+34[ .-]?)?[6789][0-9]{2}([ .-][0-9]{2,3}){2,3}([^0-9]|$)"
PATTERNS = {"correu electrònic / e-mail": EMAIL_RE, "telèfon / phone": PHONE_RE, "DNI/NIE": DNI_RE}
# Institutional mailboxes are not personal data (DOMAIN.md §7).
ALLOWED_EMAILS = re.compile(r"[A-Za-z0-9._%+-]+@localret\.cat")
TEXT_SUFFIXES = {".json", ".md", ".html", ".atom", ".xml", ".rdf", ".jsonld", ".txt", ".svg", ".js", ".css"}


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


class Guard:
    def __init__(self, con: duckdb.DuckDBPyConnection, loaded: list[str]):
        self.con = con
        parts = []
        for name in loaded:
            for f in schema.source_schema(name).private_fields:
                parts.append(f"SELECT DISTINCT \"{f.name}\" AS value, '{name}.{f.name}' AS origin FROM raw_{name} "
                             f"WHERE length(\"{f.name}\") >= {MIN_CHARS}")
        sql = " UNION ALL ".join(parts) if parts else "SELECT NULL::VARCHAR AS value, NULL::VARCHAR AS origin WHERE false"
        con.execute(f"CREATE OR REPLACE TEMP TABLE guard_private AS {sql}")
        # One pass over any text finds every private value in it (Aho-Corasick automaton).
        self._automaton = None
        values = [v for (v,) in con.execute("SELECT DISTINCT value FROM guard_private").fetchall()]
        if values:
            self._automaton = ahocorasick.Automaton()
            for v in values:
                self._automaton.add_word(v, v)
            self._automaton.make_automaton()

    def scan(self, folder: Path) -> list[Hit]:
        hits: list[Hit] = []
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = str(path.relative_to(folder))
            if path.suffix == ".csv":
                hits += self._table(rel, f"read_csv('{path}', all_varchar=true, header=true)")
            elif path.suffix == ".parquet":
                hits += self._table(rel, f"read_parquet('{path}')")
            elif path.suffix == ".xlsx":
                hits += self._xlsx(rel, path)
            elif path.suffix in TEXT_SUFFIXES:
                hits += self._text(rel, path.read_text(encoding="utf-8", errors="replace"))
        return hits

    def _table(self, rel: str, source: str) -> list[Hit]:
        """All columns and all patterns in one scan; exact private values by a hash join."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE guard_t AS SELECT row_number() OVER () + 1 AS _row, * FROM {source}")
        columns = [r[0] for r in self.con.execute("DESCRIBE guard_t").fetchall() if r[0] != "_row"]
        checks, labels = [], []
        for col in columns:
            v = f'CAST("{col}" AS VARCHAR)'
            for kind, pattern in PATTERNS.items():
                allowed = f" AND NOT regexp_full_match({v}, '{ALLOWED_EMAILS.pattern}')" if kind.startswith("correu") else ""
                checks.append(f"min(_row) FILTER (WHERE regexp_matches({v}, '{pattern}'){allowed})")
                labels.append((col, kind))
        hits = []
        if checks:
            for (col, kind), row in zip(labels, self.con.execute(f"SELECT {', '.join(checks)} FROM guard_t").fetchone()):
                if row is not None:
                    hits.append(Hit(rel, int(row), col, kind))
        for col in columns:
            v = f'CAST("{col}" AS VARCHAR)'
            exact = self.con.execute(f"SELECT min(_row) FROM guard_t JOIN guard_private p ON {v} = p.value").fetchone()[0]
            if exact is not None:
                hits.append(Hit(rel, int(exact), col, "valor d'un camp privat / value of a private field"))
            if self._automaton and self._has_long_text(col):
                for row, text in self.con.execute(f"SELECT _row, {v} FROM guard_t WHERE length({v}) > 40").fetchall():
                    if next(self._automaton.iter(text), None):
                        hits.append(Hit(rel, int(row), col, "conté un valor d'un camp privat / contains a private value"))
                        break
        return hits

    def _has_long_text(self, col: str) -> bool:
        longest = self.con.execute(f'SELECT max(length(CAST("{col}" AS VARCHAR))) FROM guard_t').fetchone()[0]
        return bool(longest and longest > 40)  # free text, where a name could hide inside

    def _xlsx(self, rel: str, path: Path) -> list[Hit]:
        hits = []
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.endswith(".xml"):
                    text = re.sub(r"<[^>]+>", "\n", zf.read(name).decode("utf-8", errors="replace"))
                    hits += self._text(f"{rel}:{name}", text)
        return hits

    def _text(self, rel: str, text: str) -> list[Hit]:
        hits = []
        if self._automaton:
            for end, value in self._automaton.iter(text):
                start = end - len(value) + 1
                hits.append(Hit(rel, text.count("\n", 0, start) + 1, None, "valor d'un camp privat / value of a private field"))
                break
        for kind, pattern in PATTERNS.items():
            for m in re.finditer(pattern, text):
                if kind.startswith("correu") and ALLOWED_EMAILS.fullmatch(m.group(0)):
                    continue
                hits.append(Hit(rel, text.count("\n", 0, m.start()) + 1, None, kind))
                break
        return hits


def check_folder(guard: Guard | None, folder: Path) -> None:
    if guard is None:
        return
    hits = guard.scan(folder)
    if hits:
        lines = "; ".join(h.describe() for h in hits[:10])
        raise PrivacyLeak(f"possibles dades personals a punt de publicar-se (s'ha aturat la publicació) / "
                          f"possible personal data about to be published (publication stopped): {lines}")
