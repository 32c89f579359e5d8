"""Corpus cases of issue 11 (privacy): see tests/corpus.py for the Case contract.

Personal data written the ways people write it (phones in any grouping, spacing and prefix,
e-mail addresses hidden from scrapers, DNI/NIE with any punctuation, IBAN, a private name
repeated in another case, without accents or with other spacing in another file), planted in
published text fields other than the two that validation used to scan (titles, offices,
leaving reasons, parties' names). Each is refused (exit 1) by the policy of
localret/personal.py, naming file, row, field and kind. The look-alikes (a legal person's NIF, a
10-digit code, amounts, dates, versions, the institutional mailbox, a body's name typed in a
contact field) publish (exit 0)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from corpus import Case, cp1252_lines, membres_as_csv, put_cp1252, text

from localret.reader import read_table


def _edit(src: Path, name: str, row: int, column: str, value) -> None:
    """Set one cell of a UTF-8 source (row as the spreadsheet numbers it: header = 1);
    value may be a function of the old value."""
    raw = text(src / name, "utf-8-sig")
    bom = (src / name).read_bytes().startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw)))
    i = table[0].index(column)
    old = table[row - 1][i]
    table[row - 1][i] = value(old) if callable(value) else value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    (src / name).write_text(out.getvalue(), encoding="utf-8-sig" if bom else "utf-8")


def _membres(src: Path, row: int, column: str, value) -> None:
    membres_as_csv(src)
    _edit(src, "membres.csv", row, column, value)


def _left_member_row(src: Path) -> int:
    """The spreadsheet row of the first member that left (it has a leaving reason)."""
    frame = read_table(src / "membres.xlsx").frame
    return int(frame.loc[frame["motiu_baixa"].notna(), "_row"].iloc[0])


def in_leaving_reason(value: str):
    def build(src):
        row = _left_member_row(src)
        _membres(src, row, "motiu_baixa", lambda old: f"{old}. {value}")
    return build


def in_cell(name: str, row: int, column: str, value: str, how: str = "append"):
    def build(src):
        _edit(src, name, row, column, (lambda old: f"{old} {value}") if how == "append" else value)
    return build


def contact_of_member(src: Path) -> str:
    frame = read_table(src / "membres.xlsx").frame
    return next(v for v in frame["persona_contacte"].dropna() if len(v.split()) >= 3 and not v.isascii())


def signatory(src: Path) -> str:
    frame = read_table(src / "convenis_parts.csv").frame
    return next(v for v in frame["nom_signant"].dropna() if len(v.split()) >= 3 and not v.isascii())


def adhesion_contact(src: Path) -> str:
    frame = read_table(src / "adhesions.csv").frame
    return next(v for v in frame["persona_contacte"].dropna() if len(v.split()) >= 3)


def strip_accents(value: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFD", value) if not unicodedata.combining(c))


def contact_in_capitals_in_adhesions(src):
    """A member's contact person, in capitals and without accents, as an adhesion body's name
    (another file, another encoding)."""
    name = strip_accents(contact_of_member(src)).upper()
    rows = cp1252_lines(src)
    parts = rows[5].split(";")
    parts[1] = f"{parts[1]} - att. {name}"
    rows[5] = ";".join(parts)
    put_cp1252(src, rows)


def signatory_without_accents_in_title(src):
    name = strip_accents(signatory(src)).lower()
    _edit(src, "convenis.csv", 4, "titol", lambda old: f"{old} (signat per {name})")


def contact_with_other_spacing_in_objecte(src):
    name = contact_of_member(src).replace(" ", "\u00a0\u00a0 ")
    _edit(src, "convenis.csv", 3, "objecte", lambda old: f"{old} Persona de contacte: {name}.")


def contact_with_and_between_surnames_in_objecte(src):
    *given, last = contact_of_member(src).split()
    name = " ".join(given) + " i " + last  # "Joan Puig i Soler" for "Joan Puig Soler"
    _edit(src, "convenis.csv", 5, "objecte", lambda old: f"{old} Contacte: {name}.")


def signatory_surnames_first_in_reason(src):
    first, *surnames = signatory(src).split()
    name = f"{' '.join(surnames).upper()}, {first}"  # "PUIG SOLER, Joan", as lists of people write it
    _membres(src, _left_member_row(src), "motiu_baixa", lambda old: f"{old}. Comunicada per {name}")


def contact_initial_in_objecte(src):
    first, *surnames = contact_of_member(src).split()
    _edit(src, "convenis.csv", 9, "objecte", lambda old: f"{old} (tramitat per {first[0]}. {' '.join(surnames)})")


def adhesion_contact_glued_in_office(src):
    name = "".join(w.capitalize() for w in adhesion_contact(src).split())
    _edit(src, "convenis_parts.csv", 3, "carrec_signant", lambda old: f"{old} ({name})")


def body_name_in_contact_field(src):
    """A contact field filled with the body's own name: public, not personal."""
    frame = read_table(src / "membres.xlsx").frame
    row = int(frame["_row"].iloc[3])
    _membres(src, row, "persona_contacte", frame["nom"].iloc[3])


def phone_in_nif(src):
    """A phone typed into a NIF breaks its format; that rule must not repeat it."""
    _edit(src, "convenis_parts.csv", 2, "nif", "612 345 678")


PHONE = ["dades-personals", "telèfon"]
MAIL = ["dades-personals", "correu electrònic"]
DNI = ["dades-personals", "DNI/NIE"]
IBAN = ["dades-personals", "IBAN"]
PRIVATE = ["dades-personals", "valor d'un camp privat"]

CASES = [
    # phones: every grouping, separator, space and prefix, in titles, offices, objects, reasons
    Case("priv-phone-bare-in-title", in_cell("convenis.csv", 2, "titol", "(tel. 612345678)"), 1,
         ["convenis.csv, fila 2", "titol", *PHONE]),
    Case("priv-phone-2322-in-office", in_cell("convenis_parts.csv", 2, "carrec_signant", "93 402 29 20"), 1,
         ["convenis_parts.csv, fila 2", "carrec_signant", *PHONE]),
    Case("priv-phone-3222-dots-in-objecte", in_cell("convenis.csv", 3, "objecte", "Telèfon: 973.26.88.14."), 1,
         ["convenis.csv, fila 3", "objecte", *PHONE]),
    Case("priv-phone-nbsp", in_cell("convenis.csv", 4, "objecte", "mòbil 612\u00a0345\u00a0678"), 1,
         ["convenis.csv, fila 4", "objecte", *PHONE]),
    Case("priv-phone-narrow-and-thin-spaces", in_cell("convenis.csv", 5, "titol", "93\u202f402\u200929\u202f20"), 1,
         ["convenis.csv, fila 5", "titol", *PHONE]),
    Case("priv-phone-plus34-dashes-in-reason", in_leaving_reason("Truqueu al +34 612-34-56-78"), 1,
         ["membres.csv", "motiu_baixa", *PHONE]),
    Case("priv-phone-0034-slashes-in-party", in_cell("convenis_parts.csv", 4, "nom", "(0034 612/345/678)"), 1,
         ["convenis_parts.csv, fila 4", "nom", *PHONE]),
    Case("priv-phone-underscores-in-objecte", in_cell("convenis.csv", 10, "objecte", "Mòbil 612_345_678."), 1,
         ["convenis.csv, fila 10", "objecte", *PHONE]),
    Case("priv-phone-arabic-indic-digits-in-reason", in_leaving_reason("Mòbil ٦١٢ ٣٤٥ ٦٧٨"), 1,
         ["membres.csv", "motiu_baixa", *PHONE]),
    Case("priv-phone-area-code-in-brackets-in-party", in_cell("convenis_parts.csv", 9, "nom", "Tel. (93) 402 29 20"), 1,
         ["convenis_parts.csv, fila 9", "nom", *PHONE]),
    Case("priv-phone-paren-prefix-zero-width", in_cell("convenis.csv", 6, "titol", "(+34)\u200b7\u200b12 34 56 78"), 1,
         ["convenis.csv, fila 6", "titol", *PHONE]),
    # e-mail addresses hidden from scrapers
    Case("priv-mail-at-dot-brackets", in_cell("convenis.csv", 3, "objecte", "Escriviu a joan.puig [at] gmail [dot] com"), 1,
         ["convenis.csv, fila 3", "objecte", *MAIL]),
    Case("priv-mail-paren-at-in-reason", in_leaving_reason("Contacte: mvila(at)ajuntament-x.cat"), 1,
         ["membres.csv", "motiu_baixa", *MAIL]),
    Case("priv-mail-arroba-punt-in-office", in_cell("convenis_parts.csv", 5, "carrec_signant", "(anna arroba domini punt cat)"), 1,
         ["convenis_parts.csv, fila 5", "carrec_signant", *MAIL]),
    Case("priv-mail-fullwidth-at", in_cell("convenis.csv", 7, "titol", "pere.soler＠example.cat"), 1,
         ["convenis.csv, fila 7", "titol", *MAIL]),
    Case("priv-mail-spaces-around", in_cell("convenis.csv", 8, "objecte", "marta . riu @ xtec . cat"), 1,
         ["convenis.csv, fila 8", "objecte", *MAIL]),
    Case("priv-mail-words-tied-by-underscores", in_cell("convenis.csv", 9, "titol", "(contacte: jordi_at_gmail_dot_com)"), 1,
         ["convenis.csv, fila 9", "titol", *MAIL]),
    Case("priv-mail-url-encoded-in-reason", in_leaving_reason("Vegeu mailto:pere.soler%40example.cat"), 1,
         ["membres.csv", "motiu_baixa", *MAIL]),
    Case("priv-mail-cyrillic-lookalikes-in-title", in_cell("convenis.csv", 11, "titol", "(jоrdi.pla@gmаil.cоm)"), 1,
         ["convenis.csv, fila 11", "titol", *MAIL]),
    Case("priv-mail-at-word-plain-domain-in-reason", in_leaving_reason("Escriviu a n.gracia73 at gmail.com"), 1,
         ["membres.csv", "motiu_baixa", *MAIL]),
    Case("priv-mail-plain-name-at-personal-provider-in-title", in_cell("convenis.csv", 7, "titol", "(consultes: montse at hotmail.es)"), 1,
         ["convenis.csv, fila 7", "titol", *MAIL]),
    Case("priv-mail-defanged-sign-in-party", in_cell("convenis_parts.csv", 7, "nom", "(rosa.marti[@]domini[.]cat)"), 1,
         ["convenis_parts.csv, fila 7", "nom", *MAIL]),
    # DNI/NIE in any punctuation and case
    Case("priv-dni-dots-dash", in_cell("convenis.csv", 3, "objecte", "Representant amb DNI 12.345.678-Z."), 1,
         ["convenis.csv, fila 3", "objecte", *DNI]),
    Case("priv-nie-dashes-in-reason", in_leaving_reason("NIE X-1234567-L"), 1, ["membres.csv", "motiu_baixa", *DNI]),
    Case("priv-dni-without-leading-zero-in-office", in_cell("convenis_parts.csv", 10, "carrec_signant", "DNI 1.234.567-L"), 1,
         ["convenis_parts.csv, fila 10", "carrec_signant", *DNI]),
    Case("priv-dni-label-glued-letter-in-brackets-in-party", in_cell("convenis_parts.csv", 4, "nom", "(DNI48.121.307 (V))"), 1,
         ["convenis_parts.csv, fila 4", "nom", *DNI]),
    Case("priv-phone-label-glued-in-objecte", in_cell("convenis.csv", 8, "objecte", "Mòbil612345678"), 1,
         ["convenis.csv, fila 8", "objecte", *PHONE]),
    Case("priv-nie-lowercase-spaces-in-office", in_cell("convenis_parts.csv", 6, "carrec_signant", "y 1234567 x"), 1,
         ["convenis_parts.csv, fila 6", "carrec_signant", *DNI]),
    # bank accounts
    Case("priv-iban-groups", in_cell("convenis.csv", 9, "objecte", "Compte ES91 2100 0418 4502 0005 1332."), 1,
         ["convenis.csv, fila 9", "objecte", *IBAN]),
    Case("priv-iban-plain-in-title", in_cell("convenis.csv", 10, "titol", "ES9121000418450200051332"), 1,
         ["convenis.csv, fila 10", "titol", *IBAN]),
    Case("priv-iban-andorran-in-reason", in_leaving_reason("Retorn al compte AD12 0001 2030 2003 5910 0100"), 1,
         ["membres.csv", "motiu_baixa", *IBAN]),
    Case("priv-iban-french-letters-in-party", in_cell("convenis_parts.csv", 8, "nom", "FR14-2004-1010-0505-0001-3M02-606"), 1,
         ["convenis_parts.csv, fila 8", "nom", *IBAN]),
    # a private value repeated elsewhere, in another case, without accents, other spacing
    Case("priv-contact-capitals-in-adhesions", contact_in_capitals_in_adhesions, 1,
         ["adhesions.csv, fila 6", "nom_ens", *PRIVATE]),
    Case("priv-signatory-without-accents-in-title", signatory_without_accents_in_title, 1,
         ["convenis.csv, fila 4", "titol", *PRIVATE]),
    Case("priv-contact-other-spacing-in-objecte", contact_with_other_spacing_in_objecte, 1,
         ["convenis.csv, fila 3", "objecte", *PRIVATE]),
    Case("priv-contact-and-between-surnames-in-objecte", contact_with_and_between_surnames_in_objecte, 1,
         ["convenis.csv, fila 5", "objecte", *PRIVATE]),
    Case("priv-signatory-surnames-first-in-reason", signatory_surnames_first_in_reason, 1,
         ["membres.csv", "motiu_baixa", *PRIVATE]),
    Case("priv-contact-initial-in-objecte", contact_initial_in_objecte, 1, ["convenis.csv, fila 9", "objecte", *PRIVATE]),
    Case("priv-adhesion-contact-glued-in-office", adhesion_contact_glued_in_office, 1,
         ["convenis_parts.csv, fila 3", "carrec_signant", *PRIVATE]),
    Case("priv-phone-in-a-nif-is-hidden", phone_in_nif, 1, ["convenis_parts.csv, fila 2", "nif", "nif-incorrecte"]),
    # look-alikes that are not personal data: published
    Case("priv-ok-legal-nif", in_cell("convenis.csv", 3, "objecte", "Part: Ajuntament de Barcelona (NIF P0801900B) i "
                                      "Vodafone España, S.A.U. (A80907397)."), 0, []),
    Case("priv-ok-codes", in_cell("convenis.csv", 4, "titol", "(codi d'ens 0801930008, INE 08019, Idescat 080193)"), 0, []),
    Case("priv-ok-amounts-dates-versions", in_cell("convenis.csv", 5, "objecte",
                                                   "Pressupost 38.803.287,62 EUR (38803287.62), 2019-04-09, Decret 2019/12, "
                                                   "versió 1.2.0, 248 ens, 48 mesos + 24."), 0, []),
    Case("priv-ok-institutional-mailbox", in_cell("convenis.csv", 6, "objecte", "Consultes: dades@localret.cat"), 0, []),
    Case("priv-ok-body-name-as-contact", body_name_in_contact_field, 0, []),
]
