"""Text that reaches Markdown (README.md, CHANGES.md): every value that comes from the data or a
declaration goes through `text()`, so that it renders as the literal text it is and can never
open a heading, list, quote, table cell, link, image, emphasis, code span or raw HTML.

CommonMark lets any ASCII punctuation be escaped with a backslash, and an escaped character is
always literal (`\\<script>` is text, not HTML); so only the characters that can start
structure are escaped, and the raw file stays readable."""

from __future__ import annotations

import re

# Anywhere in a line: emphasis, code, links and images, raw HTML and autolinks, table cells,
# headings, strikethrough, and the backslash itself.
_ANYWHERE = re.compile(r"([\\`*_\[\]<>|#~])")
# An entity reference (&amp; &#60; &#x3c;) would be decoded: escape its ampersand.
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# At the start of a line only: list items (- + 1. 1)), setext underlines (=) and quotes (>,
# already escaped above).
_LEADING_MARK = re.compile(r"^([-+=])")
_LEADING_NUMBER = re.compile(r"^(\d{1,9})([.)])")


def text(value) -> str:
    """One line of literal text: every kind of whitespace (newlines included) collapsed to
    one space, Markdown and HTML structure escaped. None is the empty string."""
    line = " ".join(str("" if value is None else value).split())
    line = _ANYWHERE.sub(r"\\\1", line)
    line = _ENTITY.sub(r"\\&", line)
    line = _LEADING_MARK.sub(r"\\\1", line)
    return _LEADING_NUMBER.sub(r"\1\\\2", line)
