"""The personal-data policy (DOMAIN.md §7): what counts as personal data in published text.

One policy, used by validation (every published text field of every source) and by the
privacy guard (every published byte). It needs nothing but Python; `install` adds it to a
DuckDB connection as a cheap RE2 prefilter plus scalar functions, so that columns are
judged once per distinct value and Python only sees the few values the prefilter lets by.

Matching happens on normalised text (`normalise`): NFKC, case folding, accents stripped,
invisible characters (zero-width spaces and joiners, soft hyphen, BOM) deleted, and every run
of whitespace (no-break, narrow no-break, thin, ideographic...) made one space.

Detectors (each a named unit: kind, regular expression, confirming check):
- e-mail: `nom@domini.cat`, also with spaces around "@" and ".", a full-width ＠ (NFKC),
  "[at]" "(at)" "{at}" "arroba" "arrova" for the "@" and "[dot]" "(punt)" "dot" "punt" for the dots.
  A bare English " at " counts only together with a written-out dot ("nom at domini dot cat"):
  "available at dades.localret.cat" is prose. Only the configured institutional domains
  (ALLOWED_EMAIL_DOMAINS: localret.cat) are allowed; any other address, generic or not, is
  stopped (the simple safe rule: a generic mailbox of a member's domain looks exactly like a
  person's address).
- phone: nine digits starting 6, 7, 8 or 9, grouped any way with one space, dot, dash, slash,
  underscore or middle dot between digits (spaces allowed around the punctuation), or brackets
  ("(93) 402 29 20"), optionally after +34, 0034, 34 or (+34). It is not a phone when it
  touches a letter or a digit (codes, hashes), when it continues a number on the left
  ("1.938.803.287", "2026-12-08") or on the right (a decimal part or more groups:
  "938803287.62", "8/12/2026/..."), or when a currency follows ("€", "eur"). Numeric fields
  are never scanned: only text.
- DNI/NIE: 8 digits (also 7, the leading zero left out, or 9 with one more written), or X/Y/Z or
  K/L/M and 7 digits, and the control letter, in any case, with
  dots, dashes, slashes or spaces between digits; the letter must be
  "TRWAGMYFPDXBNJZSQVHLCKE"[n % 23] (X/Y/Z read as 0/1/2). Legal persons' NIFs (letter first:
  P, Q, S, A, B, G...) never match; nor does a date written with separators (2026-11-27 a ...).
- IBAN: a country of the IBAN registry, its two check digits and a domestic number of that
  country's length, in any grouping, with the mod-97 check (a Spanish one is "ES" and 22 digits).
  Letters may be at most half the domestic number ("GB82 WEST 1234..."); when the check digits
  stand apart from the letters ("ES 91 ..."), only digits ("de 20 anys" is Catalan, not an account).
- private values: see `PrivateValues`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable

import ahocorasick_rs

# ---------------------------------------------------------------------------------------------
# normalisation

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064]+")
# Whitespace that NFKC leaves as it is (it maps no-break, thin, ideographic... spaces to " "):
# a run of it, unless it is one plain space already. Positive classes: Python's re scans
# them far faster than [^\S\n].
_WS = " \t\r\x0b\x0c\x1c-\x1f\x85\u1680\u2028\u2029\u00a0\u2000-\u200a\u202f\u205f\u3000"
_SPACES_NOT_NEWLINE = re.compile(f" [{_WS}]+|[{_WS[1:]}][{_WS}]*")
_SPACES_RUNS = re.compile(f" [{_WS}\n]+|[{_WS[1:]}\n][{_WS}\n]*")
# Punctuation and spaces, ASCII and the common typographic ones: removed fast from a batch.
_PUNCT_FAST = re.compile("[ -/:-@\\[-`{-~\u00a0-\u00bf\u2010-\u2027\u2030-\u205e\u3000-\u303f]+")
_WORD = re.compile(r"[^\W_]+")


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_NOT_WORD = re.compile(r"[\W_]+")
_NOT_WORD_KEEP_NEWLINE = re.compile(r"[^\w\n]+|_+")


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    if decomposed.isascii():
        return decomposed
    return unicodedata.normalize("NFC", _COMBINING.sub("", decomposed))


# Characters a reader takes for an ASCII letter or digit, as people write them to slip an
# address or a number past a filter: the Cyrillic, Greek and Armenian letters drawn like Latin
# ones (after case folding), and the decimal digits of other scripts (NFKC maps full-width
# digits, not Arabic-Indic or Devanagari ones). One character for one: positions are kept.
# Each letter is one that NFKC and case folding leave as it is (tests/test_personal_policy.py):
# the lunate sigma, for one, becomes a sigma first, which reads as no Latin letter.
_LOOKALIKE_LETTERS = dict(zip(
    "аԁеһіјӏорԛѕтуԝхсүвνοραιτυχωϳκεβηζօսհ",
    "adehijlopqstywxcybvopaituxwjkebnzouh", strict=True))
# The zero of each run of ten decimal digits beyond ASCII in the Basic Multilingual Plane
# (Arabic-Indic, Persian, Devanagari, Bengali, Thai... Unicode 14, Python 3.11's unicodedata;
# tests/test_personal_policy.py checks the list against it). NFKC maps the full-width and the
# mathematical digits; the other scripts beyond the plane are left: a class that reaches past
# it makes Python's re test every character the slow way (20 times slower over the site's
# pages), and `(?![0-9])\d` takes three steps a character.
_DIGIT_ZEROS = (0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50, 0xED0,
                0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50,
                0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10)
# And the dashes a word processor writes for a hyphen (the non-breaking hyphen that keeps a
# number on one line, the en dash of autocorrection, the minus sign): a hyphen, as the
# detectors' separators know it.
_DASHES = dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212", "-")
_LOOKALIKE = re.compile("[" + "".join(_LOOKALIKE_LETTERS) + "".join(_DASHES)
                        + "".join(f"{chr(z)}-{chr(z + 9)}" for z in _DIGIT_ZEROS) + "]")


def _ascii_lookalike(m: re.Match) -> str:
    ch = m.group()
    return _LOOKALIKE_LETTERS.get(ch) or _DASHES.get(ch) or str(unicodedata.decimal(ch))


def normalise(text: str, keep_newlines: bool = False) -> str:
    """NFKC, case folded, accents stripped, invisible characters deleted, letters and digits of
    other scripts that read as ASCII ones made ASCII, dashes made hyphens, whitespace collapsed
    to one space.
    keep_newlines keeps line feeds (the guard counts lines on normalised text) and collapses
    only the other whitespace."""
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
        text = unicodedata.normalize("NFKC", _strip_accents(text).casefold())  # casefold may leave compatibility forms
        text = _LOOKALIKE.sub(_ascii_lookalike, text)
    else:
        text = text.lower()
    return (_SPACES_NOT_NEWLINE if keep_newlines else _SPACES_RUNS).sub(" ", text)


def words(norm: str) -> list[str]:
    return _WORD.findall(norm)


def compact(text: str) -> str:
    """Letters and digits of the normalised text only: spacing and punctuation do not count."""
    return "".join(words(normalise(text)))


# ---------------------------------------------------------------------------------------------
# detectors

@dataclass(frozen=True)
class Detector:
    kind: str  # "català / English", as hits and findings name it
    key: str  # short id, for SQL and tests
    regex: re.Pattern  # over normalised text
    confirm: Callable[[re.Match], bool]
    # RE2 over RAW text: true for every value the regex could find something in (a superset);
    # values with characters that normalisation changes go to Python anyway (UNSAFE_SQL).
    prefilter_sql: str

    def find(self, norm: str) -> re.Match | None:
        for m in self.regex.finditer(norm):
            if self.confirm(m):
                return m
        return None


ALLOWED_EMAIL_DOMAINS = ("localret.cat",)
# Providers of personal mailboxes: "joan at gmail.com" is an address even with a plain name
# before "at" (domain3 below), which in prose ("harvested at datos.gob.es") is not.
PERSONAL_MAIL_DOMAINS = frozenset((
    "gmail.com", "googlemail.com", "hotmail.com", "hotmail.es", "outlook.com", "outlook.es", "live.com", "msn.com",
    "yahoo.com", "yahoo.es", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "gmx.com", "gmx.es", "gmx.net",
    "protonmail.com", "proton.me", "telefonica.net", "movistar.es", "terra.es", "ya.com", "wanadoo.es", "orange.es",
    "yandex.com", "mail.com", "zoho.com", "tutanota.com"))

# How people hide an address from scrapers: the sign itself, URL-encoded (%40) or as an HTML
# entity; the sign or the word (at; arroba, and arrova as Catalan spells it) in brackets; the
# word between spaces, underscores or hyphens (joan_at_gmail_dot_com, joan -at- gmail); the sign
# doubled, or "(a)" between the two halves. The dot likewise. A plain " at " between words is
# English prose: it counts with a dot written as a word as well (domain2 below), or before a
# domain written plainly when the name before it reads as an address's (a dot, a digit...:
# "joan.puig at gmail.com", domain3).
_AT_SIGN = r"(?:@|%40|&#0*64;|&#x0*40;|&commat;)"
_DOT_SIGN = r"(?:\.|%2e|&#0*46;|&#x0*2e;|&period;|·)"
_TIED = r" ?[_-]+ ?"  # a word tied to its neighbours by underscores or hyphens
_AT_WORD = "(?:at|arroba|arrova)"
_AT = rf"(?: ?(?:{_AT_SIGN}{{1,2}}|[\[({{<] ?(?:{_AT_SIGN}|{_AT_WORD}|a) ?[\])}}>]) ?| arro[bv]a |{_TIED}{_AT_WORD}{_TIED})"
_DOT_WORD = (rf"(?: ?[\[({{<] ?(?:{_DOT_SIGN}|dot|punt|punto) ?[\])}}>] ?| (?:dot|punt|punto) "
             rf"|{_TIED}(?:dot|punt|punto){_TIED})")
_DOT = rf"(?: ?{_DOT_SIGN} ?|{_DOT_WORD})"
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
# A provider of personal mailboxes after the sign identifies the mailbox even without its
# domain's ending, or with a comma for its dot ("joan@gmail", "joan@hotmail,es"; domain4):
# those whose names are no ordinary word.
_ORDINARY_WORDS = {"me", "mac", "live", "mail", "ya", "terra", "orange", "proton"}
_PROVIDER = "|".join(sorted({d.split(".")[0] for d in PERSONAL_MAIL_DOMAINS} - _ORDINARY_WORDS, key=lambda p: (-len(p), p)))
EMAIL_RE = re.compile(
    rf"(?<![a-z0-9._%+-])[._%+-]*(?P<local>[a-z0-9][a-z0-9._%+-]*)"  # after a list's dash: "-joan@..."
    rf"(?:{_AT}(?P<domain>{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}[a-z]{{2,24}})"
    rf"|{_AT}(?P<domain4>(?:{_PROVIDER})(?: ?, ?[a-z]{{2,3}})?)"
    rf"| at (?P<domain2>{_LABEL}(?:{_DOT}{_LABEL})*{_DOT_WORD}[a-z]{{2,24}})"
    rf"| at (?P<domain3>{_LABEL}(?:\.{_LABEL})*\.[a-z]{{2,24}}))(?![a-z0-9])")
_DOT_ANY = re.compile(_DOT)
_ADDRESS_LIKE_NAME = re.compile(r"[0-9._%+-]")


def email_domain(m: re.Match) -> str:
    if m.group("domain4"):
        return m.group("domain4")
    return _DOT_ANY.sub(".", m.group("domain") or m.group("domain2") or m.group("domain3"))


def _email_ok(m: re.Match) -> bool:
    domain = email_domain(m)
    if m.group("domain3") and not _ADDRESS_LIKE_NAME.search(m.group("local")) and domain not in PERSONAL_MAIL_DOMAINS:
        return False  # "look at example.com" is prose
    return not any(domain == d or domain.endswith("." + d) for d in ALLOWED_EMAIL_DOMAINS)


_SEP = r"(?: ?[.\-/_·] ?| )"  # digits grouped by a dot, hyphen, slash, underscore, middle dot or space
# a phone's groups also in brackets: "(93) 402 29 20", the area code as Spain writes it
_PHONE_SEP = r"(?: ?[.\-/_·()] ?| )"
# A label glued to the number ("tel934022920", "mobil612345678", "nº612345678": NFKC reads º as
# o) is still a phone's; any other letter before it makes it part of a code.
_PHONE_LABELS = ("tel", "telf", "tlf", "tlfn", "tlfno", "tfn", "tfno", "telef", "telefon", "telefons", "telefono",
                 "telefonos", "phone", "mob", "mobil", "mov", "movil", "mobile", "cel", "celular", "whatsapp", "fax", "no")
_NINE_DIGITS = r"[6-9][0-9]{8}(?![0-9])"


def _glued(labels: tuple[str, ...], then: str) -> str:
    """A word's start, and any of the labels glued to what follows, as part of the match. A
    lookbehind per label is tried at every letter of the text: with 23 labels the phone's
    regular expression took 0.74 s over 3.4 MB of the site's pages, 0.18 s with the labels in
    the match."""
    return rf"(?<![0-9a-z])(?:(?:{'|'.join(sorted(labels, key=lambda w: (-len(w), w)))})(?={then}))?"


PHONE_RE = re.compile(
    # not inside a longer number ("1 612 345 678"), except nine digits of their own after a
    # number and a space (an address before its phone: "C/ Major, 12 934022920")
    rf"{_glued(_PHONE_LABELS, r'[0-9(+]')}"
    rf"(?:(?<![0-9][ .,\-/])|(?<=[0-9] )(?={_NINE_DIGITS}))"
    rf"(?:(?:\(\+?(?:00)?34\)|\+34|0034|34){_PHONE_SEP}?)?"
    rf"\(?[6-9](?:{_PHONE_SEP}?[0-9]){{8}}"
    # nor going on into one, unless what follows is a second phone ("934022920/612345678")
    rf"(?![0-9a-z])(?! ?[.,\-/](?!{_NINE_DIGITS})[0-9])(?! ?(?:€|eur))")

_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
# Likewise a DNI's label ("DNI12345678Z", "NIEX1234567L", "nº12345678Z"), and the country before a
# self-employed person's VAT number ("ES12345678Z"); the letter may be in brackets ("12345678 (Z)").
_DNI_LABELS = ("dni", "nif", "nie", "no", "es")
DNI_RE = re.compile(  # after a number and a space it is still one ("lot 2 12345678Z"): its letter is checked
    rf"{_glued(_DNI_LABELS, '[0-9xyzklm]')}(?<![0-9][.,\-/])"
    rf"(?:(?P<nie>[xyzklm]){_SEP}?(?P<d7>[0-9](?:{_SEP}?[0-9]){{6}})|(?P<d8>0?[0-9](?:{_SEP}?[0-9]){{6,7}}))"
    rf"(?P<before>{_SEP}?)(?:(?P<letter>[a-z])|\((?P<bracketed>[a-z])\))(?![0-9a-z])")
_RANGE_AFTER = re.compile(r" ?[0-9]")  # the range's other number, right after the word
_DIGITS = re.compile(r"[0-9]+")


def _looks_like_date(text: str) -> bool:
    groups = _DIGITS.findall(text)
    if len(groups) != 3:
        return False
    for y, m, d in ((groups[0], groups[1], groups[2]), (groups[2], groups[1], groups[0])):
        if len(y) == 4:
            try:
                date(int(y), int(m), int(d))
                return True
            except ValueError:
                pass
    return False


def _dni_ok(m: re.Match) -> bool:
    if m.group("before") == " " and m.group("letter") and m.group("letter") in "ay" and _RANGE_AFTER.match(m.string, m.end()):
        # "de 38.803.287 a 40.000.000": the Catalan or Spanish word between two numbers, not a letter
        return False
    if m.group("nie"):
        digits = re.sub(r"[^0-9]", "", m.group("d7"))
        lead = {"x": "0", "y": "1", "z": "2"}.get(m.group("nie"), "0")  # K/L/M: the 7 digits alone
        number = int(lead + digits)
    else:
        if _looks_like_date(m.group("d8")):
            return False
        number = int(re.sub(r"[^0-9]", "", m.group("d8")))
    return _DNI_LETTERS[number % 23] == (m.group("letter") or m.group("bracketed")).upper()


# The IBAN's length in each country of the SWIFT IBAN Registry (ISO 13616): two letters, two
# check digits, then the domestic number.
IBAN_LENGTHS = {
    "ad": 24, "ae": 23, "al": 28, "at": 20, "az": 28, "ba": 20, "be": 16, "bg": 22, "bh": 22, "bi": 27, "br": 29,
    "by": 28, "ch": 21, "cr": 22, "cy": 28, "cz": 24, "de": 22, "dj": 27, "dk": 18, "do": 28, "ee": 20, "eg": 29,
    "es": 24, "fi": 18, "fk": 18, "fo": 18, "fr": 27, "gb": 22, "ge": 22, "gi": 23, "gl": 18, "gr": 27, "gt": 28,
    "hn": 28, "hr": 21, "hu": 28, "ie": 22, "il": 23, "iq": 23, "is": 26, "it": 27, "jo": 30, "kw": 30, "kz": 20,
    "lb": 28, "lc": 32, "li": 21, "lt": 20, "lu": 20, "lv": 21, "ly": 25, "mc": 27, "md": 24, "me": 22, "mk": 19,
    "mn": 20, "mr": 27, "mt": 31, "mu": 30, "ni": 28, "nl": 18, "no": 15, "om": 23, "pk": 24, "pl": 28, "ps": 29,
    "pt": 25, "qa": 29, "ro": 24, "rs": 22, "ru": 33, "sa": 24, "sc": 31, "sd": 18, "se": 24, "si": 19, "sk": 24,
    "sm": 27, "so": 23, "st": 25, "sv": 28, "tl": 23, "tn": 24, "tr": 26, "ua": 29, "va": 22, "vg": 24, "xk": 20,
    "ye": 30,
}
# Where one may start; _iban_ok reads on, one character (and separator) at a time, as many as
# the country's length asks for. A regular expression of the whole would either take words
# that follow the number or need a length per country.
IBAN_RE = re.compile(rf"(?:(?<![0-9a-z])|(?<=iban))(?P<country>[a-z]{{2}})(?P<check>(?:{_SEP})?[0-9](?:{_SEP})?[0-9])")
_IBAN_CHAR = re.compile(rf"(?:{_SEP})?([0-9a-z])")
_IBAN_DIGIT = re.compile(rf"(?:{_SEP})?([0-9])")
_LETTER_OR_DIGIT = re.compile("[0-9a-z]")


def _iban_ok(m: re.Match) -> bool:
    length = IBAN_LENGTHS.get(m.group("country"))
    if length is None:
        return False
    check = m.group("check")
    step = _IBAN_CHAR if check.isdigit() else _IBAN_DIGIT  # "ES 91 ...": digits only
    text, at, number = m.string, m.end(), []
    for _ in range(length - 4):
        char = step.match(text, at)
        if char is None:
            return False
        number.append(char.group(1))
        at = char.end()
    if _LETTER_OR_DIGIT.match(text, at) or sum(c.isalpha() for c in number) * 2 > len(number):
        return False  # longer than the country's number, or words rather than a number
    rearranged = "".join(number) + m.group("country") + re.sub("[^0-9]", "", check)
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1  # A=10 ... Z=35


_PHONE_BODY = re.compile(rf"[6-9](?:{_PHONE_SEP}?[0-9]){{8}}$")


def _phone_ok(m: re.Match) -> bool:
    """Nine digits with one decimal point or comma and no other separator are a number with
    decimals (7509407.95, 677.420625), not a phone."""
    body = _PHONE_BODY.search(m.group())
    seps = re.findall(r"[^0-9]", body.group()) if body else []
    return not (len(seps) == 1 and seps[0] in ".,")


# Prefilters: supersets over raw text (RE2 in DuckDB, case-insensitive). "Not a letter or
# digit" is written [^0-9a-z], which also lets accented letters by: a superset still.
_NA = "[^0-9a-z]"
# the labels as written, with their accents (m[oòó]bil): normalising strips them before the regex
_ACCENTED = {"a": "[aàá]", "e": "[eèé]", "i": "[iíï]", "o": "[oòó]", "u": "[uúü]"}
_PHONE_LABELS_RAW = "|".join("".join(_ACCENTED.get(c, c) for c in w) for w in _PHONE_LABELS)
PHONE_PRE = rf"(?i)(^|{_NA}|{_PHONE_LABELS_RAW})(\(?\+?(00)?34\)?{_NA}*)?[6-9]({_NA}*[0-9]){{8}}({_NA}|$)"
DNI_PRE = rf"(?i)(^|{_NA}|{'|'.join(_DNI_LABELS)})([0-9]|[xyzklm]{_NA}*[0-9])({_NA}*[0-9]){{6,8}}{_NA}*[a-z]({_NA}|$)"
# an IBAN: the check digits next to the letters, then letters or digits; or, separated, digits
# only (the shortest IBAN is Norway's, 15 characters)
IBAN_PRE = rf"(?i)(^|{_NA}|iban)[a-z]{{2}}([0-9]{{2}}({_NA}*[0-9a-z]){{11}}|({_NA}*[0-9]){{13}})"
EMAIL_PRE = r"(?i)@|%40|&#0*64;|&#x0*40;|&commat;|arro[bv]a|(^|[^a-z])at([^a-z]|$)|[\[({<] ?a ?[\])}>]"

EMAIL = Detector("correu electrònic / e-mail", "email", EMAIL_RE, _email_ok, EMAIL_PRE)
PHONE = Detector("telèfon / phone", "phone", PHONE_RE, _phone_ok, PHONE_PRE)
DNI = Detector("DNI/NIE", "dni", DNI_RE, _dni_ok, DNI_PRE)
IBAN = Detector("compte bancari (IBAN) / bank account (IBAN)", "iban", IBAN_RE, _iban_ok, IBAN_PRE)
DETECTORS: tuple[Detector, ...] = (EMAIL, PHONE, DNI, IBAN)
BY_KEY = {d.key: d for d in DETECTORS}

PRIVATE_VALUE = "valor d'un camp privat / value of a private field"

# Characters that normalisation changes beyond what DuckDB's lower() and strip_accents() do:
# anything but ASCII, the accented letters of Catalan and Spanish, the middle dot and the
# typographic quotes and dashes. A raw value holding one goes to Python whatever the prefilter.
SAFE_CHARS = "àáâäèéêëìíîïòóôöùúûüçñýÿÀÁÂÄÈÉÊËÌÍÎÏÒÓÔÖÙÚÛÜÇÑÝ·‘’“”«»–—…"
UNSAFE_SQL = "[^\\x{01}-\\x{7f}" + SAFE_CHARS + "]"
_UNSAFE = re.compile("[^\x00-\x7f" + SAFE_CHARS + "]")
_ASCII_NOT_WORD = bytes(c for c in range(128) if not (chr(c).isalnum() or chr(c) == "\n"))


def _safe_compact_table() -> tuple[bytes, bytes]:
    """Every safe character (ASCII and SAFE_CHARS) has one byte in cp1252: one table turns the
    encoded text into its compact form (letters lowered, accents dropped, the rest deleted),
    exactly as NFKD + ASCII + lower would, at the speed of bytes.translate."""
    table = bytearray(range(256))
    delete = bytearray(_ASCII_NOT_WORD)
    for c in range(65, 91):
        table[c] = c + 32
    for ch in SAFE_CHARS:
        b = ch.encode("cp1252")[0]
        base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").lower().translate(None, _ASCII_NOT_WORD)
        if base:
            table[b] = base[0]
        else:
            delete.append(b)
    return bytes(table).translate(bytes.maketrans(b"y", b"i")), bytes(delete)  # FOLD_Y


_SAFE_TABLE, _SAFE_DELETE = _safe_compact_table()
# The safe characters outside Latin-1, as UTF-8 bytes: punctuation only (find_many drops them).
_BEYOND_LATIN1 = re.compile(b"|".join(re.escape(c.encode()) for c in SAFE_CHARS if ord(c) > 0xFF))
assert not any(c.isalnum() for c in SAFE_CHARS if ord(c) > 0xFF)


def detect(text: str, normalised: bool = False) -> list[str]:
    """The kinds of personal data (detectors only) found in the text."""
    norm = text if normalised else normalise(text)
    return [d.kind for d in DETECTORS if d.find(norm)]


def find_kind(text: str, key: str) -> bool:
    return BY_KEY[key].find(normalise(text)) is not None


# ---------------------------------------------------------------------------------------------
# private values

MIN_WORDS = 2  # a single word ("Secretaria", "Montserrat") identifies nobody and is everywhere
MIN_CHARS = 8  # letters and digits, spacing and punctuation apart ("Joan Puig" has 8)
# A name that says it is a legal person's: a private value equal to a public name of a body of
# this run and holding one of these words is that body's name, not a person's.
LEGAL_PERSON_WORDS = re.compile(
    r"\b(ajuntament|consell|diputacio|consorci|mancomunitat|entitat|area metropolitana|associacio|federacio|"
    r"generalitat|departament|institut|fundacio|organisme|agencia|empresa|societat|universitat|"
    r"s ?\.? ?a ?\.? ?u?|s ?\.? ?l ?\.? ?u?|sau|slu|sa|sl)\b")


# In a private value's compact form, and in the text searched for it, y reads as i (FOLD_Y):
# Catalan writes "and" between two surnames i, Spanish y ("Joan Puig i Soler", "Joan Puig y
# Soler"), and many names are spelled either way (Maia, Maya; Ibarra, Ybarra). One needle then
# finds every spelling, at no cost to the search: a needle per spelling would have added half
# as many again (0.05 s of a 1M-row validation).
FOLD_Y = str.maketrans("y", "i")
# "And" between a person's two surnames (y folded), written by some and not by others ("Joan
# Puig i Soler", "Joan Puig Soler"). Both spellings of a name are searched for.
CONJUNCTIONS = ("i",)
# A name of this many words (conjunctions and particles apart) is also searched for with its
# given name after its surnames, as lists of people often write it ("Puig Soler, Joan"): the
# given name is the first word, or the first two of a name of four ("Puig Soler, Joan Maria").
ROTATED_WORDS = (2, 4)


def spellings(value: str) -> list[tuple[str, str, str]]:
    """(needle, compact form searched, given name) of a private value: the needle (its words
    joined), and the same name with the conjunction left out or, in a name of three words or
    more without one, written before the last word. The given name is the compact prefix that
    may also come after the rest (ROTATED_WORDS), or "". A public name's exemption
    (PrivateValues) goes by the needle. Nothing when the value is not searched for (too short,
    one word, or an e-mail address or phone number, which the detectors stop)."""
    tokens = _searched_words(value)
    if tokens is None:
        return []
    base = "".join(tokens)
    plain = [t for t in tokens if t not in CONJUNCTIONS]
    given = _given_name(plain)
    found = [(base, base, given)]
    if len(plain) < len(tokens):
        if len(plain) >= MIN_WORDS and sum(map(len, plain)) >= MIN_CHARS and not "".join(plain).isdigit():
            found.append((base, "".join(plain), given))
    elif len(tokens) >= 3:
        last = _last_surname(tokens)
        found.append((base, "".join(tokens[:last]) + CONJUNCTIONS[0] + "".join(tokens[last:]), given))
    return found


# Given names as lists of people abbreviate them: "Maria" as Mª (NFKC reads it "ma"), M.ª or M.
# ("Mª Àngels Soler", "Josep M. Puig"). Checked beside a name's surnames, as the whole given name is.
ABBREVIATED = {"maria": ("ma", "m")}


def _abbreviated(given: str) -> set[str]:
    """A compact given name and its abbreviated spellings."""
    found = {given}
    for word, shorts in ABBREVIATED.items():
        if word in given:
            found.update(given.replace(word, short) for short in shorts)
    return found


# The particles of surnames ("Núria d'Ors Vidal", "Joan del Pozo Ruiz", "José María de la Fuente
# García"): they belong to the surnames, so they do not count among a name's words when its given
# name is told from its surnames.
PARTICLES = ("d", "de", "del", "dels", "el", "l", "la", "las", "les", "los")


def _last_surname(tokens: list[str]) -> int:
    """Where a name's last surname starts, with up to two particles before its word ("Puig d'Ors":
    "and" goes before the "d")."""
    last = len(tokens) - 1
    for _ in range(2):
        if last > 1 and tokens[last - 1] in PARTICLES:
            last -= 1
    return last


def _given_name(plain: list[str]) -> str:
    """The compact given name of a name's words without conjunctions (ROTATED_WORDS), or "":
    the first word, or the first two of a name of four words that are not particles."""
    core = [t for t in plain if t not in PARTICLES]
    if not ROTATED_WORDS[0] <= len(core) <= ROTATED_WORDS[1]:
        return ""
    return "".join(plain[:2] if len(core) == 4 and plain[1] not in PARTICLES else plain[:1])


def _searched_words(value: str) -> list[str] | None:
    """The words of a private value that is searched for, or None (spellings)."""
    norm = normalise(value).strip()
    tokens = words(norm.replace("l·l", "ll"))  # Catalan's l·l joins a word ("Col·lell"): one word, not two
    if len(tokens) < MIN_WORDS or sum(map(len, tokens)) < MIN_CHARS:
        return None
    if not any(c.isalpha() for c in norm):
        return None  # digits alone: a phone or a code, the detectors' business
    for d in (EMAIL, PHONE):
        m = d.find(norm)
        if m and len(words(norm[:m.start()] + norm[m.end():])) == 0:
            return None
    return [t.translate(FOLD_Y) for t in tokens]


@functools.lru_cache(maxsize=4)
def _register_exemptions(register_names: tuple[str, ...]) -> frozenset[str]:
    """The compact forms a private value may take and still be public: every run of at least
    MIN_WORDS words of a register name, and "Ajuntament de <name>". Cached: the register is the
    same for every run of a process (1,100 names normalised, 40 ms a validation)."""
    exempt = set()
    for name in register_names:
        tokens = words(normalise(name).translate(FOLD_Y))
        exempt.update("".join(p + tokens) for p in (["ajuntament", "de"], ["ajuntament", "d"]))
        for i in range(len(tokens)):
            for j in range(i + MIN_WORDS, len(tokens) + 1):
                exempt.add("".join(tokens[i:j]))
    return frozenset(exempt)


@dataclass
class SpelledInSql:
    """The spellings (spellings()) of a run's plain private values, computed by DuckDB
    (private_values_of): the needles and what the automaton looks for, ready; and every
    (needle, spelling, given name), for when some of them are public names."""

    needles: set[str]
    bases: set[str]  # the needles before their other spelling: a public name's exemption goes by them
    alone: list[str]
    by_surnames: dict[str, str]  # surnames -> their given names, space-separated
    every: Callable[[], list[tuple[str, str, str]]]


class PrivateValues:
    """The private values of a run, found as substrings of any text after normalisation, with
    spacing and punctuation ignored, aligned on words (a match starts where a word of the text
    starts and ends where one ends: "JOAN  PUIG", "joan-puig", "JoanPuig" and "Joan Puig i
    Soler" hold "Joan Puig"; "Joan Puigdollers" does not). A name of ROTATED_WORDS words is
    also found with its surnames first ("PUIG SOLER, Joan").

    Public names are told apart: a private value is not searched for when, normalised, it is
    (or is inside, word-aligned) the name of a municipality or comarca of the register, or it is
    equal to a public name of a body or operator of the run AND reads as a legal person's name
    (it holds "ajuntament", "consell", "S.A."...). A contact field filled with "Ajuntament de
    Vic" is public; a person's name typed as a body's name is still stopped."""

    def __init__(self, values: Iterable[str], register_names: Iterable[str] = (), public_names: Iterable[str] = (),
                 spelled: "SpelledInSql | None" = None):
        """values: private values as written; spelled: the spellings of those that DuckDB
        computed already (plain text), by the same rules."""
        exempt = _register_exemptions(tuple(sorted(register_names)))
        legal = {compact(n).translate(FOLD_Y) for n in public_names
                 if LEGAL_PERSON_WORDS.search(" ".join(words(normalise(n))))}
        public = exempt | legal  # a needle that is public takes its other spelling along
        found = [spelling for v in values for spelling in spellings(v)]
        if spelled is not None and not (public.isdisjoint(spelled.needles) and public.isdisjoint(spelled.bases)):
            found += spelled.every()  # some are public (rare): each spelling is judged here
            spelled = None
        kept = {(searched, given) for base, searched, given in found if base not in public and searched not in public}
        self.needles: set[str] = {searched for searched, _ in kept} | (spelled.needles if spelled else set())
        # What the automaton looks for. A name that may be written surnames first is looked for
        # by its surnames, its given name then checked right before or right after them
        # (locate): people share surnames, so these keys are a few thousand where the needles
        # are tens of thousands. Surnames shorter than a needle may be are too often words
        # ("Puig", "Mas"): such a name's two orders are keys of their own. A key is found alone
        # (None), or with one of its given names (b" joan mariaangels ").
        alone: set[str] = set(spelled.alone) if spelled else set()
        by_surnames: dict[str, set[str]] = {}
        for searched, given in kept:
            surnames = searched[len(given):]
            if not given or not searched.startswith(given):  # a conjunction among the given names
                alone.add(searched)
            elif len(surnames) >= MIN_CHARS:
                by_surnames.setdefault(surnames, set()).update(_abbreviated(given))
            else:
                alone.update(k for short in _abbreviated(given) for k in (short + surnames, surnames + short))
        self._given: dict[bytes, bytes | None] = dict.fromkeys((k.encode("utf-8") for k in alone), None)
        if spelled:
            for surnames, givens in spelled.by_surnames.items():
                by_surnames.setdefault(surnames, set()).update(givens.split(" "))
        for surnames, givens in by_surnames.items():
            self._given.setdefault(surnames.encode("utf-8"), f" {' '.join(sorted(givens))} ".encode("utf-8"))
        # Searched as UTF-8 bytes: the batches are bytes already (find_many), and the search
        # over bytes is twice as fast as over str; the automaton is built in one call, from
        # sorted keys (their shared prefixes then meet in the trie one after another).
        self._keys = sorted(self._given)
        self._automaton = ahocorasick_rs.BytesAhoCorasick(self._keys) if self._keys else None

    def __bool__(self) -> bool:
        return self._automaton is not None

    def candidates(self, joined: bytes) -> Iterable[int]:
        """End offsets (exclusive) of needles anywhere in UTF-8 text, in order (no alignment
        checked): a prefilter."""
        if self._automaton is None:
            return []
        return [end for _, _, end in self._automaton.find_matches_as_indexes(joined, overlapping=True)]

    def find(self, text: str, normalised: bool = False) -> bool:
        """Whether the text holds a private value (word-aligned)."""
        return self.locate(text if normalised else normalise(text)) is not None

    def locate(self, norm: str) -> int | None:
        """Where in the normalised text the first private value (word-aligned) starts, if any."""
        if self._automaton is None:
            return None
        norm = norm.translate(FOLD_Y)  # one character for another of one byte: offsets hold
        if not self._automaton.find_matches_as_indexes(_NOT_WORD.sub("", norm).encode("utf-8")):
            return None
        # the words joined, as UTF-8: each word's first and past-the-end byte, and where it starts in norm
        starts, ends, at = {}, set(), 0
        pieces = []
        for m in _WORD.finditer(norm):
            piece = m.group().encode("utf-8")
            starts[at] = m.start()
            at += len(piece)
            ends.add(at)
            pieces.append(piece)
        joined = b"".join(pieces)
        hits = []
        for k, start, end in self._automaton.find_matches_as_indexes(joined, overlapping=True):
            givens = self._given[self._keys[k]]
            if givens is None:
                if start in starts and end in ends:
                    hits.append(start)
                continue
            # a given name right before the surnames or right after them, the whole aligned on
            # words (not where the two meet: "JoanPuig-Soler")
            names = givens.split()
            for given in names:
                before = start - len(given)
                if before in starts and end in ends and joined[before:start] == given:
                    hits.append(before)
                if start in starts and end + len(given) in ends and joined[end:end + len(given)] == given:
                    hits.append(start)
            # or its initial with a dot ("J. Puig Soler", "Puig Soler, J."): without the dot, a
            # letter alone is as often a word ("a", "i")
            if start in starts and end in ends:
                initials = {given[:1] for given in names}
                if start - 1 in starts and joined[start - 1:start] in initials and norm[starts[start - 1] + 1:][:1] == ".":
                    hits.append(start - 1)
                if end in starts and end + 1 in ends and joined[end:end + 1] in initials and norm[starts[end] + 1:][:1] == ".":
                    hits.append(start)
        return min(starts[start] for start in hits) if hits else None

    def find_many(self, texts) -> list[bool]:
        """find() over many texts at once (a list, or a pyarrow array): the texts are joined,
        normalised and compacted as one string (a few calls into C, not a few per text), one
        automaton pass finds candidates, and the word alignment is checked only in the texts
        it points at."""
        n = len(texts)
        out = [False] * n
        if self._automaton is None or not n:
            return out
        data, value = _joined_lines(texts)
        try:
            # ASCII, Catalan and Spanish accented letters, typographic quotes and dashes only:
            # one byte each, compacted by one table lookup per byte (the same compact forms as
            # the exact rule below; NFKD over the whole batch cost ten times more). Latin-1,
            # which Python encodes at C speed (Windows-1252 goes through a character map, 3x
            # slower); its bytes 0x80-0x9F are C1 controls, which the table deletes or leaves to
            # fail, as normalising would drop them. Any other character fails the encoding, or
            # stays a byte >= 0x80 that fails the ASCII decoding: no separate scan for them.
            if data.isascii():
                encoded = data
            else:
                # the safe characters beyond Latin-1 (typographic quotes, dashes, ellipsis) are
                # punctuation, which the compact form drops anyway: dropped from the bytes first
                encoded = _BEYOND_LATIN1.sub(b"", data).decode("utf-8").encode("latin-1")
            flat = encoded.translate(_SAFE_TABLE, _SAFE_DELETE)
            flat.decode("ascii")  # any byte left >= 0x80 was not a safe character
        except UnicodeError:
            flat = _NOT_WORD_KEEP_NEWLINE.sub("", normalise(data.decode("utf-8"), keep_newlines=True))
            flat = flat.translate(FOLD_Y).encode("utf-8")
        # one automaton pass: no candidate (the usual batch) costs only that pass; a candidate's
        # line is counted on from the one before (they come in order; a few per batch at most,
        # where listing every line's end cost more than the search)
        line, counted = 0, 0
        for end in self.candidates(flat):
            if end < counted:
                line, counted = 0, 0
            line += flat.count(b"\n", counted, end)
            counted = end
            if not out[line]:
                text = value(line)
                out[line] = text is not None and self.find(text)
        return out


def _joined_lines(texts) -> tuple[bytes, Callable[[int], str | None]]:
    """The texts as one UTF-8 string, one per line (a line break inside a text becomes a space,
    a missing text an empty line), and a way back to each text. A pyarrow array is joined from
    its own buffers, without making a Python string of every value."""
    if hasattr(texts, "to_pylist"):
        import numpy as np
        import pyarrow as pa

        array = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            array = array.cast(pa.large_string())  # string_view, as newer DuckDB hands it
        if array.null_count:  # a null slot may hold bytes: its line is left empty explicitly
            array = array.fill_null("")
        width = np.int64 if pa.types.is_large_string(array.type) else np.int32
        offsets = np.frombuffer(array.buffers()[1], dtype=width, count=len(array) + 1, offset=array.offset * width().itemsize)
        data = array.buffers()[2]
        data = b"" if data is None else memoryview(data)[int(offsets[0]):int(offsets[-1])].tobytes().replace(b"\n", b" ")
        # a line feed after each text, inserted at the texts' ends in one numpy call
        joined = np.insert(np.frombuffer(data, dtype=np.uint8), (offsets[1:] - offsets[0]).astype(np.int64), 10).tobytes()
        return joined, lambda i: array[i].as_py()
    values = list(texts)
    return ("\n".join("" if t is None else t.replace("\n", " ") for t in values) + "\n").encode("utf-8"), values.__getitem__


# ---------------------------------------------------------------------------------------------
# DuckDB

COMPACT_SQL = "regexp_replace(strip_accents(lower({v})), '[^a-z0-9]+', '', 'g')"


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _prefilter(*detectors: Detector, also: str = "") -> str:
    """The RE2 pattern that lets by whatever any of these detectors might find: each one's
    prefilter, or a character that only Python normalises; case-insensitive. `also`: one more
    alternative (RE2 syntax)."""
    alternatives = "|".join(f"(?:{d.prefilter_sql.removeprefix('(?i)')})" for d in detectors)
    return sql_string(f"(?i){alternatives}|{UNSAFE_SQL}" + (f"|{also}" if also else ""))


def kind_predicate(v: str, d: Detector) -> str:
    """SQL: true when the text value v holds this kind of personal data. One RE2 prefilter
    (a superset: the kind's shape, or characters that only Python normalises) runs over every
    value; Python (lr_personal_<key>) only over those it lets by."""
    return f"(CASE WHEN regexp_matches({v}, {_prefilter(d)}) THEN lr_personal_{d.key}({v}) ELSE false END)"


def any_kind_gate(v: str, also: str = "") -> str:
    """SQL: false only for a text value that no kind's prefilter lets by (each of them is one
    alternative of this one), nor `also` (another rule's pattern that shares the gate): one
    regular expression where the four would be four."""
    return f"regexp_matches({v}, {_prefilter(*DETECTORS, also=also)})"


# A private value holds a letter (personal.spellings): a value without one never holds it.
_LETTER_OR_UNSAFE = "[A-Za-z]|" + UNSAFE_SQL


def private_predicate(v: str) -> str:
    """SQL: true when the text value v holds a private value of the run. Python sees the values
    in DuckDB's batches, one automaton pass per batch (PrivateValues.find_many)."""
    return f"coalesce(lr_private_value({v}), false)"


def install(con, private: PrivateValues | Callable[[], PrivateValues] | None = None) -> None:
    """Registers the policy's functions on a connection (again: the private values change).
    private: the run's private values, or a function giving them when lr_private_value is first
    called (validation registers the functions before it knows them: the rules that do not
    need them start meanwhile)."""
    import duckdb
    import pyarrow as pa

    for d in DETECTORS:
        name = f"lr_personal_{d.key}"
        try:
            con.remove_function(name)
        except Exception:
            pass
        con.create_function(name, (lambda det: lambda v: v is not None and det.find(normalise(v)) is not None)(d),
                            [duckdb.sqltype("VARCHAR")], duckdb.sqltype("BOOLEAN"), side_effects=False)
    known: list[PrivateValues] = [] if callable(private) else [private or PrivateValues(())]

    def private_value(texts):
        if not known:
            known.append(private())
        return pa.array(known[0].find_many(texts), pa.bool_())

    try:
        con.remove_function("lr_private_value")
    except Exception:
        pass
    con.create_function("lr_private_value", private_value, [duckdb.sqltype("VARCHAR")],
                        duckdb.sqltype("BOOLEAN"), type="arrow", null_handling="special", side_effects=False)


def private_values_of(con, tables: Iterable[str], values: str | None = None) -> PrivateValues:
    """The private values of the loaded sources (raw_<name>), with the register's names and the
    run's public body names for the public-name rule. `values`: SQL giving the private fields'
    values (column v) when the caller has them already (validation's distinct values)."""
    import duckdb

    from localret import schema

    parts, names = [], []
    for name in tables:
        s = schema.source_schema(name)
        present = {r[0] for r in con.execute(f"DESCRIBE raw_{name}").fetchall()}
        if values is None:
            parts += [f'SELECT "{f.name}" AS v FROM raw_{name}' for f in s.private_fields if f.name in present]
        for f in s.public_fields:
            if f.name in PUBLIC_NAME_FIELDS and f.name in present:
                names.append(f'SELECT "{f.name}" AS v FROM raw_{name}')
    if values is None and not parts:
        return PrivateValues(())
    # a plain address is the e-mail detector's (contains() is nearly free; a regular expression
    # over every value is not)
    allowed = " OR ".join(f"contains(lower(v), {sql_string('@' + d)})" for d in ALLOWED_EMAIL_DOMAINS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE lr_private_raw AS SELECT DISTINCT v FROM "
                f"({values if values is not None else ' UNION ALL '.join(parts)}) WHERE v IS NOT NULL AND "
                f"CASE WHEN NOT contains(v, '@') THEN true WHEN contains(v, ' ') THEN true ELSE {allowed} END")
    # Most private values are e-mail addresses (left to the detector) and names of plain
    # letters: DuckDB drops the former and computes the compact form of the latter; Python
    # normalises only what holds other characters.
    flat = COMPACT_SQL.format(v="v")
    particles = ", ".join(sql_string(p) for p in PARTICLES)
    # a given name and its abbreviated spellings (_abbreviated), one row each
    abbreviable = " OR ".join(f"contains(given, {sql_string(w)})" for w in ABBREVIATED)
    abbreviated = ", ".join(f"replace(given, {sql_string(w)}, {sql_string(short)})" for w, shorts in ABBREVIATED.items() for short in shorts)
    given_spellings = f"unnest(CASE WHEN {abbreviable} THEN [given, {abbreviated}] ELSE [given] END)"
    # The qualifying values' spellings stay in DuckDB, which hands over what the automaton
    # looks for as a few strings (a Python step per needle cost more than computing them); the
    # few values Python must normalise come back as they are.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE lr_private_forms AS
        WITH folded AS MATERIALIZED (
            -- strip_accents is the costly step: once per value (an expression used thrice would
            -- be computed thrice)
            -- y read as i (FOLD_Y), l·l one letter of a word (_searched_words)
            SELECT v, regexp_matches(v, {sql_string(UNSAFE_SQL)}) AS unsafe,
                   replace(replace(strip_accents(lower(v)), 'y', 'i'), 'l·l', 'll') AS s
            FROM lr_private_raw
            WHERE regexp_matches(v, {sql_string(_LETTER_OR_UNSAFE)})
              AND NOT (regexp_full_match(v, {sql_string(PLAIN_EMAIL_SQL)})
                       AND NOT regexp_full_match(v, {sql_string(ALLOWED_EMAIL_SQL)})))
        SELECT v, reads_legal, f, searched, given, other
        -- spellings(), over the words: the needle, its other spelling of "and", its given name
        FROM (SELECT *, len(tokens) >= {MIN_WORDS} AND length(f) >= {MIN_CHARS} AND NOT regexp_full_match(f, '[0-9]+') AS searched,
                     CASE WHEN len(core) BETWEEN {ROTATED_WORDS[0]} AND {ROTATED_WORDS[1]}
                          THEN CASE WHEN len(core) = 4 AND plain[2] NOT IN ({particles}) THEN plain[1] || plain[2] ELSE plain[1] END
                          ELSE '' END AS given,
                     CASE WHEN len(plain) < len(tokens) THEN
                              CASE WHEN len(plain) >= {MIN_WORDS} AND length(array_to_string(plain, '')) >= {MIN_CHARS}
                                        AND NOT regexp_full_match(array_to_string(plain, ''), '[0-9]+')
                                   THEN array_to_string(plain, '') END
                          WHEN len(tokens) >= 3 THEN  -- before the last surname and its particles (_last_surname)
                              array_to_string(list_slice(tokens, 1, last), '') || {sql_string(CONJUNCTIONS[0])}
                              || array_to_string(list_slice(tokens, last + 1, len(tokens)), '')
                     END AS other
              FROM (SELECT v, tokens, reads_legal, CASE WHEN unsafe THEN NULL ELSE array_to_string(tokens, '') END AS f,
                           list_filter(tokens, lambda t: t NOT IN ({", ".join(sql_string(c) for c in CONJUNCTIONS)})) AS plain,
                           list_filter(tokens, lambda t: t NOT IN ({", ".join(sql_string(c) for c in CONJUNCTIONS)})
                                                         AND t NOT IN ({particles})) AS core,
                           len(tokens) - 1 - CASE WHEN len(tokens) >= 3 AND tokens[len(tokens) - 1] IN ({particles})
                                                  THEN 1 + CASE WHEN len(tokens) >= 4 AND tokens[len(tokens) - 2] IN ({particles})
                                                                THEN 1 ELSE 0 END
                                                  ELSE 0 END AS last
                    FROM (SELECT v, unsafe, regexp_extract_all(s, '[a-z0-9]+') AS tokens,
                                 regexp_matches(s, {sql_string(LEGAL_PERSON_WORDS.pattern)}) AS reads_legal
                          FROM folded)))""")
    spelled_sql = ("SELECT f AS base, f AS s, given FROM lr_private_forms WHERE searched UNION ALL "
                   "SELECT f, other, given FROM lr_private_forms WHERE searched AND other IS NOT NULL")
    # what the automaton looks for (PrivateValues), grouped here: Python would take a step per needle
    text = con.execute(f"""
        WITH spelled AS MATERIALIZED ({spelled_sql}),
        keyed AS (SELECT s, given, substr(s, length(given) + 1) AS surnames,
                         given <> '' AND starts_with(s, given) AND length(s) - length(given) >= {MIN_CHARS} AS by_surnames,
                         given <> '' AND starts_with(s, given) AND length(s) - length(given) < {MIN_CHARS} AS both_orders
                  FROM spelled)
        SELECT (SELECT string_agg(DISTINCT s, chr(10)) FROM spelled),
               (SELECT string_agg(DISTINCT base, chr(10)) FROM spelled),
               (SELECT string_agg(DISTINCT k, chr(10)) FROM (
                    SELECT s AS k FROM keyed WHERE NOT by_surnames
                    -- both orders, also with the given name abbreviated
                    UNION ALL SELECT unnest([g || surnames, surnames || g]) FROM (
                        SELECT surnames, {given_spellings} AS g FROM keyed WHERE both_orders))),
               (SELECT string_agg(surnames || ' ' || givens, chr(10)) FROM (
                    SELECT surnames, string_agg(DISTINCT given, ' ') AS givens FROM (
                        SELECT surnames, {given_spellings} AS given FROM keyed WHERE by_surnames)
                    GROUP BY surnames)),
               (SELECT coalesce(list(v), []) FROM lr_private_forms WHERE f IS NULL),
               (SELECT coalesce(list(v), []) FROM lr_private_forms WHERE reads_legal OR f IS NULL)""").fetchone()
    lines = [t.split("\n") if t else [] for t in text[:4]]
    spelled = SpelledInSql(set(lines[0]), set(lines[1]), lines[2], dict(line.split(" ", 1) for line in lines[3]),
                           lambda: con.execute(spelled_sql).fetchall())
    values, legal = text[4:]
    public: list[str] = []
    if names and legal:
        # only the public names equal to a private value that reads as a legal person's matter
        # (usually none): only then are the run's public names compared, by DuckDB
        con.execute("CREATE OR REPLACE TEMP TABLE lr_private_legal AS SELECT unnest(?) AS v", [legal])
        public = [v for (v,) in con.execute(
            f"SELECT DISTINCT v FROM ({' UNION ALL '.join(names)}) WHERE v IS NOT NULL AND {flat} IN "
            f"(SELECT {flat} FROM lr_private_legal)").fetchall()]
        con.execute("DROP TABLE lr_private_legal")
    register = []
    try:
        register = [v for (v,) in con.execute(
            "SELECT nom FROM register_municipis UNION SELECT nom_idescat FROM register_municipis "
            "UNION SELECT comarca_nom FROM register_comarques").fetchall() if v]
    except duckdb.Error:  # no register loaded on this connection
        pass
    found = PrivateValues(values, register, public, spelled=spelled)
    con.execute("DROP TABLE lr_private_raw")
    con.execute("DROP TABLE lr_private_forms")
    return found


PLAIN_EMAIL_SQL = r"\s*[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\s*"
ALLOWED_EMAIL_SQL = r"\s*[A-Za-z0-9._%+-]+@(.*\.)?(" + "|".join(re.escape(d) for d in ALLOWED_EMAIL_DOMAINS) + r")\s*"


# Public fields that hold names of bodies and operators (the public-name rule).
PUBLIC_NAME_FIELDS = {"nom", "nom_ens", "adjudicatari", "operador"}
