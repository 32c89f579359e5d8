"""Words of the site in Catalan, Spanish and English, and number, size and date formats."""

from __future__ import annotations

import datetime as dt

LANGS = ("ca", "es", "en")
LANG_NAMES = {"ca": "Català", "es": "Español", "en": "English"}

MONTHS = {
    "ca": ["de gener", "de febrer", "de març", "d'abril", "de maig", "de juny", "de juliol", "d'agost",
           "de setembre", "d'octubre", "de novembre", "de desembre"],
    "es": ["de enero", "de febrero", "de marzo", "de abril", "de mayo", "de junio", "de julio", "de agosto",
           "de septiembre", "de octubre", "de noviembre", "de diciembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}

# One body of each type, for tables that list bodies.
TYPE_SINGULAR = {
    "AJUNTAMENT": {"ca": "Ajuntament", "es": "Ayuntamiento", "en": "Municipal council"},
    "DIPUTACIO": {"ca": "Diputació", "es": "Diputación", "en": "Provincial council"},
    "CONSELL_COMARCAL": {"ca": "Consell comarcal", "es": "Consejo comarcal", "en": "County council"},
    "AREA_METROPOLITANA": {"ca": "Àrea metropolitana", "es": "Área metropolitana", "en": "Metropolitan area"},
    "ENTITAT_MUNICIPALISTA": {"ca": "Entitat municipalista", "es": "Entidad municipalista", "en": "Association of municipalities"},
    "EMD": {"ca": "EMD", "es": "EMD", "en": "Decentralised municipal entity"},
    "MANCOMUNITAT": {"ca": "Mancomunitat", "es": "Mancomunidad", "en": "Mancomunitat"},
    "CONSORCI": {"ca": "Consorci", "es": "Consorcio", "en": "Consortium"},
    "ORGANISME_AUTONOM": {"ca": "Organisme autònom", "es": "Organismo autónomo", "en": "Autonomous body"},
    "ENTITAT_PUBLICA_EMPRESARIAL": {"ca": "Entitat pública empresarial", "es": "Entidad pública empresarial",
                                    "en": "Public business entity"},
    "SOCIETAT_MERCANTIL_LOCAL": {"ca": "Societat mercantil local", "es": "Sociedad mercantil local", "en": "Local public company"},
}

# Labels of the code lists the tables use (plural: what charts and figures count).
CODES = {
    "tipus_ens": {
        "AJUNTAMENT": {"ca": "Ajuntaments", "es": "Ayuntamientos", "en": "Municipal councils"},
        "DIPUTACIO": {"ca": "Diputacions", "es": "Diputaciones", "en": "Provincial councils"},
        "CONSELL_COMARCAL": {"ca": "Consells comarcals", "es": "Consejos comarcales", "en": "County councils"},
        "AREA_METROPOLITANA": {"ca": "Àrea Metropolitana de Barcelona", "es": "Área Metropolitana de Barcelona",
                               "en": "Barcelona Metropolitan Area"},
        "ENTITAT_MUNICIPALISTA": {"ca": "Entitats municipalistes", "es": "Entidades municipalistas",
                                  "en": "Associations of municipalities"},
        "EMD": {"ca": "EMD", "es": "EMD", "en": "Decentralised municipal entities"},
        "MANCOMUNITAT": {"ca": "Mancomunitats", "es": "Mancomunidades", "en": "Associations of municipalities (mancomunitats)"},
        "CONSORCI": {"ca": "Consorcis", "es": "Consorcios", "en": "Consortia"},
        "ORGANISME_AUTONOM": {"ca": "Organismes autònoms", "es": "Organismos autónomos", "en": "Autonomous bodies"},
        "ENTITAT_PUBLICA_EMPRESARIAL": {"ca": "Entitats públiques empresarials", "es": "Entidades públicas empresariales",
                                        "en": "Public business entities"},
        "SOCIETAT_MERCANTIL_LOCAL": {"ca": "Societats mercantils locals", "es": "Sociedades mercantiles locales",
                                     "en": "Local public companies"},
    },
    "servei": {
        "FIX_VEU_DADES": {"ca": "Fix: veu, dades i internet", "es": "Fijo: voz, datos e internet", "en": "Fixed: voice, data, internet"},
        "MOBIL": {"ca": "Mòbil", "es": "Móvil", "en": "Mobile"},
        "VEU_FIXA": {"ca": "Veu fixa", "es": "Voz fija", "en": "Fixed voice"},
        "CONNECTIVITAT_DADES": {"ca": "Connectivitat de dades", "es": "Conectividad de datos", "en": "Data connectivity"},
    },
    "tipus_conveni": {
        "CONVENI": {"ca": "Convenis", "es": "Convenios", "en": "Agreements"},
        "ADDENDA": {"ca": "Addendes", "es": "Adendas", "en": "Addenda"},
        "PRORROGA": {"ca": "Pròrrogues", "es": "Prórrogas", "en": "Extensions"},
        "PROTOCOL": {"ca": "Protocols", "es": "Protocolos", "en": "Protocols"},
        "ENCARREC_GESTIO": {"ca": "Encàrrecs de gestió", "es": "Encargos de gestión", "en": "Management assignments"},
        "ACORD_MARC": {"ca": "Acords marc", "es": "Acuerdos marco", "en": "Framework agreements"},
    },
}

S = {
    "site_name": {"ca": "Dades obertes del Consorci Localret", "es": "Datos abiertos del Consorci Localret",
                  "en": "Consorci Localret open data"},
    "skip": {"ca": "Salta al contingut", "es": "Saltar al contenido", "en": "Skip to content"},
    "lang_nav": {"ca": "Idioma", "es": "Idioma", "en": "Language"},
    "site_nav": {"ca": "Seccions del lloc", "es": "Secciones del sitio", "en": "Site sections"},
    "breadcrumb": {"ca": "Camí de navegació", "es": "Ruta de navegación", "en": "Breadcrumb"},
    "home": {"ca": "Inici", "es": "Inicio", "en": "Home"},
    "datasets": {"ca": "Conjunts de dades", "es": "Conjuntos de datos", "en": "Datasets"},
    "illustrative": {
        "ca": "Dades d'exemple generades per il·lustrar el format: no són registres reals del Consorci Localret.",
        "es": "Datos de ejemplo generados para ilustrar el formato: no son registros reales del Consorci Localret.",
        "en": "Sample data generated to illustrate the format: these are not Consorci Localret's real records.",
    },
    "about_title": {"ca": "Què és Localret", "es": "Qué es Localret", "en": "What Localret is"},
    "about": {
        "ca": "El Consorci Localret és el consorci dels ens locals de Catalunya per a les telecomunicacions i les "
              "TIC, creat el 1997 amb el suport de la Federació de Municipis de Catalunya i l'Associació Catalana de "
              "Municipis. Assessora els ajuntaments i altres ens locals sobre xarxes i serveis digitals, els representa "
              "davant dels operadors i d'altres administracions, i contracta de manera agregada els serveis de "
              "telecomunicacions de centenars d'ens.",
        "es": "El Consorci Localret es el consorcio de los entes locales de Cataluña para las telecomunicaciones y las "
              "TIC, creado en 1997 con el apoyo de la Federació de Municipis de Catalunya y la Associació Catalana de "
              "Municipis. Asesora a los ayuntamientos y otros entes locales sobre redes y servicios digitales, los "
              "representa ante los operadores y otras administraciones, y contrata de forma agregada los servicios de "
              "telecomunicaciones de cientos de entes.",
        "en": "Consorci Localret is the consortium of Catalan local governments for telecommunications and ICT, founded "
              "in 1997 with the support of the two associations of municipalities, FMC and ACM. It advises municipal "
              "councils and other local bodies on networks and digital services, represents them before operators "
              "and other administrations, and runs aggregated purchasing of telecom services for hundreds of bodies.",
    },
    "about_data": {
        "ca": "Aquí es publiquen les seves dades obertes: qui en són membres, la contractació agregada, els convenis i "
              "les xifres que se'n deriven, amb llicència CC BY 4.0, en formats per a persones i per a màquines.",
        "es": "Aquí se publican sus datos abiertos: quién es miembro, la contratación agregada, los convenios y las "
              "cifras que se derivan, con licencia CC BY 4.0, en formatos para personas y para máquinas.",
        "en": "This site publishes its open data: who its members are, the aggregated procurement, the agreements and "
              "the figures derived from them, under a CC BY 4.0 licence, in formats for people and for machines.",
    },
    "definition": {"ca": "Què es compta", "es": "Qué se cuenta", "en": "What is counted"},
    "coverage": {"ca": "cobertura de població i municipis", "es": "cobertura de población y municipios",
                 "en": "population and municipality coverage"},
    "headline": {"ca": "Localret en xifres", "es": "Localret en cifras", "en": "Localret in figures"},
    "on_date": {"ca": "a {date}", "es": "a {date}", "en": "on {date}"},
    "active_members": {"ca": "membres actius", "es": "miembros activos", "en": "active members"},
    "population_share": {"ca": "de la població de Catalunya viu en un municipi membre",
                         "es": "de la población de Cataluña vive en un municipio miembro",
                         "en": "of Catalonia's population lives in a member municipality"},
    "municipality_share": {"ca": "dels {n} municipis de Catalunya en són membres",
                           "es": "de los {n} municipios de Cataluña son miembros",
                           "en": "of Catalonia's {n} municipalities are members"},
    "population_year": {"ca": "Població de {year} (Font: Idescat).", "es": "Población de {year} (Fuente: Idescat).",
                        "en": "Population in {year} (Source: Idescat)."},
    "last_update": {"ca": "Darrera actualització de les dades", "es": "Última actualización de los datos",
                    "en": "Data last updated"},
    "version": {"ca": "Versió", "es": "Versión", "en": "Version"},
    "size": {"ca": "Mida", "es": "Tamaño", "en": "Size"},
    "rows": {"ca": "Files", "es": "Filas", "en": "Rows"},
    "tables": {"ca": "Taules", "es": "Tablas", "en": "Tables"},
    "details": {"ca": "Fitxa, diccionari i versions", "es": "Ficha, diccionario y versiones", "en": "Details, dictionary and versions"},
    "all_tables_csv": {"ca": "CSV ({n} taules)", "es": "CSV ({n} tablas)", "en": "CSV ({n} tables)"},
    "downloads_of": {"ca": "Descàrregues de {title}", "es": "Descargas de {title}", "en": "Downloads of {title}"},
    "whole_site": {"ca": "Tot el catàleg", "es": "Todo el catálogo", "en": "The whole catalogue"},
    "duckdb": {"ca": "Base de dades DuckDB amb totes les taules", "es": "Base de datos DuckDB con todas las tablas",
               "en": "DuckDB database with every table"},
    "catalog_rdf": {"ca": "Catàleg DCAT-AP-ES (RDF/XML)", "es": "Catálogo DCAT-AP-ES (RDF/XML)", "en": "DCAT-AP-ES catalogue (RDF/XML)"},
    "catalog_jsonld": {"ca": "Catàleg DCAT-AP-ES (JSON-LD)", "es": "Catálogo DCAT-AP-ES (JSON-LD)", "en": "DCAT-AP-ES catalogue (JSON-LD)"},
    "feed": {"ca": "Canal Atom de noves versions", "es": "Canal Atom de nuevas versiones", "en": "Atom feed of new releases"},
    "feed_dataset": {"ca": "Canal Atom de noves versions d'aquest conjunt", "es": "Canal Atom de nuevas versiones de este conjunto",
                     "en": "Atom feed of this dataset's new releases"},
    "charts": {"ca": "Gràfics", "es": "Gráficos", "en": "Charts"},
    "chart_data": {"ca": "Dades del gràfic", "es": "Datos del gráfico", "en": "Chart data"},
    # A scrollable table's own region: named apart from its section, since two landmarks with one name are one too many.
    "table_of": {"ca": "Taula: {title}", "es": "Tabla: {title}", "en": "Table: {title}"},
    "licence": {"ca": "Llicència", "es": "Licencia", "en": "Licence"},
    "licence_text": {
        "ca": "Podeu copiar, redistribuir, transformar i fer ús comercial d'aquestes dades, sempre que citeu la font.",
        "es": "Puede copiar, redistribuir, transformar y usar comercialmente estos datos, siempre que cite la fuente.",
        "en": "You may copy, redistribute, transform and use these data commercially, as long as you credit the source.",
    },
    "cite": {"ca": "Com citar", "es": "Cómo citar", "en": "How to cite"},
    "downloads": {"ca": "Descàrregues", "es": "Descargas", "en": "Downloads"},
    "downloads_note": {
        "ca": "Fitxers de la darrera versió ({version}). Aquestes adreces sota latest/ no canvien mai: sempre donen la versió més recent.",
        "es": "Ficheros de la última versión ({version}). Estas direcciones bajo latest/ no cambian nunca: siempre dan la versión más reciente.",
        "en": "Files of the latest version ({version}). These addresses under latest/ never change: they always give the newest version.",
    },
    "file": {"ca": "Fitxer", "es": "Fichero", "en": "File"},
    "format": {"ca": "Format", "es": "Formato", "en": "Format"},
    "contents": {"ca": "Contingut", "es": "Contenido", "en": "Contents"},
    "sha256": {"ca": "SHA-256", "es": "SHA-256", "en": "SHA-256"},
    "dictionary": {"ca": "Diccionari de dades", "es": "Diccionario de datos", "en": "Data dictionary"},
    "dictionary_note": {
        "ca": "",
        "es": "Los títulos y las descripciones de los campos están en catalán.",
        "en": "Field titles and descriptions are in Catalan.",
    },
    "field": {"ca": "Camp", "es": "Campo", "en": "Field"},
    "title": {"ca": "Títol", "es": "Título", "en": "Title"},
    "type": {"ca": "Tipus", "es": "Tipo", "en": "Type"},
    "description": {"ca": "Descripció", "es": "Descripción", "en": "Description"},
    "example": {"ca": "Exemple", "es": "Ejemplo", "en": "Example"},
    "constraints": {"ca": "Restriccions", "es": "Restricciones", "en": "Constraints"},
    "table": {"ca": "Taula", "es": "Tabla", "en": "Table"},
    "preview": {"ca": "Primeres files", "es": "Primeras filas", "en": "First rows"},
    "preview_of": {"ca": "Primeres {n} de {total} files de {table}", "es": "Primeras {n} de {total} filas de {table}",
                   "en": "First {n} of {total} rows of {table}"},
    "changelog": {"ca": "Canvis recents", "es": "Cambios recientes", "en": "Recent changes"},
    "versions": {"ca": "Totes les versions", "es": "Todas las versiones", "en": "Every version"},
    "versions_note": {
        "ca": "Cada versió és immutable: la seva carpeta no es reescriu mai. La llista completa, per a màquines:",
        "es": "Cada versión es inmutable: su carpeta nunca se reescribe. La lista completa, para máquinas:",
        "en": "Every version is immutable: its folder is never rewritten. The full list, for machines:",
    },
    "date": {"ca": "Data", "es": "Fecha", "en": "Date"},
    "change_kind": {"ca": "Tipus de canvi", "es": "Tipo de cambio", "en": "Kind of change"},
    "summary": {"ca": "Resum", "es": "Resumen", "en": "Summary"},
    "files": {"ca": "Fitxers", "es": "Ficheros", "en": "Files"},
    "bump": {
        "initial": {"ca": "primera", "es": "primera", "en": "first"},
        "major": {"ca": "estructura", "es": "estructura", "en": "structure"},
        "minor": {"ca": "dades noves", "es": "datos nuevos", "en": "new data"},
        "patch": {"ca": "correccions", "es": "correcciones", "en": "corrections"},
    },
    "facts": {"ca": "Fitxa", "es": "Ficha", "en": "Summary"},
    "published": {"ca": "Publicada", "es": "Publicada", "en": "Released"},
    "first_release": {"ca": "Primera publicació", "es": "Primera publicación", "en": "First released"},
    "reference_date": {"ca": "Data de referència", "es": "Fecha de referencia", "en": "Reference date"},
    "keywords": {"ca": "Paraules clau", "es": "Palabras clave", "en": "Keywords"},
    "update_frequency": {"ca": "Actualització", "es": "Actualización", "en": "Updates"},
    "update_text": {
        "ca": "Es comprova cada nit; només es publica una versió nova quan canvien les dades.",
        "es": "Se comprueba cada noche; solo se publica una versión nueva cuando cambian los datos.",
        "en": "Checked every night; a new version is published only when the data change.",
    },
    "contact": {"ca": "Contacte", "es": "Contacto", "en": "Contact"},
    "search_title": {"ca": "Cerca d'ens", "es": "Búsqueda de entes", "en": "Find a body"},
    "search_intro": {
        "ca": "Filtreu la llista per nom, tipus o comarca. La columna «Membre» diu si l'ens és membre del Consorci a la data de referència.",
        "es": "Filtre la lista por nombre, tipo o comarca. La columna «Miembro» dice si el ente es miembro del Consorci en la fecha de referencia.",
        "en": "Filter the list by name, type or comarca. The «Member» column says whether the body is a member on the reference date.",
    },
    "search_name": {"ca": "Nom", "es": "Nombre", "en": "Name"},
    "search_type": {"ca": "Tipus d'ens", "es": "Tipo de ente", "en": "Type of body"},
    "search_comarca": {"ca": "Comarca", "es": "Comarca", "en": "Comarca"},
    "search_any": {"ca": "Tots", "es": "Todos", "en": "All"},
    "search_any_f": {"ca": "Totes", "es": "Todas", "en": "All"},
    "search_count": {"ca": "{n} ens", "es": "{n} entes", "en": "{n} bodies"},
    "search_of": {"ca": "de", "es": "de", "en": "of"},
    "search_shown": {"ca": "ens mostrats", "es": "entes mostrados", "en": "bodies shown"},
    "search_capped": {
        "ca": "La llista mostra els {n} primers ens per ordre alfabètic, de {total}. Tots són al fitxer {file}.",
        "es": "La lista muestra los {n} primeros entes por orden alfabético, de {total}. Todos están en el fichero {file}.",
        "en": "The list shows the first {n} bodies in alphabetical order, of {total}. All of them are in the file {file}.",
    },
    "chart_capped": {
        "ca": "El gràfic i la taula mostren els {n} amb més adhesions, de {total}. Tots són a la taula {table} del conjunt «Resums».",
        "es": "El gráfico y la tabla muestran los {n} con más adhesiones, de {total}. Todos están en la tabla {table} del conjunto «Resúmenes».",
        "en": "The chart and the table show the {n} with most adhesions, of {total}. All of them are in the table {table} of the «Summaries» dataset.",
    },
    "member": {"ca": "Membre", "es": "Miembro", "en": "Member"},
    "yes": {"ca": "Sí", "es": "Sí", "en": "Yes"},
    "no": {"ca": "No", "es": "No", "en": "No"},
    "code": {"ca": "Codi", "es": "Código", "en": "Code"},
    "name": {"ca": "Nom", "es": "Nombre", "en": "Name"},
    "province": {"ca": "Província", "es": "Provincia", "en": "Province"},
    "footer_source": {"ca": "Font: Consorci Localret", "es": "Fuente: Consorci Localret", "en": "Source: Consorci Localret"},
    "footer_licence": {"ca": "Dades amb llicència", "es": "Datos con licencia", "en": "Data licensed under"},
    "machine_readable": {"ca": "Metadades per a màquines", "es": "Metadatos para máquinas", "en": "Machine-readable metadata"},
    "sitemap": {"ca": "Mapa del lloc", "es": "Mapa del sitio", "en": "Sitemap"},
    "more_versions": {"ca": "i {n} versions anteriors més a la taula de versions", "es": "y {n} versiones anteriores más en la tabla de versiones",
                      "en": "and {n} earlier versions in the table of versions"},
}

# What every chart shows.
CHARTS = {
    "members-by-type": {"ca": "Membres actius per tipus d'ens", "es": "Miembros activos por tipo de ente",
                        "en": "Active members by type of body"},
    "members-by-province": {"ca": "Membres actius per província", "es": "Miembros activos por provincia",
                            "en": "Active members by province"},
    "members-by-comarca": {"ca": "Ajuntaments membres per comarca", "es": "Ayuntamientos miembros por comarca",
                           "en": "Member municipal councils by comarca"},
    "members-per-year": {"ca": "Membres actius a final de cada any, des de 1997",
                         "es": "Miembros activos a final de cada año, desde 1997",
                         "en": "Active members at the end of each year since 1997"},
    "joins-and-leavings": {"ca": "Altes i baixes de membres per any", "es": "Altas y bajas de miembros por año",
                           "en": "Members joining and leaving, by year"},
    "adhesions-by-lot": {"ca": "Adhesions per procediment i lot", "es": "Adhesiones por procedimiento y lote",
                         "en": "Adhesions by procedure and lot"},
    "adhesions-by-operator": {"ca": "Adhesions per operador", "es": "Adhesiones por operador", "en": "Adhesions by operator"},
    "agreements-per-year": {"ca": "Convenis per any de signatura i tipus", "es": "Convenios por año de firma y tipo",
                            "en": "Agreements by year of signature and type"},
}
AXES = {
    "members": {"ca": "Membres actius", "es": "Miembros activos", "en": "Active members"},
    "councils": {"ca": "Ajuntaments membres", "es": "Ayuntamientos miembros", "en": "Member municipal councils"},
    "adhesions": {"ca": "Adhesions", "es": "Adhesiones", "en": "Adhesions"},
    "joins": {"ca": "Altes", "es": "Altas", "en": "Joins"},
    "joins_leavings": {"ca": "Ens: altes (+) i baixes (−)", "es": "Entes: altas (+) y bajas (−)", "en": "Bodies: joins (+), leavings (−)"},
    "in_force": {"ca": "Vigents", "es": "Vigentes", "en": "In force"},
    "no_operator": {"ca": "(pendent d'adjudicació)", "es": "(pendiente de adjudicación)", "en": "(not yet awarded)"},
    "leavings": {"ca": "Baixes", "es": "Bajas", "en": "Leavings"},
    "agreements": {"ca": "Convenis signats", "es": "Convenios firmados", "en": "Agreements signed"},
    "year": {"ca": "Any", "es": "Año", "en": "Year"},
    "lot": {"ca": "Lot", "es": "Lote", "en": "Lot"},
    "procedure": {"ca": "Procediment", "es": "Procedimiento", "en": "Procedure"},
    "service": {"ca": "Servei", "es": "Servicio", "en": "Service"},
    "operator": {"ca": "Operador", "es": "Operador", "en": "Operator"},
    "comarca": {"ca": "Comarca", "es": "Comarca", "en": "Comarca"},
    "municipalities": {"ca": "Municipis", "es": "Municipios", "en": "Municipalities"},
    "total": {"ca": "Total", "es": "Total", "en": "Total"},
}


def register(strings: dict) -> None:
    """A section's own words ({key: {"ca", "es", "en"}}), kept in its module; a key is never redefined."""
    for key, text in strings.items():
        if key in S and S[key] != text:
            raise ValueError(f"i18n key {key!r} defined twice")
        if set(text) != set(LANGS):
            raise ValueError(f"i18n key {key!r} needs {LANGS}")
        S[key] = text


def t(key: str, lang: str, **kw) -> str:
    text = S[key][lang]
    return text.format(**kw) if kw else text


def type_singular(code: str | None, lang: str) -> str:
    if not code:
        return ""
    return TYPE_SINGULAR.get(code, {}).get(lang, code)


def code_label(kind: str, code: str | None, lang: str) -> str:
    if code is None:
        return ""
    return CODES.get(kind, {}).get(code, {}).get(lang, code)


def number(value, lang: str, decimals: int = 0) -> str:
    """1234567.5 -> "1.234.567,5" (ca, es) or "1,234,567.5" (en)."""
    if value is None or value == "":
        return ""
    text = f"{float(value):,.{decimals}f}"
    if lang in ("ca", "es"):
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def percent(value, lang: str, decimals: int = 1) -> str:
    n = number(value, lang, decimals)
    return f"{n}%" if lang == "en" else f"{n} %"


def size(nbytes: int, lang: str) -> str:
    """Bytes in SI units: 121.490 -> "121,5 kB"."""
    n = float(nbytes)
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{number(n, lang, 0 if unit == 'B' else 1)} {unit}"
        n /= 1000
    return f"{nbytes} B"


def date(value: str | dt.date | None, lang: str) -> str:
    if not value:
        return ""
    d = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    if lang == "en":
        return f"{d.day} {MONTHS['en'][d.month - 1]} {d.year}"
    return f"{d.day} {MONTHS[lang][d.month - 1]} de {d.year}"
