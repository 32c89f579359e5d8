"""Limits of the input contract, shared by the reader and the validation rules. Kept free of
any import: the report (and so a run with nothing to do) must not load the reader's pandas."""

# The largest text a cell may hold (README, "Input contract"): a longer one is a named error.
MAX_FIELD_BYTES = 1024 * 1024
