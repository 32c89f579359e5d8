"""What changed, in words a journalist can quote (Catalan first, Spanish and English beside
it), from the keyed diffs. Sentence templates live in each dataset.yaml under `sentences`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from localret.build import BuiltDataset
from localret.diff import BUMP_NAMES, TableDiff
from localret.mdtext import text as md

LANGS = ("ca", "es", "en")
GENERIC = {
    "added": {"ca": "{resource}: {n} files noves", "es": "{resource}: {n} filas nuevas", "en": "{resource}: {n} new rows"},
    "removed": {"ca": "{resource}: {n} files suprimides", "es": "{resource}: {n} filas suprimidas", "en": "{resource}: {n} rows removed"},
    "changed": {"ca": "{resource}: {n} valors modificats", "es": "{resource}: {n} valores modificados", "en": "{resource}: {n} values changed"},
    "columns_added": {"ca": "{resource}: columnes noves {cols}", "es": "{resource}: columnas nuevas {cols}", "en": "{resource}: new columns {cols}"},
    "columns_removed": {"ca": "{resource}: columnes suprimides {cols}", "es": "{resource}: columnas suprimidas {cols}", "en": "{resource}: columns removed {cols}"},
    "schema_changed": {"ca": "{resource}: ha canviat l'estructura", "es": "{resource}: ha cambiado la estructura", "en": "{resource}: the structure changed"},
    "new_table": {"ca": "{resource}: taula nova ({n} files)", "es": "{resource}: tabla nueva ({n} filas)", "en": "{resource}: new table ({n} rows)"},
    "first": {"ca": "Primera publicació", "es": "Primera publicación", "en": "First release"},
    "metadata": {"ca": "Només han canviat les metadades descriptives", "es": "Solo han cambiado los metadatos descriptivos", "en": "Only descriptive metadata changed"},
}


class _Blank(dict):
    def __missing__(self, key):
        return ""


def _fmt(template: str, values: dict) -> str:
    return template.format_map(_Blank({k: ("" if v is None else v) for k, v in values.items()}))


def sentences(templates: dict, diffs: list[TableDiff], rows: dict[str, int]) -> list[dict]:
    out: list[dict] = []
    for d in diffs:
        t = templates.get(d.resource, {})
        if d.new_table:
            out.append({lang: _fmt(GENERIC["new_table"][lang], {"resource": d.resource, "n": rows.get(d.resource, 0)}) for lang in LANGS})
            continue
        for kind in ("columns_added", "columns_removed"):
            cols = getattr(d, kind)
            if cols:
                out.append({lang: _fmt(GENERIC[kind][lang], {"resource": d.resource, "cols": ", ".join(cols)}) for lang in LANGS})
        if d.schema_changed and not (d.columns_added or d.columns_removed):
            out.append({lang: _fmt(GENERIC["schema_changed"][lang], {"resource": d.resource}) for lang in LANGS})
        out.extend(_row_sentences(d, "added", d.added, t))
        out.extend(_row_sentences(d, "removed", d.removed, t))
        out.extend(_change_sentences(d, t))
    return out


def _row_sentences(d: TableDiff, kind: str, rows: list[dict], t: dict) -> list[dict]:
    n = d.counts[kind]
    if not n:
        return []
    spec = t.get(kind)
    if not spec:
        return [{lang: _fmt(GENERIC[kind][lang], {"resource": d.resource, "n": n}) for lang in LANGS}]
    if "group_by" in spec:
        groups = defaultdict(list)
        for row in rows:
            groups[tuple(row.get(k) for k in spec["group_by"])].append(row)
        result = []
        for key, members in sorted(groups.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
            values = dict(zip(spec["group_by"], key), n=len(members))
            values["items"] = ", ".join(_fmt(spec["item"], r) for r in members)
            result.append({lang: _fmt(spec[lang], values) for lang in LANGS})
        return result
    return [{lang: _fmt(spec[lang], row) for lang in LANGS} for row in rows]


def _change_sentences(d: TableDiff, t: dict) -> list[dict]:
    if not d.counts["changed"]:
        return []
    result, rest, told = [], [], set()
    for change in d.changed:
        kind = "filled" if change["old"] is None else "corrected"
        spec = t.get(kind, {}).get(change["field"])
        if spec:
            values = {**change["row"], "old": change["old"], "new": change["new"], "field": change["field"]}
            result.append({lang: _fmt(spec[lang], values) for lang in LANGS})
            told.add(str(change["key"]))
        else:
            rest.append(change)
    # Companion edits of a row already told (a leaving's reason beside its date) need no line.
    generic = sum(1 for c in rest if str(c["key"]) not in told) + max(0, d.counts["changed"] - len(d.changed))
    if generic:
        result.append({lang: _fmt(GENERIC["changed"][lang], {"resource": d.resource, "n": generic}) for lang in LANGS})
    return result


def changes(dataset: BuiltDataset, diffs: list[TableDiff], version: str, previous: str | None, date: dt.date) -> dict:
    rows = {r.spec.name: r.rows for r in dataset.resources}
    said = sentences(dataset.spec.meta.get("sentences", {}), diffs, rows) if previous else [dict(GENERIC["first"])]
    if not said:
        said = [dict(GENERIC["metadata"])]
    summary = {lang: "; ".join(s[lang] for s in said[:3]) + (" …" if len(said) > 3 else "") for lang in LANGS}
    return {
        "dataset": dataset.name, "version": version, "previous_version": previous, "date": date.isoformat(),
        "bump": BUMP_NAMES[max([d.bump for d in diffs] + [0])] if previous else "initial",
        "summary": summary, "sentences": said,
        "tables": [d.to_json() for d in diffs] if previous else [],
    }


def markdown(ch: dict) -> str:
    title = {"ca": "Canvis", "es": "Cambios", "en": "Changes"}
    lines = [f"# {md(ch['dataset'])} {ch['version']} ({ch['date']})", ""]
    if ch["previous_version"]:
        lines += [f"Respecte de / Respecto a / Compared with {ch['previous_version']}.", ""]
    for lang in LANGS:
        lines += [f"## {title[lang]} ({lang})", ""]
        lines += [f"- {md(s[lang])}" for s in ch["sentences"]]
        lines.append("")
    return "\n".join(lines)
