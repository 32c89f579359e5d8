"""README.md in every release: what the dataset is, its tables and fields, licence and how to
cite, how often it is updated, contact, and what changed. Catalan first, then Spanish, then
English. Field titles and descriptions exist in Catalan only (schemas/), so the Spanish and
English sections list each field's name and type and point to the Catalan dictionary."""

from __future__ import annotations

from pathlib import Path

from localret import opening
from localret.schema import type_label
from localret.build import BuiltDataset
from localret.extras import release_writer
from localret.mdtext import text as md
from localret.site.published import (CONTACT_URL, DEFAULT_BASE_URL, ILLUSTRATIVE_MARK, LICENSE_ID, LICENSE_URL,
                                     PUBLISHER, base, citation, version_url)

T = {
    "ca": {
        "lang": "Català", "what": "Què és", "files": "Fitxers", "tables": "Taules i camps", "rows": "files",
        "definition": "Què es compta", "field": "Camp", "title": "Títol", "type": "Tipus", "description": "Descripció", "pk": "Clau primària",
        "licence": "Llicència i com citar", "update": "Actualització", "contact": "Contacte", "changes": "Canvis d'aquesta versió",
        "version": "Versió", "date": "Data de publicació", "ref": "Data de referència de les dades",
        "licence_text": "Les dades es publiquen amb la llicència {lic} ({url}): podeu copiar-les, redistribuir-les, "
                        "transformar-les i fer-ne ús comercial, sempre que citeu la font.",
        "cite": "Citeu-les així:",
        "update_text": "El conjunt es comprova cada nit i només se'n publica una versió nova quan canvien les dades "
                       "(o les seves metadades descriptives). Cada versió és immutable i es conserva a la seva carpeta; "
                       "`latest/` és sempre una còpia de la més recent.",
        "contact_text": "{pub}: {url}",
        "files_text": "Cada taula en CSV (UTF-8, separat per comes, dates ISO 8601, codis com a text) i Parquet; "
                      "`{xlsx}` amb totes les taules, el diccionari i aquesta informació; `datapackage.json` "
                      "(Frictionless Data Package: esquema de cada taula, mides i sumes SHA-256); `CHANGES.md` i "
                      "`changes.json` (els canvis respecte de la versió anterior, fila a fila).",
        "fields_note": "",
        "illustrative": "**{mark}**: dades d'exemple il·lustratives, generades; no són registres reals del Consorci Localret.",
        "changes_full": "Vegeu `CHANGES.md` i `changes.json` per al detall, i `../versions.json` per a totes les versions.",
    },
    "es": {
        "lang": "Español", "what": "Qué es", "files": "Ficheros", "tables": "Tablas y campos", "rows": "filas",
        "definition": "Qué se cuenta", "field": "Campo", "title": "Título (en catalán)", "type": "Tipo", "description": "Descripción", "pk": "Clave primaria",
        "licence": "Licencia y cómo citar", "update": "Actualización", "contact": "Contacto", "changes": "Cambios de esta versión",
        "version": "Versión", "date": "Fecha de publicación", "ref": "Fecha de referencia de los datos",
        "licence_text": "Los datos se publican con la licencia {lic} ({url}): pueden copiarse, redistribuirse, "
                        "transformarse y usarse comercialmente, siempre que se cite la fuente.",
        "cite": "Cítelos así:",
        "update_text": "El conjunto se comprueba cada noche y solo se publica una versión nueva cuando cambian los datos "
                       "(o sus metadatos descriptivos). Cada versión es inmutable y se conserva en su carpeta; "
                       "`latest/` es siempre una copia de la más reciente.",
        "contact_text": "{pub}: {url}",
        "files_text": "Cada tabla en CSV (UTF-8, separado por comas, fechas ISO 8601, códigos como texto) y Parquet; "
                      "`{xlsx}` con todas las tablas, el diccionario y esta información; `datapackage.json` "
                      "(Frictionless Data Package: esquema de cada tabla, tamaños y sumas SHA-256); `CHANGES.md` y "
                      "`changes.json` (los cambios respecto a la versión anterior, fila a fila).",
        "fields_note": "Los títulos y descripciones de los campos están en catalán, en la sección anterior y en la hoja «Diccionari» del XLSX.",
        "illustrative": "**{mark}**: datos de ejemplo ilustrativos, generados; no son registros reales del Consorci Localret.",
        "changes_full": "Vea `CHANGES.md` y `changes.json` para el detalle, y `../versions.json` para todas las versiones.",
    },
    "en": {
        "lang": "English", "what": "What it is", "files": "Files", "tables": "Tables and fields", "rows": "rows",
        "definition": "What is counted", "field": "Field", "title": "Title (in Catalan)", "type": "Type", "description": "Description", "pk": "Primary key",
        "licence": "Licence and how to cite", "update": "Updates", "contact": "Contact", "changes": "Changes in this version",
        "version": "Version", "date": "Release date", "ref": "Reference date of the data",
        "licence_text": "The data are published under the {lic} licence ({url}): you may copy, redistribute, transform "
                        "and use them commercially, as long as you credit the source.",
        "cite": "Cite them as:",
        "update_text": "The dataset is checked every night and a new version is published only when the data (or their "
                       "descriptive metadata) change. Every version is immutable and kept in its own folder; "
                       "`latest/` is always a copy of the newest.",
        "contact_text": "{pub}: {url}",
        "files_text": "Each table as CSV (UTF-8, comma-separated, ISO 8601 dates, codes as text) and Parquet; "
                      "`{xlsx}` with every table, the data dictionary and this information; `datapackage.json` "
                      "(Frictionless Data Package: each table's schema, sizes and SHA-256 sums); `CHANGES.md` and "
                      "`changes.json` (what changed since the previous version, row by row).",
        "fields_note": "Field titles and descriptions are in Catalan, in the section above and in the XLSX's «Diccionari» sheet.",
        "illustrative": "**{mark}**: illustrative sample data, generated; not Consorci Localret's real records.",
        "changes_full": "See `CHANGES.md` and `changes.json` for the details, and `../versions.json` for every version.",
    },
}


def _cell(text) -> str:
    """Markdown table cell: one line of literal text (pipes escaped with the rest)."""
    return md(text or "")


def render(dataset: BuiltDataset, *, version: str, changes: dict, illustrative: bool, base_url: str) -> str:
    url = f"{base(base_url)}{dataset.name}/"
    date = changes.get("date") or (dataset.as_of.isoformat() if dataset.as_of else "")
    ref = dataset.as_of.isoformat() if dataset.as_of else date
    how = opening.how_to(dataset.name, [(r.spec.name, f"{r.spec.name}.csv", r.spec.schema.descriptor["fields"])
                                        for r in dataset.resources], version_url(url, version), base(base_url))
    lines = [f"# {md(dataset.spec.text('title'))} — {version}", ""]
    lines += [" · ".join(f"[{T[lang]['lang']}](#{T[lang]['lang'].lower()})"
                         for lang in T), ""]
    for lang, t in T.items():
        title = dataset.spec.text("title", lang)
        lines += [f"## {t['lang']}", "", f"### {md(title)}", ""]
        if illustrative:
            lines += ["> " + t["illustrative"].format(mark=ILLUSTRATIVE_MARK[lang]), ""]
        lines += [f"### {t['what']}", "", md(dataset.spec.text("description", lang)), "",
                  f"- {t['version']}: {version}", f"- {t['date']}: {date}", f"- {t['ref']}: {ref}", "",
                  f"### {t['files']}", "", t["files_text"].format(xlsx=f"{dataset.name}.xlsx"), ""]
        lines += opening.readme_lines(how, lang)
        lines += [f"### {t['tables']}", ""]
        if t["fields_note"]:
            lines += [t["fields_note"], ""]
        for res in dataset.resources:
            d = res.spec.schema.descriptor
            lines += [f"#### `{res.spec.name}` ({res.rows} {t['rows']})", ""]
            if lang == "ca" and d.get("description"):
                lines += [_cell(d["description"]), ""]
            definition = dataset.definition(res.spec, lang)
            if definition:  # every figure says what it counts, in each language
                lines += [f"**{t['definition']}:** {md(definition)}", ""]
            pk = res.spec.schema.primary_key
            if pk:
                lines += [f"{t['pk']}: " + ", ".join(f"`{k}`" for k in pk), ""]
            if lang == "ca":
                lines += [f"| {t['field']} | {t['title']} | {t['type']} | {t['description']} |", "|---|---|---|---|"]
                lines += [f"| `{f['name']}` | {_cell(f.get('title'))} | {_cell(type_label(f))} | {_cell(f.get('description'))} |"
                          for f in d["fields"]]
            else:
                lines += [f"| {t['field']} | {t['type']} | {t['title']} |", "|---|---|---|"]
                lines += [f"| `{f['name']}` | {_cell(type_label(f))} | {_cell(f.get('title'))} |" for f in d["fields"]]
            lines.append("")
        lines += [f"### {t['licence']}", "", t["licence_text"].format(lic=LICENSE_ID, url=LICENSE_URL), "",
                  t["cite"], "", "> " + citation(md(title), version, date, url, lang), "",
                  f"### {t['update']}", "", t["update_text"], "",
                  f"### {t['contact']}", "", t["contact_text"].format(pub=PUBLISHER, url=CONTACT_URL), "",
                  f"### {t['changes']}", ""]
        sentences = changes.get("sentences") or [changes.get("summary", {})]
        lines += [f"- {_cell(s.get(lang) or s.get('ca'))}" for s in sentences if s]
        lines += ["", t["changes_full"], ""]
    return "\n".join(lines).rstrip("\n") + "\n"


@release_writer
def write_readme(con, dataset: BuiltDataset, folder: Path, *, version: str, changes: dict, illustrative: bool,
                 base_url: str | None = None, **_ignored) -> list[str]:
    text = render(dataset, version=version, changes=changes, illustrative=illustrative, base_url=base_url or DEFAULT_BASE_URL)
    (folder / "README.md").write_text(text, encoding="utf-8")
    return ["README.md"]
