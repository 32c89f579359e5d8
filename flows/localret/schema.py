"""Frictionless Table Schemas of schemas/: the input contract and the published tables."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from localret import paths

SOURCE_NAMES = ("membres", "contractes", "adhesions", "convenis", "convenis_parts")
# The Table Schema type decides the stored type, whatever width the SQL happened to compute.
SQL_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "date": "DATE", "boolean": "BOOLEAN", "string": "VARCHAR"}
# A field property of our own (Table Schema has no precision for numbers): money is exact,
# e.g. "localret:decimal": {"precision": 18, "scale": 2} is DECIMAL(18, 2). It stays in the
# published schema, so that a reader of datapackage.json knows it too.
DECIMAL_PROPERTY = "localret:decimal"


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    descriptor: dict

    @property
    def constraints(self) -> dict:
        return self.descriptor.get("constraints", {})

    @property
    def private(self) -> bool:
        return bool(self.descriptor.get("private"))

    @property
    def checks(self) -> tuple[str, ...]:
        return tuple(self.descriptor.get("checks", ()))

    @property
    def decimal(self) -> tuple[int, int] | None:
        """(precision, scale) of a number stored exactly (money), from the field's
        "localret:decimal" property; None for a number stored as a binary float."""
        d = self.descriptor.get(DECIMAL_PROPERTY)
        return (int(d["precision"]), int(d["scale"])) if d else None

    @property
    def sql_type(self) -> str:
        """The DuckDB type the published table stores (and Parquet and localret.duckdb carry)."""
        if self.type == "number" and self.decimal:
            return "DECIMAL({}, {})".format(*self.decimal)
        return SQL_TYPES.get(self.type, "VARCHAR")


def type_label(descriptor: dict) -> str:
    """A field's type as the data dictionaries show it: the Table Schema type, and the exact
    decimal type where money is declared as one ("number (DECIMAL(18,2))")."""
    field = Field(descriptor["name"], descriptor.get("type", "string"), descriptor)
    if field.type == "number" and field.decimal:
        return "number (DECIMAL({},{}))".format(*field.decimal)
    return field.type


@dataclass(frozen=True)
class Schema:
    name: str
    descriptor: dict

    @property
    def fields(self) -> list[Field]:
        return [Field(f["name"], f.get("type", "string"), f) for f in self.descriptor["fields"]]

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.descriptor["fields"]]

    @property
    def public_fields(self) -> list[Field]:
        return [f for f in self.fields if not f.private]

    @property
    def private_fields(self) -> list[Field]:
        return [f for f in self.fields if f.private]

    @property
    def primary_key(self) -> list[str]:
        pk = self.descriptor.get("primaryKey", [])
        return [pk] if isinstance(pk, str) else list(pk)

    @property
    def foreign_keys(self) -> list[dict]:
        return self.descriptor.get("foreignKeys", [])

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def definition(self, lang: str, **params) -> str:
        """What the table counts, in `lang` (the schema's "definition": ca/es/en), with its
        placeholders ({data_referencia}, {any_poblacio}) filled in; "" when it has none."""
        text = self.descriptor.get("definition", {}).get(lang, "")
        return " ".join(text.format_map(params).split()) if text else ""

    def frictionless(self) -> dict:
        """The descriptor without the project's own properties, for publication."""
        out = {k: v for k, v in self.descriptor.items() if k not in ("name", "title", "description", "definition")}
        out["fields"] = [{k: v for k, v in f.items() if k not in ("checks", "private")} for f in self.descriptor["fields"]]
        return out


def load(path: Path) -> Schema:
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    return Schema(descriptor.get("name", path.stem), descriptor)


@cache
def source_schema(name: str) -> Schema:
    return load(paths.SOURCE_SCHEMAS / f"{name}.json")


@cache
def published_schema(name: str) -> Schema:
    return load(paths.SCHEMAS / f"{name}.json")
