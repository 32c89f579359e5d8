"""How each Table Schema type is read from source text, as DuckDB expressions.

One place, used both to find values that do not parse (the `type` rule) and to build the
typed tables the later stages read, so the two can never disagree."""

from __future__ import annotations

from localret.schema import Field

TRUE_VALUES = ["true"]
FALSE_VALUES = ["false"]
# Dates come as dd/mm/yyyy (Catalan exports) or ISO 8601; 31/02 parses as neither. The year
# must have four digits: strptime's %Y would read a spreadsheet's dd/mm/yy (15/03/01) as year 1.
# A date and time at midnight is how SQL and Excel exports write a date ("2014-03-01 00:00:00",
# "01/03/2014 0:00"): read as that date. Any other time of day is not a date (see
# sanity_rules.datetime_rule). Plain dates take the first two branches and never see the others.
MIDNIGHT = "[ T]0?0:00(:00([.,]0+)?)?"
ISO_DATE = "[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}"
DMY_DATE = "[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{4}}"
DATE = ("CAST(CASE WHEN regexp_full_match({v}, '" + ISO_DATE + "') THEN TRY_CAST({v} AS DATE) "
        "WHEN regexp_full_match({v}, '" + DMY_DATE + "') THEN try_strptime({v}, '%d/%m/%Y') "
        "WHEN regexp_full_match({v}, '" + ISO_DATE + MIDNIGHT + "') THEN TRY_CAST(regexp_extract({v}, '^[0-9-]+') AS DATE) "
        "WHEN regexp_full_match({v}, '" + DMY_DATE + MIDNIGHT + "') THEN try_strptime(regexp_extract({v}, '^[0-9/]+'), '%d/%m/%Y') "
        "END AS DATE)")
# A date followed by a time of day: a date field holds days, not instants.
DATETIME = "(" + ISO_DATE + "|" + DMY_DATE + ")[ T][0-9]{{1,2}}:[0-9]{{2}}(:[0-9]{{2}}([.,][0-9]+)?)?"
INTEGER = "CASE WHEN regexp_full_match({v}, '-?[0-9]{{1,18}}') THEN CAST({v} AS BIGINT) END"
NUMBER_POINT = "CASE WHEN regexp_full_match({v}, '-?[0-9]+([.][0-9]+)?') THEN CAST({v} AS DOUBLE) END"
# Catalan locale: '.' groups thousands, ',' marks decimals. '1234.56' is refused rather than
# read as 123456 (the trap frictionless falls into with decimalChar ',').
NUMBER_COMMA = (
    "CASE WHEN regexp_full_match({v}, '-?([0-9]{{1,3}}([.][0-9]{{3}})+|[0-9]+)(,[0-9]+)?') "
    "THEN CAST(replace(replace({v}, '.', ''), ',', '.') AS DOUBLE) END"
)


# The plain casts: they read every value the strict forms above read, and read it the same
# (tests/test_sqltypes.py), but read more ("1e2", "+5", "1.5" as an integer) and cost a third
# of the strict form's regular expression over a million rows. So they serve where that
# difference cannot show: as a necessary condition beside the strict form (the minimum rule),
# and for a big table's integer column none of whose distinct values reads differently
# (validate.build_typed_table).
PLAIN_INTEGER = "TRY_CAST({v} AS BIGINT)"
PLAIN_NUMBER_POINT = "TRY_CAST({v} AS DOUBLE)"
PLAIN_NUMBER_COMMA = "TRY_CAST(replace(replace({v}, '.', ''), ',', '.') AS DOUBLE)"


def typed(field: Field, column: str, decimal_comma: bool, plain: bool = False) -> str:
    """The DuckDB expression that reads `column` as the field's type (NULL if it cannot).
    plain: an integer or number by the plain cast (see PLAIN_INTEGER: not a reading of its own)."""
    v = f'"{column}"'
    if field.type == "date":
        return DATE.format(v=v)
    if field.type == "integer":
        return (PLAIN_INTEGER if plain else INTEGER).format(v=v)
    if field.type == "number":
        if plain:
            return (PLAIN_NUMBER_COMMA if decimal_comma else PLAIN_NUMBER_POINT).format(v=v)
        return (NUMBER_COMMA if decimal_comma else NUMBER_POINT).format(v=v)
    if field.type == "boolean":
        trues = field.descriptor.get("trueValues", TRUE_VALUES)
        falses = field.descriptor.get("falseValues", FALSE_VALUES)
        return (f"CASE WHEN {v} IN ({_list(trues)}) THEN true "
                f"WHEN {v} IN ({_list(falses)}) THEN false END")
    return v


def _list(values: list[str]) -> str:
    return ", ".join("'" + s.replace("'", "''") + "'" for s in values)


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
