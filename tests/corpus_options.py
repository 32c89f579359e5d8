"""Corpus cases of issue 11 (options): see tests/corpus.py for the Case contract.

Hostile --base-url and --as-of values are refused before any work (exit 2, the option named,
nothing published); the corpus baseline publishes at 2026-11-27, so an --as-of before it is
refused under the output's lock. Values written as Markdown or HTML publish with exit 0 and
render as literal text in README.md and CHANGES.md. Fault-injection variables left in the
environment without the test switch are ignored (pending the integrator's fault.py)."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from pathlib import Path

from markdown_it import MarkdownIt

from corpus import Case

NOTHING = "nothing new was published"


def unchanged(src: Path) -> None:
    """The sample as it is: only the options differ."""


def refused_url(case_id: str, url: str, *words: str) -> Case:
    return Case(case_id, unchanged, 2, ["--base-url", *words, NOTHING], args=["--base-url", url])


def refused_as_of(case_id: str, value: str, *words: str) -> Case:
    return Case(case_id, unchanged, 2, ["--as-of", *words, NOTHING], args=["--as-of", value])


# --- Markdown and HTML in values that reach README.md and CHANGES.md -------------------------
RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def rewrite(src: Path, name: str, edit, encoding: str = "utf-8-sig") -> None:
    path = src / name
    table = list(csv.reader(io.StringIO(path.read_text(encoding=encoding))))
    edit(table)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    path.write_text(out.getvalue(), encoding=encoding)


def agreement_title(title: str):
    """C-2003-001 (in force, no end date) gets `title` and an end date: the sentence
    "{titol}: vigent fins al ..." carries it into CHANGES.md and README.md."""

    def build(src: Path) -> None:
        def edit(table):
            head = table[0]
            row = next(r for r in table if r[0] == "C-2003-001")
            row[head.index("titol")] = title
            row[head.index("data_fi_vigencia")] = "2030-05-22"

        rewrite(src, "convenis.csv", edit)

    return build


def new_procedure(title: str):
    """A new procedure with one lot: "Nou procediment: {titol} (...)"."""

    def build(src: Path) -> None:
        def edit(table):
            head = table[0]
            row = list(table[1])
            row[head.index("procediment_id")] = "prova-2026"
            row[head.index("titol")] = title
            table.append(row)

        rewrite(src, "contractes.csv", edit, encoding="utf-8")

    return build


def renders_literally(dataset: str, value: str, hostile_markup: tuple[str, ...], in_changes: tuple[str, ...] = ()):
    """`in_changes`: markup that README.md has of its own (quotes, tables) but CHANGES.md never."""

    def check(tmp: Path) -> None:
        latest = tmp / "public" / dataset / "latest"
        for name in ("CHANGES.md", "README.md"):
            rendered = RENDERER.render((latest / name).read_text(encoding="utf-8"))
            for markup in ("<script", 'href="javascript', *hostile_markup, *(in_changes if name == "CHANGES.md" else ())):
                assert markup not in rendered, (name, markup)
            seen = html.unescape(re.sub(r"<[^>]+>", "", rendered))
            assert " ".join(value.split()) in seen, (name, value)

    return check


TITLE_MARKUP = ("# Conveni **urgent** [vegeu](javascript:alert(1)) <script>alert(1)</script> "
                "<img src=x onerror=alert(1)> | cel·la | `codi` ~~ratllat~~ &lt;b&gt;")
TITLE_LEADING = "1. > cita - element | a | b |"
PROCEDURE_MARKUP = "## Procediment [x][1] ![img](http://example.invalid/x.png) <b>negreta</b> __sub__"


# --- fault injection left in the environment -----------------------------------------------
def _fault_switch_missing() -> str | None:
    from localret import fault

    text = Path(fault.__file__).read_text(encoding="utf-8")
    return None if "LOCALRET_TEST_FAULTS" in text else (
        "fault.py does not yet require LOCALRET_TEST_FAULTS=1 (the integrator's change)")


def end_date_filled(src: Path) -> None:
    """A real publication (a new `convenis` release), so that the run passes every fault point."""

    def edit(table):
        row = next(r for r in table if r[0] == "C-2003-001")
        row[table[0].index("data_fi_vigencia")] = "2030-05-22"

    rewrite(src, "convenis.csv", edit)


def no_count_file(tmp: Path) -> None:
    assert not (tmp / "fault-count").exists(), "LOCALRET_COUNT_FAULTS acted without LOCALRET_TEST_FAULTS=1"


TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()

CASES = [
    # --base-url: an absolute http(s) URL with a host and nothing to escape
    refused_url("base-url-quote", 'https://dades.localret.cat/"onmouseover="alert(1)', "quotes"),
    refused_url("base-url-single-quote", "https://dades.localret.cat/'/", "quotes"),
    refused_url("base-url-script", "https://dades.localret.cat/<script>alert(1)</script>/", "< or >"),
    refused_url("base-url-javascript", "javascript:alert(1)//", "http://"),
    refused_url("base-url-data", "data:text/html,hola", "http://"),
    refused_url("base-url-ftp", "ftp://dades.localret.cat/", "http://"),
    refused_url("base-url-relative", "dades/obertes/", "absolute"),
    refused_url("base-url-protocol-relative", "//dades.localret.cat/", "absolute"),
    refused_url("base-url-spaces", "https://dades.localret.cat/dades obertes/", "spaces"),
    refused_url("base-url-control-char", "https://dades.localret.cat/\x1b[31m/", "control characters"),
    refused_url("base-url-backslash", "https:\\\\dades.localret.cat\\", "backslashes"),
    refused_url("base-url-userinfo", "https://admin:secret@dades.localret.cat/", "user name or password"),
    refused_url("base-url-query", "https://dades.localret.cat/?utm_source=x", "query"),
    refused_url("base-url-fragment", "https://dades.localret.cat/#inici", "fragment"),
    refused_url("base-url-no-host", "https:///dades/", "host"),
    refused_url("base-url-bidi", "https://dades.localret.cat/\u202etxt.exe/", "non-ASCII"),
    refused_url("base-url-dot-segments", "https://dades.localret.cat/a/../../b/", "path"),
    refused_url("base-url-empty", "", "empty"),
    # --as-of: within the data's range, never before what --out already publishes
    refused_as_of("as-of-far-future", "2100-01-01", "2100-01-01", "after today"),
    refused_as_of("as-of-tomorrow", TOMORROW, TOMORROW, "after today"),
    refused_as_of("as-of-before-1997", "1996-12-31", "1997-01-01", "first data"),
    refused_as_of("as-of-year-one", "0001-01-01", "first data"),
    refused_as_of("as-of-before-published", "2026-11-26", "2026-11-27", "already published", "localret rebuild"),
    refused_as_of("as-of-long-before-published", "2001-06-30", "2026-11-27", "already published"),
    refused_as_of("as-of-basic-format", "20261127", "YYYY-MM-DD"),
    refused_as_of("as-of-week-date", "2026-W48-5", "YYYY-MM-DD"),
    # Markdown and HTML in published values: exit 0, rendered as literal text
    Case("markdown-in-agreement-title", agreement_title(TITLE_MARKUP), 0,
         check=renders_literally("convenis", TITLE_MARKUP, ("<strong>urgent</strong>", "<code>codi</code>", "<img",
                                                              "<s>ratllat</s>", "<del>ratllat</del>", "<b>"))),
    Case("markdown-leading-list-and-table", agreement_title(TITLE_LEADING), 0,
         check=renders_literally("convenis", TITLE_LEADING, ("<ol",), in_changes=("<blockquote", "<table"))),
    Case("markdown-in-procedure-title", new_procedure(PROCEDURE_MARKUP), 0,
         check=renders_literally("contractacio-agregada", PROCEDURE_MARKUP,
                                 ("<h2>Procediment", "<img", "<b>negreta</b>", "<strong>sub</strong>"))),
    # fault injection without the test switch: ignored, with a warning (after the integrator's fault.py)
    Case("fault-kill-without-switch", end_date_filled, 0, ["LOCALRET_KILL_AT ignorat"],
         env={"LOCALRET_KILL_AT": "1"}, pending=_fault_switch_missing),
    Case("fault-count-without-switch", end_date_filled, 0, ["AVÍS / WARNING", "ignorat"],
         env={"LOCALRET_COUNT_FAULTS": "{tmp}/fault-count"}, check=no_count_file, pending=_fault_switch_missing),
]
