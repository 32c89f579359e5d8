"""Corpus cases of issue 11 (input): see tests/corpus.py for the Case contract."""

from __future__ import annotations

from corpus import Case  # noqa: F401

CASES: list = []
