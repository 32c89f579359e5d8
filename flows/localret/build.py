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
    population_year: int | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    def definition(self, res: ResourceSpec, lang: str) -> str:
        """The table's definition (schemas/<table>.json "definition") for this build: its
        reference date and population year written in."""
        return res.schema.definition(lang, data_referencia=self.as_of.isoformat() if self.as_of else "",
                                     any_poblacio=self.population_year or "")


def schema_hash(s: schema.Schema) -> str:
    return hashlib.sha256(json.dumps(s.frictionless(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def load_specs(project: Path = paths.ROOT) -> tuple[DatasetSpec, ...]:
    """Every dataset declared under <project>/datasets, with its schemas from <project>/schemas."""
    specs = []
    # The publisher (datasets/publisher.yaml) is part of every declaration: it is recorded in
    # each release, and a change to it is a change of metadata.
    publisher = publisher_config.load(project).as_dict()
    for meta_path in sorted((project / "datasets").glob("*/dataset.yaml")):
        meta = publisher_config.read_yaml(meta_path.read_text(encoding="utf-8"))
        meta["publisher"] = publisher
        resources = tuple(
            ResourceSpec(r["name"], schema.load(project / "schemas" / f"{r['schema']}.json"),
                         (meta_path.parent / r["sql"]).read_text(encoding="utf-8"))
            for r in meta["resources"]
        )
        for res in resources:
            _check_decimals(res.schema)
        specs.append(DatasetSpec(meta["name"], meta, resources))
    return tuple(specs)


def _check_decimals(s: schema.Schema) -> None:
    """A "localret:decimal" property is a number's exact precision and scale (DuckDB's limits)."""
    for f in s.fields:
        d = f.descriptor.get(schema.DECIMAL_PROPERTY)
        if d is None:
            continue
        ok = (f.type == "number" and isinstance(d, dict) and set(d) == {"precision", "scale"}
              and all(isinstance(d[k], int) and not isinstance(d[k], bool) for k in d)
              and 1 <= d["precision"] <= 38 and 0 <= d["scale"] <= d["precision"])
        if not ok:
            raise BuildError(f"schemas/{s.name}.json: camp '{f.name}': \"{schema.DECIMAL_PROPERTY}\" ha de ser "
                             "{\"precision\": 1-38, \"scale\": 0-precision} en un camp number / field "
                             f"'{f.name}': \"{schema.DECIMAL_PROPERTY}\" must be {{\"precision\": 1-38, "
                             "\"scale\": 0-precision}} on a number field")


def prepare(con: duckdb.DuckDBPyConnection, as_of: dt.date, register_meta: dict, project: Path = paths.ROOT) -> None:
    """The parameters and shared views every dataset query may use."""
    con.execute(f"CREATE OR REPLACE MACRO as_of() AS DATE '{as_of.isoformat()}'")
    con.execute(f"CREATE OR REPLACE MACRO comarca_data_referencia() AS DATE '{register_meta['comarca_data_referencia']}'")
    con.execute((project / "datasets" / "views.sql").read_text(encoding="utf-8"))


def build(con: duckdb.DuckDBPyConnection, as_of: dt.date, register_meta: dict,
          only: list[str] | None = None, project: Path = paths.ROOT, progress=None) -> list[BuiltDataset]:
    """`progress(done, total, unit, detail)`, if given, is told each table as it is built."""
    prepare(con, as_of, register_meta, project)
    specs = [spec for spec in load_specs(project) if only is None or spec.name in only]
    tables = sum(len(spec.resources) for spec in specs)
    built = []
    for spec in specs:
        dataset = BuiltDataset(spec, as_of=as_of, population_year=register_meta.get("any_poblacio"))
        for res in spec.resources:
            if progress:
                progress(sum(len(d.resources) for d in built) + len(dataset.resources), tables, "tables", f"{spec.name}/{res.name}")
            dataset.resources.append(build_resource(con, res))
        built.append(dataset)
    if progress:
        progress(tables, tables, "tables")
    return built


def build_resource(con: duckdb.DuckDBPyConnection, res: ResourceSpec) -> BuiltResource:
    casts = ", ".join(f'CAST("{f.name}" AS {f.sql_type}) AS "{f.name}"' for f in res.schema.fields)
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
