"""The explorer: one page (explora/index.html, .es.html, .en.html) for every published table.

Without `taula` the page lists the tables; with `?taula=<dataset>/<table>` its script
(site/js/explora.js, bundled with hyparquet) reads that table's Parquet file under
<dataset>/latest/ with HTTP range requests and shows facets, filters, sort, text search,
pages and a CSV export of the filtered rows, its whole state in the URL:

    explora/?taula=membres/membres&comarca_nom=Osona&data=2014-12-31&q=vic&_sort=nom&_desc=1&_page=2&_facet=tipus_ens

A table whose schema declares a validity period ("localret:period": {"start", "end"}, carried
into datapackage.json) gets a date control: with data=D only the rows with start <= D and
(end empty or end > D) count, the pipeline's own boundary (views.sql).

What the page needs to know of every table is written once per build to explora/taules.json
(titles, fields, the Parquet file, the rows the release records); the script takes the row
count and the column types from the Parquet footer whenever they matter, so that a file swapped
in place (a 10M-row benchmark file) is read as what it is.
"""

from __future__ import annotations

from urllib.parse import quote

import json
from importlib import resources

from localret.site import i18n, jsbundle
from localret.site.build import Page, Site, page_name, section, table_links
from localret.site.published import LANGS

FOLDER = "explora"
# A field is suggested as a facet when its values are few by declaration (a code list, a yes/no)
# or by nature (a type, a state, a service, a comarca, a province, an operator, a year).
FACET_NAMES = ("tipus_ens", "tipus_data_alta", "motiu_baixa", "estat", "servei", "model_adjudicacio", "operador",
               "adjudicatari", "comarca_nom", "provincia_nom", "tipus_conveni", "formalitzada", "any", "any_poblacio")
MAX_FACETS = 6

i18n.register({
    "x_explore_table": {"ca": "Explora aquesta taula (filtres, recomptes, CSV)", "es": "Explora esta tabla (filtros, recuentos, CSV)",
                        "en": "Explore this table (filters, counts, CSV)"},
    "nav_explore": {"ca": "Explora les dades", "es": "Explora los datos", "en": "Explore the data"},
    "x_title": {"ca": "Explora les dades", "es": "Explora los datos", "en": "Explore the data"},
    "x_intro": {
        "ca": "Filtra, ordena, compta i descarrega les files de qualsevol taula publicada (l'última versió de cada conjunt de dades), al navegador i sense servidor. L'adreça de la pàgina desa la vista: es pot compartir.",
        "es": "Filtra, ordena, cuenta y descarga las filas de cualquier tabla publicada (la última versión de cada conjunto de datos), en el navegador y sin servidor. La dirección de la página guarda la vista: se puede compartir.",
        "en": "Filter, sort, count and download the rows of any published table (each dataset's latest release), in the browser and with no server. The page's address keeps the view, so it can be shared."},
    "x_tables": {"ca": "Taules publicades", "es": "Tablas publicadas", "en": "Published tables"},
    "x_dataset": {"ca": "Conjunt de dades", "es": "Conjunto de datos", "en": "Dataset"},
    "x_table": {"ca": "Taula", "es": "Tabla", "en": "Table"},
    "x_table_title": {"ca": "Títol", "es": "Título", "en": "Title"},
    "x_rows": {"ca": "Files", "es": "Filas", "en": "Rows"},
    "x_explore": {"ca": "Explora", "es": "Explora", "en": "Explore"},
    "x_noscript": {
        "ca": "L'explorador necessita JavaScript. Les taules es poden descarregar senceres des de la pàgina de cada conjunt de dades.",
        "es": "El explorador necesita JavaScript. Las tablas se pueden descargar enteras desde la página de cada conjunto de datos.",
        "en": "The explorer needs JavaScript. The tables can be downloaded whole from each dataset's page."},
    "x_file": {
        "ca": "Aquesta pàgina s'ha obert com a fitxer (file://): el navegador no hi deixa llegir les taules. Serviu la carpeta publicada per HTTP, per exemple amb «localret preview --out public», i obriu l'adreça que escriu (http://127.0.0.1:8000/explora/).",
        "es": "Esta página se ha abierto como archivo (file://): el navegador no deja leer las tablas. Servid la carpeta publicada por HTTP, por ejemplo con «localret preview --out public», y abrid la dirección que escribe (http://127.0.0.1:8000/explora/).",
        "en": "This page was opened as a file (file://): the browser does not let it read the tables. Serve the published folder over HTTP, e.g. with `localret preview --out public`, and open the address it prints (http://127.0.0.1:8000/explora/)."},
    "x_credits": {
        "ca": "Les taules es llegeixen amb hyparquet i hyparquet-compressors (MIT), per peticions HTTP de rangs: una taula gran no es descarrega sencera.",
        "es": "Las tablas se leen con hyparquet e hyparquet-compressors (MIT), por peticiones HTTP de rangos: una tabla grande no se descarga entera.",
        "en": "Tables are read with hyparquet and hyparquet-compressors (MIT), by HTTP range requests: a large table is never downloaded whole."},
})

# The words the script shows, in the page's language ({n}, {field}... filled in by the script).
SCRIPT_WORDS = {
    "loading": {"ca": "S'està llegint la taula…", "es": "Leyendo la tabla…", "en": "Reading the table…"},
    "working": {"ca": "S'està calculant…", "es": "Calculando…", "en": "Working…"},
    "rows": {"ca": "{n} files", "es": "{n} filas", "en": "{n} rows"},
    "rows_of": {"ca": "{n} files de {total}", "es": "{n} filas de {total}", "en": "{n} rows of {total}"},
    "unknown_table": {"ca": "No hi ha cap taula publicada «{name}».", "es": "No hay ninguna tabla publicada «{name}».",
                      "en": "No published table is called “{name}”."},
    "read_error": {"ca": "No s'ha pogut llegir la taula: {error}", "es": "No se ha podido leer la tabla: {error}",
                   "en": "The table could not be read: {error}"},
    "back": {"ca": "Totes les taules", "es": "Todas las tablas", "en": "All tables"},
    "dataset_page": {"ca": "Pàgina del conjunt de dades", "es": "Página del conjunto de datos", "en": "Dataset page"},
    "search": {"ca": "Cerca en el text", "es": "Buscar en el texto", "en": "Search the text"},
    "search_hint": {"ca": "Paraules que han de sortir a la fila (sense distingir majúscules ni accents)",
                    "es": "Palabras que deben aparecer en la fila (sin distinguir mayúsculas ni acentos)",
                    "en": "Words the row must contain (case and accents do not matter)"},
    "date": {"ca": "Vigents en la data", "es": "Vigentes en la fecha", "en": "In force on"},
    "date_hint": {"ca": "Només les files amb {start} fins a aquesta data i {end} buida o posterior",
                  "es": "Solo las filas con {start} hasta esta fecha y {end} vacía o posterior",
                  "en": "Only rows with {start} on or before this date and {end} empty or later"},
    "filters": {"ca": "Filtres per columna", "es": "Filtros por columna", "en": "Column filters"},
    "filter_hint": {"ca": "Valor exacte", "es": "Valor exacto", "en": "Exact value"},
    "apply": {"ca": "Aplica", "es": "Aplicar", "en": "Apply"},
    "clear": {"ca": "Treu tots els filtres", "es": "Quitar todos los filtros", "en": "Clear all filters"},
    "facets": {"ca": "Valors més freqüents", "es": "Valores más frecuentes", "en": "Most frequent values"},
    "facet_count": {"ca": "Compta els valors de {field}", "es": "Contar los valores de {field}", "en": "Count the values of {field}"},
    "facet_pick": {"ca": "Filtra per {field} = {value}", "es": "Filtrar por {field} = {value}", "en": "Filter by {field} = {value}"},
    "facet_remove": {"ca": "Treu el filtre {field} = {value}", "es": "Quitar el filtro {field} = {value}", "en": "Remove the filter {field} = {value}"},
    "facet_more": {"ca": "i {n} valors més", "es": "y {n} valores más", "en": "and {n} more values"},
    "empty": {"ca": "(buit)", "es": "(vacío)", "en": "(empty)"},
    "sort_by": {"ca": "Ordena per {field}", "es": "Ordenar por {field}", "en": "Sort by {field}"},
    "page": {"ca": "Pàgina {page} de {pages}", "es": "Página {page} de {pages}", "en": "Page {page} of {pages}"},
    "pages": {"ca": "Pàgines", "es": "Páginas", "en": "Pages"},
    "previous": {"ca": "Anterior", "es": "Anterior", "en": "Previous"},
    "next": {"ca": "Següent", "es": "Siguiente", "en": "Next"},
    "export": {"ca": "Descarrega aquestes files (CSV)", "es": "Descargar estas filas (CSV)", "en": "Download these rows (CSV)"},
    "export_too_many": {"ca": "Per descarregar-ne més de {n} files, filtreu-les abans o descarregueu la taula sencera.",
                        "es": "Para descargar más de {n} filas, filtradlas antes o descargad la tabla entera.",
                        "en": "To download more than {n} rows, filter them first or download the whole table."},
    "no_rows": {"ca": "Cap fila no compleix els filtres.", "es": "Ninguna fila cumple los filtros.", "en": "No row matches the filters."},
    "caption": {"ca": "{title}: files {from}–{to}", "es": "{title}: filas {from}–{to}", "en": "{title}: rows {from}–{to}"},
    "big_note": {"ca": "Taula gran ({n} files): es llegeixen només les columnes i els grups de files que calen per a cada vista.",
                 "es": "Tabla grande ({n} filas): se leen solo las columnas y los grupos de filas que necesita cada vista.",
                 "en": "Large table ({n} rows): each view reads only the columns and row groups it needs."},
}


def table_entries(site: Site) -> list[dict]:
    """Every table of every dataset's latest release, as the explorer describes it."""
    tables = []
    for ds in site.datasets:
        translations = ds.package.get("localret:translations", {})
        single = len(ds.resources) == 1
        for res in ds.resources:
            parquet = next((f.path for f in ds.files if f.resource == res["name"] and f.format == "parquet"), None)
            if parquet is None:
                continue
            schema = res.get("schema", {})
            fields = [{"name": f["name"], "title": f.get("title", f["name"]), "type": f.get("type", "string"),
                       **({"enum": f["constraints"]["enum"]} if f.get("constraints", {}).get("enum") else {})}
                      for f in schema.get("fields", [])]
            title_ca = res.get("title") or res["name"]
            titles = {"ca": title_ca}
            for lang in LANGS[1:]:
                ds_title = translations.get(lang, {}).get("title") or ds.title(lang)
                titles[lang] = ds_title if single else f"{ds_title}: {res['name']}"
            tables.append({
                "id": f"{ds.name}/{res['name']}", "dataset": ds.name, "table": res["name"], "title": titles,
                "rows": int(res.get("localret:rows", 0)), "version": ds.version, "reference_date": ds.reference_date,
                "parquet": f"../{ds.name}/latest/{parquet}", "csv": f"../{ds.name}/latest/{res['path']}",
                "fields": fields, "period": schema.get("localret:period"), "facets": suggested_facets(fields),
            })
    return tables


def suggested_facets(fields: list[dict]) -> list[str]:
    names = [f["name"] for f in fields
             if f.get("enum") or f["type"] == "boolean" or f["name"] in FACET_NAMES or f["name"].startswith("any_")]
    return names[:MAX_FACETS]


@table_links
def explore_link(site: Site, dataset: str, table: str, lang: str, root: str) -> list[dict]:
    """On a dataset's page, beside each table: open it in the explorer."""
    return [{"label": i18n.t("x_explore_table", lang), "href": f"{root}{FOLDER}/{page_name(lang)}?taula={quote(dataset)}/{quote(table)}"}]


@section(Page(FOLDER, "index", "nav_explore"))
def explora(site: Site) -> None:
    tables = table_entries(site)
    site.write(f"{FOLDER}/taules.json", json.dumps({"tables": tables}, ensure_ascii=False, indent=1) + "\n")
    site.write(f"{FOLDER}/explora.js", jsbundle.bundle("explora.js"))
    site.write(f"{FOLDER}/explora.css", (resources.files("localret.site") / "static" / "explora.css").read_bytes())
    template = site.env.get_template("explora.html")
    for lang in LANGS:
        ctx = site.common(lang, FOLDER, "../", i18n.t("x_title", lang), i18n.t("x_intro", lang))
        words = {key: text[lang] for key, text in SCRIPT_WORDS.items()}
        ctx.update({
            "tables": [{**t, "label": t["title"][lang], "href": f"{page_name(lang)}?taula={t['id']}",
                        "dataset_href": f"../{t['dataset']}/{page_name(lang)}"} for t in tables],
            "words": _script_json({"lang": lang, "words": words, "page": page_name(lang),
                                   # the labels of the code lists (tipus_ens, servei...) beside their codes in facets
                                   "codes": {field: {code: text[lang] for code, text in labels.items()}
                                             for field, labels in i18n.CODES.items()}}),
            "catalogue": _script_json({"tables": tables}),
        })
        site.write(f"{FOLDER}/{page_name(lang)}", template.render(ctx))


def _script_json(data) -> str:
    from localret.site.build import json_for_script

    return json_for_script(data)
