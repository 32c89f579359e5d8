"""Official codes (DOMAIN.md §5): every test vector, for the Python functions and for the
DuckDB macros that check whole columns, which must never disagree."""

from __future__ import annotations

import duckdb
import pytest

from localret import codes
from localret.register import load_register

# INE 5 digits -> control digit (Idescat code = INE5 + control digit).
CONTROL_VECTORS = {
    "08019": 3, "17079": 2, "25120": 7, "43148": 2, "08001": 8,
    "25001": 9, "43001": 7, "25038": 7, "28079": 6,
}
CODI_ENS_VECTORS = [
    "0801930008", "8101150006", "2500190004", "1711560009", "4301410007",
    "2515000000", "0821140003", "9002660009", "9007520002",
]
VALID_NIFS = ["P0801900B", "P0800000B", "P4302000G", "P5800011H", "Q2826000H", "S2800568D"]
INVALID_NIFS = ["P0801900C", "P5800016E"]
# Malformed values: wrong length, no letter, non-digits, empty.
MALFORMED_NIFS = ["P0801900", "P0801900BB", "08019000B", "P08O1900B", ""]


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    codes.install_macros(c)
    yield c
    c.close()


def sql_value(con, expr: str, *params):
    return con.execute(f"SELECT {expr}", list(params)).fetchall()[0][0]


def other_digit(d: str) -> str:
    return str((int(d) + 1) % 10)


# --- INE / Idescat control digit ----------------------------------------------------------------
@pytest.mark.parametrize("ine5, dc", CONTROL_VECTORS.items())
def test_control_digit_python(ine5, dc):
    assert codes.control_digit(ine5) == dc
    assert codes.idescat_code(ine5) == f"{ine5}{dc}"
    assert codes.valid_idescat(f"{ine5}{dc}")
    assert not codes.valid_idescat(f"{ine5}{other_digit(str(dc))}")


@pytest.mark.parametrize("ine5, dc", CONTROL_VECTORS.items())
def test_control_digit_duckdb(con, ine5, dc):
    assert sql_value(con, "lr_control_digit(?)", ine5) == dc
    assert sql_value(con, "lr_valid_idescat(?)", f"{ine5}{dc}") is True
    assert sql_value(con, "lr_valid_idescat(?)", f"{ine5}{other_digit(str(dc))}") is False


def test_barcelona_idescat_code():
    assert codes.idescat_code("08019") == "080193"


@pytest.mark.parametrize("bad", ["08019", "0801933", "08019X", "", "abcdef"])
def test_malformed_idescat_refused(con, bad):
    assert not codes.valid_idescat(bad)
    assert sql_value(con, "lr_valid_idescat(?)", bad) is False


# --- codi d'ens ---------------------------------------------------------------------------------
@pytest.mark.parametrize("codi", CODI_ENS_VECTORS)
def test_codi_ens_vectors_python(codi):
    assert codes.codi_ens_prefix_ok(codi)
    assert codes.codi_ens_suffix_ok(codi)
    assert codes.make_codi_ens(codi[:5], codi[6:9]) == codi
    # a wrong 6th digit breaks the prefix check; a wrong 10th only the (empirical) suffix one
    assert not codes.codi_ens_prefix_ok(codi[:5] + other_digit(codi[5]) + codi[6:])
    wrong_last = codi[:9] + other_digit(codi[9])
    assert codes.codi_ens_prefix_ok(wrong_last) and not codes.codi_ens_suffix_ok(wrong_last)


@pytest.mark.parametrize("codi", CODI_ENS_VECTORS)
def test_codi_ens_vectors_duckdb(con, codi):
    assert sql_value(con, "lr_codi_ens_prefix_ok(?)", codi) is True
    assert sql_value(con, "lr_codi_ens_suffix_ok(?)", codi) is True
    assert sql_value(con, "lr_codi_ens_prefix_ok(?)", codi[:5] + other_digit(codi[5]) + codi[6:]) is False
    wrong_last = codi[:9] + other_digit(codi[9])
    assert sql_value(con, "lr_codi_ens_prefix_ok(?)", wrong_last) is True
    assert sql_value(con, "lr_codi_ens_suffix_ok(?)", wrong_last) is False


def test_codi_ens_that_lost_its_leading_zero_is_checked_after_padding(con):
    cut = "801930008"  # Barcelona as a spreadsheet shows it
    assert not codes.codi_ens_prefix_ok(cut)
    assert sql_value(con, "lr_codi_ens_prefix_ok(?)", cut) is False
    assert codes.codi_ens_prefix_ok(cut.zfill(10)) and codes.codi_ens_suffix_ok(cut.zfill(10))
    assert sql_value(con, "lr_codi_ens_prefix_ok(lpad(?, 10, '0'))", cut) is True


@pytest.mark.parametrize("bad", ["080193000", "08019300088", "08019A0008", ""])
def test_malformed_codi_ens(con, bad):
    assert not codes.codi_ens_prefix_ok(bad)
    assert sql_value(con, "lr_codi_ens_prefix_ok(?)", bad) is False


# --- NIF --------------------------------------------------------------------------------------
@pytest.mark.parametrize("nif", VALID_NIFS)
def test_valid_nifs(con, nif):
    assert codes.valid_nif(nif)
    assert sql_value(con, "lr_valid_nif(?)", nif) is True
    assert codes.make_nif(nif[0], nif[1:8]) == nif


@pytest.mark.parametrize("nif", INVALID_NIFS + MALFORMED_NIFS)
def test_invalid_nifs(con, nif):
    assert not codes.valid_nif(nif)
    assert sql_value(con, "lr_valid_nif(?)", nif) is False


def test_nif_letter_against_digit_control(con):
    """P, Q, S, N, R, W end in the control letter; A, B, E, H in the control digit."""
    body = "0801900"
    c = codes.nif_control(body)
    assert c == 2 and codes.NIF_LETTERS[c] == "B"
    for letter in "PQSNRW":
        assert codes.valid_nif(f"{letter}{body}B") and not codes.valid_nif(f"{letter}{body}2")
        assert sql_value(con, "lr_valid_nif(?)", f"{letter}{body}B") is True
        assert sql_value(con, "lr_valid_nif(?)", f"{letter}{body}2") is False
    for letter in "ABEH":
        assert codes.valid_nif(f"{letter}{body}2") and not codes.valid_nif(f"{letter}{body}B")
        assert sql_value(con, "lr_valid_nif(?)", f"{letter}{body}2") is True
        assert sql_value(con, "lr_valid_nif(?)", f"{letter}{body}B") is False


def test_null_in_null_out(con):
    """A missing value is the `required` rule's business: the macros return NULL for it."""
    for macro in ("lr_valid_idescat", "lr_codi_ens_prefix_ok", "lr_codi_ens_suffix_ok", "lr_valid_nif"):
        assert sql_value(con, f"{macro}(NULL)") is None, macro


# --- the register ---------------------------------------------------------------------------------
def test_all_register_codes_pass_both_implementations(con):
    municipis, _ = load_register()
    assert len(municipis) == 947
    for code in municipis["codi_idescat"]:
        assert codes.valid_idescat(code), code
    # the municipality's own body (suffix 000) as a codi d'ens, built in Python, checked in SQL
    frame = municipis[["codi_idescat", "codi_ine"]].copy()
    frame["codi_ens"] = frame["codi_ine"].map(codes.make_codi_ens)
    assert (frame["codi_ens"].str[:6] == frame["codi_idescat"]).all()
    con.register("_m", frame)
    bad = con.execute("""
        SELECT codi_idescat FROM _m
        WHERE NOT lr_valid_idescat(codi_idescat)
           OR lr_control_digit(codi_ine) <> CAST(substr(codi_idescat, 6, 1) AS INTEGER)
           OR NOT lr_codi_ens_prefix_ok(codi_ens) OR NOT lr_codi_ens_suffix_ok(codi_ens)
    """).fetchall()
    con.unregister("_m")
    assert bad == []


def test_python_and_duckdb_agree_on_every_five_digit_prefix(con):
    """Exhaustive over 00000-99999: the two implementations are the same function."""
    python = [codes.control_digit(f"{i:05d}") for i in range(100000)]
    duck = [r[0] for r in con.execute(
        "SELECT lr_control_digit(lpad(CAST(i AS VARCHAR), 5, '0')) FROM range(100000) t(i) ORDER BY i").fetchall()]
    assert duck == python


def test_python_and_duckdb_agree_on_random_values(con):
    """Valid, invalid, malformed and lowercase values: both implementations decide alike."""
    import random

    rng = random.Random(1997)
    nifs, codis = [], []
    for _ in range(3000):
        body = "".join(rng.choice("0123456789") for _ in range(7))
        letter = rng.choice("PQSNRWABEHGJUVpqab")
        good = codes.make_nif(letter.upper(), body)
        nifs += [good, good.lower(), letter + body + rng.choice("0123456789ABCDEFGHIJZ"),
                 letter + body[:rng.randrange(7)] + rng.choice(["", "X", "1", "B"])]
        digits = "".join(rng.choice("0123456789") for _ in range(10))
        codis += [digits, codes.make_codi_ens(digits[:5], digits[6:9]), digits[:rng.randrange(11)]]
    con.execute("CREATE OR REPLACE TEMP TABLE n AS SELECT unnest(?) AS v", [nifs])
    duck = dict(con.execute("SELECT v, lr_valid_nif(v) FROM n").fetchall())
    assert all(duck[v] == codes.valid_nif(v) for v in nifs if v), [v for v in nifs if v and duck[v] != codes.valid_nif(v)][:5]
    con.execute("CREATE OR REPLACE TEMP TABLE c AS SELECT unnest(?) AS v", [codis])
    rows = con.execute("SELECT v, lr_codi_ens_prefix_ok(v), lr_codi_ens_suffix_ok(v) FROM c").fetchall()
    for v, prefix, suffix in rows:
        assert prefix == codes.codi_ens_prefix_ok(v), v
        if prefix:
            assert suffix == codes.codi_ens_suffix_ok(v), v
    assert sum(1 for _, p, s in rows if p and s) >= 3000  # the generated valid codes are among them


def test_sql_control_digit_matches_python_for_every_five_digits(con):
    """The SQL checks look codes up in tables built from the control digit of a number: the
    same digit as the reference for all 100,000 inputs, and every valid code is accepted."""
    import pandas as pd

    frame = pd.DataFrame({"n": range(100_000)})
    frame["dc"] = [codes.control_digit(f"{n:05d}") for n in frame["n"]]
    con.register("_all", frame)
    wrong = con.execute("SELECT n FROM _all WHERE lr_control_of(n) <> dc").fetchall()
    codes_wrong = con.execute("""
        SELECT n FROM _all WHERE NOT lr_codi_ens_prefix_ok(lpad(CAST(n AS VARCHAR), 5, '0') || CAST(dc AS VARCHAR) || '0000')
                              OR NOT lr_valid_idescat(lpad(CAST(n AS VARCHAR), 5, '0') || CAST(dc AS VARCHAR))""").fetchall()
    con.unregister("_all")
    assert wrong == [] and codes_wrong == []
