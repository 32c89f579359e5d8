"""Stage 3: build the published tables from the typed sources, as the datasets/ folder
declares them: each dataset is a dataset.yaml (metadata and resources) and one SQL query per
resource, whose columns must be exactly those of its Table Schema in schemas/."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from localret import paths, schema
from localret import publisher as publisher_config
from localret.errors import LocalretError


class BuildError(LocalretError):
    """A dataset declaration that does not match its schema: a developer's mistake."""

    exit_code = 4


@dataclass(frozen=True)
class ResourceSpec:
    name: str
    schema: schema.Schema
    sql: str

    @property
    def table(self) -> str:
        return "out_" + self.name.replace("-", "_")


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    meta: dict
    resources: tuple[ResourceSpec, ...]

    @property
    def sources(self) -> list[str]:
        return list(self.meta.get("sources", []))

    def text(self, key: str, lang: str = "ca") -> str:
        return " ".join(str(self.meta[key][lang]).split())


@dataclass
class BuiltResource:
    spec: ResourceSpec
    rows: int


@dataclass
class BuiltDataset:
    spec: DatasetSpec
    resources: list[BuiltResource] = field(default_factory=list)
    as_of: dt.date | None = None

    @property
    def name(self) -> str:
        return self.spec.name


def schema_hash(s: schema.Schema) -> str:
    return hashlib.sha256(json.dumps(s.frictionless(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def load_specs(project: Path = paths.ROOT) -> tuple[DatasetSpec, ...]:
    """Every dataset declared under <project>/datasets, with its schemas from <project>/schemas."""
    specs = []
    # The publisher (datasets/publisher.yaml) is part of every declaration: it is recorded in
    # each release, and a change to it is a change of metadata.
    publisher = publisher_config.load(project).as_dict()
    for meta_path in sorted((project / "datasets").glob("*/dataset.yaml")):
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
        meta["publisher"] = publisher
        resources = tuple(
            ResourceSpec(r["name"], schema.load(project / "schemas" / f"{r['schema']}.json"),
                         (meta_path.parent / r["sql"]).read_text(encoding="utf-8"))
            for r in meta["resources"]
        )
        specs.append(DatasetSpec(meta["name"], meta, resources))
    return tuple(specs)


def prepare(con: duckdb.DuckDBPyConnection, as_of: dt.date, register_meta: dict, project: Path = paths.ROOT) -> None:
    """The parameters and shared views every dataset query may use."""
    con.execute(f"CREATE OR REPLACE MACRO as_of() AS DATE '{as_of.isoformat()}'")
    con.execute(f"CREATE OR REPLACE MACRO comarca_data_referencia() AS DATE '{register_meta['comarca_data_referencia']}'")
    con.execute((project / "datasets" / "views.sql").read_text(encoding="utf-8"))


def build(con: duckdb.DuckDBPyConnection, as_of: dt.date, register_meta: dict,
          only: list[str] | None = None, project: Path = paths.ROOT) -> list[BuiltDataset]:
    prepare(con, as_of, register_meta, project)
    built = []
    for spec in load_specs(project):
        if only is not None and spec.name not in only:
            continue
        dataset = BuiltDataset(spec, as_of=as_of)
        for res in spec.resources:
            dataset.resources.append(build_resource(con, res))
        built.append(dataset)
    return built


# The Table Schema decides the stored type, whatever width the SQL happened to compute.
SQL_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "date": "DATE", "boolean": "BOOLEAN", "string": "VARCHAR"}


def build_resource(con: duckdb.DuckDBPyConnection, res: ResourceSpec) -> BuiltResource:
    casts = ", ".join(f'CAST("{f.name}" AS {SQL_TYPES.get(f.type, "VARCHAR")}) AS "{f.name}"' for f in res.schema.fields)
    try:
        columns = [row[0] for row in con.execute(f"DESCRIBE {res.sql}").fetchall()]
        if columns == res.schema.field_names:
            con.execute(f"CREATE OR REPLACE TABLE {res.table} AS SELECT {casts} FROM ({res.sql})")
    except duckdb.Error as exc:
        raise BuildError(f"datasets: la consulta de '{res.name}' ha fallat / the query of '{res.name}' failed: {exc}") from None
    if columns != res.schema.field_names:
        raise BuildError(f"datasets: les columnes de '{res.name}' no coincideixen amb schemas/{res.schema.name}.json / "
                         f"columns of '{res.name}' do not match its schema: {columns} != {res.schema.field_names}")
    rows = con.execute(f"SELECT count(*) FROM {res.table}").fetchone()[0]
    return BuiltResource(res, rows)


def order_by(res: ResourceSpec) -> str:
    """Rows in a canonical order: primary key first, then every column."""
    cols = res.schema.primary_key + [f for f in res.schema.field_names if f not in res.schema.primary_key]
    return ", ".join(f'"{c}" NULLS FIRST' for c in cols)
