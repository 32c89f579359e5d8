"""Property-based privacy tests (Hypothesis): personal data generated valid (DNI/NIE with their
letter, Spanish phones, e-mail addresses, IBAN with its check digits, people's names) and
rendered in random forms (groupings, separators, no-break / narrow / thin / zero-width spaces,
case, accents dropped, the usual e-mail obfuscations), planted at random positions of random
published text fields. The policy finds each; validation refuses such sources and the value
reaches neither the report, the console, the run records nor anything under --out; and,
validation bypassed, the privacy guard finds it in every published format.

Budget: a fixed seed and a few examples each, so that CI stays quick and stable; set
HYPOTHESIS_PROFILE=long for a long random run (e.g. nightly)."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import io
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localret import paths, personal, pipeline
from localret.errors import InvalidSources
from localret.privacy import PRIVATE_VALUE, Guard

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"


def budget(n: int):
    """n examples, derandomized, unless the long profile asks for a random search 20x as big."""
    return settings(max_examples=n * 20 if LONG else n, deadline=None, derandomize=not LONG, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


SPACES = [" ", "\u00a0", "\u202f", "\u2009", "  "]
DASHES = ["\u2010", "\u2011", "\u2013", "\u2212"]  # a word processor's hyphens and dashes
SEPARATORS = SPACES + [".", "-", "/", " - ", ""]
FIRST = ["Joan", "Maria", "Núria", "Jordi", "Montserrat", "Àngel", "Mercè", "Lluís", "Eulàlia", "Iñaki", "Pere", "Rosa"]
SURNAMES = ["Puig", "Vilaró", "Ferrer", "Soler", "Capdevila", "Sellarès", "Crespí", "Gràcia", "Bosch", "Martí", "Roura",
            "d'Ors", "del\u00a0Pozo", "Col·lell"]  # a particle (one surname: a no-break space), an apostrophe, l·l
WORDS = ["Conveni", "de", "col·laboració", "entre", "el", "Consorci", "Localret", "i", "l’Ajuntament", "Vic", "per", "a",
         "la", "contractació", "agregada", "dels", "serveis", "telecomunicacions", "(2021)", "—", "lot", "2", "mòbil",
         "addenda", "pròrroga", "Presidenta", "del", "Consell", "Comarcal", "Osona", "baixa", "acord", "Ple"]


def groups(digits: str, sizes: tuple[int, ...]) -> list[str]:
    out, at = [], 0
    for n in sizes:
        out.append(digits[at:at + n])
        at += n
    return out


@st.composite
def phones(draw) -> str:
    digits = draw(st.sampled_from("6789")) + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=8, max_size=8)))
    sizes = draw(st.sampled_from([(9,), (3, 3, 3), (2, 3, 2, 2), (3, 2, 2, 2), (2, 2, 2, 3), (1,) * 9]))
    sep = draw(st.sampled_from(SEPARATORS[:-1] + DASHES + ["\u200b", "_"]))
    prefix = draw(st.sampled_from(["", "+34 ", "+34", "0034 ", "0034", "(+34) ", "+34\u00a0"]))
    parts = groups(digits, sizes)
    if not prefix and draw(st.booleans()):  # a label glued to the number: "tel934022920", "Mòbil612 345 678"
        prefix = draw(st.sampled_from(["tel", "Tel.", "TLF", "mòbil", "Telèfon", "fax", "Tlfno", "Telèfons", "Mòb", "WhatsApp", "nº"]))
    if len(parts) > 1 and draw(st.booleans()):  # the first group in brackets: "(93) 402 29 20"
        return prefix + f"({parts[0]}) " + sep.join(parts[1:])
    return prefix + sep.join(parts)


@st.composite
def dnis(draw) -> str:
    kind = draw(st.sampled_from(["dni", "x", "y", "z"]))
    n = draw(st.integers(0, 99_999_999 if kind == "dni" else 9_999_999))
    lead = {"x": 0, "y": 1, "z": 2}.get(kind)
    value = n if lead is None else int(f"{lead}{n:07d}")
    letter = "TRWAGMYFPDXBNJZSQVHLCKE"[value % 23]
    body = f"{n:08d}" if lead is None else f"{n:07d}"
    sep = draw(st.sampled_from(["", ".", "-", " "]))
    body = sep.join(groups(body, (2, 3, 3) if lead is None else (1, 3, 3))) if sep == "." else body
    if lead is None and body.startswith("0") and sep != "." and draw(st.booleans()):
        body = body[1:]  # "1234567L": a DNI under ten million, written without its leading zero
    text = ("" if lead is None else kind.upper() + draw(st.sampled_from(["", "-", " ", "."]))) + body
    letter = f"({letter})" if draw(st.booleans()) else letter  # "12345678 (Z)"
    text = draw(st.sampled_from(["", "DNI", "NIF", "nie", "nº", "ES"] if lead is None else ["", "NIE"])) + text  # glued: "DNI12345678Z"
    text += draw(st.sampled_from(["", "-", " "] + DASHES)) + letter
    return text.lower() if draw(st.booleans()) else text


# (country, length, letters its domestic number may start with): Spain, Andorra, France,
# Portugal, Germany, Italy, the United Kingdom, the Netherlands
IBAN_COUNTRIES = [("ES", 24, 0), ("AD", 24, 0), ("FR", 27, 0), ("PT", 25, 0), ("DE", 22, 0), ("IT", 27, 1), ("GB", 22, 4),
                  ("NL", 18, 4)]


@st.composite
def ibans(draw) -> str:
    country, length, letters = draw(st.sampled_from(IBAN_COUNTRIES))
    bban = "".join(draw(st.lists(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), min_size=letters, max_size=letters))
                   + draw(st.lists(st.sampled_from("0123456789"), min_size=length - 4 - letters, max_size=length - 4 - letters)))
    check = 98 - int("".join(str(int(c, 36)) for c in bban + country + "00")) % 97
    iban = f"{country}{check:02d}{bban}"
    sep = draw(st.sampled_from(["", " ", "-", ".", "\u00a0"] + DASHES))
    text = sep.join(iban[i:i + 4] for i in range(0, length, 4))
    return text.lower() if draw(st.booleans()) else text


@st.composite
def emails(draw) -> str:
    local = draw(st.sampled_from(["joan.puig", "mvila", "n.gracia73", "pere_soler", "rosa-marti"]))
    domain = draw(st.sampled_from(["gmail.com", "ajvic.cat", "example.org", "xtec.cat", "correu.ajuntament.cat"]))
    at = draw(st.sampled_from(["@", " @ ", "＠", " [at] ", "(at)", " (at) ", " arroba ", "[arroba]", "{at}", "_at_", " -at- ",
                               "-arroba-", "[@]", "(@)", "%40", "&#64;", "@@", "(a)", " (a) ", " arrova ", "(arrova)", "_arrova_"]))
    dot = draw(st.sampled_from([".", " . ", " [dot] ", "(dot)", " punt ", "[punt]", "_dot_", "-punt-", "[.]", "(.)"]))
    text = local + at + dot.join(domain.split("."))
    if any(c in "._-+%" or c.isdigit() for c in local) and draw(st.booleans()):  # the name reads as an address's
        text = local + " at " + domain  # "joan.puig at gmail.com"
    elif draw(st.booleans()):  # any name before a provider of personal mailboxes: "joan at hotmail.es"
        text = draw(st.sampled_from(["joan", "Maria", "pere"])) + " at " + draw(st.sampled_from(["gmail.com", "hotmail.es", "yahoo.es"]))
    elif draw(st.booleans()):  # the provider without its ending, or with a comma: "joan.puig@gmail", "mvila@hotmail,es"
        text = local + "@" + draw(st.sampled_from(["gmail", "hotmail,es", "yahoo , com", "outlook"]))
    text = draw(st.sampled_from(["", "-", "--", "_"])) + text  # a list's dash right before it
    return text.upper() if draw(st.booleans()) else text


NAMES = st.builds(lambda f, s1, s2: f"{f} {s1} {s2}", st.sampled_from(FIRST), st.sampled_from(SURNAMES), st.sampled_from(SURNAMES))


@st.composite
def rendered_names(draw, name: str) -> str:
    """A private name as someone may retype it: case, accents, spacing."""
    import unicodedata

    if draw(st.booleans()):
        name = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    name = draw(st.sampled_from([str.upper, str.lower, str.title, lambda s: s]))(name)
    sep = draw(st.sampled_from(SPACES + ["", "-", "\u200b"]))
    parts = name.split(" ")
    if draw(st.booleans()):  # "and" between the two surnames, as many write it: "Joan Puig i Soler", "Puig y Soler"
        parts = parts[:-1] + [draw(st.sampled_from(["i", "I", "y", "Y"])), parts[-1]]
    if parts[0].lower() == "maria" and draw(st.booleans()):  # as lists abbreviate it: "Mª Puig Soler"
        parts[0] = draw(st.sampled_from(["Mª", "M.ª", "MA", "M."]))
    elif draw(st.integers(0, 3)) == 0:  # the given name's initial: "J. Puig Soler", a word of its own
        parts[0] = parts[0][0] + "."
        sep = sep if sep.strip("\u200b") else " "
    if draw(st.booleans()):  # surnames first, as lists of people write them: "Puig i Soler, Joan"
        parts = parts[1:-1] + [parts[-1] + draw(st.sampled_from([",", ";", ""])), parts[0]]
    return sep.join(parts)


# Letters and digits of other scripts that read as ASCII ones (Cyrillic, Greek, Arabic-Indic,
# Devanagari), as someone writes them to slip personal data past a filter.
LOOKALIKES = {"a": "аα", "c": "с", "e": "еε", "i": "іι", "j": "ј", "o": "оοօ", "p": "рρ", "s": "ѕ", "x": "хχ", "y": "у",
              **{d: chr(0x0660 + int(d)) + chr(0x06F0 + int(d)) + chr(0x0966 + int(d)) for d in "0123456789"}}


@st.composite
def disguised(draw, inner) -> str:
    """Some of the datum's letters and digits, or none, written as look-alikes of other scripts."""
    text = draw(inner)
    if draw(st.booleans()):
        return text
    return "".join(draw(st.sampled_from([c, *LOOKALIKES[c]])) if c in LOOKALIKES else c for c in text)


KINDS = {"phone": (disguised(phones()), personal.PHONE.kind), "dni": (disguised(dnis()), personal.DNI.kind),
         "iban": (disguised(ibans()), personal.IBAN.kind), "email": (disguised(emails()), personal.EMAIL.kind)}
DATA = st.sampled_from(sorted(KINDS)).flatmap(lambda k: st.tuples(st.just(k), KINDS[k][0]))


@st.composite
def planted(draw, datum: str) -> str:
    """The datum at a random position of a random published text, cut off from the words
    around it by a space or punctuation (glued to a letter or digit it is another token)."""
    words = draw(st.lists(st.sampled_from(WORDS), min_size=0, max_size=12))
    at = draw(st.integers(0, len(words)))
    left = draw(st.sampled_from([" ", ": ", " (", ", ", "\u00a0"]))
    if at and words[at - 1].isdigit() and not datum[:1].isalpha():
        left = ": "  # "lot 2 612 345 678" continues the number 2 (README): not a phone
    right = draw(st.sampled_from([" ", ") ", ". ", ", "] if at < len(words) else ["", ".", ")"]))
    if at < len(words) and words[at].isdigit() and personal.normalise(datum)[-2:] in (" a", " y"):
        right = ". "  # "12345678 Y 2" reads as a range, "de 38.803.287 a 40.000.000" (README): not a DNI
    return (" ".join(words[:at]) + left + datum + right + " ".join(words[at:])).strip()


# --- the policy ----------------------------------------------------------------------------------
@budget(150)
@given(DATA.flatmap(lambda kd: st.tuples(st.just(kd[0]), planted(kd[1]))))
def test_policy_finds_planted_data(case):
    key, text = case
    assert KINDS[key][1] in personal.detect(text), text


@budget(150)
@given(NAMES.flatmap(lambda n: st.tuples(st.just(n), rendered_names(n).flatmap(planted))))
def test_policy_finds_a_private_name_retyped(case):
    name, text = case
    assert PrivateValues([name]).find(text), (name, text)


PrivateValues = personal.PrivateValues


@budget(15)
@given(st.lists(DATA.flatmap(lambda kd: planted(kd[1])), min_size=1, max_size=30))
def test_duckdb_prefilter_lets_every_planted_datum_by(texts):
    """The RE2 prefilter is a superset: in DuckDB, each text is flagged by some kind."""
    con = _con()
    flags = " OR ".join(personal.kind_predicate("v", d) for d in personal.DETECTORS)
    got = con.execute(f"SELECT bool_and({flags}) FROM (SELECT unnest(?) AS v)", [texts]).fetchone()[0]
    assert got


_CON = []


def _con():
    if not _CON:
        con = duckdb.connect()
        personal.install(con)
        _CON.append(con)
    return _CON[0]


# --- validation refuses, and says nothing it should not --------------------------------------------
FIELDS = [("convenis.csv", "titol"), ("convenis.csv", "objecte"), ("convenis_parts.csv", "carrec_signant"),
          ("convenis_parts.csv", "nom"), ("contractes.csv", "adjudicatari")]


def _plant_in_source(src: Path, file: str, field: str, row: int, text: str) -> int:
    import csv

    raw = (src / file).read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    i = table[0].index(field)
    rows = [r for r in range(1, len(table)) if table[r][i]]
    r = rows[row % len(rows)]
    table[r][i] = text
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    (src / file).write_text(out.getvalue(), encoding="utf-8-sig" if bom else "utf-8")
    return r + 1


@pytest.mark.timeout(600)
@budget(3)
@given(DATA, st.sampled_from(FIELDS), st.integers(0, 10_000), st.data())
def test_validation_refuses_and_never_repeats_the_value(datum, where, row, data):
    key, value = datum
    text = data.draw(planted(value))
    file, field = where
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "src"
        shutil.copytree(paths.SAMPLE_SOURCES, src)
        line = _plant_in_source(src, file, field, row, text)
        out, state = tmp / "out", tmp / "state"
        console = io.StringIO()
        with contextlib.redirect_stdout(console), contextlib.redirect_stderr(console):
            with pytest.raises(InvalidSources) as caught:
                pipeline.publish(pipeline.Options(src, out, state, dt.date(2026, 11, 27)))
        report = caught.value.report
        said = report.to_text(limit=None) + report.to_json() + report.to_markdown() + str(caught.value) + console.getvalue()
        assert f"{file}, fila {line}, camp '{field}'" in report.to_text(limit=None)
        assert KINDS[key][1].split(" / ")[0] in said
        records = "".join(p.read_text(encoding="utf-8") for p in (state / "runs").glob("*.json"))
        assert records
        published = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file()) if out.exists() else b""
        for needle in {value, value.strip(), text}:
            assert needle not in said and needle not in records
            assert needle.encode() not in published


# --- the guard, validation bypassed: every published format ------------------------------------------
def _write_every_format(folder: Path, text: str) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    esc = html.escape(text)
    rows = [("Ajuntament de Vic", 12.5), (text, 3.0), ("Consell Comarcal d'Osona", 7.25)]
    with open(folder / "t.csv", "w", encoding="utf-8", newline="") as fh:
        import csv

        csv.writer(fh, lineterminator="\n").writerows([("nom", "import"), *rows])
    pq.write_table(pa.table({"nom": [r[0] for r in rows], "import": [r[1] for r in rows]}), folder / "t.parquet")
    book = xlsxwriter.Workbook(str(folder / "t.xlsx"))
    sheet = book.add_worksheet("dades")
    for r, row in enumerate([("nom", "import"), *rows]):
        sheet.write_row(r, 0, row)
    book.close()
    con = duckdb.connect(str(folder / "localret.duckdb"))
    con.execute("CREATE TABLE membres (nom VARCHAR, import DOUBLE)")
    con.executemany("INSERT INTO membres VALUES (?, ?)", rows)
    con.close()
    (folder / "index.html").write_text(f"<html><body><h1>Membres</h1><p>{esc}</p><td>612.345.678,12</td></body></html>",
                                       encoding="utf-8")
    (folder / "feed.atom").write_text(f"<?xml version='1.0'?><feed><entry><title>{esc}</title></entry></feed>", encoding="utf-8")
    (folder / "catalog.rdf").write_text(f"<rdf:RDF><dcat:Dataset><dct:description>{esc}</dct:description>"
                                        f"<dcat:byteSize>712345678</dcat:byteSize></dcat:Dataset></rdf:RDF>", encoding="utf-8")
    (folder / "catalog.jsonld").write_text(json.dumps({"@context": "x", "description": text, "bytes": 712345678,
                                                       "dcat:byteSize": {"@value": "912345678"}}), encoding="utf-8")
    (folder / "README.md").write_text(f"# Membres\n\nVersió 1.2.0.\n\n{text}\n", encoding="utf-8")
    (folder / "CHANGES.md").write_text(f"## 1.2.0\n\n- Canvi: {text}\n", encoding="utf-8")
    (folder / "changes.json").write_text(json.dumps({"rows": [{"nom": text}]}, ensure_ascii=False), encoding="utf-8")
    return ["t.csv", "t.parquet", "t.xlsx", "localret.duckdb", "index.html", "feed.atom", "catalog.rdf", "catalog.jsonld",
            "README.md", "CHANGES.md", "changes.json"]


def _guard(private_name: str | None = None) -> Guard:
    con = duckdb.connect()
    con.execute("CREATE TABLE raw_membres (persona_contacte VARCHAR, email_contacte VARCHAR, telefon_contacte VARCHAR, "
                "observacions VARCHAR)")
    con.execute("INSERT INTO raw_membres VALUES (?, 'x.y@example.org', '612 000 000', NULL)", [private_name])
    return Guard(con, ["membres"])


def _check_guard(folder: Path, files: list[str], kind: str, secret: str, guard: Guard) -> None:
    hits = guard.scan(folder)
    found = {h.file.split(":")[0] for h in hits if h.kind == kind}
    assert found == set(files), (secret, set(files) - found)
    for h in hits:
        assert secret not in h.describe()
    only = guard.scan(folder, only=["README.md", "t.parquet", "missing.txt"])
    assert {h.file.split(":")[0] for h in only if h.kind == kind} == {"README.md", "t.parquet"}


@pytest.mark.timeout(600)
@budget(4)
@given(DATA, st.data())
def test_guard_finds_planted_data_in_every_format(datum, data):
    key, value = datum
    text = data.draw(planted(value))
    with tempfile.TemporaryDirectory() as tmp:
        files = _write_every_format(Path(tmp) / "public", text)
        _check_guard(Path(tmp) / "public", files, KINDS[key][1], value, _guard())


@pytest.mark.timeout(600)
@budget(3)
@given(NAMES, st.data())
def test_guard_finds_a_private_name_retyped_in_every_format(name, data):
    text = data.draw(rendered_names(name).flatmap(planted))
    with tempfile.TemporaryDirectory() as tmp:
        files = _write_every_format(Path(tmp) / "public", text)
        _check_guard(Path(tmp) / "public", files, PRIVATE_VALUE, name, _guard(name))


def test_guard_passes_clean_files_of_every_format(tmp_path):
    files = _write_every_format(tmp_path / "public", "Contractació agregada 2019/12, 38.803.287,62 EUR, P0801900B")
    assert files and _guard("Maria Puig Soler").scan(tmp_path / "public") == []
