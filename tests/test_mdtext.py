"""Values that reach Markdown (README.md, CHANGES.md) render as the literal text they are
(localret.mdtext): checked with a CommonMark renderer (markdown-it, with GFM tables and
strikethrough), on the helper alone and on a real publication whose source holds them."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil

import pytest
from markdown_it import MarkdownIt

from conftest import AS_OF
from localret import pipeline
from localret.mdtext import text as md

RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])

HOSTILE = [
    "**x**", "__x__", "*x*", "_x_", "~~x~~", "`x`", "``x``",
    "[link](javascript:alert(1))", "![img](http://example.invalid/x.png)", "[ref]: http://example.invalid",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<!-- x -->", "<http://example.invalid>",
    "a | b | c", "|---|", "# heading", "## x", "#hash", "> quote", "- item", "+ item", "* item", "1. item", "2) item",
    "===", "---", "***", "line one\nline two", "one\n\n# two", "one\r\n- two", "x  \ny", "tail\\", "\\*x\\*",
    "&lt;b&gt;", "&#60;b&#62;", "&amp;", "AT&T", "    indented code", "```\ncode\n```", "~~~", "[^1]",
    "Ajuntament de l’Escala", "Consell Comarcal (Maresme)", "a_b_c", "100% & més", "",
]


def collapsed(value: str) -> str:
    return " ".join(value.split())


def visible(rendered: str) -> str:
    """The text a reader sees in rendered HTML: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_renders_as_itself_and_nothing_else(value):
    escaped = md(value)
    assert "\n" not in escaped and "\r" not in escaped
    # As a paragraph, a list item, a heading and a table cell: only our own structure appears.
    for template, tags in (("{}", {"p"}), ("- {}", {"ul", "li"}), ("### {}", {"h3"}),
                           ("| a | b |\n|---|---|\n| x | {} |", {"table", "thead", "tbody", "tr", "th", "td"})):
        rendered = RENDERER.render(template.format(escaped))
        found = {t for t in re.findall(r"</?([a-z0-9]+)", rendered)}
        assert found <= tags, (value, rendered)
    assert visible(RENDERER.render(escaped)) == collapsed(value)
    cells = re.findall(r"<td>(.*?)</td>", RENDERER.render(f"| a | b |\n|---|---|\n| x | {escaped} |"), re.S)
    assert len(cells) == 2 and visible(cells[1]) == collapsed(value)


def test_plain_text_stays_readable():
    assert md("Membres del Consorci Localret") == "Membres del Consorci Localret"
    assert md("Alta: Ajuntament de Girona (2020-01-01)") == "Alta: Ajuntament de Girona (2020-01-01)"
    assert md(None) == "" and md(3) == "3"


HOSTILE_TITLE = ("# Títol **gras** [enllaç](javascript:alert(1)) <script>alert(1)</script> | cel·la | "
                 "&lt;b&gt; `codi` ~~ratllat~~")


def test_a_publication_whose_source_holds_markdown_renders_it_as_text(published, sample_dir, tmp_path):
    """An agreement's title written as Markdown and HTML reaches CHANGES.md and README.md (the
    sentence "{titol}: vigent fins al ..."): both render it as literal text."""
    src, out, state = tmp_path / "src", tmp_path / "out", tmp_path / "state"
    shutil.copytree(sample_dir, src)
    shutil.copytree(published, out)
    write_hostile_title(src)
    outcome = pipeline.publish(pipeline.Options(src, out, state, AS_OF))
    release = next(r for r in outcome.published if r.dataset == "convenis")
    folder = out / "convenis" / release.version
    for name in ("CHANGES.md", "README.md"):
        rendered = RENDERER.render((folder / name).read_text(encoding="utf-8"))
        assert "<script" not in rendered and 'href="javascript' not in rendered, name
        for markup in ("<strong>gras</strong>", "<code>codi</code>", "<s>ratllat</s>", "<del>ratllat</del>", "<b>"):
            assert markup not in rendered, (name, markup)
        assert collapsed(HOSTILE_TITLE) in visible(rendered), name
    changes = RENDERER.render((folder / "CHANGES.md").read_text(encoding="utf-8"))
    assert len(re.findall(r"<h1>", changes)) == 1  # the title's '#' opened no heading


def write_hostile_title(src) -> None:
    """Give the agreement C-2003-001 (in force, no end date) a hostile title and an end date."""
    path = src / "convenis.csv"
    table = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    header = table[0]
    row = next(r for r in table if r[0] == "C-2003-001")
    row[header.index("titol")] = HOSTILE_TITLE
    row[header.index("data_fi_vigencia")] = "2030-05-22"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(table)
    path.write_text(buf.getvalue(), encoding="utf-8-sig")
