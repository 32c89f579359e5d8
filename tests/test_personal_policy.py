"""The personal-data policy (localret/personal.py) unit by unit: normalisation, each detector
with the ways people write that kind of data and the look-alikes that must pass (codes, legal
persons' NIFs, amounts, dates, versions, hashes), the DuckDB prefilter as a superset of the
Python policy, and the private values with the public-name rule."""

from __future__ import annotations

import unicodedata

import duckdb
import pytest

from localret import personal
from localret.personal import DNI, EMAIL, IBAN, PHONE, PrivateValues, detect, normalise

PHONES = ["612345678", "612 345 678", "612 34 56 78", "61 234 56 78", "93 402 29 20", "934 02 29 20", "973.26.88.14",
          "612-345-678", "612/345/678", "+34 612 345 678", "+34612345678", "0034 612345678", "(+34) 612 345 678",
          "34 612 345 678", "612\u00a0345\u00a0678", "612\u202f34\u202f56\u202f78", "61\u20092 345 678",
          "6\u200b1\u200b2\u200b3\u200b4\u200b5\u200b6\u200b7\u200b8", "６１２３４５６７８", "tel.612.345.678",
          "mòbil: 712-34-56-78.", "crida al 612 - 345 - 678", "93 402 29 20 612 345 678", "612_345_678",
          "+34_612_34_56_78", "(93) 402 29 20", "Tel. (93) 4022920", "+34 (93) 402 29 20", "(612) 345 678",
          "mòbil: 612·345·678",
          # a label glued to the number
          "tel934022920", "Mòbil612345678", "TELÈFON612 345 678", "fax.93 402 29 20",
          "٦١٢٣٤٥٦٧٨", "۶۱۲ ۳۴۵ ۶۷۸", "६१२ ३४ ५६ ७८",  # the digits of other scripts (Arabic-Indic, Persian, Devanagari)
          # the dashes of a word processor: non-breaking hyphen, en dash, minus sign
          "612\u2011345\u2011678", "+34\u201193\u2011402\u201129\u201120", "612\u2013345\u2013678", "612\u2212345\u2212678",
          # two phones in one cell; nine digits of their own after an address's number
          "934022920/612345678", "938862100-938862101", "934022920,612345678", "C/ Major, 12 934022920", "Despatx 3 938862100",
          # more labels glued: Catalan, Spanish, apps, nº
          "Tlfn934022920", "Tlfno934022920", "Teléf934022920", "Telèfons934022920", "Mòb612345678", "Cel612345678",
          "WhatsApp612345678", "nº612345678"]
NOT_PHONES = ["0801930008", "8101150006", "8101150006 9002660009", "08019", "080193", "17079 25120 43148",
              "1.234.567,89", "38803287.62", "38.803.287,62", "938.803.287,62 €", "938803287.62", "7509407.95",
              "677.420625 362.071181", "1.938.803.287", "612345678901", "2026-11-27", "2019-04-09T00:00:00+00:00",
              "27/11/2026 - 8/12/2026", "versió 1.2.0", "prefect 3.9.1", "sha256 a3f5612345678b9c0d",
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "123e4567-e89b-12d3-a456-426614174000",
              "938 803 287 eur", "938.803.287 €", "Decret 2019/12", "8705000.0", "P0801900B",
              "Llei 7/1985 (art. 6)", "(6) 123 456", "RD 1098/2001 (93)", "cel·la 12·345", "ref612345678", "exp934022920",
              "1 612 345 678 €", "12 934 022 920", "Exp. 2019/612345678", "934022920/12", "612345678-1234"]
EMAILS = ["joan.puig@gmail.com", "JOAN.PUIG@GMAIL.COM", "joan @ gmail . com", "joan＠gmail.com", "joan [at] gmail [dot] com",
          "joan(at)domini.cat", "joan (at) domini (dot) cat", "joan{at}domini{punt}cat", "joan arroba domini punt cat",
          "joan arroba domini.cat", "joan at domini dot cat", "joan [arroba] domini [punt] cat", "escriviu a m.vila@ajvic.cat.",
          "joan\u200b@\u200bgmail.com", "jo\u00a0an.puig@gmail.com",
          # the sign or the word tied by underscores or hyphens, in brackets, URL-encoded, as an HTML entity
          "joan_at_gmail_dot_com", "JOAN__AT__GMAIL__DOT__COM", "joan -at- gmail -dot- com", "joan-arroba-domini-punt-cat",
          "joan[@]gmail[.]com", "joan(@)domini(.)cat", "joan{@}domini.cat", "joan%40gmail.com", "mailto:joan%40gmail%2Ecom",
          "joan&#64;gmail.com", "joan&#x40;gmail&#46;com", "joan &commat; gmail &period; com",
          # letters of other scripts drawn like Latin ones (Cyrillic а, о, с; Greek ο)
          "jоan@gmаil.com", "joan.puig@xtес.cat", "JОАN@GMAIL.CΟM",
          # the word between spaces before a plain domain, when the name reads as an address's; the
          # sign doubled; "(a)" between the halves
          "joan.puig at gmail.com", "jpuig73 at gmail.com", "joan.puig@@gmail.com", "joan.puig(a)gmail.com",
          "n.gracia[a]xtec.cat",
          # a plain name before "at" and a provider of personal mailboxes
          "joan at gmail.com", "Maria at Hotmail.es", "pere at telefonica.net",
          # a provider of personal mailboxes after the sign, without its ending or with a comma; middle dots
          "joan@gmail", "JOAN@HOTMAIL , ES", "joan@gmail,com", "joan·puig@gmail·com", "col·laboració: rosa@ajvic·cat",
          # "@" as Catalan spells it; "(a)" with spaces; after a list's dash or other address characters
          "joan.puig arrova ajvic punt cat", "joan.puig(arrova)ajvic.cat", "JOAN.PUIG [ARROVA] AJVIC.CAT", "joan.puig (a) ajvic.cat",
          "Joan Puig -joan.puig@ajvic.cat", "--joan@ajvic.cat", "_joan@ajvic.cat", "+joan@ajvic.cat", "joan@ajvic\u2011cat.cat"]
NOT_EMAILS = ["info@localret.cat", "dades @ localret . cat", "dades [at] localret [dot] cat", "available at dades.localret.cat",
              "published at example.org", "@media screen", '"@context": "https://schema.org"', "@SUM(A1)",
              "https://dades.localret.cat/membres/1.2.0/", "dades_at_localret_dot_cat", "info%40localret.cat",
              "dades[@]localret[.]cat", "created_at", "look_at_this", "data-at-rest", "100%40 kg",
              "we met at noon.the", "joan.puig at localret.cat", "apartat (a) la llei",
              "article 5(a) i 5(b)", "at 10.30 h", '<a href="x.html">x</a>',
              "harvested at datos.gob.es", "look at example.com", "me@me", "info@live", "joan@gmailx", "Seguiu @localret",
              "dades@localret", "col·laboració", "apartat (a) del contracte", "nota (a) i (b)", "-dades@localret.cat"]
DNIS = ["12345678Z", "lot 2 12345678Z", "1234567L", "1.234.567-L", "012345678Z", "12345678z", "12.345.678-Z", "12 345 678 Z", "12-345-678-Z", "12345678-Z", "X1234567L", "x-1234567-l",
        "Y 1234567 X", "Z.1234567.R", "DNI: 00000000T", "NIE X0000000T", "١٢٣٤٥٦٧٨Z", "12345678Ζ", "Х1234567L", "４５６７８９０１Ｔ".replace("Ｔ", "G"),
        # the label glued to the number; the letter in brackets
        "DNI12345678Z", "nif12.345.678-Z", "NIEX1234567L", "12345678 (Z)", "12.345.678-(z)",
        # a letter A or Y written apart, then a number after punctuation: not a range (Hypothesis found these)
        "NIE Y0010135 Y. 2 contractes", "Z.0000001 Y, 2 mòbils",
        # dashes of a word processor; nº glued; a self-employed person's VAT number
        "12345678\u2011Z", "12.345.678\u2013Z", "DNI nº12345678Z", "ES12345678Z", "NIF-IVA ES12345678Z", "ES-12345678-Z"]
NOT_DNIS = ["1234567C", "1.234.567 a l'any", "112345678Z", "12345678A", "X1234567A", "P0801900B", "P0800000B", "Q2826000H", "S2800568D", "A08015497", "B65432109",
            "G08000000", "2026-11-27 a 2027-01-01", "de 38803287 a 40000000", "20261127T", "versió 12345678", "ref12345678Z", "12345678 (A)",
            "ESB12345678", "ES91 2100 0418 4502 0005 1332"]
IBANS = ["ES91 2100 0418 4502 0005 1332", "ES9121000418450200051332", "es91-2100-0418-45-0200051332",
         "IBAN: ES91.2100.0418.4502.0005.1332", "ES91\u00a02100\u00a00418\u00a04502\u00a00005\u00a01332",
         "ES 91 2100 0418 4502 0005 1332",
         # other countries' accounts, some with letters in the domestic number
         "AD12 0001 2030 2003 5910 0100", "FR14 2004 1010 0505 0001 3M02 606", "DE89 3704 0044 0532 0130 00",
         "PT50 0002 0123 1234 5678 9015 4", "GB82 WEST 1234 5698 7654 32", "it60x0542811101000000123456",
         "Compte DE89370400440532013000 del titular", "NL91 ABNA 0417 1643 00", "BE68 5390 0754 7034",
         "IBANES9121000418450200051332", "ES91\u20112100\u20110418\u20114502\u20110005\u20111332"]
NOT_IBANS = ["ES91 2100 0418 4502 0005 1333", "ES00 0000 0000 0000 0000 0000", "ESP 2100 0418",
             "DE89 3704 0044 0532 0130 01", "DE89 3704 0044 0532 0130 001", "XX12 3456 7890 1234 5678 90",
             # prose and codes shaped like the start of one
             "de 20 anys i 3 mesos", "de 2006 a 2010 amb 120 ens", "CC BY 4.0", "mt24 px16 bg12 mt12 abcdefghijk lmnop",
             "sha256:ad12" + "0f" * 30]


def test_normalise_folds_case_accents_and_every_kind_of_space():
    assert normalise("ÀNGELS\u00a0Vilà\u202fi\u2009Ròdenas \u3000 Puig") == "angels vila i rodenas puig"
    assert normalise("Jo\u200bsep") == "josep"  # invisible characters are deleted
    assert normalise("ＦＵＬＬ　ｗｉｄｔｈ＠") == "full width@"  # NFKC
    assert normalise("a\n\n b", keep_newlines=True) == "a\n\n b"
    assert personal.compact("L'Hospitalet de Llobregat") == "lhospitaletdellobregat"
    # letters and digits of other scripts that read as ASCII ones; one character for one
    assert normalise("Јоаn Рuіg ٦١٢") == "joan puig 612"
    assert len(normalise("xtес ६१२", keep_newlines=True)) == len("xtес ६१२")
    for lookalike, latin in personal._LOOKALIKE_LETTERS.items():  # mapped after folding: folding must keep it
        assert normalise(lookalike) == normalise(lookalike.upper()) == latin, lookalike
    digits = [c for c in range(0x80, 0x10000) if unicodedata.category(chr(c)) == "Nd"]
    assert digits == [z + d for z in personal._DIGIT_ZEROS for d in range(10)]  # every script's digits, and only those
    assert {normalise(chr(c)) for c in digits} == set("0123456789")


@pytest.mark.parametrize("text", PHONES)
def test_phones(text):
    assert PHONE.kind in detect(text)


@pytest.mark.parametrize("text", NOT_PHONES)
def test_not_phones(text):
    assert PHONE.kind not in detect(text)


@pytest.mark.parametrize("text", EMAILS)
def test_emails(text):
    assert EMAIL.kind in detect(text)


@pytest.mark.parametrize("text", NOT_EMAILS)
def test_not_emails(text):
    assert EMAIL.kind not in detect(text)


@pytest.mark.parametrize("text", DNIS)
def test_dni_nie(text):
    assert DNI.kind in detect(text)


@pytest.mark.parametrize("text", NOT_DNIS)
def test_not_dni_nie(text):
    assert DNI.kind not in detect(text)


def test_dni_control_letter_is_checked_for_every_remainder():
    for n in range(10_000_000, 10_000_023):
        good = "TRWAGMYFPDXBNJZSQVHLCKE"[n % 23]
        assert DNI.kind in detect(f"{n:08d}{good}")
        assert DNI.kind not in detect(f"{n:08d}{'A' if good != 'A' else 'T'}")


@pytest.mark.parametrize("text", IBANS)
def test_iban(text):
    assert IBAN.kind in detect(text)


@pytest.mark.parametrize("text", NOT_IBANS)
def test_not_iban(text):
    assert IBAN.kind not in detect(text)


def test_clean_administrative_text_has_nothing():
    text = ("Contractació agregada dels serveis de telecomunicacions de la demarcació de Barcelona (2018-2019), "
            "Decret de la Presidència 2019/12 de 2019-04-09; pressupost 38.803.287,62 EUR sense IVA; 248 ens; "
            "48 mesos + 24. Ajuntament de Barcelona (P0801900B, codi d'ens 0801930008, INE 08019). Versió 1.2.0, "
            "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08. Contacte: dades@localret.cat.")
    assert detect(text) == []


# --- the DuckDB side: a superset prefilter, then the same Python policy --------------------------
@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    personal.install(c, PrivateValues(["Lluís Pujol Vilaró"]))
    return c


@pytest.mark.parametrize("detector,texts", [(PHONE, PHONES + NOT_PHONES), (EMAIL, EMAILS + NOT_EMAILS),
                                            (DNI, DNIS + NOT_DNIS), (IBAN, IBANS + NOT_IBANS)], ids=lambda x: getattr(x, "key", ""))
def test_sql_predicate_agrees_with_python(con, detector, texts):
    con.execute("CREATE OR REPLACE TABLE t AS SELECT unnest(?) AS v", [texts])
    got = dict(con.execute(f"SELECT v, {personal.kind_predicate('v', detector)} FROM t").fetchall())
    assert got == {t: detector.find(normalise(t)) is not None for t in texts}


def test_sql_private_predicate_agrees_with_python(con):
    texts = ["LLUIS PUJOL VILARO", "lluís\u00a0pujol  vilaró", "Contacte: Lluis-Pujol Vilaro.", "Lluís Pujol Vilarós",
             "Ajuntament d'Avià", None, "ＬＬＵＩＳ ＰＵＪＯＬ ＶＩＬＡＲＯ"]
    con.execute("CREATE OR REPLACE TABLE t AS SELECT unnest(?) AS v", [texts])
    got = con.execute(f"SELECT v, {personal.private_predicate('v')} FROM t").fetchall()
    assert [flag for _, flag in got] == [True, True, True, False, False, False, True]


# --- private values and the public-name rule --------------------------------------------------------
def test_private_values_are_found_word_aligned_in_any_case_accent_and_spacing():
    pv = PrivateValues(["Lluís Pujol Vilaró"])
    for text in ["LLUIS PUJOL VILARO", "Sr. lluis  pujol\u00a0vilaro, tècnic", "LluisPujol-Vilaro", "l l u i s pujol vilaro",
                 "Lluís Рujоl Vilаró"]:  # Cyrillic Р, о, а
        assert pv.find(text), text
    for text in ["Lluís Pujol Vilarós", "XLluís Pujol Vilaró", "Lluís Pujol", "Pujol Vilaró"]:
        assert not pv.find(text), text


def test_short_one_word_and_detected_values_are_not_searched_for():
    pv = PrivateValues(["Pep Vila", "Secretaria", "Montserrat", "joan.puig@gmail.com", "612 345 678", "Joan Puig"])
    assert pv.needles == {"joanpuig"}


def test_a_private_address_of_the_allowed_domain_stays_a_private_value():
    assert PrivateValues(["jordi.pla@localret.cat"]).find("Contacte: jordi.pla@localret.cat")


def test_public_name_rule():
    """A private value that is a public body's name is public: the register's municipalities
    (alone, inside a longer name, or as "Ajuntament de X"), or a body or operator name of the
    run that reads as a legal person's. A person's name typed as a body's name is still
    personal."""
    pv = PrivateValues(
        ["Ajuntament de Vic", "Joan Despí", "Sant Cugat del Vallès", "Ajuntament de Sant Boi de Llobregat",
         "Consell Comarcal d'Osona", "Telefónica de España, S.A.U.", "Maria Puig Soler", "Ajuntament de Vic - Informàtica"],
        register_names=["Vic", "Sant Joan Despí", "Sant Cugat del Vallès", "Sant Boi de Llobregat"],
        public_names=["Ajuntament de Vic", "Consell Comarcal d'Osona", "Telefónica de España, S.A.U.", "Maria Puig Soler"])
    # and each with the other spelling of "and" before its last word (a public name's exemption covers both)
    assert pv.needles == {"mariapuigsoler", "mariapuigisoler", "ajuntamentdevicinformatica", "ajuntamentdeviciinformatica"}


def test_private_values_of_a_run(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE TABLE raw_convenis_parts (conveni_id VARCHAR, codi_ens VARCHAR, nif VARCHAR, nom VARCHAR, rol VARCHAR, "
                "carrec_signant VARCHAR, nom_signant VARCHAR)")
    con.execute("INSERT INTO raw_convenis_parts VALUES ('C-1', NULL, 'P0801900B', 'Ajuntament de Vic', 'SIGNANT', 'Alcalde de Vic', "
                "'Ajuntament de Vic'), ('C-1', NULL, 'P5800010J', 'Consorci Localret', 'SIGNANT', 'President', 'Anna Serra Bosch')")
    pv = personal.private_values_of(con, ["convenis_parts"])
    assert pv.needles == {"annaserrabosch", "annaserraibosch"}
    # a public name among the values: each spelling judged in Python, to the same keys
    assert pv._given == PrivateValues(["Anna Serra Bosch"])._given == {b"serrabosch": b" anna ", b"serraibosch": b" anna "}


NAMES_AND = ["Anna Serra Bosch", "Núria Vilaró i Soler", "Pere Soler y Martí", "Joan Puig", "Maria Àngels Soler i Puig",
             "Øystein Ålborg Berg", "Jordi Pla i Øvre", "Rosa i Martí", "12345 i 678901 Roca", "Lluís Pujol Vilaró.",
             "Ana Gil Pou", "Joan Maria de la Rosa", "Pere i Pau Roca Vila", "Maria Pla Gil", "Rosa Maria Vidal i Pons",
             "Núria d'Ors Vidal", "Joan del Pozo Ruiz", "José María de la Fuente García", "Jordi Mas Col·lell", "Pau de la Vall"]


def test_both_spellings_of_and_between_surnames_are_searched_for():
    """'Joan Puig i Soler', 'Joan Puig y Soler' (Spanish) and 'Joan Puig Soler' are one person:
    each spelling finds the others."""
    pv = PrivateValues(["Lluís Pujol Vilaró", "Maria Àngels Soler i Puig", "Pere Soler y Martí"])
    assert pv.find("Sr. Lluís Pujol i Vilaró") and pv.find("LLUIS PUJOL I VILARO") and pv.find("Maria Angels Soler Puig")
    for text in ["Lluís Pujol y Vilaró", "MARIA ÀNGELS SOLER Y PUIG", "Soler y Puig, Maria Àngels", "Pere Soler i Martí",
                 "pere soler marti", "Soler i Martí, Pere"]:
        assert pv.find(text), text
    assert not pv.find("Lluís Pujol o Vilaró") and not pv.find("Pere Soler e Martí")
    # y reads as i in names (personal.FOLD_Y): one needle finds either spelling, in find and find_many
    pv = PrivateValues(["Maia Ibarra Roig", "Yolanda Puyol Vila"])
    texts = ["Maya Ybarra Roig", "MAYA IBARRA I ROIG", "Iolanda Puiol Vila", "Puyol Vila, Yolanda", "Puyol Vila, Y.",
             "Ýolanda Púyol Vila", "Maya Ybarra", "Yolanda Puyol", "Mayo Ibarra Roig"]
    assert [pv.find(t) for t in texts] == [True] * 6 + [False] * 3
    assert pv.find_many(texts) == [pv.find(t) for t in texts] == pv.find_many([t + " €" for t in texts])
    assert not pv.find("Lluís Pujol") and not pv.find("Maria Àngels Soler")


def test_a_name_is_found_with_its_surnames_first():
    """Lists of people often write the surnames first: "Puig Soler, Joan". The given name must
    stand right after the surnames (or before them), the whole aligned on words."""
    pv = PrivateValues(["Lluís Pujol Vilaró", "Maria Àngels Soler i Puig", "Joan Puig", "Ana Gil Pou"])
    for text in ["PUJOL VILARÓ, Lluís", "Sra. Pujol i Vilaró; Lluís (tècnic)", "pujol-vilaro lluis", "Soler i Puig, Maria Àngels",
                 "SOLER PUIG MARIA ANGELS", "Puig, Joan", "Gil Pou, Ana", "Gil i Pou, Ana", "PujolVilaró,Lluís",
                 # the given name's initial, with its dot
                 "Sr. L. Pujol Vilaró", "PUJOL I VILARÓ, L.", "M. Soler i Puig", "l.pujol.vilaro"]:
        assert pv.find(text), text
    for text in ["Pujol Vilaró, Lluïsa", "Pujol Vilaró", "Vilaró, Lluís", "Pujol Vilaró i Lluís Mas", "Soler Puig, Maria",
                 "Puig, Joana", "Gil Pou", "XPujol Vilaró, Lluís",
                 "a Pujol Vilaró", "Pujol Vilaró i", "J. Pujol Vilaró", "L. Pujol", "J. Puig", "Pujol Vilaró, L"]:
        assert not pv.find(text), text
    # what the automaton looks for: a name's surnames (the given name checked beside them), or
    # both orders of a name whose surnames are too short to be looked for alone
    assert pv._given[b"pujolvilaro"] == pv._given[b"pujolivilaro"] == b" lluis "
    assert pv._given[b"solerpuig"] == b" maangels mangels mariaangels "  # Mª, M. (personal.ABBREVIATED)
    assert pv._given[b"joanpuig"] is pv._given[b"puigjoan"] is pv._given[b"anagilpou"] is pv._given[b"gilpouana"] is None


def test_a_given_name_is_found_abbreviated_as_lists_write_it():
    """Maria as Mª, M.ª or M. ("Mª Àngels Soler i Puig", "Josep M. Puig Ferrer"), beside the
    surnames in either order, also where the surnames are short enough to be keys only with
    the given name ("Mª Pla Gil")."""
    pv = PrivateValues(["Maria Àngels Soler i Puig", "Josep Maria Puig Ferrer", "Maria Pla Gil"])
    for text in ["Mª Àngels Soler i Puig", "M.ª ÀNGELS SOLER PUIG", "M. Àngels Soler y Puig", "Soler i Puig, Mª Àngels",
                 "Josep M. Puig Ferrer", "Puig Ferrer, Josep Mª", "Mª Pla Gil", "Pla Gil, M.ª", "M Pla Gil"]:
        assert pv.find(text), text
    for text in ["Àngels Soler i Puig", "Josep Puig Ferrer", "Pla Gil", "Mª Pla", "Mario Pla Gil", "Ma Gil Pla Vidal"]:
        assert not pv.find(text), text


def test_a_surname_with_a_particle_or_an_l_l_is_a_surname_when_written_first():
    """Particles belong to the surnames ("d'Ors Vidal, Núria", "de la Fuente García, José
    María"), and Catalan's l·l joins one word ("Mas Col·lell, Jordi"): the given name is told
    apart as in a name without them."""
    pv = PrivateValues(["Núria d'Ors Vidal", "Joan del Pozo Ruiz", "José María de la Fuente García", "Jordi Mas Col·lell"])
    for text in ["d'Ors Vidal, Núria", "D’ORS VIDAL, NÚRIA", "N. d'Ors Vidal", "del Pozo Ruiz, Joan", "J. del Pozo Ruiz",
                 "de la Fuente García, José María", "Mas Col·lell, Jordi", "MAS COLLELL, JORDI", "J. Mas Col·lell"]:
        assert pv.find(text), text
    for text in ["d'Ors Vidal", "del Pozo Ruiz, Juan", "de la Fuente García, José", "Mas Col·lell"]:
        assert not pv.find(text), text
    assert pv._given[b"dorsvidal"] == b" nuria " and pv._given[b"mascollell"] == b" jordi "


def test_duckdb_and_python_give_the_same_needles():
    """private_values_of computes plain values' needles and other spellings in SQL, and leaves
    the others to Python (spellings()): both give what Python alone would."""
    con = duckdb.connect()
    con.execute("CREATE TABLE raw_convenis_parts (conveni_id VARCHAR, codi_ens VARCHAR, nif VARCHAR, nom VARCHAR, rol VARCHAR, "
                "carrec_signant VARCHAR, nom_signant VARCHAR)")
    con.executemany("INSERT INTO raw_convenis_parts VALUES ('C-1', NULL, NULL, 'Consorci Localret', 'SIGNANT', NULL, ?)",
                    [[n] for n in NAMES_AND])
    from_sql, from_python = personal.private_values_of(con, ["convenis_parts"]), PrivateValues(NAMES_AND)
    assert from_sql.needles == from_python.needles
    assert from_sql._given == from_python._given  # and the same given names, surnames first


def test_a_value_that_another_rule_shows_is_hidden_when_it_is_personal(sources):
    """A phone typed into a NIF breaks the NIF's rule, which shows values: not this one."""
    t = sources.table("convenis_parts")
    row = next(r["_row"] for r in t.rows() if r["nif"])
    t.set(row, "nif", "612 345 678").save()
    report, _ = sources.validate()
    hits = [f for f in report.findings if f.code == "nif-incorrecte" and f.row == row]
    assert hits and all(f.value is None for f in hits)
    assert "612 345 678" not in report.to_text(limit=None) + report.to_json()


# --- find_many: the batch form (as DuckDB's batches call it) says what find says of each text -----
def _batch_texts():
    from hypothesis import strategies as st

    names = ["Joan Puig", "Núria Vilaró i Soler", "Mercè Gràcia", "Iñaki Bosch", "Øystein Ålborg", "Дмитрий Иванов", "Yolanda Puyol"]
    pieces = st.sampled_from(names + ["iolanda-puiol", "ÝOLANDA PUYOL", "ØYSTEIN-ÅLBORG", "дмитрий иванов", "JOAN-PUIG", "joan\u00a0puig", "Joan\nPuig", "Joan ’Puig’", "Puigdollers", "de",
                                      "Ajuntament", "l·l", "—", "…", "\u0085", "\u0091", "€", "Ωmega", "北京", "ǅ", "Ｊｏａｎ", " "])
    text = st.lists(pieces, max_size=6).map(" ".join) | st.text(max_size=20)
    return names, st.lists(st.none() | text, max_size=12)


def test_find_many_equals_find_for_every_text_and_array_form():
    """Lists, pyarrow string and large_string arrays, sliced arrays and nulls: the batch search
    (bytes joined by numpy, latin-1 or cp1252 translation, automaton) finds exactly what the
    exact rule finds in each text, whichever encoding path the batch takes."""
    import pyarrow as pa
    from hypothesis import HealthCheck, given, settings

    names, batches = _batch_texts()
    pv = PrivateValues(names)

    @settings(max_examples=300, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(batches)
    def check(texts):
        expected = [t is not None and pv.find(t) for t in texts]
        assert pv.find_many(texts) == expected
        for kind in (pa.string(), pa.large_string()):
            array = pa.array(["x"] + texts + ["y"], kind)
            assert pv.find_many(array.slice(1, len(texts))) == expected
            assert pv.find_many(pa.chunked_array([array.slice(1, len(texts))], kind)) == expected

    check()


def test_a_private_value_beyond_ascii_is_located_by_its_place_in_the_text():
    """The automaton searches UTF-8 bytes; where a value starts is still a place in the text
    (characters, not bytes), after other letters beyond ASCII, and word-aligned."""
    pv = PrivateValues(["Øystein Ålborg", "Дмитрий Иванов"])
    for text in ("Ωmega — øystein ålborg", "北京 i ДМИТРИЙ-ИВАНОВ", "ØysteinÅlborg"):
        norm = personal.normalise(text)
        at = pv.locate(norm)
        assert at is not None and personal.compact(norm[at:]).startswith(
            (personal.compact("Øystein Ålborg"), personal.compact("Дмитрий Иванов"))), (text, at)
    assert pv.locate(personal.normalise("Øystein Ålborgsen")) is None  # not aligned on a word's end
