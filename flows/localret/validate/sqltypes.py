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


# How the typed tables read a number the type rule has accepted. A run with a value the type
# rule refuses publishes nothing, so these never read one for good: the plain cast gives what
# the strict form gives on every accepted value, and over a million rows it costs a third of
# the strict form's regular expression (which a big table's view recomputes for every query
# that reads the column: the key, the foreign key, the joins of the table rules). Where the
# type rule has refused a value ("1e2", "+5"), the table rules may judge it as its plain cast
# reads it, beside that error.
ACCEPTED_INTEGER = "TRY_CAST({v} AS BIGINT)"
ACCEPTED_NUMBER_POINT = "TRY_CAST({v} AS DOUBLE)"
ACCEPTED_NUMBER_COMMA = "TRY_CAST(replace(replace({v}, '.', ''), ',', '.') AS DOUBLE)"


def typed(field: Field, column: str, decimal_comma: bool, accepted: bool = False) -> str:
    """The DuckDB expression that reads `column` as the field's type (NULL if it cannot).
    accepted: the values are those the type rule accepts (the typed tables), read by the
    plain cast where it agrees with the strict form on every such value."""
    v = f'"{column}"'
    if field.type == "date":
        return DATE.format(v=v)
    if field.type == "integer":
        return (ACCEPTED_INTEGER if accepted else INTEGER).format(v=v)
    if field.type == "number":
        if accepted:
            return (ACCEPTED_NUMBER_COMMA if decimal_comma else ACCEPTED_NUMBER_POINT).format(v=v)
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
