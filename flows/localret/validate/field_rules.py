"""Rules that look at one field at a time, driven by the Table Schema of each source."""

from __future__ import annotations

import re

from localret import personal
from localret.validate.rules import ERROR, WARNING, FieldRule, field_rule, fixed
from localret.validate.sqltypes import DATETIME, quote, typed

TYPE_NAMES = {
    "date": ("una data (dd/mm/aaaa o AAAA-MM-DD)", "a date (dd/mm/yyyy or YYYY-MM-DD)"),
    "integer": ("un nombre enter", "an integer"),
    "number": ("un nombre", "a number"),
    "boolean": ("sí o no", "yes or no"),
}

# A spreadsheet's error values (#N/A, #REF!...), as an XLSX error cell is read and a CSV export
# writes them (sanity_rules.error_value_rule reports them).
ERROR_VALUES = r"#(NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!)"

# = + @ - and the whitespace a formula may hide behind (tab, line feed, vertical tab, form
# feed, carriage return, space, and the no-break spaces).
FORMULA_FIRST = ", ".join(str(c) for c in (61, 43, 64, 45, 9, 10, 11, 12, 13, 32, 160, 8239))


def _raw(field, ctx):
    return f'"{field.name}"'


type_rule = field_rule(FieldRule(
    code="tipus-incorrecte",
    severity=ERROR,
    message=lambda f: (f"el valor no és {TYPE_NAMES[f.type][0]}", f"the value is not {TYPE_NAMES[f.type][1]}"),
    applies=lambda f: f.type in TYPE_NAMES,
    # A date with a time of day is sanity_rules.datetime_rule's: one finding, the precise one.
    # So is a spreadsheet's error value (#N/A): sanity_rules.error_value_rule.
    predicate=lambda f, ctx: f"{_raw(f, ctx)} IS NOT NULL AND ({typed(f, f.name, ctx.decimal_comma)}) IS NULL" + (
        f" AND NOT regexp_full_match({_raw(f, ctx)}, {quote(DATETIME.format())})" if f.type == "date" else "")
        + f" AND NOT (starts_with({_raw(f, ctx)}, '#') AND regexp_full_match({_raw(f, ctx)}, {quote(ERROR_VALUES)}))",
))

required_rule = field_rule(FieldRule(
    code="valor-obligatori",
    severity=ERROR,
    message=fixed("falta un valor obligatori", "a required value is missing"),
    applies=lambda f: bool(f.constraints.get("required")),
    predicate=lambda f, ctx: f"{_raw(f, ctx)} IS NULL",
))

enum_rule = field_rule(FieldRule(
    code="valor-no-admes",
    severity=ERROR,
    message=lambda f: (f"valor no admès; els admesos són: {', '.join(f.constraints['enum'])}",
                       f"value not allowed; allowed: {', '.join(f.constraints['enum'])}"),
    applies=lambda f: "enum" in f.constraints,
    predicate=lambda f, ctx: f"{_raw(f, ctx)} NOT IN ({', '.join(quote(v) for v in f.constraints['enum'])})",
))

pattern_rule = field_rule(FieldRule(
    code="format-incorrecte",
    severity=ERROR,
    message=lambda f: (f"el valor no té el format esperat ({f.constraints['pattern']})",
                       f"the value does not match the expected format ({f.constraints['pattern']})"),
    applies=lambda f: "pattern" in f.constraints,
    predicate=lambda f, ctx: f"NOT regexp_full_match({_raw(f, ctx)}, {quote(f.constraints['pattern'])})",
))

max_length_rule = field_rule(FieldRule(
    code="massa-llarg",
    severity=ERROR,
    message=lambda f: (f"el text supera els {f.constraints['maxLength']} caràcters",
                       f"the text is longer than {f.constraints['maxLength']} characters"),
    applies=lambda f: "maxLength" in f.constraints,
    predicate=lambda f, ctx: f"length({_raw(f, ctx)}) > {int(f.constraints['maxLength'])}",
))

minimum_rule = field_rule(FieldRule(
    code="valor-massa-petit",
    severity=ERROR,
    message=lambda f: (f"el valor ha de ser com a mínim {f.constraints['minimum']}",
                       f"the value must be at least {f.constraints['minimum']}"),
    applies=lambda f: "minimum" in f.constraints and f.type in ("integer", "number"),
    # The plain cast first: it reads every value the strict form reads, the same way, so a
    # value it finds at or above the minimum is settled without the strict form's regular
    # expression (most values, over a million-row column).
    predicate=lambda f, ctx: (f"({typed(f, f.name, ctx.decimal_comma, plain=True)}) < {f.constraints['minimum']} "
                              f"AND ({typed(f, f.name, ctx.decimal_comma)}) < {f.constraints['minimum']}"),
))

codi_ens_rule = field_rule(FieldRule(
    code="codi-ens-digit-control",
    severity=ERROR,
    message=fixed("el dígit de control (6è) del codi d'ens no quadra amb les 5 primeres xifres",
                  "the control digit (6th) of the local-body code does not match its first 5 digits"),
    applies=lambda f: "codi_ens" in f.checks,
    predicate=lambda f, ctx: f"regexp_full_match({_raw(f, ctx)}, '[0-9]{{10}}') AND NOT lr_codi_ens_digit6_ok({_raw(f, ctx)})",
))

codi_ens_suffix_rule = field_rule(FieldRule(
    code="codi-ens-digit-final",
    severity=WARNING,  # the rule for digit 10 is only known empirically (DOMAIN.md §5)
    message=fixed("el 10è dígit del codi d'ens no segueix la regla observada (avís: regla empírica)",
                  "digit 10 of the local-body code breaks the observed rule (warning: empirical rule)"),
    applies=lambda f: "codi_ens" in f.checks,
    predicate=lambda f, ctx: (f"regexp_full_match({_raw(f, ctx)}, '[0-9]{{10}}') AND lr_codi_ens_digit6_ok({_raw(f, ctx)}) "
                              f"AND NOT lr_codi_ens_digit10_ok({_raw(f, ctx)})"),
))

nif_rule = field_rule(FieldRule(
    code="nif-incorrecte",
    severity=ERROR,
    message=fixed("el NIF no és vàlid (lletra, 7 xifres i control)", "the NIF is not valid (letter, 7 digits and control)"),
    applies=lambda f: "nif" in f.checks,
    predicate=lambda f, ctx: f"NOT lr_valid_nif({_raw(f, ctx)})",
))

# Personal data (DOMAIN.md §7) in any published text field of any source: one rule per kind of
# the policy (localret/personal.py), so that the report says which kind it found, and one for
# the run's private values found inside public text. Code lists (enum) cannot hold any.
_DIGITS_ONLY = re.compile(r"(\[0-9\]|\\d|[0-9]|\{[0-9]+(,[0-9]*)?\}|[()?*+|])+")


# Characters in RE2 syntax, refused by the control rule (sanity_rules.py, which says why).
_BIDI = r"\x{202A}-\x{202E}\x{2066}-\x{2069}\x{200E}\x{200F}\x{061C}"
_INVISIBLE = r"\x{200B}\x{2060}\x{FEFF}"
CONTROL_STRICT = r"[\x00-\x1F\x7F-\x{9F}\x{2028}\x{2029}" + _BIDI + _INVISIBLE + "]"
CONTROL_FREE_TEXT = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x{9F}" + _BIDI + _INVISIBLE + "]"  # tab, LF, CR, LS, PS allowed


def published_text(f) -> bool:
    """Published free text: not a code list, and not a code whose format admits digits only
    (codi_ens: [0-9]{10}): a value of that format holds no personal data by the policy's rules,
    and one that breaks it is reported by the format rule, its value hidden when personal."""
    return (f.type == "string" and not f.private and "enum" not in f.constraints
            and not _DIGITS_ONLY.fullmatch(f.constraints.get("pattern", "x")))


def _unless_pattern(f, ctx, predicate: str) -> str:
    """A value of the format its field declares (a code: [0-9]{10}) is judged by that format;
    one that breaks it is judged by the policy as well (and the report hides it)."""
    if "pattern" not in f.constraints:
        return predicate
    return f"(CASE WHEN regexp_full_match({_raw(f, ctx)}, {quote(f.constraints['pattern'])}) THEN false ELSE {predicate} END)"


def published_text_gate(f, ctx) -> str:
    """The gate of the rules that judge published text: the four kinds' prefilters and any
    character the control rule (sanity_rules) refuses, as one regular expression: where a value
    holds neither (nearly every value), none of those rules is evaluated."""
    return personal.any_kind_gate(_raw(f, ctx), also=CONTROL_STRICT)


def _personal_rule(d: personal.Detector) -> FieldRule:
    ca, _, en = d.kind.partition(" / ")
    return field_rule(FieldRule(
        code="dades-personals",
        severity=ERROR,
        message=fixed(f"el text publicable conté dades personals: {ca}", f"published text contains personal data: {en or ca}"),
        applies=published_text,
        hide_value=True,
        gate=published_text_gate,
        predicate=lambda f, ctx: _unless_pattern(f, ctx, personal.kind_predicate(_raw(f, ctx), d)),
    ))


personal_data_rules = [_personal_rule(d) for d in personal.DETECTORS]

private_value_rule = field_rule(FieldRule(
    code="dades-personals",
    severity=ERROR,
    message=fixed("el text publicable conté el valor d'un camp privat (p. ex. el nom d'una persona de contacte)",
                  "published text contains the value of a private field (e.g. a contact person's name)"),
    applies=published_text,
    hide_value=True,
    late=True,
    predicate=lambda f, ctx: _unless_pattern(f, ctx, personal.private_predicate(_raw(f, ctx))),
))

formula_rule = field_rule(FieldRule(
    code="possible-formula",
    severity=ERROR,
    message=fixed("el text comença per = + - o @ i un full de càlcul el podria executar com a fórmula",
                  "the text starts with = + - or @ and a spreadsheet could run it as a formula"),
    applies=lambda f: f.type == "string" and not f.private,
    # Ingest trims spaces only: a tab or line break before the = still opens a formula (OWASP).
    # The first character decides for almost every value; the regexes see only the rest.
    predicate=lambda f, ctx: (f"ascii({_raw(f, ctx)}) IN ({FORMULA_FIRST}) AND regexp_matches({_raw(f, ctx)}, '^\\s*[=+@-]') "
                              f"AND NOT regexp_full_match({_raw(f, ctx)}, '\\s*-?[0-9]+([.,][0-9]+)?')"),
))
