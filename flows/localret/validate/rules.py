"""The registry of validation rules.

Each rule is a small named unit: a code, a severity, a plain message in Catalan and English,
and a vectorised predicate in SQL. Field rules apply to every field whose schema asks for
them; table rules check relations between fields, rows and files. The project's own rules
are registered exactly as any later rule would be (see field_rules.py and table_rules.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from localret.schema import Field, Schema

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Context:
    """What a predicate may know about the table it checks."""

    table: str  # contract name, e.g. "membres"
    schema: Schema
    decimal_comma: bool
    tables: frozenset[str]  # names of the tables that loaded (others are skipped)


@dataclass(frozen=True)
class FieldRule:
    code: str
    severity: str
    message: Callable[[Field], tuple[str, str]]  # (català, English)
    applies: Callable[[Field], bool]
    # SQL boolean over the field's raw text column alone: true = a problem. Nothing else may
    # decide it (no other column, no row number, nothing of the field but its descriptor):
    # each distinct value is judged once, over a stand-in column for every field alike, and the
    # rows holding a wrong value are found afterwards (validate/field_pass.py).
    predicate: Callable[[Field, Context], str]
    # The report never repeats a value this rule suspects of being personal data.
    hide_value: bool = False
    # The predicate reads the run's private values (localret/personal.py), known only once
    # every field's values are collected: the field pass judges it after the others.
    late: bool = False
    # SQL boolean over the same column, true for every value the predicate may find wrong (a
    # cheap necessary condition). Rules that declare the same gate share it: the field pass
    # computes it once per value (its queries run unoptimised, without DuckDB's sharing of
    # common subexpressions) and judges each predicate only where it holds.
    gate: Callable[[Field, Context], str] | None = None


@dataclass(frozen=True)
class TableRule:
    code: str
    severity: str
    message: tuple[str, str]
    table: str
    field: str
    # SQL returning (_row, value) of the offending rows; reads src_<name> typed tables and
    # raw_<name> text tables. `needs` lists every table it reads.
    sql: Callable[[Context], str]
    needs: tuple[str, ...] = ()
    applies: Callable[[Context], bool] = lambda ctx: True


FIELD_RULES: list[FieldRule] = []
TABLE_RULES: list[TableRule] = []


def field_rule(rule: FieldRule) -> FieldRule:
    FIELD_RULES.append(rule)
    return rule


def table_rule(rule: TableRule) -> TableRule:
    TABLE_RULES.append(rule)
    return rule


def fixed(ca: str, en: str) -> Callable[[Field], tuple[str, str]]:
    return lambda field: (ca, en)
