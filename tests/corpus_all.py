"""Every corpus case: the original corpus and one module per class of hostile input."""

from __future__ import annotations

import corpus
import corpus_input
import corpus_options
import corpus_privacy

CASES = corpus.CASES + corpus_input.CASES + corpus_options.CASES + corpus_privacy.CASES
