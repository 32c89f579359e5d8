"""The corpus's input-sanity and privacy cases (tests/corpus_input.py, tests/corpus_privacy.py),
each run for real through `localret publish` and checked exactly as tests/test_corpus.py checks
the others (`check_case`); a file of its own so that the two halves of the corpus run on both
workers."""

from __future__ import annotations

import pytest

import corpus_input
import corpus_privacy
from test_corpus import baseline, check_case  # noqa: F401 (baseline is a fixture)

HERE = corpus_input.CASES + corpus_privacy.CASES


@pytest.mark.timeout(600)
@pytest.mark.parametrize("case", HERE, ids=[c.id for c in HERE])
def test_corpus_case(case, baseline, tmp_path, request):  # noqa: F811
    check_case(case, baseline, tmp_path, request)
