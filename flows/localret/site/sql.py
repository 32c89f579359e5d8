"""The SQL page: <out>/explora/sql.html (Catalan), sql.es.html, sql.en.html.

SQL in the reader's browser, with no server: DuckDB-WASM (npm @duckdb/duckdb-wasm, pinned at
1.28.0, the last line with the Parquet reader built into its .wasm; later lines download it
from DuckDB's site at run time) runs in a worker and reads the latest Parquet file of every
published table by HTTP range requests (the footer, then only the column chunks a query needs).

Only these pages load the engine: the bundle of site/js/sql.js (with Apache Arrow), the worker
and the .wasm go to <out>/explora/ (sql.js) and <out>/explora/duckdb/, copied byte for byte
from the pinned packages. Every table is a view named after it (`membres`, `adhesions`,
`"membres-per-tipus"` and `membres_per_tipus`); the names, files and columns come from what is
published (each dataset's latest datapackage.json), so a new table or dataset needs no code.

Naming rule, when two datasets publish a table of the same name: the bare name belongs to the
dataset listed first on the site (published.PREFERRED_ORDER, then alphabetical), and every table
of such a clash is also `<dataset>_<table>` (hyphens as underscores). A name with hyphens is
also reachable with underscores, unless a table is published under that exact name.

The URL contract: `sql.html?q=<url-encoded SQL>` runs the query on load and shows the result
in the element with data-testid="sql-result" (a table with a header; data-rows holds the
row count of the whole result, data-state says loading, running, done or error).
"""

from __future__ import annotations

from urllib.parse import quote

import json
from importlib import resources

from localret.site import i18n, jsbundle
from localret.site.build import Page, Site, json_for_script, page_name, section, table_links
from localret.site.published import LANGS, Dataset

FOLDER = "explora"
STEM = "sql"
ENGINE = "duckdb"  # <out>/explora/duckdb/: the worker and the .wasm, as npm installed them
PACKAGE = "@duckdb/duckdb-wasm"
# The "eh" build (WebAssembly exception handling: every current browser) only: the "mvp" one
# would add 22 MB to every publication for browsers from before 2022.
ENGINE_FILES = {
    "duckdb-eh.wasm": f"{PACKAGE}/dist/duckdb-eh.wasm",
    "duckdb-browser-eh.worker.js": f"{PACKAGE}/dist/duckdb-browser-eh.worker.js",
}
# The licences of what the page ships. Apache-2.0 asks that its licence and NOTICE go with the
# code (Arrow is inside sql.js): the NOTICE as npm installed it, and of Arrow's LICENSE.txt the
# Apache License itself (what follows it there covers the C++ library's third-party parts, none of
# which is in the JavaScript package). DuckDB-WASM's npm package carries no licence file: its MIT
# licence is written here. The worker keeps its own bundled libraries' notices.
LICENCE_FILES = {
    "apache-arrow-NOTICE.txt": "apache-arrow/NOTICE.txt",
}
ARROW_LICENCE = ("apache-arrow-LICENSE.txt", "apache-arrow/LICENSE.txt")
DUCKDB_LICENCE = "duckdb-wasm-LICENSE.txt"
MIT = """DuckDB-WASM {version} (npm {package})
https://github.com/duckdb/duckdb-wasm

MIT License

Copyright 2018-2023 Stichting DuckDB Foundation

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def apache_licence_text(licence: bytes) -> bytes:
    """The Apache License 2.0 at the head of Arrow's LICENSE.txt, up to its first separator line."""
    text = licence.decode("utf-8")
    cut = text.find("\n----------")
    return (text[:cut].rstrip() + "\n" if cut > 0 else text).encode("utf-8")
BUNDLE = "sql.js"
MAX_ROWS = 1000  # rows the page draws; the CSV has them all
CSV_NAME = {"ca": "consulta.csv", "es": "consulta.csv", "en": "query.csv"}

i18n.register({
    "sql_query_table": {"ca": "Consulta-la en SQL", "es": "Consúltala en SQL", "en": "Query it in SQL"},
    "nav_sql": {"ca": "Consulta SQL", "es": "Consulta SQL", "en": "SQL query"},
    "sql_title": {"ca": "Consulta les dades amb SQL", "es": "Consulta los datos con SQL", "en": "Query the data with SQL"},
    "sql_intro": {
        "ca": "Escriviu una consulta SQL sobre qualsevol taula publicada. S'executa al vostre navegador, amb "
              "DuckDB-WASM, sense cap servidor: llegeix dels fitxers Parquet de la darrera versió de cada conjunt "
              "de dades només els trossos que la consulta necessita.",
        "es": "Escriba una consulta SQL sobre cualquier tabla publicada. Se ejecuta en su navegador, con "
              "DuckDB-WASM, sin ningún servidor: lee de los ficheros Parquet de la última versión de cada conjunto "
              "de datos solo los fragmentos que la consulta necesita.",
        "en": "Write an SQL query over any published table. It runs in your browser, with DuckDB-WASM, with no "
              "server: it reads from the Parquet files of each dataset's latest release only the parts that the "
              "query needs.",
    },
    "sql_label": {"ca": "Consulta SQL", "es": "Consulta SQL", "en": "SQL query"},
    "sql_help": {
        "ca": "Ctrl+Retorn (⌘+Retorn) l'executa. L'enllaç de la pàgina porta la consulta: copieu-lo per compartir-la.",
        "es": "Ctrl+Intro (⌘+Intro) la ejecuta. El enlace de la página lleva la consulta: cópielo para compartirla.",
        "en": "Ctrl+Enter (⌘+Enter) runs it. The page's address carries the query: copy it to share it.",
    },
    "sql_engine_note": {
        "ca": "La primera consulta carrega el motor SQL ({size}); el navegador el desa per a les següents.",
        "es": "La primera consulta carga el motor SQL ({size}); el navegador lo guarda para las siguientes.",
        "en": "The first query loads the SQL engine ({size}); the browser keeps it for the next ones.",
    },
    "sql_run": {"ca": "Executa", "es": "Ejecutar", "en": "Run"},
    "sql_download": {"ca": "Descarrega el resultat (CSV)", "es": "Descargar el resultado (CSV)", "en": "Download the result (CSV)"},
    "sql_examples": {"ca": "Exemples", "es": "Ejemplos", "en": "Examples"},
    "sql_result": {"ca": "Resultat", "es": "Resultado", "en": "Result"},
    "sql_result_empty": {"ca": "Encara no s'ha executat cap consulta.", "es": "Aún no se ha ejecutado ninguna consulta.",
                         "en": "No query has run yet."},
    "sql_tables": {"ca": "Taules", "es": "Tablas", "en": "Tables"},
    "sql_tables_help": {
        "ca": "Cada taula publicada és una vista amb el seu nom. Els noms amb guionets van entre cometes dobles o "
              "amb guions baixos. Feu clic en una taula per veure'n les primeres files.",
        "es": "Cada tabla publicada es una vista con su nombre. Los nombres con guiones van entre comillas dobles o "
              "con guiones bajos. Haga clic en una tabla para ver sus primeras filas.",
        "en": "Every published table is a view under its own name. Names with hyphens go in double quotes or "
              "with underscores. Click a table to see its first rows.",
    },
    "sql_columns": {"ca": "{n} columnes", "es": "{n} columnas", "en": "{n} columns"},
    "sql_also": {"ca": "també", "es": "también", "en": "also"},
    "sql_rows": {"ca": "{n} files", "es": "{n} filas", "en": "{n} rows"},
    "sql_rows_one": {"ca": "1 fila", "es": "1 fila", "en": "1 row"},
    "sql_dictionary": {"ca": "Diccionari de dades", "es": "Diccionario de datos", "en": "Data dictionary"},
    "sql_noscript": {
        "ca": "La consulta SQL necessita JavaScript i WebAssembly. Les taules es poden descarregar igualment des de la "
              "pàgina de cada conjunt de dades.",
        "es": "La consulta SQL necesita JavaScript y WebAssembly. Las tablas se pueden descargar igualmente desde la "
              "página de cada conjunto de datos.",
        "en": "SQL queries need JavaScript and WebAssembly. The tables can still be downloaded from each dataset's page.",
    },
    "sql_credits": {"ca": "Programari", "es": "Software", "en": "Software"},
    "sql_credits_text": {
        "ca": "Aquesta pàgina fa servir DuckDB-WASM {duckdb} (llicència MIT, © Stichting DuckDB Foundation) i Apache Arrow "
              "{arrow} (llicència Apache 2.0, © The Apache Software Foundation), servits des d'aquest mateix lloc.",
        "es": "Esta página usa DuckDB-WASM {duckdb} (licencia MIT, © Stichting DuckDB Foundation) y Apache Arrow "
              "{arrow} (licencia Apache 2.0, © The Apache Software Foundation), servidos desde este mismo sitio.",
        "en": "This page uses DuckDB-WASM {duckdb} (MIT licence, © Stichting DuckDB Foundation) and Apache Arrow "
              "{arrow} (Apache 2.0 licence, © The Apache Software Foundation), served from this same site.",
    },
    "sql_licence_texts": {"ca": "Textos de llicència", "es": "Textos de licencia", "en": "Licence texts"},
})

# The words the script shows, in the page's language.
SCRIPT_WORDS = {
    "loading": {"ca": "Carregant el motor SQL (DuckDB-WASM)…", "es": "Cargando el motor SQL (DuckDB-WASM)…",
                "en": "Loading the SQL engine (DuckDB-WASM)…"},
    "ready": {"ca": "Motor SQL a punt.", "es": "Motor SQL listo.", "en": "SQL engine ready."},
    "running": {"ca": "Executant la consulta…", "es": "Ejecutando la consulta…", "en": "Running the query…"},
    "done": {"ca": "{rows} files en {ms} ms.", "es": "{rows} filas en {ms} ms.", "en": "{rows} rows in {ms} ms."},
    "done_one": {"ca": "1 fila en {ms} ms.", "es": "1 fila en {ms} ms.", "en": "1 row in {ms} ms."},
    "empty": {"ca": "Escriviu una consulta.", "es": "Escriba una consulta.", "en": "Write a query."},
    "error": {"ca": "Error en la consulta", "es": "Error en la consulta", "en": "Query error"},
    "caption": {"ca": "Resultat: {rows} files", "es": "Resultado: {rows} filas", "en": "Result: {rows} rows"},
    "caption_one": {"ca": "Resultat: 1 fila", "es": "Resultado: 1 fila", "en": "Result: 1 row"},
    "caption_capped": {"ca": "Resultat: es mostren {shown} de {rows} files (el CSV les té totes)",
                       "es": "Resultado: se muestran {shown} de {rows} filas (el CSV las tiene todas)",
                       "en": "Result: showing {shown} of {rows} rows (the CSV has them all)"},
    "downloaded": {"ca": "Resultat descarregat: {file}", "es": "Resultado descargado: {file}", "en": "Result downloaded: {file}"},
    "no_wasm_eh": {"ca": "Aquest navegador no admet les excepcions de WebAssembly que necessita DuckDB-WASM; feu servir "
                         "una versió actual de Chrome, Edge, Firefox o Safari.",
                   "es": "Este navegador no admite las excepciones de WebAssembly que necesita DuckDB-WASM; use una "
                         "versión actual de Chrome, Edge, Firefox o Safari.",
                   "en": "This browser lacks the WebAssembly exceptions DuckDB-WASM needs; use a current Chrome, Edge, "
                         "Firefox or Safari."},
}


# ---------- what is queryable ----------

def sql_name(text: str) -> str:
    return text.replace("-", "_")


def queryable_tables(datasets: list[Dataset]) -> list[dict]:
    """Every published table with the file the browser reads (the latest release's Parquet,
    else its CSV) and the view names it answers to (see the module's naming rule)."""
    found = []
    for ds in datasets:
        folder = ds.latest.folder  # <dataset>/<version>/: an address whose bytes never change
        for res in ds.resources:
            parquet = next((f for f in ds.files if f.resource == res["name"] and f.format == "parquet"), None)
            path, fmt = (parquet.path, "parquet") if parquet else (res["path"], "csv")
            if not (ds.latest_dir / path).is_file():
                continue
            where = f"{folder.name}/{path}" if (folder / path).is_file() else f"latest/{path}"
            fields = res.get("schema", {}).get("fields", [])
            found.append({"dataset": ds, "table": res["name"], "format": fmt, "url": f"../{ds.name}/{where}",
                          "file": f"{ds.name}/{path}", "rows": int(res.get("localret:rows", 0)),
                          "title": res.get("title", res["name"]),
                          "columns": [{"name": f["name"], "type": f.get("type", "string")} for f in fields]})
    exact = {}
    for t in found:
        exact.setdefault(t["table"], []).append(t)
    taken = set(exact)
    for t in found:
        names = []
        owners = exact[t["table"]]
        if owners[0] is t:
            names.append(t["table"])
        if len(owners) > 1:
            names.append(sql_name(f"{t['dataset'].name}_{t['table']}"))
        alias = sql_name(t["table"])
        if alias != t["table"] and alias not in taken and owners[0] is t:
            names.append(alias)
        t["views"] = names
    return found


def display_name(name: str) -> str:
    """How a view is written in SQL: quoted when it is not a plain identifier."""
    plain = name.replace("_", "a").isalnum() and name.isascii() and not name[0].isdigit() and name == name.lower()
    return name if plain else '"' + name.replace('"', '""') + '"'


# ---------- example queries ----------

def examples(tables: list[dict], reference: str, lang: str) -> list[dict]:
    """The example queries whose tables are published, each worded in the page's language.
    The comarca comes from the register of bodies (ens), joined on ens_id: the query means the
    same whatever columns membres itself carries."""
    views = {v for t in tables for v in t["views"]}
    day = reference
    out = []
    if {"membres", "ens"} <= views:
        out.append({
            "id": "membres-per-comarca",
            "title": {"ca": "Membres per comarca", "es": "Miembros por comarca", "en": "Members by comarca"}[lang],
            "description": {"ca": f"Ens membres a {day}, per la comarca que els dona el registre d'ens.",
                            "es": f"Entes miembros a {day}, por la comarca que les da el registro de entes.",
                            "en": f"Member bodies on {day}, by the comarca the register of bodies gives them."}[lang],
            "sql": (f"-- {({'ca': 'Membres actius a', 'es': 'Miembros activos a', 'en': 'Active members on'})[lang]} {day}\n"
                    "SELECT e.comarca_nom AS comarca, count(DISTINCT m.ens_id) AS membres\n"
                    "FROM membres AS m\nJOIN ens AS e ON e.ens_id = m.ens_id\n"
                    f"WHERE m.data_alta <= DATE '{day}'\n  AND (m.data_baixa IS NULL OR m.data_baixa > DATE '{day}')\n"
                    "GROUP BY e.comarca_nom\nORDER BY membres DESC, comarca NULLS LAST"),
        })
    if "membres" in views:
        out.append({
            "id": "altes-2014",
            "title": {"ca": "Qui es va adherir el 2014", "es": "Quién se adhirió en 2014", "en": "Who joined in 2014"}[lang],
            "description": {"ca": "Altes amb data de 2014 (un ens que torna a entrar té una alta per episodi).",
                            "es": "Altas con fecha de 2014 (un ente que vuelve a entrar tiene un alta por episodio).",
                            "en": "Joinings dated 2014 (a body that rejoins has one joining per episode)."}[lang],
            "sql": ("SELECT nom, tipus_ens, data_alta, tipus_data_alta\nFROM membres\n"
                    "WHERE data_alta BETWEEN DATE '2014-01-01' AND DATE '2014-12-31'\nORDER BY data_alta, nom, ens_id"),
        })
    if "adhesions" in views:
        out.append({
            "id": "adhesions-per-operador",
            "title": {"ca": "Adhesions per operador", "es": "Adhesiones por operador", "en": "Adhesions per operator"}[lang],
            "description": {"ca": "Adhesions (ens × lot) de tots els procediments, per operador adjudicatari.",
                            "es": "Adhesiones (ente × lote) de todos los procedimientos, por operador adjudicatario.",
                            "en": "Adhesions (body × lot) of every procedure, by awarded operator."}[lang],
            "sql": ("SELECT operador, count(*) AS adhesions, count(DISTINCT codi_ens) AS ens_diferents\n"
                    "FROM adhesions\nGROUP BY operador\nORDER BY adhesions DESC, operador NULLS LAST"),
        })
    if "membres" in views:
        on = "2014-12-31"
        out.append({
            "id": "membres-en-una-data",
            "title": {"ca": f"Membres a {on}, per tipus", "es": f"Miembros a {on}, por tipo", "en": f"Members on {on}, by type"}[lang],
            "description": {"ca": "Qui era membre un dia donat: alta fins a aquell dia i sense baixa o amb baixa posterior. "
                                  "Canvieu la data per veure'n una altra.",
                            "es": "Quién era miembro un día dado: alta hasta ese día y sin baja o con baja posterior. "
                                  "Cambie la fecha para ver otra.",
                            "en": "Who was a member on a given day: joined by that day and not left, or left later. "
                                  "Change the date to see another."}[lang],
            "sql": ("SELECT tipus_ens, count(DISTINCT ens_id) AS membres\nFROM membres\n"
                    f"WHERE data_alta <= DATE '{on}'\n  AND (data_baixa IS NULL OR data_baixa > DATE '{on}')\n"
                    "GROUP BY tipus_ens\nORDER BY membres DESC, tipus_ens"),
        })
    return out


# ---------- the pages ----------

def package_version(name: str) -> str:
    return json.loads(jsbundle.library_file(f"{name}/package.json"))["version"]


def page(site: Site, lang: str, tables: list[dict], versions: dict[str, str], engine_bytes: int) -> str:
    root = "../"
    title = i18n.t("sql_title", lang)
    ctx = site.common(lang, FOLDER, root, f"{title} · {i18n.t('site_name', lang)}", i18n.t("sql_intro", lang), stem=STEM)
    membres = site.by_name.get("membres")
    reference = membres.reference_date if membres else max((d.reference_date for d in site.datasets), default="")
    shown = examples(tables, reference, lang)
    groups = []
    for ds in site.datasets:
        mine = [t for t in tables if t["dataset"] is ds]
        if mine:
            groups.append({"title": ds.title(lang), "version": ds.version, "href": f"{root}{ds.name}/{page_name(lang)}",
                           "tables": [{**t, "names": [display_name(v) for v in t["views"]],
                                       "sql": f"SELECT * FROM {display_name(t['views'][0])} LIMIT 100"}
                                      for t in mine if t["views"]]})
    config = {
        "worker": f"{ENGINE}/duckdb-browser-eh.worker.js", "wasm": f"{ENGINE}/duckdb-eh.wasm",
        "tables": [{"views": t["views"], "file": t["file"], "url": t["url"], "format": t["format"]} for t in tables if t["views"]],
        "max_rows": MAX_ROWS, "csv_name": CSV_NAME[lang],
        "words": {key: text[lang] for key, text in SCRIPT_WORDS.items()},
    }
    ctx.update({
        "title": title, "examples": shown, "groups": groups, "default_sql": shown[0]["sql"] if shown else "",
        "form_action": page_name(lang, STEM), "config": json_for_script(config), "bundle": BUNDLE,
        "credits": i18n.t("sql_credits_text", lang, duckdb=versions["duckdb"], arrow=versions["arrow"]),
        "engine_note": i18n.t("sql_engine_note", lang, size=i18n.size(engine_bytes, lang)),
        "licences": [f"{ENGINE}/{name}" for name in (DUCKDB_LICENCE, ARROW_LICENCE[0], *LICENCE_FILES)],
    })
    return site.env.get_template("sql.html").render(ctx)


@table_links
def query_link(site: Site, dataset: str, table: str, lang: str, root: str) -> list[dict]:
    """On a dataset's page, beside each table: its first rows in the SQL page, by its view name."""
    views = next((t["views"] for t in queryable_tables(site.datasets)
                  if (t["dataset"].name, t["table"]) == (dataset, table)), None)
    if not views:
        return []
    query = f"SELECT * FROM {display_name(views[0])} LIMIT 100"
    return [{"label": i18n.t("sql_query_table", lang), "href": f"{root}{FOLDER}/{page_name(lang, STEM)}?q={quote(query)}"}]


@section(Page(FOLDER, STEM, "nav_sql"))
def sql_pages(site: Site) -> None:
    versions = {"duckdb": package_version(PACKAGE), "arrow": package_version("apache-arrow")}
    engine_bytes = 0
    for name, source in {**ENGINE_FILES, **LICENCE_FILES}.items():
        data = jsbundle.library_file(source)
        site.write(f"{FOLDER}/{ENGINE}/{name}", data)
        engine_bytes += len(data) if name in ENGINE_FILES else 0
    name, source = ARROW_LICENCE
    site.write(f"{FOLDER}/{ENGINE}/{name}", apache_licence_text(jsbundle.library_file(source)))
    site.write(f"{FOLDER}/{ENGINE}/{DUCKDB_LICENCE}", MIT.format(version=versions["duckdb"], package=PACKAGE))
    bundle = jsbundle.bundle(BUNDLE)
    site.write(f"{FOLDER}/{BUNDLE}", bundle)
    engine_bytes += len(bundle)
    site.write(f"{FOLDER}/sql.css", (resources.files("localret.site") / "static" / "sql.css").read_bytes())
    tables = queryable_tables(site.datasets)
    for lang in LANGS:
        site.write(f"{FOLDER}/{page_name(lang, STEM)}", page(site, lang, tables, versions, engine_bytes))
