"""Official codes of DOMAIN.md §5: the reference algorithms in Python (used for tests and
single values) and the same algorithms as DuckDB macros (used to check whole columns)."""

from __future__ import annotations

import duckdb

MAGIC = ((0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (0, 3, 8, 2, 7, 4, 1, 5, 9, 6), (0, 2, 4, 6, 8, 1, 3, 5, 7, 9))
NIF_LETTERS = "JABCDEFGHI"
NIF_LETTER_CONTROL = set("PQSNRW")
NIF_DIGIT_CONTROL = set("ABEH")
PROVINCES = {"08": "Barcelona", "17": "Girona", "25": "Lleida", "43": "Tarragona"}


def control_digit(code5: str) -> int:
    """INE/Idescat control digit over five digits."""
    s = sum(MAGIC[2 - i % 3][int(d)] for i, d in enumerate(code5))
    return (10 - s % 10) % 10


def idescat_code(ine5: str) -> str:
    return ine5 + str(control_digit(ine5))


def valid_idescat(code6: str) -> bool:
    return len(code6) == 6 and code6.isdigit() and control_digit(code6[:5]) == int(code6[5])


def codi_ens_prefix_ok(codi: str) -> bool:
    return len(codi) == 10 and codi.isdigit() and control_digit(codi[:5]) == int(codi[5])


def codi_ens_suffix_ok(codi: str) -> bool:
    """Digit 10 = control digit of '0' + digits 6-9 (known only for suffix 000)."""
    return control_digit("0" + codi[5:9]) == int(codi[9])


def make_codi_ens(prefix5: str, suffix3: str = "000") -> str:
    middle = prefix5 + str(control_digit(prefix5)) + suffix3
    return middle + str(control_digit("0" + middle[5:9]))


def nif_control(body7: str) -> int:
    total = 0
    for i, d in enumerate(body7):
        if i % 2 == 0:
            doubled = int(d) * 2
            total += doubled // 10 + doubled % 10
        else:
            total += int(d)
    return (10 - total % 10) % 10


def valid_nif(nif: str) -> bool:
    """Legal-entity NIF (letter + 7 digits + control)."""
    if len(nif) != 9 or not nif[0].isalpha() or not nif[1:8].isdigit():
        return False
    c = nif_control(nif[1:8])
    letter, last = nif[0].upper(), nif[8].upper()
    if letter in NIF_LETTER_CONTROL:
        return last == NIF_LETTERS[c]
    if letter in NIF_DIGIT_CONTROL:
        return last == str(c)
    return last in (str(c), NIF_LETTERS[c])


def make_nif(letter: str, body7: str) -> str:
    c = nif_control(body7)
    return letter + body7 + (NIF_LETTERS[c] if letter in NIF_LETTER_CONTROL else str(c))


# The same algorithms for DuckDB. Each returns NULL for NULL input so that a missing value is
# reported once, by the `required` check, not again here.
# The control digit is written out position by position over a 5-digit integer: MAGIC[2] is
# "double and add the digits", MAGIC[1] a fixed permutation, MAGIC[0] the digit itself. The
# checks themselves look codes up in tables of every valid digit string, built with it once per
# connection: a hash lookup per value is several times cheaper than the arithmetic, and keeps
# each query's expression tree small (planning cost counts on every run).
SQL_MACROS = [
    "CREATE OR REPLACE MACRO lr_m2(d) AS 2 * d - 9 * CAST(d >= 5 AS INTEGER)",  # [0,2,4,6,8,1,3,5,7,9][d]
    "CREATE OR REPLACE MACRO lr_m1(d) AS [0, 3, 8, 2, 7, 4, 1, 5, 9, 6][d + 1]",
    """CREATE OR REPLACE MACRO lr_control_of(n) AS CAST(
        (10 - (lr_m2(n // 10000) + lr_m1(n // 1000 % 10) + n // 100 % 10 + lr_m2(n // 10 % 10) + lr_m1(n % 10)) % 10) % 10
        AS INTEGER)""",
    "CREATE OR REPLACE MACRO lr_control_digit(c5) AS lr_control_of(CAST(c5 AS INTEGER))",
    # Every valid Idescat code (5 digits + control), and every valid tail of a codi d'ens
    # (digits 6-10: digit 10 is the control of '0' + digits 6-9). Not TEMP tables: validation
    # reads them from a second connection too.
    """CREATE OR REPLACE TABLE lr_idescat6 AS
        SELECT lpad(CAST(10 * n + lr_control_of(n) AS VARCHAR), 6, '0') AS code FROM range(100000) AS r(n)""",
    """CREATE OR REPLACE TABLE lr_codi_ens_tail5 AS
        SELECT lpad(CAST(10 * n + lr_control_of(n) AS VARCHAR), 5, '0') AS code FROM range(10000) AS r(n)""",
    """CREATE OR REPLACE MACRO lr_valid_idescat(c) AS (
        CASE WHEN c IS NULL THEN NULL
             WHEN NOT regexp_full_match(c, '[0-9]{6}') THEN false
             ELSE c IN (SELECT code FROM lr_idescat6) END)""",
    # For a code already known to have its 10 digits (the rules test that once, not per check):
    "CREATE OR REPLACE MACRO lr_codi_ens_digit6_ok(c) AS substr(c, 1, 6) IN (SELECT code FROM lr_idescat6)",
    "CREATE OR REPLACE MACRO lr_codi_ens_digit10_ok(c) AS substr(c, 6, 5) IN (SELECT code FROM lr_codi_ens_tail5)",
    """CREATE OR REPLACE MACRO lr_codi_ens_prefix_ok(c) AS (
        CASE WHEN c IS NULL THEN NULL
             WHEN NOT regexp_full_match(c, '[0-9]{10}') THEN false
             ELSE lr_codi_ens_digit6_ok(c) END)""",
    """CREATE OR REPLACE MACRO lr_codi_ens_suffix_ok(c) AS (
        CASE WHEN c IS NULL OR NOT regexp_full_match(c, '[0-9]{10}') THEN NULL
             ELSE lr_codi_ens_digit10_ok(c) END)""",
    "CREATE OR REPLACE MACRO lr_d(c, i) AS CAST(ascii(substr(c, i, 1)) - 48 AS INTEGER)",
    """CREATE OR REPLACE MACRO lr_nif_control(b) AS CAST(
        (10 - (lr_m2(lr_d(b, 1)) + lr_d(b, 2) + lr_m2(lr_d(b, 3)) + lr_d(b, 4) + lr_m2(lr_d(b, 5)) + lr_d(b, 6)
               + lr_m2(lr_d(b, 7))) % 10) % 10 AS INTEGER)""",
    # The control is computed once: 'J0A1...' holds, for each control c, its letter and its
    # digit side by side; the entity's letter picks the letter, the digit, or either.
    """CREATE OR REPLACE MACRO lr_valid_nif(n) AS (
        CASE WHEN n IS NULL THEN NULL
             WHEN NOT regexp_full_match(upper(n), '[A-Z][0-9]{7}[0-9A-J]') THEN false
             ELSE contains(substr(substr('J0A1B2C3D4E5F6G7H8I9', 2 * lr_nif_control(substr(n, 2, 7)) + 1, 2),
                                  CASE WHEN upper(substr(n, 1, 1)) IN ('A','B','E','H') THEN 2 ELSE 1 END,
                                  CASE WHEN upper(substr(n, 1, 1)) IN ('P','Q','S','N','R','W','A','B','E','H') THEN 1 ELSE 2 END),
                           upper(substr(n, 9, 1))) END)""",
]


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    for sql in SQL_MACROS:
        con.execute(sql)
