"""The publish options, checked before any work: one function per option, each raising
UsageError (exit 2) with a message that names the option. Used by the CLI and by the Prefect
flow (so also by the scheduled deployment); `published_reference_date` runs inside
`pipeline.publish`, under the output's lock, because only there is `--out` stable.

Imports nothing heavy: it runs before pandas, DuckDB or Prefect are loaded."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from localret.errors import UsageError

# The consortium was founded in 1997 (DOMAIN.md); the roster's episodes and the yearly
# summaries start then. A reference date before it describes no data at all.
FIRST_DATA = dt.date(1997, 1, 1)
MAX_URL_LENGTH = 2000

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# What a base URL may hold after "scheme://": plain host labels, a port, path segments of
# unreserved characters and %XX escapes. Anything else would need escaping in HTML, XML,
# Markdown or a feed, or would change what the URL means (userinfo, query, fragment).
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_SEGMENT = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})*")


def _shown(value: str) -> str:
    """A value as it can be shown safely on a terminal: control and invisible characters
    escaped, long values cut."""
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "...'"


def _bad_url(value: str, ca: str, en: str) -> UsageError:
    return UsageError(f"--base-url {_shown(value)}: {ca} / {en}")


def base_url(value: str) -> str:
    """An absolute http(s) URL with a host and nothing to escape; returned with its scheme and
    host in lower case and ending with "/"."""
    if not isinstance(value, str) or not value:
        raise _bad_url(str(value or ""), "no pot ser buida", "cannot be empty")
    if len(value) > MAX_URL_LENGTH:
        raise _bad_url(value, f"més llarga de {MAX_URL_LENGTH} caràcters", f"longer than {MAX_URL_LENGTH} characters")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value):
        raise _bad_url(value, "conté caràcters de control", "contains control characters")
    if any(c.isspace() for c in value):
        raise _bad_url(value, "conté espais", "contains spaces")
    if not value.isascii():
        raise _bad_url(value, "conté caràcters no ASCII (feu servir punycode o %XX)",
                       "contains non-ASCII characters (use punycode or %XX)")
    for chars, ca, en in (("\"'`", "conté cometes", "contains quotes"),
                          ("<>", "conté < o >", "contains < or >"),
                          ("\\", "conté barres inverses", "contains backslashes"),
                          ("?", "no pot tenir consulta (?...)", "cannot have a query (?...)"),
                          ("#", "no pot tenir fragment (#...)", "cannot have a fragment (#...)")):
        if any(c in value for c in chars):
            raise _bad_url(value, ca, en)
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        raise _bad_url(value, "ha de ser una URL absoluta http:// o https://", "must be an absolute http:// or https:// URL")
    authority, _, path = rest.partition("/")
    if "@" in authority:  # not shown back: it may hold a password
        shown = value.replace(authority, "***@" + authority.rpartition("@")[2], 1)
        raise _bad_url(shown, "no pot incloure usuari o contrasenya", "cannot include a user name or password")
    host, colon, port = authority.partition(":")
    host = host.lower()
    if not host:
        raise _bad_url(value, "no té nom de servidor", "has no host name")
    if len(host) > 253 or not _HOST.fullmatch(host):
        raise _bad_url(value, "el nom de servidor no és vàlid", "the host name is not valid")
    if colon and not (port.isdigit() and len(port) <= 5 and 0 < int(port) < 65536):
        raise _bad_url(value, "el port no és vàlid", "the port is not valid")
    segments = path.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if (segment == "" and not last) or segment in (".", "..") or not _SEGMENT.fullmatch(segment):
            raise _bad_url(value, "el camí conté caràcters o segments no admesos (només lletres, xifres, . _ ~ - i %XX)",
                           "the path holds characters or segments not allowed (only letters, digits, . _ ~ - and %XX)")
    normal = f"{scheme.lower()}://{host}{colon}{port}/{path}"
    return normal if normal.endswith("/") else normal + "/"


def as_of(value: str | dt.date | None, today: dt.date | None = None) -> dt.date:
    """The reference date: YYYY-MM-DD, not after today and not before the first data
    (FIRST_DATA). None means today."""
    today = today or dt.date.today()
    if value is None:
        return today
    if isinstance(value, dt.date):
        when = value
    else:
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            when = dt.date.fromisoformat(value)
        except ValueError:
            raise UsageError(f"--as-of {_shown(value)}: no és una data AAAA-MM-DD / is not a YYYY-MM-DD date") from None
    if when > today:
        raise UsageError(f"--as-of {when}: és posterior a avui ({today}); les dades no poden descriure el futur / "
                         f"is after today ({today}); the data cannot describe the future")
    if when < FIRST_DATA:
        raise UsageError(f"--as-of {when}: és anterior a les primeres dades del Consorci ({FIRST_DATA}) / "
                         f"is before the consortium's first data ({FIRST_DATA})")
    return when


def newest_published(out: Path) -> tuple[dt.date, str, str] | None:
    """The newest reference date announced in any `<out>/<dataset>/versions.json`, with its
    dataset and version; None when nothing is published. Unreadable files are not judged here
    (verify reports them)."""
    newest = None
    for path in sorted(Path(out).glob("*/versions.json")):
        try:
            entries = json.loads(path.read_text(encoding="utf-8")).get("versions", [])
        except (OSError, ValueError, AttributeError):
            continue
        for entry in entries if isinstance(entries, list) else []:
            try:
                when = dt.date.fromisoformat(str(entry["data_referencia"]))
            except (KeyError, TypeError, ValueError):
                continue
            if newest is None or when > newest[0]:
                newest = (when, path.parent.name, str(entry.get("version", "?")))
    return newest


def published_reference_date(out: Path, when: dt.date) -> None:
    """--as-of may not go back before what --out already publishes: each release would be
    dated before its predecessor. Run under the output's lock."""
    newest = newest_published(out)
    if newest is not None and when < newest[0]:
        date, dataset, version = newest
        raise UsageError(
            f"--as-of {when}: és anterior a la data de referència ja publicada ({date}, {dataset} {version}); per "
            f"reconstruir una versió antiga feu servir 'localret rebuild DATASET VERSIÓ' o publiqueu en un --out nou / "
            f"is before the reference date already published ({date}, {dataset} {version}); to rebuild an old release "
            f"use 'localret rebuild DATASET VERSION' or publish into a fresh --out")


def folders(sources: Path, out: Path | None, state: Path) -> None:
    """The three folders (resolved; out None when publishing to a remote URL, whose mirror
    lives in state): what a web server serves under --out must never hold the raw exports or
    the run's records, both full of private data; and --out or --state inside --sources would
    mix published files or archived inputs with the exports a later run reads."""
    def within(inner: Path, outer: Path) -> bool:
        return inner == outer or inner.is_relative_to(outer)

    if out is not None:
        if within(state, out):
            raise UsageError(f"--state {state}: no pot ser dins de --out, conté dades privades / "
                             "cannot be inside --out: it holds private data")
        if within(sources, out):
            raise UsageError(f"--sources {sources}: no pot ser dins de --out, les fonts tenen dades privades / "
                             "cannot be inside --out: the sources hold private data")
        if within(out, sources):
            raise UsageError(f"--out {out}: no pot ser dins de --sources / cannot be inside --sources")
    if within(state, sources):
        raise UsageError(f"--state {state}: no pot ser dins de --sources / cannot be inside --sources")
    if not sources.is_dir():
        raise UsageError(f"--sources {sources}: no és una carpeta / is not a folder")
