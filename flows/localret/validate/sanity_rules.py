"""Input sanity: what no field of any source may hold, whatever its type, and dates that cannot
be true. Registered like the other field rules; every predicate reads the raw text column only.

- Control characters: C0 (U+0000-U+001F), DEL and C1 (U+007F-U+009F); every character of
  Unicode's Bidi_Control set (the overrides and isolates U+202A-U+202E, U+2066-U+2069 and the
  marks U+200E, U+200F, U+061C), which make a text read differently from what it holds; the
  invisible characters that split a word without showing (zero-width space U+200B, word joiner
  U+2060, the BOM U+FEFF): "Vic" and "V<U+200B>ic" look alike and match nothing alike. Tab,
  line feed and carriage return, and Unicode's line and paragraph separators (U+2028,
  U+2029), are allowed only in a free-text field: one whose schema lists the check
  "free_text" (schemas/sources/*.json).
- A field longer than MAX_FIELD_BYTES (the reader refuses still bigger ones before parsing).
- Dates outside FIRST_YEAR..LAST_YEAR are errors; a date of an event that cannot be in the
  future (the check "past" in the schema) after the day of the run is a warning.
- A date with a time of day other than midnight in a date field.
- A spreadsheet's error value (#N/A, #REF!, #DIV/0!...): an XLSX error cell or its text in a CSV.
"""

from __future__ import annotations

from localret.limits import MAX_FIELD_BYTES
from localret.validate.field_rules import CONTROL_FREE_TEXT, CONTROL_STRICT, ERROR_VALUES, published_text, published_text_gate
from localret.validate.rules import ERROR, WARNING, FieldRule, field_rule, fixed
from localret.validate.sqltypes import DATETIME, quote, typed

# The classes (CONTROL_STRICT, CONTROL_FREE_TEXT) are in field_rules.py: the control rule shares
# its gate with the personal-data rules over published text (published_text_gate).

FIRST_YEAR, LAST_YEAR = 1900, 2100


def free_text(field) -> bool:
    return "free_text" in field.checks


control_rule = field_rule(FieldRule(
    code="caracter-control",
    severity=ERROR,
    message=lambda f: (
        "el text conté un caràcter de control, una marca invisible de direcció del text o un caràcter invisible "
        "(U+0000-U+001F, U+007F-U+009F, U+200B, U+200E, U+200F, U+202A-U+202E, U+2060, U+2066-U+2069, U+FEFF...)"
        + ("; aquí només s'admeten el tabulador i el salt de línia" if free_text(f) else
           "; en aquest camp tampoc s'admeten el tabulador ni el salt de línia"),
        "the text holds a control character, an invisible text-direction mark or an invisible character "
        "(U+0000-U+001F, U+007F-U+009F, U+200B, U+200E, U+200F, U+202A-U+202E, U+2060, U+2066-U+2069, U+FEFF...)"
        + ("; only tab and line break are allowed here" if free_text(f) else
           "; tab and line break are not allowed in this field either")),
    applies=lambda f: True,
    predicate=lambda f, ctx: f'regexp_matches("{f.name}", {quote(CONTROL_FREE_TEXT if free_text(f) else CONTROL_STRICT)})',
    gate=lambda f, ctx: published_text_gate(f, ctx) if published_text(f) else None,
))

field_size_rule = field_rule(FieldRule(
    code="camp-massa-gran",
    severity=ERROR,
    message=fixed(f"el camp ocupa més de {MAX_FIELD_BYTES // 2**20} MiB (límit per cel·la)",
                  f"the field is larger than {MAX_FIELD_BYTES // 2**20} MiB (the limit per cell)"),
    applies=lambda f: True,
    hide_value=True,  # nobody wants a megabyte in the report
    predicate=lambda f, ctx: f'strlen("{f.name}") > {MAX_FIELD_BYTES}',
))

datetime_rule = field_rule(FieldRule(
    code="data-amb-hora",
    severity=ERROR,
    message=fixed("el camp és una data però el valor porta una hora diferent de 00:00",
                  "the field is a date but the value carries a time of day other than 00:00"),
    applies=lambda f: f.type == "date",
    predicate=lambda f, ctx: (f'({typed(f, f.name, ctx.decimal_comma)}) IS NULL '
                              f'AND regexp_full_match("{f.name}", {quote(DATETIME.format())})'),
))

date_range_rule = field_rule(FieldRule(
    code="data-fora-de-rang",
    severity=ERROR,
    message=fixed(f"data fora de l'interval admès ({FIRST_YEAR}-{LAST_YEAR}): probablement un error de tecleig",
                  f"date outside the accepted range ({FIRST_YEAR}-{LAST_YEAR}): probably a typing mistake"),
    applies=lambda f: f.type == "date",
    predicate=lambda f, ctx: f"year({typed(f, f.name, ctx.decimal_comma)}) NOT BETWEEN {FIRST_YEAR} AND {LAST_YEAR}",
))

future_date_rule = field_rule(FieldRule(
    code="data-futura",
    severity=WARNING,
    message=fixed("la data és posterior al dia de l'execució, i aquest fet no pot haver passat encara",
                  "the date is after the day of the run, and this event cannot have happened yet"),
    applies=lambda f: f.type == "date" and "past" in f.checks,
    predicate=lambda f, ctx: (f"({typed(f, f.name, ctx.decimal_comma)}) > current_date "
                              f"AND year({typed(f, f.name, ctx.decimal_comma)}) <= {LAST_YEAR}"),
))


error_value_rule = field_rule(FieldRule(
    code="valor-error-excel",
    severity=ERROR,
    message=fixed("la cel·la conté un valor d'error del full de càlcul (#N/A, #REF!, #DIV/0!...), no una dada",
                  "the cell holds a spreadsheet error value (#N/A, #REF!, #DIV/0!...), not data"),
    applies=lambda f: True,
    # starts_with first: it settles almost every value without the regexp
    predicate=lambda f, ctx: f'starts_with("{f.name}", \'#\') AND regexp_full_match("{f.name}", {quote(ERROR_VALUES)})',
))
