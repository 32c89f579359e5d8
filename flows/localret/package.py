"""Stage 4a: write a built dataset's files (CSV, Parquet) into a folder and describe them as a
Frictionless Data Package. Files are written byte-reproducibly: same data, same bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from localret.fault import point
from localret.build import BuiltDataset, BuiltResource, order_by, schema_hash

LICENSE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
           "path": "https://creativecommons.org/licenses/by/4.0/"}
PUBLISHER = "Consorci Localret"
FORMATS = {"csv": {"format": "csv", "mediatype": "text/csv", "encoding": "utf-8"}}
MEDIATYPES = {
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown",
    "json": "application/json",
    "duckdb": "application/vnd.duckdb",
}

# Rows per Parquet row group: 4 x DuckDB's own row group (122,880). Browsers read a published
# file by ranges, and the two readers pull opposite ways (benchmarks/explore.py, 10M-row
# adhesions, docs/benchmarks.md): the explorer (hyparquet) fetches whole column chunks, all at
# once, so smaller groups move fewer bytes (first page + one filtered column: 2.3 MB of 51 MB with
# 122,880-row groups, 3.7 MB of 45 MB with 491,520, 5.8 MB of 44 MB with 1,000,000), while the
# SQL page (DuckDB-WASM 1.28) asks for about two ranges per row group one after another, so its
# time goes with the number of groups (a GROUP BY over one column: 155 requests with 122,880-row
# groups, 46 with 491,520, 34 with 1,000,000; 3-8 s of query against 1.6-1.9 s on this machine).
# 491,520 keeps both readers well under 20% of the file and the SQL query under 2 s; the file is
# 3% larger than with one group per million rows. Tables under 491,520 rows are one row group.
ROW_GROUP_SIZE = 491_520


@dataclass
class WrittenFile:
    path: str  # relative to the release folder
    bytes: int
    sha256: str


def file_digest(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return path.stat().st_size, h.hexdigest()


def write_tables(con: duckdb.DuckDBPyConnection, dataset: BuiltDataset, folder: Path) -> dict[str, dict[str, WrittenFile]]:
    """Every resource as canonical CSV (RFC 4180, UTF-8, ISO dates, decimal point, rows in
    key order) and Parquet (real types). Returns {resource: {format: file}}."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for res in dataset.resources:
        spec = res.spec
        select = f"SELECT * FROM {spec.table} ORDER BY {order_by(spec)}"
        csv_path, pq_path = folder / f"{spec.name}.csv", folder / f"{spec.name}.parquet"
        con.execute(f"COPY ({select}) TO '{csv_path}' (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', "
                    "ESCAPE '\"', DATEFORMAT '%Y-%m-%d', NEW_LINE '\\n')")
        write_parquet(con, select, pq_path, parquet_metadata(con, spec))
        point()
        out[spec.name] = {fmt: WrittenFile(p.name, *file_digest(p)) for fmt, p in (("csv", csv_path), ("parquet", pq_path))}
    return out


def write_parquet(con: duckdb.DuckDBPyConnection, select: str, path: Path, metadata: dict[str, str],
                  row_group_size: int | None = None) -> None:
    """The one Parquet layout of every published table (benchmarks.explore writes its 10M-row
    table with it too): ZSTD, the footer's key-value `metadata`, and row groups of
    `row_group_size` rows, each with min/max statistics."""
    kv = "{" + ", ".join(f"{_sql_text(k)}: {_sql_text(v)}" for k, v in metadata.items()) + "}"
    con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {row_group_size or ROW_GROUP_SIZE}, "
                f"KV_METADATA {kv})")


def parquet_metadata(con: duckdb.DuckDBPyConnection, spec) -> dict[str, str]:
    """The Parquet footer's key-value metadata (for write_parquet): the table's title
    and description, its published Table Schema (any Parquet reader lists these), and the Arrow
    schema with each field's title and description as field metadata (what pyarrow, R's arrow
    and polars show). DuckDB's writer is kept (parallel, bounded memory): it does not write an
    Arrow schema of its own, so the one given here, made from the same query, is the only one."""
    import base64

    import pyarrow as pa

    arrow = con.sql(f"SELECT * FROM {spec.table} LIMIT 0").to_arrow_table().schema
    fields = {f.name: f.descriptor for f in spec.schema.fields}
    entries = {
        "title": spec.schema.descriptor.get("title", spec.name),
        "description": spec.schema.descriptor.get("description", ""),
        "localret:table_schema": json.dumps(spec.schema.frictionless(), ensure_ascii=False, sort_keys=True),
    }
    # pyarrow shows the Arrow schema's own metadata instead of the footer's: the same entries.
    arrow = pa.schema([f.with_metadata({k: " ".join(str(fields[f.name][k]).split())
                                        for k in ("title", "description") if fields[f.name].get(k)})
                       for f in arrow], metadata=entries)
    entries["ARROW:schema"] = base64.b64encode(arrow.serialize().to_pybytes()).decode("ascii")
    return entries


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def content_hashes(files: dict[str, dict[str, WrittenFile]], dataset: BuiltDataset) -> dict[str, str]:
    """Per table: the canonical CSV's hash and its schema's, so that a re-export in another
    encoding or row order is no change, and a schema change is one."""
    return {res.spec.name: hashlib.sha256(f"{files[res.spec.name]['csv'].sha256}:{schema_hash(res.spec.schema)}".encode()).hexdigest()
            for res in dataset.resources}


def datapackage(dataset: BuiltDataset, files: dict[str, dict[str, WrittenFile]], *, version: str,
                created: dt.datetime, inputs: list[dict], illustrative: bool, register_meta: dict,
                extra_files: list[WrittenFile] = ()) -> dict:
    spec = dataset.spec
    title = spec.text("title")
    description = spec.text("description")
    if illustrative:
        title = f"{title} (MOSTRA IL·LUSTRATIVA)"
        description = ("DADES D'EXEMPLE IL·LUSTRATIVES, generades; no són registres reals del Consorci. "
                       + description)
    resources = [_resource(res, files[res.spec.name]["csv"], "csv", res.spec.name) for res in dataset.resources]
    for descriptor, res in zip(resources, dataset.resources):
        definition = {lang: dataset.definition(res.spec, lang) for lang in ("ca", "es", "en")}
        if definition["ca"]:  # what the table counts, for the pages and readers of the package
            descriptor["localret:definition"] = definition
    # The same tables in Parquet: listed as files, not as resources, because frictionless
    # reads Parquet nulls in number columns as NaN and then reports them as constraint errors.
    others = [_file_entry(files[res.spec.name]["parquet"], "parquet", res.spec.name) for res in dataset.resources]
    others += [_file_entry(f, f.path.rsplit(".", 1)[-1], None) for f in extra_files]
    package = {
        "profile": "data-package",
        "name": spec.name,
        "title": title,
        "description": description,
        "version": version,
        "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "localret:data_referencia": dataset.as_of.isoformat() if dataset.as_of else None,
        "localret:illustrative": illustrative,
        "localret:translations": {
            lang: {"title": spec.text("title", lang), "description": spec.text("description", lang),
                   "keywords": spec.meta["keywords"][lang]} for lang in ("es", "en")
        },
        "localret:theme": spec.meta.get("theme", "sector-publico"),
        "keywords": spec.meta["keywords"]["ca"],
        "licenses": [LICENSE],
        "contributors": [_publisher_contributor(spec.meta.get("publisher"))],
        "localret:publisher": spec.meta.get("publisher"),
        "sources": [
            {"title": f"{PUBLISHER}: exportacions internes / internal exports", "localret:inputs": inputs},
            {"title": register_meta.get("font", "Font: Idescat") + " — registre de municipis i població "
                      f"{register_meta.get('any_poblacio')}", "path": "https://www.idescat.cat/"},
        ],
        "resources": resources,
    }
    package["localret:files"] = others
    return package


def _publisher_contributor(publisher: dict | None) -> dict:
    """The publisher as a Data Package contributor: the organisation, with its address."""
    if not publisher:
        return {"title": PUBLISHER, "role": "publisher"}
    entry = {"title": publisher["name"]["ca"], "role": "publisher", "path": publisher["url"]}
    if publisher.get("contact", {}).get("email"):
        entry["email"] = publisher["contact"]["email"]
    return entry


def _file_entry(file: WrittenFile, fmt: str, resource: str | None) -> dict:
    entry = {"path": file.path, "format": fmt, "mediatype": MEDIATYPES.get(fmt, "application/octet-stream"),
             "bytes": file.bytes, "hash": f"sha256:{file.sha256}"}
    if resource:
        entry["resource"] = resource
    return entry


def _resource(res: BuiltResource, file: WrittenFile, fmt: str, name: str) -> dict:
    spec = res.spec
    descriptor = {
        "name": name,
        "path": file.path,
        "title": spec.schema.descriptor.get("title", spec.name),
        "description": spec.schema.descriptor.get("description", ""),
        "profile": "tabular-data-resource",
        **FORMATS[fmt],
        "bytes": file.bytes,
        "hash": f"sha256:{file.sha256}",
        "localret:rows": res.rows,
        "schema": spec.schema.frictionless(),
    }
    if fmt == "csv":
        descriptor["dialect"] = {"delimiter": ",", "quoteChar": '"', "header": True}
    return descriptor


def write_json(path: Path, data: dict | list) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8")
