"""A keyed row diff between two versions of a dataset, and the version bump it implies
(after the Frictionless "Data Package Version" recipe: the data decides, not a flag)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

MAJOR, MINOR, PATCH, NONE = 3, 2, 1, 0
BUMP_NAMES = {MAJOR: "major", MINOR: "minor", PATCH: "patch", NONE: "none"}
MAX_LISTED = 500  # rows listed per table and kind; counts stay exact


@dataclass
class TableDiff:
    resource: str
    key: list[str]
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)  # {key: {...}, field, old, new, row: {...}}
    counts: dict = field(default_factory=lambda: {"added": 0, "removed": 0, "changed": 0, "filled": 0})
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    schema_changed: bool = False
    new_table: bool = False
    dropped_table: bool = False

    @property
    def bump(self) -> int:
        if self.schema_changed or self.dropped_table or self.columns_added or self.columns_removed or self.counts["removed"]:
            return MAJOR
        if self.new_table or self.counts["added"] or self.counts["filled"]:
            return MINOR
        if self.counts["changed"] > self.counts["filled"]:
            return PATCH
        return NONE

    def to_json(self) -> dict:
        return {
            "resource": self.resource, "key": self.key, "bump": BUMP_NAMES[self.bump], "counts": self.counts,
            "columns_added": self.columns_added, "columns_removed": self.columns_removed,
            "schema_changed": self.schema_changed, "new_table": self.new_table, "dropped_table": self.dropped_table,
            "added": self.added, "removed": self.removed, "changed": self.changed,
        }


def bump_version(previous: str | None, bump: int) -> str:
    if previous is None:
        return "1.0.0"
    major, minor, patch = (int(x) for x in previous.split("."))
    if bump == MAJOR:
        return f"{major + 1}.0.0"
    if bump == MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def diff_table(con: duckdb.DuckDBPyConnection, resource: str, old_csv: Path | None, new_csv: Path | None,
               key: list[str], schema_changed: bool) -> TableDiff:
    """Compare two canonical CSVs as text, row by key. Text is what was published, so text
    is what is compared: '1.50' and '1.5' would differ, as a reader would see them."""
    d = TableDiff(resource, key, schema_changed=schema_changed)
    if old_csv is None:
        d.new_table = True
        return d
    if new_csv is None:
        d.dropped_table = True
        return d
    con.execute(f"CREATE OR REPLACE TEMP TABLE d_old AS SELECT * FROM read_csv('{old_csv}', all_varchar=true, header=true)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE d_new AS SELECT * FROM read_csv('{new_csv}', all_varchar=true, header=true)")
    old_cols = [r[0] for r in con.execute("DESCRIBE d_old").fetchall()]
    new_cols = [r[0] for r in con.execute("DESCRIBE d_new").fetchall()]
    d.columns_added = [c for c in new_cols if c not in old_cols]
    d.columns_removed = [c for c in old_cols if c not in new_cols]
    common = [c for c in new_cols if c in old_cols]
    key = [k for k in key if k in common] or common
    d.key = key
    on = " AND ".join(f'o."{k}" IS NOT DISTINCT FROM n."{k}"' for k in key)
    d.counts["added"], d.added = _rows(con, f"SELECT n.* FROM d_new n WHERE NOT EXISTS (SELECT 1 FROM d_old o WHERE {on})")
    d.counts["removed"], d.removed = _rows(con, f"SELECT o.* FROM d_old o WHERE NOT EXISTS (SELECT 1 FROM d_new n WHERE {on})")
    values = [c for c in common if c not in key]
    if values:
        cells = " UNION ALL ".join(
            f"SELECT {_struct(key, 'n')} AS k, to_json(n) AS r, '{c}' AS field, o.\"{c}\" AS old, n.\"{c}\" AS new "
            f"FROM d_old o JOIN d_new n ON {on} WHERE o.\"{c}\" IS DISTINCT FROM n.\"{c}\"" for c in values)
        total, filled = con.execute(f"SELECT count(*), count(*) FILTER (WHERE old IS NULL) FROM ({cells})").fetchone()
        d.counts["changed"], d.counts["filled"] = total, filled
        for k, row, fld, old, new in con.execute(f"SELECT * FROM ({cells}) ORDER BY k, field LIMIT {MAX_LISTED}").fetchall():
            import json
            d.changed.append({"key": k, "field": fld, "old": old, "new": new, "row": json.loads(row)})
    return d


def _struct(cols: list[str], alias: str) -> str:
    return "{" + ", ".join(f"'{c}': {alias}.\"{c}\"" for c in cols) + "}"


def _rows(con, sql: str) -> tuple[int, list[dict]]:
    total = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
    cur = con.execute(f"{sql} LIMIT {MAX_LISTED}")
    names = [c[0] for c in cur.description]
    return total, [dict(zip(names, row)) for row in cur.fetchall()]
